"""Request and response models for plans, priority areas and plan versions."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from itpp_api.bounds import BoundedDate, expiry_in_range
from itpp_api.enums import AllowedAction, PlanStatus
from itpp_api.localized import (
    LocalizedText,
    ReviewedTranslations,
    SourceLanguages,
    TranslationState,
)
from itpp_api.patch import PatchBody

SectionNumber = Annotated[str, Field(pattern=r"^[0-9]{1,2}(\.[0-9]{1,2}){0,3}$", examples=["1.1"])]
PLAN_REFERENCE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,63}$"


class PlanSection(BaseModel):
    """A numbered narrative section of the plan (seed §1.1–§4.2)."""

    model_config = ConfigDict(extra="forbid")

    number: SectionNumber
    heading: LocalizedText | None = None
    body: LocalizedText


ChapterNumber = Annotated[str, Field(pattern=r"^[0-9]{1,2}$", examples=["3"])]


class ChapterLead(BaseModel):
    """A chapter's heading and lead text, as signed: the heading of a chapter without a
    narrative section to carry it (a section's `heading` is its chapter's), and the text
    between the chapter's heading and its first numbered section."""

    model_config = ConfigDict(extra="forbid")

    number: ChapterNumber
    heading: LocalizedText | None = None
    text: LocalizedText | None = None


class ObjectivesLead(BaseModel):
    """Where the list of objectives stands (its section number, e.g. 2.2) and the sentence
    that introduces it."""

    model_config = ConfigDict(extra="forbid")

    number: SectionNumber
    text: LocalizedText | None = None


class PlanLeadTexts(BaseModel):
    """The signed words around the plan's lists and chapters (seed §2.2, §3.1): agreed content
    like the sections, so on a plan in force they change only by amendment (`change_text`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "objectives": {
                    "number": "2.2",
                    "text": {"ja": "日本と NATO は、次のとおり協力を推進する。"},
                },
                "areas": {"ja": "次の優先分野に焦点を当てた実務的な協力を促進する。"},
                "chapters": [{"number": "3", "heading": {"ja": "協力の優先分野"}}],
            }
        },
    )

    objectives: ObjectivesLead | None = None
    areas: LocalizedText | None = Field(
        default=None, description="The sentence introducing the list of priority areas."
    )
    chapters: list[ChapterLead] = Field(default_factory=list, max_length=99)

    @model_validator(mode="after")
    def _check(self) -> "PlanLeadTexts":
        numbers = [chapter.number for chapter in self.chapters]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise ValueError(f"chapter numbers must be unique; repeated: {', '.join(duplicates)}")
        return self


def lead_texts_data(value: "PlanLeadTexts | dict[str, Any] | None") -> dict[str, Any]:
    """Lead texts as stored and shown: every key present (a plan recorded before lead texts
    has `{}`), chapters in number order."""
    model = value if isinstance(value, PlanLeadTexts) else PlanLeadTexts.model_validate(value or {})
    data = model.model_dump(mode="json")
    data["chapters"].sort(key=lambda c: int(c["number"]))
    return data


def _unique_section_numbers(sections: list[PlanSection] | None) -> None:
    if sections is None:
        return
    numbers = [section.number for section in sections]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ValueError(f"section numbers must be unique; repeated: {', '.join(duplicates)}")


_PLAN_EXAMPLE: dict[str, Any] = {
    "reference": "JP-NATO-ITPP",
    "title": {
        "ja": "日NATO国別パートナーシップ協力計画",
        "en": "Japan–NATO Individually Tailored Partnership Programme",
    },
    "party_ids": ["0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e", "1c7a4d2f-0b63-4d7f-9a1f-7b2e3c4d5e6f"],
    "objectives": [{"ja": "ハイレベル対話の強化", "en": "Strengthening high-level dialogue"}],
    "sections": [
        {
            "number": "4.1",
            "heading": {"ja": "見直し手続き", "en": "Review procedure"},
            "body": {
                "ja": "本計画は、承認日から 2 年を期限として開始する。",
                "en": "This programme runs for two years from its date of approval.",
            },
        }
    ],
    "term_months": 24,
    "review_interval_months": 12,
}


CONFIRMATION_SETTING = (
    "Whether a progress update of a commitment counts (sets its status and progress, moves the "
    "dashboard) only once an approver of the commitment's lead party confirms it; off by "
    "default."
)


class PlanCreate(BaseModel):
    """A new plan. It starts as a draft; approving it (status active) needs an approval date."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _PLAN_EXAMPLE})

    reference: str = Field(pattern=PLAN_REFERENCE_PATTERN, description="Human reference.")
    title: LocalizedText
    party_ids: list[uuid.UUID] = Field(min_length=2, max_length=32)
    sections: list[PlanSection] = Field(default_factory=list, max_length=200)
    objectives: list[LocalizedText] = Field(default_factory=list, max_length=50)
    lead_texts: PlanLeadTexts = Field(default_factory=PlanLeadTexts)
    approval_date: BoundedDate | None = None
    term_months: int = Field(default=24, ge=1, le=240)
    review_interval_months: int = Field(default=12, ge=1, le=240)
    predecessor_id: uuid.UUID | None = None
    progress_updates_need_confirmation: bool = Field(
        default=False, description=CONFIRMATION_SETTING
    )
    source_languages: SourceLanguages = Field(default_factory=dict)

    _expiry_in_range = field_validator("term_months")(expiry_in_range)

    @model_validator(mode="after")
    def _check(self) -> "PlanCreate":
        if len(set(self.party_ids)) != len(self.party_ids):
            raise ValueError("party_ids must not repeat a party")
        if self.review_interval_months > self.term_months:
            raise ValueError("review_interval_months cannot be longer than term_months")
        _unique_section_numbers(self.sections)
        return self


