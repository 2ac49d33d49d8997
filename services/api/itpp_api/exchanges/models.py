"""Tables for exchanges and their links to commitments."""

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
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field, SQLModel

from itpp_api.db import EnumString, PortableJSON, Record
from itpp_api.enums import ExchangeKind, ExchangeStatus, Visibility, check_in


class Exchange(Record, table=True):
    """Something that happened or will happen between the parties: a dialogue, a visit, a
    seminar, an exercise, or a long-running placement of a person at the other party."""

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"plan_id", "is_example", "search_text"})

    __tablename__ = "exchange"
    __table_args__ = (
        UniqueConstraint("plan_id", "reference", name="uq_exchange_plan_id_reference"),
        CheckConstraint(check_in("kind", ExchangeKind), name="kind"),
        CheckConstraint(check_in("status", ExchangeStatus), name="status"),
        CheckConstraint(check_in("visibility", Visibility), name="visibility"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        # One index per filter and sort the list offers, each led by the plan.
        Index("ix_exchange_plan_id_start_date", "plan_id", "start_date"),
        Index("ix_exchange_plan_id_end_date", "plan_id", "end_date"),
        Index("ix_exchange_plan_id_kind", "plan_id", "kind"),
        Index("ix_exchange_plan_id_status", "plan_id", "status"),
        Index("ix_exchange_plan_id_from_party_id", "plan_id", "from_party_id"),
        Index("ix_exchange_plan_id_to_party_id", "plan_id", "to_party_id"),
        Index("ix_exchange_plan_id_updated_at", "plan_id", "updated_at"),
        Index("ix_exchange_from_organisation_id", "from_organisation_id"),
        Index("ix_exchange_to_organisation_id", "to_organisation_id"),
        Index("ix_exchange_host_organisation_id", "host_organisation_id"),
        Index(
            "ix_exchange_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    reference: str = Field(sa_column=Column(String(32), nullable=False))
    kind: ExchangeKind = Field(sa_column=Column(EnumString(ExchangeKind, 32), nullable=False))
    title: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    from_party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    from_organisation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("organisation.id"), nullable=True)
    )
    to_party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    to_organisation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("organisation.id"), nullable=True)
    )
    start_date: date = Field(sa_column=Column(Date, nullable=False))
    # Null only for an open-ended placement.
    end_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    location: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    # [{"role": "...", "name": "..." | null, "organisation_id": "..." | null}]
    participants: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(PortableJSON, nullable=False)
    )
    outcome: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    lessons_learned: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    status: ExchangeStatus = Field(sa_column=Column(EnumString(ExchangeStatus, 16), nullable=False))
    visibility: Visibility = Field(sa_column=Column(EnumString(Visibility, 16), nullable=False))
    post_title: dict[str, str] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    host_organisation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("organisation.id"), nullable=True)
    )
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    is_example: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    search_text: str = Field(sa_column=Column(Text, nullable=False))


class ExchangeCommitment(SQLModel, table=True):
    """An exchange delivers (part of) a commitment of the same plan."""

    __tablename__ = "exchange_commitment"

    exchange_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True)
    )
    commitment_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )
