"""Reminders of the inbox's time-based items: four more notification kinds, and a key that
queues each reminder once per recipient and occasion (issue 17).

Revision ID: 0014_notification_reminders
Revises: 0013_notification_preferences
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = "0014_notification_reminders"
down_revision: str | None = "0013_notification_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "'amendment_proposed', 'amendment_decided', 'review_opened', 'review_signed'"
REMINDERS = "'review_due', 'commitment_overdue', 'commitment_stale', 'plan_expiring'"


def upgrade() -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table.
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_key", sa.String(length=200), nullable=True))
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notification_kind"), f"kind IN ({EVENTS}, {REMINDERS})"
        )
        batch_op.create_unique_constraint(
            op.f("uq_notification_recipient_id_reminder_key"), ["recipient_id", "reminder_key"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM notification WHERE reminder_key IS NOT NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_notification_recipient_id_reminder_key"), type_="unique")
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_kind"), f"kind IN ({EVENTS})")
        batch_op.drop_column("reminder_key")