class PlanUpdate(PatchBody):
    """Changes to a plan; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"status": "active", "approval_date": "2026-03-25"}},
    )

    NOT_NULL = (
        "title",
        "sections",
        "objectives",
        "lead_texts",
        "status",
        "term_months",
        "review_interval_months",
        "progress_updates_need_confirmation",
    )

    title: LocalizedText | None = None
    sections: list[PlanSection] | None = Field(default=None, max_length=200)
    objectives: list[LocalizedText] | None = Field(default=None, max_length=50)
    lead_texts: PlanLeadTexts | None = None
    status: PlanStatus | None = Field(
        default=None,
        description="draft → active (needs approval_date) → superseded | terminated; "
        "a draft may also be terminated. 'expired' is computed, never set.",
    )
    approval_date: BoundedDate | None = None
    term_months: int | None = Field(default=None, ge=1, le=240)
    review_interval_months: int | None = Field(default=None, ge=1, le=240)
    predecessor_id: uuid.UUID | None = None
    progress_updates_need_confirmation: bool | None = Field(
        default=None,
        description=CONFIRMATION_SETTING + " On a plan in force this is agreed content: a direct "
        "change is refused with 409 amendment-required (operation "
        "`change_progress_updates_confirmation`).",
    )
    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "PlanUpdate":
        _unique_section_numbers(self.sections)
        return self


class PartySummary(BaseModel):
    """A party as named inside another record."""

    id: uuid.UUID
    code: str
    name: dict[str, str]


class PlanPublic(BaseModel):
    """A plan as the API returns it."""

    id: uuid.UUID
    reference: str
    title: dict[str, str]
    parties: list[PartySummary]
    sections: list[PlanSection]
    objectives: list[dict[str, str]]
    lead_texts: PlanLeadTexts = Field(
        description="The signed lead texts of the objectives' and priority areas' lists and "
        "of the chapters (agreed content, like the sections)."
    )
    translations: dict[str, TranslationState] = Field(
        description="The translation state of each localized text, by field name: `title`, "
        "`sections[4.1].heading`, `sections[4.1].body`, `objectives[0]`, "
        "`lead_texts.objectives`, `lead_texts.areas`, `lead_texts.chapters[3].heading`, "
        "`lead_texts.chapters[3].text`."
    )
    status: PlanStatus = Field(
        description="Effective status: an active plan past expiry reads expired."
    )
    approval_date: date | None
    expiry_date: date | None = Field(
        description="Approval date plus the term; null while there is no approval date."
    )
    term_months: int
    review_interval_months: int
    predecessor_id: uuid.UUID | None
    progress_updates_need_confirmation: bool = Field(description=CONFIRMATION_SETTING)
    termination_date: date | None = Field(
        description="The day an agreed termination took effect (status terminated)."
    )
    etag: str = Field(description="The same value as the ETag header of the plan.")
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the plan now: change it (`update`, or on a plan in "
        "force `propose_change`), add to it, propose its coming into force, an amendment, its "
        "termination or renewal (see AllowedAction)."
    )


class PlanPage(BaseModel):
    """A page of plans."""

    items: list[PlanPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class PriorityAreaCreate(BaseModel):
    """A new priority area, appended after the others unless a position is given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "3.1.1",
                "short_code": "CYB",
                "title": {"ja": "サイバー防衛", "en": "Cyber defence"},
            }
        },
    )

    code: str = Field(pattern=r"^[0-9]{1,2}(\.[0-9]{1,2}){0,3}$", description="e.g. 3.1.1")
    short_code: str = Field(
        pattern=r"^[A-Z][A-Z0-9]{0,7}$",
        description="Prefix of the area's commitment references, e.g. CYB for CYB-03.",
    )
    title: LocalizedText
    description: LocalizedText | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)


