"""The plan export: one JSON document holding a whole plan, and its JSON Schema.

Every record keeps its id, timestamps and row version, so that exporting a plan, importing
the document into an empty database and exporting again gives the same document. Derived
columns (search text, the plan's expiry date) are not part of it: they are recomputed.
"""

import uuid
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from itpp_api import date_order
from itpp_api.amendments.schemas import AmendmentChange
from itpp_api.attachments.models import AttachmentParent
from itpp_api.bounds import (
    ATTACHMENT_BYTES_MAX,
    INTEGER_MAX,
    BoundedDate,
    BoundedDateTime,
    expiry_in_range,
    is_stored,
)
from itpp_api.enums import (
    AmendmentStatus,
    CommitmentStatus,
    Decision,
    ExchangeKind,
    ExchangeStatus,
    Health,
    Modality,
    PlanStatus,
    ProgressUpdateState,
    ReviewOutcome,
    ReviewStatus,
    Visibility,
)
from itpp_api.localized import LocalizedText, TranslationState
from itpp_api.plans.schemas import PLAN_REFERENCE_PATTERN, PlanLeadTexts, PlanSection

EXPORT_FORMAT = "itpp-plan-export"
EXPORT_FORMAT_VERSION = 1
SCHEMA_ID = "https://itpp-tracker.example/schemas/plan-export.json"

_CODE = r"^[0-9]{1,2}(\.[0-9]{1,2}){0,3}$"
_CHANGE_SET: TypeAdapter[list[AmendmentChange]] = TypeAdapter(list[AmendmentChange])


class JsonSchemaDocument(RootModel[dict[str, Any]]):
    """A JSON Schema (draft 2020-12) document."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportedParty(_Record):
    """A signatory named by the plan (matched by id, then by code, on import)."""

    id: uuid.UUID
    code: str = Field(min_length=1, max_length=16)
    name: LocalizedText
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    created_at: BoundedDateTime


class ExportedOrganisation(_Record):
    """An organisation a record of the plan names (matched by id, then by code)."""

    id: uuid.UUID
    party_id: uuid.UUID
    code: str = Field(min_length=1, max_length=32)
    name: LocalizedText
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    created_at: BoundedDateTime


class ExportedUser(_Record):
    """An official a record names: who assessed, signed, proposed or decided (matched by id,
    then by email; never with credentials)."""

    id: uuid.UUID
    party_id: uuid.UUID
    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=1, max_length=200)


class ExportedPlan(_Record):
    """The plan record (or a predecessor in its lineage)."""

    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )

    id: uuid.UUID
    reference: str = Field(pattern=PLAN_REFERENCE_PATTERN)
    title: LocalizedText
    party_ids: list[uuid.UUID] = Field(min_length=2, max_length=32)
    sections: list[PlanSection] = Field(max_length=200)
    objectives: list[LocalizedText] = Field(max_length=50)
    lead_texts: PlanLeadTexts = Field(
        default_factory=PlanLeadTexts,
        description="The signed lead texts of the lists and chapters (absent in exports made "
        "before they were kept: none).",
    )
    status: PlanStatus
    approval_date: BoundedDate | None = None
    term_months: int = Field(ge=1, le=240)
    review_interval_months: int = Field(ge=1, le=240)
    predecessor_id: uuid.UUID | None = None
    progress_updates_need_confirmation: bool = Field(
        default=False,
        description="Whether progress updates count only once the lead party confirms them "
        "(absent in exports made before the setting existed: off).",
    )
    termination_date: BoundedDate | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime

    _expiry_in_range = field_validator("term_months")(expiry_in_range)


class ExportedPriorityArea(_Record):
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    id: uuid.UUID
    code: str = Field(pattern=_CODE)
    short_code: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    position: int = Field(ge=0, le=INTEGER_MAX)
    title: LocalizedText
    description: LocalizedText | None = None
    retired_at: BoundedDateTime | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime


class ExportedMilestone(_Record):
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    id: uuid.UUID
    position: int = Field(ge=0, le=INTEGER_MAX)
    title: LocalizedText
    due_date: BoundedDate | None = None
    done_on: BoundedDate | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime


class ExportedEvidence(_Record):
    """A file attached to a progress update, as metadata: the same file is listed in the
    export's `attachments` (and written beside it by `--with-files`, named by its SHA-256)."""

    id: uuid.UUID
    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100)
    size_bytes: int = Field(ge=0, le=ATTACHMENT_BYTES_MAX)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex.")
    visibility: Visibility
    owner_party_id: uuid.UUID = Field(description="The party that attached it.")
    created_at: BoundedDateTime
    deleted: bool = Field(description="Deleted (no longer downloadable); its hash stays.")


