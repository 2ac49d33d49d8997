"""Request and response models of progress updates."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from itpp_api.attachments.schemas import AttachmentPublic
from itpp_api.bounds import BoundedDate
from itpp_api.enums import AllowedAction, CommitmentStatus, ProgressUpdateState
from itpp_api.localized import LocalizedText, SourceLanguages, TranslationState

# How far back an update may be dated: a report describes the recent past (a year covers a late
# report on the last review period).
MAX_BACKDATE_DAYS = 366


class ProgressUpdateCreate(BaseModel):
    """A progress report on a commitment: where it stood on `as_of_date`, in the author's words.

    Evidence files are attached afterwards (POST /updates/{id}/attachments).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "as_of_date": "2026-10-15",
                "status": "in_progress",
                "progress": 60,
                "narrative": {
                    "ja": "第2回サイバー共同協議を東京で開催し、議事録を添付した。",
                },
            }
        },
    )

    as_of_date: BoundedDate | None = Field(
        default=None,
        description="The day the report describes: not in the future, at most "
        f"{MAX_BACKDATE_DAYS} days back, not before the plan's approval date. Default today (UTC).",
    )
    status: CommitmentStatus = Field(
        description="The commitment's status as of that day (not `cancelled`: a commitment "
        "is cancelled, or retired by amendment, on its own record)."
    )
    progress: int = Field(ge=0, le=100, description="Per cent, 0–100; 100 when completed.")
    narrative: LocalizedText = Field(
        description="What was done and what the evidence shows, in the author's language "
        "(more languages may follow as translations)."
    )
    source_languages: SourceLanguages = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "ProgressUpdateCreate":
        if self.status is CommitmentStatus.CANCELLED:
            raise PydanticCustomError(
                "status_not_reportable",
                "a progress update cannot cancel a commitment: cancel it (or propose its "
                "retirement) on the commitment itself",
            )
        if self.status is CommitmentStatus.COMPLETED and self.progress != 100:
            raise PydanticCustomError(
                "progress_not_complete", "a completed commitment has progress 100"
            )
        return self


class ProgressUpdatePublic(BaseModel):
    """A progress update as the API returns it, with its evidence."""

    id: uuid.UUID
    plan_id: uuid.UUID
    commitment_id: uuid.UUID
    as_of_date: date
    status: CommitmentStatus
    progress: int
    narrative: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `narrative`."
    )
    state: ProgressUpdateState = Field(
        description="`recorded` (counted when posted), `pending` (waits for an approver of the "
        "lead party; not counted), `confirmed` (counted once confirmed) or `rejected`."
    )
    counts: bool = Field(
        description="Whether the update counts towards the commitment's status and progress "
        "(recorded or confirmed)."
    )
    author_party_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_by_name: str | None
    created_at: datetime
    decided_by: uuid.UUID | None = Field(description="Who confirmed or rejected it.")
    decided_at: datetime | None
    attachments: list[AttachmentPublic] = Field(
        description="The evidence attached to the update that you may see."
    )
    etag: str
    allowed_actions: list[AllowedAction] = Field(
        description="`confirm` and `reject` on a pending update, for an approver of the "
        "commitment's lead party."
    )


class ProgressUpdatePage(BaseModel):
    """A page of a commitment's progress updates, newest (as-of date) first."""

    items: list[ProgressUpdatePublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
