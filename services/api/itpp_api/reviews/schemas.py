"""Request and response models for review cycles."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from itpp_api.enums import (
    AllowedAction,
    CommitmentStatus,
    Health,
    ReviewOutcome,
    ReviewStatus,
    Visibility,
)
from itpp_api.localized import LocalizedText

MAX_NOTE_LENGTH = 4000


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

    @model_validator(mode="after")
    def _check(self) -> "ReviewUpdate":
        if not self.model_fields_set:
            raise ValueError("give summary, outcome or both")
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
    etag: str = Field(description="Send it in If-Match to change the item or your assessment.")
    updated_at: datetime
    sign_offs_withdrawn: list[str] = Field(
        default_factory=list,
        description="After a write: the codes of the parties whose sign-off it withdrew.",
    )
    notice: str | None = Field(default=None, description="Something the writer should know.")
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
    created_at: datetime
    updated_at: datetime
    sign_offs_withdrawn: list[str] = Field(
        default_factory=list,
        description="After a write: the codes of the parties whose sign-off it withdrew.",
    )
    notice: str | None = Field(default=None, description="Something the writer should know.")


class ReviewList(BaseModel):
    """A plan's review cycles, in order."""

    items: list[ReviewSummary]
