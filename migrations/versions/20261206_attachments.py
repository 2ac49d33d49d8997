"""Attachments: files on commitments, exchanges, reviews, review items and amendments, with
their SHA-256, kept (soft-deleted) after deletion.

Revision ID: 0020_attachments
Revises: 0019_search_entries
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0020_attachments"
down_revision: str | None = "0019_search_entries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("parent_type", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner_party_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Uuid(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "parent_type IN ('commitment', 'exchange', 'review', 'review_item', 'amendment')",
            name=op.f("ck_attachment_parent_type"),
        ),
        sa.CheckConstraint(
            "visibility IN ('shared', 'internal')", name=op.f("ck_attachment_visibility")
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_attachment_size_bytes")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_attachment_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_party_id"], ["party.id"], name=op.f("fk_attachment_owner_party_id_party")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_attachment_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["user_account.id"], name=op.f("fk_attachment_deleted_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index(
        "ix_attachment_parent_id_created_at", "attachment", ["parent_id", "created_at"]
    )
    op.create_index("ix_attachment_plan_id", "attachment", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_attachment_plan_id", table_name="attachment")
    op.drop_index("ix_attachment_parent_id_created_at", table_name="attachment")
    op.drop_table("attachment")
