"""The tables of webhooks: a party's endpoints, and one delivery row per event and endpoint."""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlmodel import Field

from itpp_api.db import (
    Created,
    EnumString,
    HasId,
    PortableJSON,
    Record,
    UTCDateTime,
    utcnow,
)
from itpp_api.enums import check_in
from itpp_api.notifications.kinds import EventKind


class WebhookEndpoint(Record, table=True):
    """A URL one party's systems receive events at; a record of that party only."""

    # Columns no audit event shows (audit.service.audited). The secret is never in an audit
    # event; the event names the party.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"party_id", "secret"})

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_party_id", "party_id"),)

    party_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("party.id", ondelete="CASCADE"), nullable=False)
    )
    url: str = Field(sa_column=Column(String(2048), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(String(500), nullable=True))
    # The EventKind values it is sent.
    event_kinds: list[str] = Field(sa_column=Column(PortableJSON, nullable=False))
    is_enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    # Kept as issued (whsec_…): the worker signs with it. Shown once, at creation or rotation.
    secret: str = Field(sa_column=Column(String(100), nullable=False))


class WebhookDelivery(Created, HasId, table=True):
    """One event to one endpoint; the worker POSTs it at least once, with the same webhook-id."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(check_in("kind", EventKind), name="kind"),
        Index(
            "ix_webhook_delivery_delivered_at_next_attempt_at", "delivered_at", "next_attempt_at"
        ),
        Index("ix_webhook_delivery_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    endpoint_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False
        )
    )
    kind: EventKind = Field(sa_column=Column(EnumString(EventKind, 32), nullable=False))
    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    # The notification's shared payload (notifications/service.py), as the mail has it.
    payload: dict[str, Any] = Field(sa_column=Column(PortableJSON, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replayed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
