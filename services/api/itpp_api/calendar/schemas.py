"""Request and response models for calendar feeds."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CalendarFeedCreate(BaseModel):
    """A new personal feed, of one plan or of every plan of your party."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"name": "Office calendar"}}
    )

    name: str = Field(min_length=1, max_length=100)
    plan_id: uuid.UUID | None = Field(default=None, description="Null: all your party's plans.")


class CalendarFeedPublic(BaseModel):
    """A feed as listed (never its secret)."""

    id: uuid.UUID
    name: str
    plan_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None


class CalendarFeedCreated(CalendarFeedPublic):
    """A new feed with its URL, shown this once: whoever has the URL sees your calendar."""

    url: str


class CalendarFeedList(BaseModel):
    """Your live feeds."""

    items: list[CalendarFeedPublic]