class ExportedProgressUpdate(_Record):
    """A dated report on the commitment's delivery, with its confirmation state and the
    evidence the reader may see. Importing an export does not bring updates back (the
    imported commitment keeps its status and progress)."""

    translations: dict[str, TranslationState] = Field(
        default_factory=dict, description="The translation state of `narrative`."
    )
    id: uuid.UUID
    as_of_date: BoundedDate
    status: CommitmentStatus
    progress: int = Field(ge=0, le=100)
    narrative: LocalizedText
    state: ProgressUpdateState = Field(
        description="`recorded` (counted when posted), `pending` (waits for an approver of the "
        "lead party; not counted), `confirmed` (counted once confirmed) or `rejected`."
    )
    author_party_id: uuid.UUID | None = None
    created_by: uuid.UUID | None = None
    decided_by: uuid.UUID | None = Field(default=None, description="Who confirmed or rejected it.")
    decided_at: BoundedDateTime | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime
    attachments: list[ExportedEvidence] = Field(default_factory=list)


class ExportedCommitment(_Record):
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    id: uuid.UUID
    priority_area_id: uuid.UUID
    reference: str = Field(min_length=1, max_length=32)
    title: LocalizedText
    description: LocalizedText | None = None
    modality: Modality
    lead_party_id: uuid.UUID
    lead_organisation_id: uuid.UUID | None = None
    supporting_organisation_ids: list[uuid.UUID] = Field(default_factory=list)
    start_date: BoundedDate | None = None
    due_date: BoundedDate | None = None
    status: CommitmentStatus
    progress: int = Field(ge=0, le=100)
    health: Health | None = None
    pcm_activity_ref: str | None = Field(default=None, max_length=64)
    visibility: Visibility
    is_example: bool
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime
    milestones: list[ExportedMilestone] = Field(default_factory=list)
    progress_updates: list[ExportedProgressUpdate] = Field(
        default_factory=list,
        description="The commitment's progress updates, oldest first (ignored on import).",
    )

    @model_validator(mode="after")
    def _dates_in_order(self, info: ValidationInfo) -> "ExportedCommitment":
        # An import is held to the rule every write is; a record being exported is read back
        # as stored (it was checked when it was written).
        if not is_stored(info):
            date_order.check_body(self.start_date, self.due_date, "due_date")
        return self


class ExportedExchange(_Record):
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    id: uuid.UUID
    reference: str = Field(min_length=1, max_length=32)
    kind: ExchangeKind
    title: LocalizedText
    from_party_id: uuid.UUID
    from_organisation_id: uuid.UUID | None = None
    to_party_id: uuid.UUID
    to_organisation_id: uuid.UUID | None = None
    start_date: BoundedDate
    end_date: BoundedDate | None = None
    location: str | None = Field(default=None, max_length=300)
    participants: list[dict[str, Any]]
    outcome: LocalizedText | None = None
    lessons_learned: LocalizedText | None = None
    status: ExchangeStatus
    visibility: Visibility
    post_title: LocalizedText | None = None
    host_organisation_id: uuid.UUID | None = None
    is_example: bool
    commitment_ids: list[uuid.UUID] = Field(default_factory=list)
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime

    @model_validator(mode="after")
    def _dates_in_order(self, info: ValidationInfo) -> "ExportedExchange":
        if not is_stored(info):  # as ExportedCommitment's
            date_order.check_body(self.start_date, self.end_date, "end_date")
        return self


