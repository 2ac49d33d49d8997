"""The progress update table: one row per dated report on a commitment's delivery."""

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Uuid
from sqlmodel import Field

from itpp_api.db import EnumString, PortableJSON, Record, UTCDateTime
from itpp_api.enums import CommitmentStatus, ProgressUpdateState, check_in


class ProgressUpdate(Record, table=True):
    """A dated report on a commitment: its status and progress as of a day, a narrative in the
    author's language, and evidence (attachments whose parent is the update).

    Visible to whoever sees the commitment (it has no visibility of its own). It counts — sets
    the commitment's status and progress — when posted, or, on a plan whose updates need
    confirmation, once an approver of the commitment's lead party confirms it (`state`).
    """

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset(
        {"plan_id", "translations", "author_party_id", "created_by", "decided_by", "decided_at"}
    )

    __tablename__ = "progress_update"
    __table_args__ = (
        CheckConstraint(check_in("status", CommitmentStatus), name="status"),
        CheckConstraint(check_in("state", ProgressUpdateState), name="state"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index("ix_progress_update_commitment_id_as_of_date", "commitment_id", "as_of_date"),
        Index("ix_progress_update_plan_id_as_of_date", "plan_id", "as_of_date"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    commitment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False)
    )
    as_of_date: date = Field(sa_column=Column(Date, nullable=False))
    status: CommitmentStatus = Field(
        sa_column=Column(EnumString(CommitmentStatus, 16), nullable=False)
    )
    progress: int = Field(sa_column=Column(Integer, nullable=False))
    narrative: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    state: ProgressUpdateState = Field(
        sa_column=Column(EnumString(ProgressUpdateState, 16), nullable=False)
    )
    author_party_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("party.id"), nullable=True)
    )
    created_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
    decided_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
