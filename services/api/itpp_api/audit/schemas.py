"""Response models for the audit log."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AuditEntityType(StrEnum):
    """The kinds of record the audit log speaks of."""

    PLAN = "plan"
    PLAN_VERSION = "plan_version"
    PRIORITY_AREA = "priority_area"
    COMMITMENT = "commitment"
    MILESTONE = "milestone"
    PARTY = "party"
    ORGANISATION = "organisation"
    USER = "user"
    ACCESS_TOKEN = "access_token"
    EXCHANGE = "exchange"
    CALENDAR_FEED = "calendar_feed"
    REVIEW_CYCLE = "review_cycle"
    REVIEW_ITEM = "review_item"
    REVIEW_ASSESSMENT = "review_assessment"
    REVIEW_SIGN_OFF = "review_sign_off"
    AMENDMENT = "amendment"
    WEBHOOK_ENDPOINT = "webhook_endpoint"
    ATTACHMENT = "attachment"
    COMMENT = "comment"
    PROGRESS_UPDATE = "progress_update"


class AuditEventPublic(BaseModel):
    """One write: who, when, what, and the changed fields before and after."""

    id: uuid.UUID
    seq: int = Field(description="Position in the hash chain (gapless, increasing).")
    occurred_at: datetime
    actor_user_id: uuid.UUID | None = Field(description="Null for the system (command line).")
    actor_name: str | None
    actor_party_id: uuid.UUID | None
    action: str
    entity_type: AuditEntityType
    entity_id: uuid.UUID
    plan_id: uuid.UUID | None
    before: dict[str, Any] | None = Field(description="Changed fields as they were.")
    after: dict[str, Any] | None = Field(description="Changed fields as they became.")
    hash: str


class AuditEventPage(BaseModel):
    """A page of audit events, newest first."""

    items: list[AuditEventPublic]
    next_cursor: str | None


class PlanEventBatch(BaseModel):
    """A plan's events after the sequence number asked for, oldest first."""

    items: list[AuditEventPublic]
    last_seq: int = Field(
        description="Send it as `after` next time. Without `after`: the newest event of the "
        "plan you may see (0 if none), and no items — where to start watching."
    )


class ChainBreak(StrEnum):
    """Why the audit chain breaks where it does."""

    MISSING = "missing"
    REORDERED = "reordered"
    CHANGED = "changed"
    TRUNCATED = "truncated"


class AuditChainVerification(BaseModel):
    """The result of walking the whole audit chain from its first event."""

    ok: bool = Field(description="Whether every event is in place and unchanged.")
    checked: int = Field(description="How many events were checked before the end or the break.")
    broken_seq: int | None = Field(
        default=None, description="The sequence number where the chain breaks (when not ok)."
    )
    reason_code: ChainBreak | None = Field(
        default=None,
        description="Why it breaks: `missing` (an event was deleted or renumbered), "
        "`reordered` (it does not follow its predecessor), `changed` (edited after it was "
        "written), `truncated` (events at the end were deleted).",
    )
    reason: str | None = Field(default=None, description="The same, in English words.")
