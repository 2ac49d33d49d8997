"""Consent by construction: a plan's versions know the day they were agreed from and the
consent (amendment) that made them; plans record the day an agreed termination took effect;
amendments keep a fingerprint of the agreed content they were proposed to.

Existing versions: the first is agreed from the plan's approval date as its snapshot records
it, the others from the day they were recorded; each is linked to the applied amendment that
produced it (a renewal's successor to its predecessor's renewal), where there is one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _backfill() -> None:
    bind = op.get_bind()
    version = sa.table(
        'plan_version',
        sa.column('id', sa.Uuid()),
        sa.column('plan_id', sa.Uuid()),
        sa.column('number', sa.Integer()),
        sa.column('snapshot', sa.JSON()),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('agreed_on', sa.Date()),
        sa.column('amendment_id', sa.Uuid()),
    )
    amendment = sa.table(
        'amendment',
        sa.column('id', sa.Uuid()),
        sa.column('plan_id', sa.Uuid()),
        sa.column('applied_version', sa.Integer()),
        sa.column('successor_plan_id', sa.Uuid()),
        sa.column('status', sa.String()),
    )
    made_by: dict[tuple[Any, int], Any] = {}
    for row in bind.execute(
        sa.select(
            amendment.c.id,
            amendment.c.plan_id,
            amendment.c.applied_version,
            amendment.c.successor_plan_id,
        ).where(amendment.c.status == 'applied')
    ):
        if row.successor_plan_id is not None:
            made_by[(row.successor_plan_id, 1)] = row.id
        elif row.applied_version is not None:
            made_by[(row.plan_id, row.applied_version)] = row.id
    rows = bind.execute(
        sa.select(
            version.c.id,
            version.c.plan_id,
            version.c.number,
            version.c.snapshot,
            version.c.created_at,
        )
    ).all()
    for row in rows:
        agreed_on = _day(row.created_at)
        approval = ((row.snapshot or {}).get('plan') or {}).get('approval_date')
        if row.number == 1 and approval:
            agreed_on = date.fromisoformat(str(approval))
        bind.execute(
            version.update()
            .where(version.c.id == row.id)
            .values(agreed_on=agreed_on, amendment_id=made_by.get((row.plan_id, row.number)))
        )


def upgrade() -> None:
    # Plain ADD COLUMN for plan and amendment, never batch mode: on SQLite a rebuild drops the
    # old table, and foreign keys with ON DELETE CASCADE would take their children with it.
    # plan_version is rebuilt (for NOT NULL and the foreign key): nothing cascades from it.
    op.add_column('plan', sa.Column('termination_date', sa.Date(), nullable=True))
    op.add_column('amendment', sa.Column('base_digest', sa.String(length=64), nullable=True))
    op.add_column('plan_version', sa.Column('agreed_on', sa.Date(), nullable=True))
    op.add_column('plan_version', sa.Column('amendment_id', sa.Uuid(), nullable=True))
    _backfill()
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.alter_column('agreed_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_plan_version_amendment_id_amendment'),
            'amendment',
            ['amendment_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(
            batch_op.f('ix_plan_version_plan_id_agreed_on'), ['plan_id', 'agreed_on'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id_agreed_on'))
        batch_op.drop_constraint(
            batch_op.f('fk_plan_version_amendment_id_amendment'), type_='foreignkey'
        )
        batch_op.drop_column('amendment_id')
        batch_op.drop_column('agreed_on')
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: see upgrade() on rebuilding tables.
    op.drop_column('amendment', 'base_digest')
    op.drop_column('plan', 'termination_date')
