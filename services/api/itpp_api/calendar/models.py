"""The table of personal calendar-feed URLs."""

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Uuid
from sqlmodel import Field

from itpp_api.db import Created, HasId, UTCDateTime


class CalendarFeed(Created, HasId, table=True):
    """A secret URL a calendar program polls; it shows what its user may see, until revoked."""

    __tablename__ = "calendar_feed"
    __table_args__ = (Index("ix_calendar_feed_user_id", "user_id"),)

    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    # Null: every plan the user's party belongs to.
    plan_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=True),
    )
    name: str = Field(sa_column=Column(String(100), nullable=False))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
