"""Tables for amendments and each party's decision on them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field

from itpp_api.db import EnumString, HasId, PortableJSON, Record, UTCDateTime, utcnow
from itpp_api.enums import AmendmentStatus, Decision, check_in


class Amendment(Record, table=True):
    """A proposed change to an agreed plan; it applies only when every party approves."""

    __tablename__ = "amendment"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_amendment_plan_id_number"),
        CheckConstraint(check_in("status", AmendmentStatus), name="status"),
        Index("ix_amendment_plan_id_status", "plan_id", "status"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    rationale: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    # The structured change set: [{"op": "add_commitment", ...}, ...] (amendments/schemas.py).
    changes: list[dict[str, Any]] = Field(sa_column=Column(PortableJSON, nullable=False))
    # The plan version the change set was validated against, and a fingerprint of the agreed
    # content it was proposed to (agreement.digest): a draft changes without new versions.
    base_version: int = Field(sa_column=Column(Integer, nullable=False))
    base_digest: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    review_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("review_cycle.id", ondelete="SET NULL"), nullable=True),
    )
    status: AmendmentStatus = Field(
        sa_column=Column(EnumString(AmendmentStatus, 16), nullable=False)
    )
    proposed_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
    proposing_party_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("party.id"), nullable=True)
    )
    applied_version: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # For a renewal: the successor plan it created.
    successor_plan_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("plan.id"), nullable=True)
    )
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class AmendmentDecision(HasId, table=True):
    """One party's approval or rejection of an amendment, given by its approver."""

    __tablename__ = "amendment_decision"
    __table_args__ = (
        UniqueConstraint(
            "amendment_id", "party_id", name="uq_amendment_decision_amendment_id_party_id"
        ),
        CheckConstraint(check_in("decision", Decision), name="decision"),
    )

    amendment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("amendment.id", ondelete="CASCADE"), nullable=False)
    )
    party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    decision: Decision = Field(sa_column=Column(EnumString(Decision, 16), nullable=False))
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=False)
    )
    note: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    decided_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
