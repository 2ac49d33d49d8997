"""Tables for plans, plan parties, priority areas and plan versions."""

import uuid
from datetime import date, datetime
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
    false,
)
from sqlmodel import Field, SQLModel

from itpp_api.db import (
    Created,
    EnumString,
    HasId,
    PortableJSON,
    Record,
    UTCDateTime,
)
from itpp_api.enums import PlanStatus, check_in


class Plan(Record, table=True):
    """A partnership cooperation plan agreed between two or more parties."""

    # Columns no audit event shows (audit.service.audited). Derived from the approval date and
    # term; the deletion is an event of its own.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"expiry_date", "deleted_at"})

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint(check_in("status", PlanStatus), name="status"),
        CheckConstraint("term_months BETWEEN 1 AND 240", name="term_months"),
        CheckConstraint(
            "review_interval_months BETWEEN 1 AND term_months", name="review_interval_months"
        ),
        Index("ix_plan_status_expiry_date", "status", "expiry_date"),
    )

    reference: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # Numbered narrative sections: [{"number": "1.1", "heading": {...}, "body": {...}}].
    sections: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(PortableJSON, nullable=False)
    )
    objectives: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(PortableJSON, nullable=False)
    )
    # The signed lead texts around the lists and chapters (schemas.PlanLeadTexts):
    # {"objectives": {"number": "2.2", "text": {...}}, "areas": {...}, "chapters": [...]}.
    lead_texts: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    status: PlanStatus = Field(sa_column=Column(EnumString(PlanStatus, 16), nullable=False))
    approval_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    term_months: int = Field(sa_column=Column(Integer, nullable=False))
    # Approval date plus term, kept on write so lists and dashboards can filter on it in SQL.
    expiry_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    review_interval_months: int = Field(sa_column=Column(Integer, nullable=False))
    predecessor_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("plan.id"), nullable=True, index=True),
    )
    # Whether a progress update counts only once an approver of the commitment's lead party
    # confirms it (agreed content: on a plan in force it changes by amendment).
    progress_updates_need_confirmation: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # The day an agreed termination took effect (status terminated).
    termination_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    # A deleted draft (never in force): gone from every list and read, kept on record.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class PlanParty(SQLModel, table=True):
    """Membership of a party in a plan, in the order the plan names them."""

    __tablename__ = "plan_party"

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    )
    party_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("party.id"), primary_key=True, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))


class PriorityArea(Record, table=True):
    """An ordered, coded priority area of a plan (seed §3.1.x)."""

    # Columns no audit event shows (audit.service.audited). The event names the plan; the
    # retirement is an event of its own.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"plan_id", "retired_at"})

    __tablename__ = "priority_area"
    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_priority_area_plan_id_code"),
        UniqueConstraint("plan_id", "short_code", name="uq_priority_area_plan_id_short_code"),
        Index("ix_priority_area_plan_id_position", "plan_id", "position"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    code: str = Field(sa_column=Column(String(16), nullable=False))
    short_code: str = Field(sa_column=Column(String(8), nullable=False))
    position: int = Field(sa_column=Column(Integer, nullable=False))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    description: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    # Retired by an applied amendment: kept for history, no new commitments under it.
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class PlanVersion(Created, HasId, table=True):
    """A numbered, full snapshot of a plan, taken whenever an agreed change applies."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_version_plan_id_number"),
        Index("ix_plan_version_plan_id_agreed_on", "plan_id", "agreed_on"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    snapshot: dict[str, Any] = Field(sa_column=Column(PortableJSON, nullable=False))
    # The day from which the version is what the parties agreed: the approval date for the
    # first, the day an amendment applied or a termination took effect for the others.
    agreed_on: date = Field(sa_column=Column(Date, nullable=False))
    # The consent that made it (an applied amendment; for a renewal's successor, the renewal of
    # its predecessor); null when the operator recorded a plan agreed outside the system.
    amendment_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("amendment.id", ondelete="SET NULL"), nullable=True),
    )


class ReferenceCounter(SQLModel, table=True):
    """The highest number taken in one reference series of a plan (`CYB`, `CYB-JP`, `EX`):
    the next reference is one more, without reading the plan's references."""

    __tablename__ = "reference_counter"

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    )
    series: str = Field(sa_column=Column(String(32), primary_key=True))
    last: int = Field(sa_column=Column(Integer, nullable=False))
