"""Tables for commitments, their supporting organisations and milestones."""

import uuid
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    bindparam,
    text,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel

from itpp_api.db import EnumString, PortableJSON, Record
from itpp_api.enums import CommitmentStatus, Health, Modality, Visibility, check_in

# A commitment is closed once completed or cancelled: nothing more waits on it.
CLOSED_STATUSES = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
_OPEN = text(f"status NOT IN ({', '.join(repr(s) for s in CLOSED_STATUSES)})")


def is_open(status: ColumnElement[Any]) -> ColumnElement[bool]:
    """The criterion "not closed" on a commitment's `status` column, as the partial indexes of
    open commitments state it: the values are written into the SQL (not bound), since SQLite
    never matches a partial index through bound parameters, and PostgreSQL cannot in the
    generic plan of a prepared statement."""
    return status.not_in(
        bindparam("closed_statuses", CLOSED_STATUSES, expanding=True, literal_execute=True)
    )


class Commitment(Record, table=True):
    """What a party undertakes under a priority area of a plan."""

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"plan_id", "is_example", "search_text"})

    __tablename__ = "commitment"
    __table_args__ = (
        UniqueConstraint("plan_id", "reference", name="uq_commitment_plan_id_reference"),
        CheckConstraint(check_in("status", CommitmentStatus), name="status"),
        CheckConstraint(check_in("modality", Modality), name="modality"),
        CheckConstraint(check_in("visibility", Visibility), name="visibility"),
        CheckConstraint(f"health IS NULL OR {check_in('health', Health)}", name="health"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint(
            "start_date IS NULL OR due_date IS NULL OR due_date >= start_date", name="dates"
        ),
        # One index per filter and sort the list endpoint offers, each led by the plan.
        Index("ix_commitment_plan_id_status", "plan_id", "status"),
        Index("ix_commitment_plan_id_priority_area_id", "plan_id", "priority_area_id"),
        Index("ix_commitment_plan_id_modality", "plan_id", "modality"),
        Index("ix_commitment_plan_id_lead_party_id", "plan_id", "lead_party_id"),
        Index("ix_commitment_plan_id_health", "plan_id", "health"),
        Index("ix_commitment_plan_id_due_date", "plan_id", "due_date"),
        Index("ix_commitment_plan_id_progress", "plan_id", "progress"),
        Index("ix_commitment_plan_id_updated_at", "plan_id", "updated_at"),
        Index("ix_commitment_plan_id_created_at", "plan_id", "created_at"),
        # The inbox's "commitments my party leads that are overdue or quiet" (inbox/service.py),
        # of open commitments only: in due-date order, then by reference, so that reading stops
        # at the inbox's cap however many commitments the party leads.
        Index(
            "ix_commitment_open_lead_party_id_due_date",
            "lead_party_id",
            "due_date",
            "reference",
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        Index(
            "ix_commitment_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    priority_area_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("priority_area.id"), nullable=False)
    )
    reference: str = Field(sa_column=Column(String(32), nullable=False))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    description: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    modality: Modality = Field(sa_column=Column(EnumString(Modality, 32), nullable=False))
    lead_party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    lead_organisation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("organisation.id"), nullable=True, index=True),
    )
    start_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: CommitmentStatus = Field(
        sa_column=Column(EnumString(CommitmentStatus, 16), nullable=False)
    )
    progress: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    health: Health | None = Field(
        default=None, sa_column=Column(EnumString(Health, 16), nullable=True)
    )
    pcm_activity_ref: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    visibility: Visibility = Field(sa_column=Column(EnumString(Visibility, 16), nullable=False))
    # Sample data is marked so it can be told apart (and removed) before real use.
    is_example: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    # Lower-cased titles in every language and the reference, for `q` searches.
    search_text: str = Field(sa_column=Column(Text, nullable=False))


class CommitmentSupporter(SQLModel, table=True):
    """An organisation supporting a commitment led by another."""

    __tablename__ = "commitment_supporter"

    commitment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True)
    )
    organisation_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("organisation.id"), primary_key=True, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))


class Milestone(Record, table=True):
    """A dated step towards a commitment."""

    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_commitment_id_position", "commitment_id", "position"),)

    commitment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    done_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
