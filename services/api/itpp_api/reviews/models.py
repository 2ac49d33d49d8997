"""Tables for review cycles, their commitment snapshots, assessments and sign-offs."""

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
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field

from itpp_api.db import (
    EnumString,
    HasId,
    PortableJSON,
    Record,
    Updated,
    UTCDateTime,
    Versioned,
    utcnow,
)
from itpp_api.enums import CommitmentStatus, Health, ReviewOutcome, ReviewStatus, check_in


class ReviewCycle(Record, table=True):
    """One joint review of a plan, due on a date derived from approval date and interval."""

    # Columns no audit event shows (audit.service.audited). The opening and the conclusion are
    # events of their own.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"opened_at", "concluded_at"})

    __tablename__ = "review_cycle"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_review_cycle_plan_id_number"),
        CheckConstraint(check_in("status", ReviewStatus), name="status"),
        CheckConstraint(f"outcome IS NULL OR {check_in('outcome', ReviewOutcome)}", name="outcome"),
        Index("ix_review_cycle_plan_id_due_date", "plan_id", "due_date"),
        Index("ix_review_cycle_status_due_date", "status", "due_date"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    is_final: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    status: ReviewStatus = Field(sa_column=Column(EnumString(ReviewStatus, 16), nullable=False))
    summary: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    outcome: ReviewOutcome | None = Field(
        default=None, sa_column=Column(EnumString(ReviewOutcome, 16), nullable=True)
    )
    opened_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    concluded_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )


class ReviewItem(Updated, Versioned, HasId, table=True):
    """A commitment under review: its state when the review opened, and the agreed rating."""

    __tablename__ = "review_item"
    __table_args__ = (
        UniqueConstraint(
            "review_id", "commitment_id", name="uq_review_item_review_id_commitment_id"
        ),
        CheckConstraint(check_in("status", CommitmentStatus), name="status"),
        CheckConstraint(f"health IS NULL OR {check_in('health', Health)}", name="health"),
        CheckConstraint(
            f"agreed_rating IS NULL OR {check_in('agreed_rating', Health)}", name="agreed_rating"
        ),
        Index("ix_review_item_commitment_id", "commitment_id"),
    )

    review_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    )
    commitment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False)
    )
    # The commitment as it stood when the review opened.
    status: CommitmentStatus = Field(
        sa_column=Column(EnumString(CommitmentStatus, 16), nullable=False)
    )
    progress: int = Field(sa_column=Column(Integer, nullable=False))
    health: Health | None = Field(
        default=None, sa_column=Column(EnumString(Health, 16), nullable=True)
    )
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    agreed_rating: Health | None = Field(
        default=None, sa_column=Column(EnumString(Health, 16), nullable=True)
    )
    agreed_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ReviewAssessment(Updated, Versioned, HasId, table=True):
    """One party's own assessment of one commitment in a review."""

    # Columns no audit event shows (audit.service.audited). The event names its actor.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"updated_by"})

    __tablename__ = "review_assessment"
    __table_args__ = (
        UniqueConstraint(
            "review_item_id", "party_id", name="uq_review_assessment_review_item_id_party_id"
        ),
        CheckConstraint(check_in("rating", Health), name="rating"),
    )

    review_item_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("review_item.id", ondelete="CASCADE"), nullable=False)
    )
    party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    rating: Health = Field(sa_column=Column(EnumString(Health, 16), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recommended_action: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )


class ReviewSignOff(HasId, table=True):
    """A party's sign-off of a review, by one of its approvers."""

    __tablename__ = "review_sign_off"
    __table_args__ = (
        UniqueConstraint("review_id", "party_id", name="uq_review_sign_off_review_id_party_id"),
    )

    review_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    )
    party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=False)
    )
    signed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
