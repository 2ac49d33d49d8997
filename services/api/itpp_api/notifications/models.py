"""The outbox: one row per notification to one user, written in the transaction of its cause."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlmodel import Field

from itpp_api.db import (
    Created,
    EnumString,
    HasId,
    PortableJSON,
    Updated,
    UTCDateTime,
    utcnow,
)
from itpp_api.enums import check_in
from itpp_api.notifications.kinds import NotificationDelivery, NotificationKind


class Notification(Created, HasId, table=True):
    """A message to one user about one event; a worker delivers it at least once."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(check_in("kind", NotificationKind), name="kind"),
        Index("ix_notification_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
        Index("ix_notification_recipient_id", "recipient_id"),
        # A reminder is queued once per recipient and occasion, whatever the number of workers
        # and restarts; events have no key (NULLs never collide).
        UniqueConstraint(
            "recipient_id", "reminder_key", name="uq_notification_recipient_id_reminder_key"
        ),
    )

    recipient_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: NotificationKind = Field(
        sa_column=Column(EnumString(NotificationKind, 32), nullable=False)
    )
    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    # What the message says: only shared records (notifications/service.py builds it).
    payload: dict[str, Any] = Field(sa_column=Column(PortableJSON, nullable=False))
    # Stable across retries, so mail clients drop a duplicate of an at-least-once delivery.
    message_id: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Reminders only: what the reminder is of (kind, subject, occasion), see reminders.py.
    reminder_key: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    # Queued for the recipient's daily digest (their preference when it was queued), not for a
    # mail of its own; `digest_batch` names the digest mail that gathered it (its Message-ID),
    # set when a worker first claims the digest and kept across retries.
    digest: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    digest_batch: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))


class NotificationPreference(Updated, table=True):
    """How one user hears of one kind of notification; no row means `immediately`.

    Keyed by the kind's string, with no list of kinds in the table: a new kind needs no
    migration, and its preference is `immediately` until the user changes it.
    """

    __tablename__ = "notification_preference"
    __table_args__ = (CheckConstraint(check_in("delivery", NotificationDelivery), name="delivery"),)

    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(sa_column=Column(String(32), primary_key=True))
    delivery: NotificationDelivery = Field(
        sa_column=Column(EnumString(NotificationDelivery, 16), nullable=False)
    )
