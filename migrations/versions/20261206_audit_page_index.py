"""A plan's audit events page from the index: `ix_audit_event_plan_id_seq` carries the owner and
the subject of each event (PostgreSQL's INCLUDE), so what a reader may see of a plan's newest
events is decided from the index, and only the page's rows are read (bench/README.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_audit_event_plan_id_seq', table_name='audit_event')
    op.create_index(
        'ix_audit_event_plan_id_seq',
        'audit_event',
        ['plan_id', 'seq'],
        unique=False,
        postgresql_include=['owner_party_id', 'subject_id'],
    )


def downgrade() -> None:
    op.drop_index('ix_audit_event_plan_id_seq', table_name='audit_event')
    op.create_index('ix_audit_event_plan_id_seq', 'audit_event', ['plan_id', 'seq'], unique=False)