class ExportedAssessment(_Record):
    id: uuid.UUID
    party_id: uuid.UUID
    rating: Health
    note: str | None = None
    recommended_action: str | None = None
    updated_by: uuid.UUID | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    updated_at: BoundedDateTime


class ExportedReviewItem(_Record):
    id: uuid.UUID
    commitment_id: uuid.UUID
    status: CommitmentStatus
    progress: int = Field(ge=0, le=100)
    health: Health | None = None
    due_date: BoundedDate | None = None
    agreed_rating: Health | None = None
    agreed_note: str | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    updated_at: BoundedDateTime
    assessments: list[ExportedAssessment] = Field(default_factory=list)


class ExportedSignOff(_Record):
    id: uuid.UUID
    party_id: uuid.UUID
    user_id: uuid.UUID
    signed_at: BoundedDateTime


class ExportedReview(_Record):
    id: uuid.UUID
    number: int = Field(ge=1, le=INTEGER_MAX)
    period_start: BoundedDate
    period_end: BoundedDate
    due_date: BoundedDate
    is_final: bool
    status: ReviewStatus
    summary: LocalizedText | None = None
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    outcome: ReviewOutcome | None = None
    opened_at: BoundedDateTime | None = None
    concluded_at: BoundedDateTime | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime
    items: list[ExportedReviewItem] = Field(default_factory=list)
    sign_offs: list[ExportedSignOff] = Field(default_factory=list)


class ExportedDecision(_Record):
    id: uuid.UUID
    party_id: uuid.UUID
    decision: Decision
    user_id: uuid.UUID
    note: str | None = Field(default=None, max_length=2000)
    decided_at: BoundedDateTime


class ExportedAmendment(_Record):
    id: uuid.UUID
    number: int = Field(ge=1, le=INTEGER_MAX)
    title: LocalizedText
    rationale: LocalizedText
    translations: dict[str, TranslationState] = Field(
        default_factory=dict,
        description="Source language and stale translations of each localized text.",
    )
    changes: list[dict[str, Any]]
    base_version: int = Field(ge=0, le=INTEGER_MAX)
    base_digest: str | None = Field(default=None, max_length=64)
    review_id: uuid.UUID | None = None
    status: AmendmentStatus
    proposed_by: uuid.UUID | None = None
    proposing_party_id: uuid.UUID | None = None
    applied_version: int | None = Field(default=None, ge=1, le=INTEGER_MAX)
    successor_plan_id: uuid.UUID | None = None
    decided_at: BoundedDateTime | None = None
    row_version: int = Field(ge=1, le=INTEGER_MAX)
    created_at: BoundedDateTime
    updated_at: BoundedDateTime
    decisions: list[ExportedDecision] = Field(default_factory=list)

    @field_validator("changes")
    @classmethod
    def _changes_as_proposed(
        cls, changes: list[dict[str, Any]], info: ValidationInfo
    ) -> list[dict[str, Any]]:
        # An imported change set is read back and applied as one proposed here: it must hold
        # what a proposal may (an export is written as recorded).
        if not is_stored(info):
            try:
                _CHANGE_SET.validate_python(changes)
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise PydanticCustomError(
                    "invalid_change_set", f"{where}: {first['msg']}"
                ) from None
        return changes


class ExportedVersion(_Record):
    id: uuid.UUID
    number: int = Field(ge=1, le=INTEGER_MAX)
    reason: str
    snapshot: dict[str, Any]
    agreed_on: BoundedDate | None = Field(
        default=None,
        description="The day the version was agreed from (exports made before it was recorded: "
        "the approval date for version 1, else the day it was recorded).",
    )
    amendment_id: uuid.UUID | None = Field(
        default=None, description="The applied amendment that made it, if any."
    )
    created_at: BoundedDateTime