class PriorityAreaUpdate(PatchBody):
    """Changes to a priority area; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"title": {"ja": "海洋安全保障", "en": "Maritime security"}}},
    )

    NOT_NULL = ("code", "short_code", "title")

    code: str | None = Field(default=None, pattern=r"^[0-9]{1,2}(\.[0-9]{1,2}){0,3}$")
    short_code: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    title: LocalizedText | None = None
    description: LocalizedText | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)


class PriorityAreaPublic(BaseModel):
    """A priority area as the API returns it."""

    id: uuid.UUID
    plan_id: uuid.UUID
    code: str
    short_code: str
    position: int
    title: dict[str, str]
    description: dict[str, str] | None
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title` and `description`."
    )
    retired_at: datetime | None = Field(
        description="When an applied amendment retired the area: it stays on record, "
        "but takes no new commitments."
    )
    etag: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the area now: `update` on a draft; on a plan in "
        "force `propose_change` and `retire`, by amendment (see AllowedAction)."
    )


class PriorityAreaList(BaseModel):
    """The priority areas of a plan, in order."""

    items: list[PriorityAreaPublic]


class PriorityAreaOrder(BaseModel):
    """The new order of a plan's priority areas: every area exactly once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"priority_area_ids": ["…", "…"]}},
    )

    priority_area_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class PlanVersionSummary(BaseModel):
    """A plan version without its snapshot."""

    id: uuid.UUID
    plan_id: uuid.UUID
    number: int
    reason: str
    agreed_on: date = Field(
        description="The day from which this version is what the parties agreed: the approval "
        "date for version 1, the day a termination took effect, else the day the amendment "
        "applied."
    )
    amendment_id: uuid.UUID | None = Field(
        description="The consent that made it: the amendment every party approved (for a "
        "renewal's successor, its predecessor's renewal). Null for a plan the operator "
        "recorded as agreed outside ITPP Tracker."
    )
    created_at: datetime


class PlanVersionPublic(PlanVersionSummary):
    """A plan version with its snapshot: what the parties agreed, and nothing else — the plan,
    its priority areas and its shared commitments' definitions, each commitment with `retired`
    (status, progress, health and internal commitments are history, not agreed content)."""

    snapshot: dict[str, Any]


class PlanVersionList(BaseModel):
    """A plan's versions, newest first."""

    items: list[PlanVersionSummary]
