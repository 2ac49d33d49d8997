"""Request and response models for commitments and milestones."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from itpp_api import date_order
from itpp_api.bounds import BoundedDate
from itpp_api.enums import AllowedAction, CommitmentStatus, Health, Modality, Visibility
from itpp_api.exchanges.schemas import ExchangeSummary
from itpp_api.localized import (
    LocalizedText,
    ReviewedTranslations,
    SourceLanguages,
    TranslationState,
)
from itpp_api.patch import PatchBody
from itpp_api.plans.schemas import PlanPublic

# The area's short code and a number (shared: CYB-03), or, for a commitment internal to a party,
# with the party's code between them (CYB-JP-03): each party's internal records are numbered in
# a series of their own.
SHARED_REFERENCE_PATTERN = r"^[A-Z][A-Z0-9]{0,7}-[0-9]{2,4}$"
REFERENCE_PATTERN = r"^[A-Z][A-Z0-9]{0,7}(-[A-Z][A-Z0-9_]{0,15})?-[0-9]{2,4}$"


class CommitmentSort(StrEnum):
    """Sort orders of the commitment list; a leading '-' means descending."""

    REFERENCE = "reference"
    REFERENCE_DESC = "-reference"
    DUE_DATE = "due_date"
    DUE_DATE_DESC = "-due_date"
    PROGRESS = "progress"
    PROGRESS_DESC = "-progress"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


class MilestoneCreate(BaseModel):
    """A new milestone of a commitment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": {
                    "ja": "演習計画会議への参加",
                    "en": "Attend the exercise planning conference",
                },
                "due_date": "2026-09-30",
            }
        },
    )

    title: LocalizedText
    due_date: BoundedDate | None = None
    done_on: BoundedDate | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)


class MilestoneUpdate(PatchBody):
    """Changes to a milestone; omitted fields stay as they are, null clears a date."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"done_on": "2026-10-02"}}
    )

    NOT_NULL = ("title",)

    title: LocalizedText | None = None
    due_date: BoundedDate | None = None
    done_on: BoundedDate | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)


class MilestonePublic(BaseModel):
    """A milestone as the API returns it."""

    id: uuid.UUID
    commitment_id: uuid.UUID
    position: int
    title: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title`."
    )
    due_date: date | None
    done_on: date | None
    is_overdue: bool = Field(description="Due date passed and not done.")
    etag: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the milestone now: `update` and `delete` whenever "
        "you may write its commitment's delivery (see AllowedAction)."
    )


class MilestoneList(BaseModel):
    """A commitment's milestones in order."""

    items: list[MilestonePublic]


_COMMITMENT_EXAMPLE: dict[str, Any] = {
    "priority_area_id": "5f1d8f0e-3b1a-4c2d-9e8f-7a6b5c4d3e2f",
    "title": {
        "ja": "ロックド・シールズ演習への参加",
        "en": "Participation in the Locked Shields exercise",
    },
    "description": {
        "ja": "CCDCOE 主催のサイバー防衛演習に自衛隊チームを派遣する。",
        "en": "Send a JSDF team to the CCDCOE's cyber defence exercise.",
    },
    "modality": "exercise_participation",
    "lead_party_id": "0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e",
    "start_date": "2026-01-15",
    "due_date": "2026-04-30",
    "milestones": [{"title": {"ja": "チーム編成", "en": "Team formed"}, "due_date": "2026-02-28"}],
}


# --- a commitment's shape ------------------------------------------------------------------
# Each field that several bodies take is written once here, with its bounds; the bodies derive
# from the two bases below (what a commitment is, given whole or as changes), which hold the
# cross-field rules. The read model (CommitmentPublic) names what is stored, unbounded: a record
# accepted before a bound existed must still read.

SupportingOrganisationIds = Annotated[list[uuid.UUID], Field(max_length=50)]
Progress = Annotated[int, Field(ge=0, le=100)]
PcmActivityRef = Annotated[str, Field(min_length=1, max_length=64)]
Milestones = Annotated[list[MilestoneCreate], Field(max_length=100)]


def check_commitment(
    start_date: date | None, due_date: date | None, supporters: list[uuid.UUID] | None
) -> None:
    """The cross-field rules of a commitment body: its dates in order (date_order), no
    supporting organisation named twice."""
    date_order.check_body(start_date, due_date, "due_date")
    if supporters is not None and len(set(supporters)) != len(supporters):
        raise ValueError("supporting_organisation_ids must not repeat an organisation")


