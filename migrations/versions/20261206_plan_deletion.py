"""Plan deletion: a draft that never came into force can be deleted, softly (`plan.deleted_at`;
who deleted it is the audit event's actor): it leaves every list and reads 404, its records and
audit events stay.

Revision ID: 0023_plan_deletion
Revises: 0020_attachments
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0023_plan_deletion"
down_revision: str | None = "0022_progress_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A plain ADD/DROP COLUMN on both engines: a batch copy of `plan` on SQLite would drop the
# search triggers on the table.


def upgrade() -> None:
    op.add_column("plan", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("plan", "deleted_at")
