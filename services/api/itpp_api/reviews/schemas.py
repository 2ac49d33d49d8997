"""Request and response models for review cycles."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from itpp_api.attachments.schemas import AttachmentList
from itpp_api.comments.schemas import CommentThreadPage
from itpp_api.enums import (
    AllowedAction,
    CommitmentStatus,
    Health,
    ReviewOutcome,
    ReviewStatus,
    Visibility,
)
from itpp_api.localized import (
    LocalizedText,
    ReviewedTranslations,
    SourceLanguages,
    TranslationState,
)
from itpp_api.plans.schemas import PlanPublic
from itpp_api.updates.schemas import ProgressUpdatePublic

MAX_NOTE_LENGTH = 4000
# The items one "agree where every party agrees" request may name (a plan's commitments are far
# fewer; the bound keeps one request's work and lock set small).
MAX_AGREE_ITEMS = 1000


def _clean_note(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    if "\x00" in stripped:
        raise ValueError("the text contains a NUL character")
    return stripped or None


Note = Annotated[str | None, Field(max_length=MAX_NOTE_LENGTH), AfterValidator(_clean_note)]


class ReviewUpdate(BaseModel):
    """The joint summary and the outcome of an open review. Changing either withdraws the
    sign-offs given so far: the parties signed a different text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "summary": {
                    "ja": "協力は概ね順調に進展している。",
                    "en": "Cooperation is broadly on track.",
                },
                "outcome": "continue",
            }
        },
    )

    summary: LocalizedText | None = Field(default=None, description="The joint summary.")
    outcome: ReviewOutcome | None = Field(
        default=None, description="What the review decides for the plan; null clears it."
    )
    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(
        default_factory=dict,
        description="Languages of the summary checked against its source text and found still "
        'right (`{"summary": ["en"]}`): no longer stale. The text is unchanged, so no '
        "sign-off is withdrawn.",
    )

    @model_validator(mode="after")
    def _check(self) -> "ReviewUpdate":
        if not self.model_fields_set:
            raise ValueError(
                "give summary, outcome, source_languages or reviewed_translations (or several)"
            )
        if "summary" in self.model_fields_set and self.summary is None:
            raise ValueError("summary cannot be null")
        return self


class AssessmentWrite(BaseModel):
    """Your own party's assessment of one commitment under review."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "rating": "at_risk",
                "note": "The second course was postponed to next year.",
                "recommended_action": "Agree the course dates at the next staff talks.",
            }
        },
    )

    rating: Health
    note: Note = None
    recommended_action: Note = None


class ReviewItemUpdate(BaseModel):
    """The rating both parties agreed for one commitment, and a note on it. Changing either
    withdraws the sign-offs given so far."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"agreed_rating": "at_risk", "agreed_note": "Dates to be fixed by June."}
        },
    )

    agreed_rating: Health | None = Field(default=None, description="Null clears it.")
    agreed_note: Note = None

    @model_validator(mode="after")
    def _check(self) -> "ReviewItemUpdate":
        if not self.model_fields_set:
            raise ValueError("give agreed_rating, agreed_note or both")
        return self


class ItemAsRead(BaseModel):
    """A review item and its ETag as you read it."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    etag: str = Field(min_length=1, max_length=200, description="The item's `etag` as read.")


class AgreeWherePartiesAgree(BaseModel):
    """The items you saw assessed alike by every party (their `agreeable` flag), each with its
    ETag as you read it: an item changed since is skipped and reported, never agreed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"items": [{"id": "0b9d6f0e-5f7c-4a53-9d43-2f8b4b1e7a10", "etag": '"1a2b"'}]}
        },
    )

    items: list[ItemAsRead] = Field(min_length=1, max_length=MAX_AGREE_ITEMS)


class AgreedItem(BaseModel):
    """An item whose agreed rating the request recorded."""

    item_id: uuid.UUID
    reference: str
    agreed_rating: Health


