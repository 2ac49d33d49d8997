"""The plan's lead texts: the signed sentences introducing its objectives and priority-area
lists, and the headings and lead text of its chapters (schemas.PlanLeadTexts). Existing plans
get `{}` (no lead texts), which reads as none.

Revision ID: 0017_plan_lead_texts
Revises: 0016_inbox_indexes
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_plan_lead_texts"
down_revision: str | None = "0016_inbox_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    # A plain ADD COLUMN, NOT NULL with a server default, on both engines: batch mode would
    # rebuild the plan table on SQLite, and dropping the old one would take every row of the
    # tables with ON DELETE CASCADE to it along (see 0005, translation state).
    op.add_column("plan", sa.Column("lead_texts", _JSON, server_default="{}", nullable=False))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), for the same reason.
    op.drop_column("plan", "lead_texts")
