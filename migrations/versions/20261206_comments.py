"""Comments: threads on commitments, exchanges, reviews, review items and amendments, the bodies
their edits replaced, and the notification kind of a mention (issue 20, item 2).

Revision ID: 0021_comments
Revises: 0020_attachments
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021_comments"
down_revision: str | None = "0020_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'amendment_proposed', 'amendment_decided', 'review_opened', 'review_signed', "
    "'review_due', 'commitment_overdue', 'commitment_stale', 'plan_expiring'"
)


def upgrade() -> None:
    op.create_table(
        "comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("parent_type", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("thread_id", sa.Uuid(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner_party_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "mentions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision_count", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Uuid(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "parent_type IN ('commitment', 'exchange', 'review', 'review_item', 'amendment')",
            name=op.f("ck_comment_parent_type"),
        ),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_comment_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_comment_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["comment.id"], name=op.f("fk_comment_thread_id_comment")
        ),
        sa.ForeignKeyConstraint(
            ["owner_party_id"], ["party.id"], name=op.f("fk_comment_owner_party_id_party")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_comment_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["user_account.id"], name=op.f("fk_comment_deleted_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    op.create_index("ix_comment_parent_id_created_at", "comment", ["parent_id", "created_at"])
    op.create_index("ix_comment_thread_id", "comment", ["thread_id"])
    op.create_index("ix_comment_plan_id", "comment", ["plan_id"])
    op.create_table(
        "comment_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("comment_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_comment_revision_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_revision")),
    )
    op.create_index(
        "ix_comment_revision_comment_id_number", "comment_revision", ["comment_id", "number"]
    )
    # SQLite cannot alter a CHECK constraint: batch mode copies the table.
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notification_kind"), f"kind IN ({KINDS}, 'comment_mention')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM notification WHERE kind = 'comment_mention'")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_kind"), f"kind IN ({KINDS})")
    op.drop_index("ix_comment_revision_comment_id_number", table_name="comment_revision")
    op.drop_table("comment_revision")
    op.drop_index("ix_comment_plan_id", table_name="comment")
    op.drop_index("ix_comment_thread_id", table_name="comment")
    op.drop_index("ix_comment_parent_id_created_at", table_name="comment")
    op.drop_table("comment")
