"""Audit events name their subject: the commitment or exchange whose visibility governs who may
read them (the record itself, or the commitment of a milestone, review item or assessment), so
events follow their subject's current visibility. And each party's internal commitments and
exchanges move to a reference series of their own (CYB-03 → CYB-JP-01, EX-004 → EX-JP-001).

Existing events: a commitment's or exchange's own events name it; a milestone's event names the
commitment of the milestone (from the milestone, or, once deleted, from the event's own data); a
review item's and an assessment's name the item's commitment.

Existing internal records numbered in the shared series are renumbered in their party's series,
in the order of their old numbers (the shared series keeps the numbers it has: changing a
shared record's reference would change what the parties agreed).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import re
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _backfill() -> None:
    bind = op.get_bind()
    event = sa.table(
        'audit_event',
        sa.column('seq', sa.BigInteger()),
        sa.column('entity_type', sa.String()),
        sa.column('entity_id', sa.Uuid()),
        sa.column('before', sa.JSON()),
        sa.column('after', sa.JSON()),
        sa.column('subject_id', sa.Uuid()),
    )
    milestone = sa.table(
        'milestone', sa.column('id', sa.Uuid()), sa.column('commitment_id', sa.Uuid())
    )
    item = sa.table(
        'review_item', sa.column('id', sa.Uuid()), sa.column('commitment_id', sa.Uuid())
    )
    assessment = sa.table(
        'review_assessment', sa.column('id', sa.Uuid()), sa.column('review_item_id', sa.Uuid())
    )
    milestones = dict(bind.execute(sa.select(milestone.c.id, milestone.c.commitment_id)).all())
    items = dict(bind.execute(sa.select(item.c.id, item.c.commitment_id)).all())
    assessments = {
        assessment_id: items.get(item_id)
        for assessment_id, item_id in bind.execute(
            sa.select(assessment.c.id, assessment.c.review_item_id)
        ).all()
    }
    rows = bind.execute(
        sa.select(
            event.c.seq, event.c.entity_type, event.c.entity_id, event.c.before, event.c.after
        ).where(
            event.c.entity_type.in_(
                ('commitment', 'exchange', 'milestone', 'review_item', 'review_assessment')
            )
        )
    ).all()
    values = []
    for row in rows:
        if row.entity_type in ('commitment', 'exchange'):
            subject = row.entity_id
        elif row.entity_type == 'milestone':
            data = {**(row.before or {}), **(row.after or {})}
            subject = milestones.get(row.entity_id) or _as_uuid(data.get('commitment_id'))
        elif row.entity_type == 'review_item':
            subject = items.get(row.entity_id)
        else:
            subject = assessments.get(row.entity_id)
        if subject is not None:
            values.append({'row_seq': row.seq, 'subject': subject})
    update = (
        event.update()
        .where(event.c.seq == sa.bindparam('row_seq'))
        .values(subject_id=sa.bindparam('subject'))
    )
    for start in range(0, len(values), _BATCH):
        bind.execute(update, values[start : start + _BATCH])


_SHARED_FORMS = {
    'commitment': (re.compile(r'^([A-Z][A-Z0-9]{0,7})-([0-9]+)$'), 'lead_party_id', 2),
    'exchange': (re.compile(r'^(EX)-([0-9]+)$'), 'from_party_id', 3),
}


def _renumber_internal() -> None:
    bind = op.get_bind()
    codes = dict(bind.execute(sa.text('SELECT id, code FROM party')).all())
    for table_name, (shared_form, owner_column, digits) in _SHARED_FORMS.items():
        table = sa.table(
            table_name,
            sa.column('id', sa.Uuid()),
            sa.column('plan_id', sa.Uuid()),
            sa.column('reference', sa.String()),
            sa.column('visibility', sa.String()),
            sa.column('search_text', sa.Text()),
            sa.column(owner_column, sa.Uuid()),
        )
        rows = bind.execute(
            sa.select(
                table.c.id,
                table.c.plan_id,
                table.c.reference,
                table.c.visibility,
                table.c.search_text,
                table.c[owner_column].label('owner'),
            )
        ).all()
        taken: dict[tuple[Any, str], int] = {}
        for row in rows:
            parts = row.reference.rsplit('-', 1)
            if len(parts) == 2 and parts[1].isdigit():
                key = (row.plan_id, parts[0])
                taken[key] = max(taken.get(key, 0), int(parts[1]))
        moving = sorted(
            (
                row
                for row in rows
                if row.visibility == 'internal' and shared_form.match(row.reference)
            ),
            key=lambda row: (str(row.plan_id), row.reference),
        )
        for row in moving:
            match = shared_form.match(row.reference)
            assert match is not None
            prefix = f'{match.group(1)}-{codes[row.owner]}'
            number = taken.get((row.plan_id, prefix), 0) + 1
            taken[(row.plan_id, prefix)] = number
            reference = f'{prefix}-{number:0{digits}d}'
            search = (row.search_text or '').replace(
                row.reference.casefold(), reference.casefold()
            )
            bind.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(reference=reference, search_text=search)
            )


def upgrade() -> None:
    # Plain ADD COLUMN: no table is rebuilt (see 0006 on SQLite rebuilds).
    op.add_column('audit_event', sa.Column('subject_id', sa.Uuid(), nullable=True))
    op.create_index(
        op.f('ix_audit_event_subject_id'), 'audit_event', ['subject_id'], unique=False
    )
    _backfill()
    _renumber_internal()


def downgrade() -> None:
    # The new references of internal records stay: they are valid references either way.
    op.drop_index(op.f('ix_audit_event_subject_id'), table_name='audit_event')
    op.drop_column('audit_event', 'subject_id')
