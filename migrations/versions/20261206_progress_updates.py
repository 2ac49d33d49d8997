"""Progress updates: dated reports of a commitment's status and progress, with evidence
attachments; the plan setting that they count only once confirmed by the lead party.

Revision ID: 0022_progress_updates
Revises: 0020_attachments
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022_progress_updates"
down_revision: str | None = "0021_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_PARENTS_BEFORE = "('commitment', 'exchange', 'review', 'review_item', 'amendment')"
_PARENTS_AFTER = "('commitment', 'exchange', 'review', 'review_item', 'amendment', 'progress_update')"


def _attachment_parents(values: str) -> None:
    # SQLite rebuilds the table (batch mode) to change a CHECK constraint.
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_attachment_parent_type"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_attachment_parent_type"), f"parent_type IN {values}"
        )


def upgrade() -> None:
    # A plain ADD COLUMN (not batch mode): rebuilding the plan table on SQLite would drop the
    # triggers that keep its search entries.
    op.add_column(
        "plan",
        sa.Column(
            "progress_updates_need_confirmation",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )
    op.create_table(
        "progress_update",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("narrative", _JSON, nullable=False),
        sa.Column("translations", _JSON, server_default="{}", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("author_party_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'completed', 'deferred', 'cancelled')",
            name=op.f("ck_progress_update_status"),
        ),
        sa.CheckConstraint(
            "state IN ('recorded', 'pending', 'confirmed', 'rejected')",
            name=op.f("ck_progress_update_state"),
        ),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_progress_update_progress")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
            name=op.f("fk_progress_update_plan_id_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
            name=op.f("fk_progress_update_commitment_id_commitment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_party_id"], ["party.id"], name=op.f("fk_progress_update_author_party_id_party")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user_account.id"],
            name=op.f("fk_progress_update_created_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_progress_update_decided_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_update")),
    )
    op.create_index(
        "ix_progress_update_commitment_id_as_of_date",
        "progress_update",
        ["commitment_id", "as_of_date"],
    )
    op.create_index(
        "ix_progress_update_plan_id_as_of_date", "progress_update", ["plan_id", "as_of_date"]
    )
    _attachment_parents(_PARENTS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM attachment WHERE parent_type = 'progress_update'")
    _attachment_parents(_PARENTS_BEFORE)
    op.drop_index("ix_progress_update_plan_id_as_of_date", table_name="progress_update")
    op.drop_index("ix_progress_update_commitment_id_as_of_date", table_name="progress_update")
    op.drop_table("progress_update")
    op.drop_column("plan", "progress_updates_need_confirmation")