class SkipReason(StrEnum):
    """Why an item named in the request was not agreed.

    - `changed`: it changed since you read it (its ETag differs): read it again.
    - `not_agreeable`: the parties' assessments differ or are incomplete, it already has an
      agreed rating, or it is internal to one party (its owner rates it alone).
    - `not_found`: the review has no such item you may see.
    """

    CHANGED = "changed"
    NOT_AGREEABLE = "not_agreeable"
    NOT_FOUND = "not_found"


class SkippedItem(BaseModel):
    """An item named in the request that was left as it was, and why."""

    item_id: uuid.UUID
    reference: str | None = Field(description="Null for an item you may not see.")
    reason: SkipReason


class SignOffNeed(StrEnum):
    """What the review lacks before the reader's party may sign it off.

    - `summary`: the joint summary. - `outcome`: the outcome.
    - `agreed_ratings`: an agreed rating of a commitment the reader sees (see
      `counts.unagreed`)."""

    SUMMARY = "summary"
    OUTCOME = "outcome"
    AGREED_RATINGS = "agreed_ratings"


class ReviewCounts(BaseModel):
    """How far the review is, over the items you see."""

    items: int
    assessed: dict[str, int] = Field(
        description="By party code: the items that party has assessed (every party of the plan)."
    )
    disagreements: int = Field(description="Items whose parties' own ratings differ.")
    agreed: int = Field(description="Items with an agreed rating.")
    unagreed: int = Field(description="Items without an agreed rating yet.")
    agreeable: int = Field(
        description="Items assessed alike by every party and not agreed yet (see `agreeable`)."
    )


class SignOffCreate(BaseModel):
    """A sign-off is always for the caller's own party; naming another party is refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {}})

    party_id: uuid.UUID | None = Field(
        default=None,
        description="Optional: the party you sign for. It can only be your own (the default).",
    )


class ReviewCommitment(BaseModel):
    """The commitment an item reviews, as it is now."""

    id: uuid.UUID
    reference: str
    title: dict[str, str]
    priority_area_code: str
    lead_party_id: uuid.UUID
    visibility: Visibility


class ReviewSnapshot(BaseModel):
    """The commitment as it stood when the review opened."""

    status: CommitmentStatus
    progress: int
    health: Health | None
    due_date: date | None


class AssessmentPublic(BaseModel):
    """One party's own assessment of a commitment."""

    party_id: uuid.UUID
    party_code: str
    rating: Health
    note: str | None
    recommended_action: str | None
    updated_by: uuid.UUID | None
    updated_by_name: str | None
    updated_at: datetime
    editable: bool = Field(description="Whether you may change it: only your own party's.")


class ReviewItemPublic(BaseModel):
    """A commitment under review: snapshot, each party's assessment, the agreed rating."""

    id: uuid.UUID
    review_id: uuid.UUID
    commitment: ReviewCommitment
    snapshot: ReviewSnapshot
    assessments: list[AssessmentPublic] = Field(description="Every party's, in plan order.")
    agreed_rating: Health | None
    agreed_note: str | None
    disagreement: bool = Field(description="The parties' own ratings differ.")
    agreeable: bool = Field(
        description="A shared commitment every party of the plan assessed with the same rating, "
        "without an agreed rating yet: agreeing where the parties agree would give it that one."
    )
    etag: str = Field(description="Send it in If-Match to change the item or your assessment.")
    updated_at: datetime
    sign_offs_withdrawn: list[str] = Field(
        default_factory=list,
        description="After a write: the codes of the parties whose sign-off it withdrew.",
    )
    notice: str | None = Field(default=None, description="Something the writer should know.")
    updates: list[ProgressUpdatePublic] = Field(
        default_factory=list,
        description="The commitment's progress updates since the previous review (dated after "
        "its period or posted after it concluded; for the first review, since the plan came "
        "into force), newest first, with their evidence; rejected ones are left out. For a "
        "concluded review, those posted before it concluded.",
    )
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the item now: `assess` (your own party's "
        "assessment) and `agree_rating`, while the review is open (see AllowedAction)."
    )


