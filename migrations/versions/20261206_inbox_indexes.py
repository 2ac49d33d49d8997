"""The inbox at any number of plans: a partial index of open commitments by lead party, due date
and reference, which the inbox's "commitments my party leads that are overdue or quiet" reads
in order and stops at its cap (it read every commitment of the party's plans in force).

Revision ID: 0016_inbox_indexes
Revises: 0015_webhooks
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_inbox_indexes"
down_revision: str | None = "0015_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Open: neither completed nor cancelled (commitments/models.py, CLOSED_STATUSES).
_OPEN = sa.text("status NOT IN ('completed', 'cancelled')")


def upgrade() -> None:
    op.create_index(
        "ix_commitment_open_lead_party_id_due_date",
        "commitment",
        ["lead_party_id", "due_date", "reference"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_commitment_open_lead_party_id_due_date", table_name="commitment")
