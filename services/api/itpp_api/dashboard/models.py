"""What the dashboard reads besides the records themselves: its indexes, and the open milestones
of each plan in due order (kept by the database, see migration 0011)."""

import uuid
from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Uuid
from sqlmodel import Field, SQLModel

from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of

_C = table_of(Commitment).c

# Areas × status × health of a plan's commitments, counted and summed from this index alone: its
# columns are every one the aggregate and the visibility filter read (an index-only scan of the
# plan's entries, in group order, on both engines).
COUNTS_INDEX = Index(
    "ix_commitment_plan_id_priority_area_id_status_health",
    _C.plan_id,
    _C.priority_area_id,
    _C.status,
    _C.health,
    _C.visibility,
    _C.lead_party_id,
    _C.progress,
)


class OpenMilestone(SQLModel, table=True):
    """A milestone not done yet that has a due date, under its commitment's plan.

    A milestone row knows its commitment, not its plan: "a plan's overdue milestones, most
    overdue first" would read every milestone of every commitment of the plan to return 20. Here
    they are in plan and due order, so the dashboard reads the first ones and stops. Triggers on
    `milestone` (migration 0011) add, move and remove the rows in the transaction of the write;
    no code writes this table.
    """

    __tablename__ = "open_milestone"
    __table_args__ = (Index("ix_open_milestone_plan_id_due_date", "plan_id", "due_date"),)

    milestone_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("milestone.id", ondelete="CASCADE"), primary_key=True)
    )
    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    due_date: date = Field(sa_column=Column(Date, nullable=False))
