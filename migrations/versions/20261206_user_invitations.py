"""Invitations: the one-time set-password links of invited users, each its own mail's
place in the outbox (issue 19, item 4).

Revision ID: 0024_user_invitations
Revises: 0020_attachments
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_user_invitations"
down_revision: str | None = "0023_plan_deletion"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_attempts", sa.Integer(), nullable=False),
        sa.Column("mail_next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mail_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_invitation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["user_account.id"],
            name=op.f("fk_user_invitation_invited_by_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invitation_token_hash")),
    )
    op.create_index("ix_user_invitation_user_id", "user_invitation", ["user_id"], unique=False)
    op.create_index(
        "ix_user_invitation_mail_sent_at_mail_next_at",
        "user_invitation",
        ["mail_sent_at", "mail_next_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_user_invitation_mail_sent_at_mail_next_at", table_name="user_invitation")
    op.drop_index("ix_user_invitation_user_id", table_name="user_invitation")
    op.drop_table("user_invitation")
