"""The dashboard at any plan size: an index that covers the count of a plan's commitments by
area, status and health (visibility and progress included), and `open_milestone`, a plan's
milestones not done yet in due order, kept by triggers on `milestone` in the writing transaction
and filled here from the milestones there are.

Revision ID: 0012
Revises: 0011_notification_outbox
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011_notification_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A milestone is open when it has a due date and no done_on; its plan is its commitment's (a
# commitment never changes plans). The same rule in each engine's trigger language.
_COPY = (
    "INSERT INTO open_milestone (milestone_id, plan_id, due_date) "
    "SELECT {m}.id, commitment.plan_id, {m}.due_date FROM commitment "
    "WHERE commitment.id = {m}.commitment_id "
    "AND {m}.done_on IS NULL AND {m}.due_date IS NOT NULL"
)
_POSTGRESQL = [
    f"""
    CREATE FUNCTION open_milestone_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM open_milestone WHERE milestone_id = OLD.id;
        END IF;
        {_COPY.format(m="NEW")};
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER tr_milestone_open_milestone AFTER INSERT OR UPDATE OF due_date, done_on, "
    "commitment_id ON milestone FOR EACH ROW EXECUTE FUNCTION open_milestone_sync()",
]
_SQLITE = [
    f"""
    CREATE TRIGGER tr_milestone_open_milestone_insert AFTER INSERT ON milestone
    BEGIN
        {_COPY.format(m="NEW")};
    END
    """,
    f"""
    CREATE TRIGGER tr_milestone_open_milestone_update
    AFTER UPDATE OF due_date, done_on, commitment_id ON milestone
    BEGIN
        DELETE FROM open_milestone WHERE milestone_id = OLD.id;
        {_COPY.format(m="NEW")};
    END
    """,
]


def upgrade() -> None:
    op.create_index(
        "ix_commitment_plan_id_priority_area_id_status_health",
        "commitment",
        [
            "plan_id",
            "priority_area_id",
            "status",
            "health",
            "visibility",
            "lead_party_id",
            "progress",
        ],
        unique=False,
    )
    op.create_table(
        "open_milestone",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_open_milestone_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
            name=op.f("fk_open_milestone_plan_id_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("milestone_id", name=op.f("pk_open_milestone")),
    )
    op.create_index(
        "ix_open_milestone_plan_id_due_date",
        "open_milestone",
        ["plan_id", "due_date"],
        unique=False,
    )
    op.execute(
        "INSERT INTO open_milestone (milestone_id, plan_id, due_date) "
        "SELECT milestone.id, commitment.plan_id, milestone.due_date "
        "FROM milestone JOIN commitment ON commitment.id = milestone.commitment_id "
        "WHERE milestone.done_on IS NULL AND milestone.due_date IS NOT NULL"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tr_milestone_open_milestone ON milestone")
        op.execute("DROP FUNCTION open_milestone_sync()")
    else:
        op.execute("DROP TRIGGER tr_milestone_open_milestone_insert")
        op.execute("DROP TRIGGER tr_milestone_open_milestone_update")
    op.drop_index("ix_open_milestone_plan_id_due_date", table_name="open_milestone")
    op.drop_table("open_milestone")
    op.drop_index("ix_commitment_plan_id_priority_area_id_status_health", table_name="commitment")