class CommitmentBase(BaseModel):
    """What a commitment is, given whole: a new commitment, one an amendment adds."""

    model_config = ConfigDict(extra="forbid")

    priority_area_id: uuid.UUID
    reference: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="Human reference; by default the area's short code and the next number "
        "(CYB-03), or for an internal commitment its own party's series (CYB-JP-03). A given "
        "reference must belong to that series.",
    )
    title: LocalizedText
    description: LocalizedText | None = None
    modality: Modality
    lead_party_id: uuid.UUID
    lead_organisation_id: uuid.UUID | None = None
    supporting_organisation_ids: SupportingOrganisationIds = Field(default_factory=list)
    start_date: BoundedDate | None = None
    due_date: BoundedDate | None = None

    @model_validator(mode="after")
    def _commitment_rules(self) -> Self:
        check_commitment(self.start_date, self.due_date, self.supporting_organisation_ids)
        return self


class CommitmentChangesBase(BaseModel):
    """Changes to what a commitment is: the fields of CommitmentBase but the reference, each
    optional (omitted: stays as it is)."""

    model_config = ConfigDict(extra="forbid")

    priority_area_id: uuid.UUID | None = None
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    modality: Modality | None = None
    lead_party_id: uuid.UUID | None = None
    lead_organisation_id: uuid.UUID | None = None
    supporting_organisation_ids: SupportingOrganisationIds | None = None
    start_date: BoundedDate | None = None
    due_date: BoundedDate | None = None

    @model_validator(mode="after")
    def _commitment_rules(self) -> Self:
        check_commitment(self.start_date, self.due_date, self.supporting_organisation_ids)
        return self


class CommitmentCreate(CommitmentBase):
    """A new commitment under a priority area of the plan."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _COMMITMENT_EXAMPLE})

    status: CommitmentStatus = CommitmentStatus.PLANNED
    progress: Progress = 0
    pcm_activity_ref: PcmActivityRef | None = None
    visibility: Visibility = Visibility.SHARED
    is_example: bool = Field(
        default=False, description="Marks sample data, not a real undertaking."
    )
    milestones: Milestones = Field(default_factory=list)
    source_languages: SourceLanguages = Field(default_factory=dict)


class CommitmentUpdate(CommitmentChangesBase, PatchBody):
    """Changes to a commitment; omitted fields stay as they are, null clears optional ones."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"status": "in_progress", "progress": 40}},
    )

    NOT_NULL = (
        "priority_area_id",
        "title",
        "modality",
        "lead_party_id",
        "supporting_organisation_ids",
        "status",
        "progress",
        "visibility",
    )

    status: CommitmentStatus | None = None
    progress: Progress | None = None
    pcm_activity_ref: PcmActivityRef | None = None
    visibility: Visibility | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)


class CommitmentPublic(BaseModel):
    """A commitment as the API returns it, with its milestones."""

    id: uuid.UUID
    plan_id: uuid.UUID
    reference: str
    priority_area_id: uuid.UUID
    priority_area_code: str
    title: dict[str, str]
    description: dict[str, str] | None
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title` and `description`."
    )
    modality: Modality
    lead_party_id: uuid.UUID
    lead_organisation_id: uuid.UUID | None
    supporting_organisation_ids: list[uuid.UUID]
    start_date: date | None
    due_date: date | None
    status: CommitmentStatus
    progress: int
    health: Health | None = Field(
        description="Set by the agreed rating of the last concluded review."
    )
    pcm_activity_ref: str | None
    visibility: Visibility
    is_example: bool
    is_overdue: bool = Field(description="Due date passed and neither completed nor cancelled.")
    milestones: list[MilestonePublic]
    etag: str = Field(
        description="The same value as the ETag header of the commitment. It is yours: it also "
        "follows the exchanges linked to the commitment that you may see, so a link made or "
        "removed, or a linked exchange changed, moves it."
    )
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the commitment now: `update` (on a plan in force, of "
        "a shared one: its delivery only), `propose_change` and `retire` (a shared one of a "
        "plan in force, by amendment), `cancel` (directly), `create_milestone` "
        "(see AllowedAction)."
    )


class CommitmentDetail(CommitmentPublic):
    """A commitment with the exchanges that deliver it."""

    exchanges: list[ExchangeSummary] = Field(
        description="Exchanges linked to this commitment that you may see, by start date."
    )


class CommitmentPage(BaseModel):
    """A page of commitments."""

    items: list[CommitmentPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
    total: int = Field(
        description="How many commitments the filters match (on every page, whatever the "
        "page): with `limit`, the number of pages."
    )


class CommitmentTable(BaseModel):
    """A plan's commitments page in one read: the plan and one page of its commitments, each
    exactly as its own endpoint answers."""

    plan: PlanPublic = Field(description="As `GET /plans/{plan_id}`.")
    commitments: CommitmentPage = Field(
        description="As `GET /plans/{plan_id}/commitments` with the same query."
    )
