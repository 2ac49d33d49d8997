"""Notification preferences: how each user hears of each kind (immediately, in a daily digest,
or not at all), keyed by the kind's string so new kinds need no migration; and the outbox's
digest marks (a notification queued for the daily digest, the digest mail that gathered it).

Revision ID: 0013_notification_preferences
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = "0013_notification_preferences"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "delivery IN ('immediately', 'daily_digest', 'off')",
            name=op.f("ck_notification_preference_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_preference_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preference")),
    )
    # Existing rows were queued for mails of their own.
    with op.batch_alter_table("notification") as batch:
        batch.add_column(
            sa.Column("digest", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("digest_batch", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("digest_batch")
        batch.drop_column("digest")
    op.drop_table("notification_preference")