class Disagreement(BaseModel):
    """A commitment the parties rated differently."""

    item_id: uuid.UUID
    commitment_id: uuid.UUID
    reference: str
    ratings: dict[str, Health] = Field(description="Each party's own rating, by party code.")
    agreed_rating: Health | None


class SignOffState(BaseModel):
    """Whether a party of the plan has signed the review off."""

    party_id: uuid.UUID
    party_code: str
    signed: bool
    signed_by: uuid.UUID | None
    signed_by_name: str | None
    signed_at: datetime | None


class ReviewSummary(BaseModel):
    """A review cycle as listed."""

    id: uuid.UUID
    plan_id: uuid.UUID
    number: int
    period_start: date
    period_end: date
    due_date: date
    is_final: bool = Field(description="The last review before the plan expires.")
    status: ReviewStatus
    outcome: ReviewOutcome | None
    is_overdue: bool = Field(
        description="Not concluded and its due date has passed, while the plan is active."
    )
    will_be_held: bool = Field(
        description="False for a scheduled review of a plan no longer in force (superseded, "
        "terminated or expired): it will not be held, and is neither next nor overdue."
    )
    opened_at: datetime | None
    concluded_at: datetime | None
    etag: str
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the review now: `open` it (the reviews before it are "
        "concluded), `update` its summary and outcome, `sign_off` for your own party (approvers, "
        "once nothing your party must see done is missing), `conclude` it (every party signed) "
        "(see AllowedAction)."
    )


class ReviewPublic(ReviewSummary):
    """A review cycle with its items, disagreements and sign-offs."""

    summary: dict[str, str] | None
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `summary` (empty while there is none)."
    )
    items: list[ReviewItemPublic] = Field(
        description="The commitments under review you may see, by reference."
    )
    disagreements: list[Disagreement]
    sign_offs: list[SignOffState] = Field(description="One entry per party of the plan.")
    missing: list[str] = Field(
        description="What an open review still needs before it can be concluded, as you may "
        "know it: what you may see (the summary, the outcome, the agreed ratings of the "
        "commitments you see) and each party's sign-off. Each party signs for what it sees, so "
        "another party's internal commitments show only as that party's missing sign-off."
    )
    sign_off_needs: list[SignOffNeed] = Field(
        description="Why your party cannot sign the review off yet, as codes (empty when "
        "nothing it must see done is missing; `missing` says the same in words)."
    )
    counts: ReviewCounts
    created_at: datetime
    updated_at: datetime
    sign_offs_withdrawn: list[str] = Field(
        default_factory=list,
        description="After a write: the codes of the parties whose sign-off it withdrew.",
    )
    notice: str | None = Field(default=None, description="Something the writer should know.")


class AgreeResult(ReviewPublic):
    """The review after agreeing where the parties agree, with what was agreed and skipped."""

    agreed: list[AgreedItem]
    skipped: list[SkippedItem]


class ReviewList(BaseModel):
    """A plan's review cycles, in order."""

    items: list[ReviewSummary]


class ReviewWorkspace(BaseModel):
    """What a review's page shows, in one read: where to start watching the plan's events, the
    review, its plan, its files and a page of its comment threads, each exactly as its own
    endpoint answers."""

    live_after: int = Field(
        description="The newest event of the review's plan you may see (0 if none), read before "
        "the rest: watch `/plans/{plan_id}/events?after=` from it and no change made meanwhile "
        "is missed."
    )
    review: ReviewPublic = Field(description="As `GET /reviews/{review_id}`.")
    plan: PlanPublic = Field(description="As `GET /plans/{plan_id}` of the review's plan.")
    attachments: AttachmentList = Field(description="As `GET /reviews/{review_id}/attachments`.")
    comments: CommentThreadPage = Field(
        description="As `GET /reviews/{review_id}/comments` with `limit=comments_limit` and "
        "`cursor=comments_cursor`."
    )