_EXAMPLE_PARTY = "0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e"
_EXAMPLE_OTHER = "1c7a4d2f-0b63-4d7f-9a1f-7b2e3c4d5e6f"
EXPORT_EXAMPLE: dict[str, Any] = {
    "format": EXPORT_FORMAT,
    "format_version": EXPORT_FORMAT_VERSION,
    "plan": {
        "id": "5e0c7a8b-2d4f-4e6a-9b1c-3d5e7f9a1b2c",
        "reference": "JP-NATO-ITPP",
        "title": {"ja": "日NATO国別パートナーシップ協力計画", "en": "Japan–NATO ITPP"},
        "party_ids": [_EXAMPLE_PARTY, _EXAMPLE_OTHER],
        "sections": [],
        "objectives": [],
        "lead_texts": {"objectives": None, "areas": None, "chapters": []},
        "status": "draft",
        "approval_date": None,
        "term_months": 24,
        "review_interval_months": 12,
        "predecessor_id": None,
        "row_version": 1,
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-01-05T09:00:00Z",
    },
    "lineage": [],
    "parties": [
        {
            "id": _EXAMPLE_PARTY,
            "code": "JP",
            "name": {"ja": "日本", "en": "Japan"},
            "created_at": "2026-01-01T00:00:00Z",
        },
        {
            "id": _EXAMPLE_OTHER,
            "code": "NATO",
            "name": {"en": "NATO"},
            "created_at": "2026-01-01T00:00:00Z",
        },
    ],
    "organisations": [],
    "users": [],
    "priority_areas": [],
    "commitments": [],
    "exchanges": [],
    "reviews": [],
    "amendments": [],
    "versions": [],
}


class ExportedAttachment(_Record):
    """A file attached to a record of the plan, as metadata: the file itself is not in the
    JSON (`itpp export plan --with-files` writes it beside, named by its SHA-256). Importing
    an export does not bring attachments back (it has no files to attach)."""

    id: uuid.UUID
    parent_type: AttachmentParent
    parent_id: uuid.UUID
    file_name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100)
    size_bytes: int = Field(ge=0, le=ATTACHMENT_BYTES_MAX)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex.")
    visibility: Visibility
    owner_party_id: uuid.UUID = Field(description="The party that attached it.")
    created_by: uuid.UUID | None = None
    created_at: BoundedDateTime
    deleted: bool = Field(description="Deleted (no longer downloadable); its hash stays.")


class PlanExport(_Record):
    """A whole plan: its areas, commitments with milestones, exchanges, reviews, amendments
    and versions, with the lineage, parties, organisations and officials it names."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": EXPORT_EXAMPLE},
    )

    format: Literal["itpp-plan-export"] = Field(description="Always itpp-plan-export.")
    format_version: Literal[1] = Field(description="The version of this format.")
    plan: ExportedPlan
    lineage: list[ExportedPlan] = Field(
        default_factory=list,
        description="The plan's predecessors the reader may see, oldest first (plan records only).",
    )
    parties: list[ExportedParty] = Field(default_factory=list)
    organisations: list[ExportedOrganisation] = Field(default_factory=list)
    users: list[ExportedUser] = Field(default_factory=list)
    priority_areas: list[ExportedPriorityArea] = Field(default_factory=list)
    commitments: list[ExportedCommitment] = Field(default_factory=list)
    exchanges: list[ExportedExchange] = Field(default_factory=list)
    reviews: list[ExportedReview] = Field(default_factory=list)
    amendments: list[ExportedAmendment] = Field(default_factory=list)
    attachments: list[ExportedAttachment] = Field(
        default_factory=list,
        description="The files attached to the plan's records that the reader may see "
        "(metadata and hash; ignored on import).",
    )
    versions: list[ExportedVersion] = Field(default_factory=list)


class PlanExportImported(BaseModel):
    """What importing a plan export created."""

    plan_id: uuid.UUID
    reference: str
    created: dict[str, int] = Field(description="How many records of each kind were created.")
    notes: list[str] = Field(description="References that could not be kept, and why.")


def plan_export_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the plan export (draft 2020-12)."""
    schema = PlanExport.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
