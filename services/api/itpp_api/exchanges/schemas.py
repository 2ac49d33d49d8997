"""Request and response models for exchanges and placements."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from itpp_api import date_order
from itpp_api.bounds import BoundedDate
from itpp_api.enums import (
    AllowedAction,
    CommitmentStatus,
    ExchangeKind,
    ExchangeStatus,
    Visibility,
)
from itpp_api.localized import (
    LocalizedText,
    ReviewedTranslations,
    SourceLanguages,
    TranslationState,
)
from itpp_api.patch import PatchBody

# EX- and a number (EX-007), or for an exchange internal to a party with the party's code
# (EX-JP-002): each party's internal exchanges are numbered in a series of their own.
REFERENCE_PATTERN = r"^EX-([A-Z][A-Z0-9_]{0,15}-)?[0-9]{3,5}$"


class ExchangeSort(StrEnum):
    """Sort orders of the exchange list; a leading '-' means descending."""

    START_DATE = "start_date"
    START_DATE_DESC = "-start_date"
    REFERENCE = "reference"
    REFERENCE_DESC = "-reference"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"


class Participant(BaseModel):
    """Someone taking part, by role; a name only where it is needed."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=200, examples=["Liaison officer"])
    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation_id: uuid.UUID | None = None


_EXAMPLE: dict[str, Any] = {
    "kind": "placement",
    "title": {"ja": "MARCOM への連絡官の派遣", "en": "Liaison officer at MARCOM"},
    "from_party_id": "0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e",
    "to_party_id": "1c7a4d2f-0b63-4d7f-9a1f-7b2e3c4d5e6f",
    "start_date": "2026-04-01",
    "location": "Northwood",
    "participants": [{"role": "Liaison officer (JMSDF commander)"}],
    "post_title": {"ja": "連絡官", "en": "Liaison officer"},
    "host_organisation_id": "2d8b5e3a-1c74-4e80-ab20-8c3f4d5e6f70",
    "commitment_ids": ["3e9c6f4b-2d85-4f91-bc31-9d4e5f6a7b81"],
}


# --- an exchange's shape -------------------------------------------------------------------
# Each field that both bodies take is written once here, with its bounds; the bodies derive from
# the two bases below (what an exchange is, given whole or as changes), which hold the cross-field
# rules. A base's fields come first in a body (pydantic's order), so each base lists them in the
# order the bodies always had: the OpenAPI document's properties keep their order.
Location = Annotated[str, Field(min_length=1, max_length=300)]
Participants = Annotated[list[Participant], Field(max_length=200)]
CommitmentIds = Annotated[list[uuid.UUID], Field(max_length=100)]


def check_exchange(
    start_date: date | None, end_date: date | None, commitment_ids: list[uuid.UUID] | None
) -> None:
    """The cross-field rules of an exchange body: its dates in order (date_order), no
    commitment linked twice."""
    date_order.check_body(start_date, end_date, "end_date")
    if commitment_ids is not None and len(set(commitment_ids)) != len(commitment_ids):
        raise ValueError("commitment_ids must not repeat a commitment")


class ExchangeBase(BaseModel):
    """What an exchange is, given whole: a new exchange."""

    model_config = ConfigDict(extra="forbid")

    kind: ExchangeKind
    reference: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="Human reference; by default EX- and the plan's next number (EX-007), or "
        "for an internal exchange its own party's series (EX-JP-002). A given reference must "
        "belong to that series.",
    )
    title: LocalizedText
    from_party_id: uuid.UUID
    from_organisation_id: uuid.UUID | None = None
    to_party_id: uuid.UUID
    to_organisation_id: uuid.UUID | None = None
    start_date: BoundedDate
    end_date: BoundedDate | None = None
    location: Location | None = None
    participants: Participants = Field(default_factory=list)
    commitment_ids: CommitmentIds = Field(default_factory=list)
    outcome: LocalizedText | None = None
    lessons_learned: LocalizedText | None = None
    status: ExchangeStatus = ExchangeStatus.PLANNED
    visibility: Visibility = Visibility.SHARED
    post_title: LocalizedText | None = Field(default=None, description="Placements: the post.")
    host_organisation_id: uuid.UUID | None = Field(
        default=None, description="Placements: where the person serves."
    )

    @model_validator(mode="after")
    def _exchange_rules(self) -> Self:
        check_exchange(self.start_date, self.end_date, self.commitment_ids)
        return self


class ExchangeChangesBase(BaseModel):
    """Changes to what an exchange is: the fields of ExchangeBase but the reference, each
    optional (omitted: stays as it is)."""

    model_config = ConfigDict(extra="forbid")

    kind: ExchangeKind | None = None
    title: LocalizedText | None = None
    from_party_id: uuid.UUID | None = None
    from_organisation_id: uuid.UUID | None = None
    to_party_id: uuid.UUID | None = None
    to_organisation_id: uuid.UUID | None = None
    start_date: BoundedDate | None = None
    end_date: BoundedDate | None = None
    location: Location | None = None
    participants: Participants | None = None
    commitment_ids: CommitmentIds | None = None
    outcome: LocalizedText | None = None
    lessons_learned: LocalizedText | None = None
    status: ExchangeStatus | None = None
    visibility: Visibility | None = None
    post_title: LocalizedText | None = None
    host_organisation_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _exchange_rules(self) -> Self:
        check_exchange(self.start_date, self.end_date, self.commitment_ids)
        return self


class ExchangeCreate(ExchangeBase):
    """A new exchange. Only a placement may be open-ended (no end date); for other kinds a
    missing end date means a one-day exchange."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _EXAMPLE})

    is_example: bool = Field(default=False, description="Marks sample data.")
    source_languages: SourceLanguages = Field(default_factory=dict)


class ExchangeUpdate(ExchangeChangesBase, PatchBody):
    """Changes to an exchange; omitted fields stay as they are, null clears optional ones."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "status": "held",
                "outcome": {"ja": "共同声明を発出", "en": "A joint statement was issued"},
            }
        },
    )

    NOT_NULL = (
        "kind",
        "title",
        "from_party_id",
        "to_party_id",
        "start_date",
        "participants",
        "commitment_ids",
        "status",
        "visibility",
    )

    source_languages: SourceLanguages = Field(default_factory=dict)
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)


class CommitmentSummary(BaseModel):
    """A commitment as named inside an exchange."""

    id: uuid.UUID
    reference: str
    title: dict[str, str]
    status: CommitmentStatus


class ExchangeSummary(BaseModel):
    """An exchange as named inside a commitment."""

    id: uuid.UUID
    reference: str
    kind: ExchangeKind
    title: dict[str, str]
    start_date: date
    end_date: date | None
    status: ExchangeStatus


class ExchangePublic(BaseModel):
    """An exchange as the API returns it, with the commitments it delivers."""

    id: uuid.UUID
    plan_id: uuid.UUID
    reference: str
    kind: ExchangeKind
    title: dict[str, str]
    from_party_id: uuid.UUID
    from_organisation_id: uuid.UUID | None
    to_party_id: uuid.UUID
    to_organisation_id: uuid.UUID | None
    start_date: date
    end_date: date | None = Field(description="Null: an open-ended placement.")
    location: str | None
    participants: list[Participant]
    outcome: dict[str, str] | None
    lessons_learned: dict[str, str] | None
    status: ExchangeStatus
    visibility: Visibility
    post_title: dict[str, str] | None
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title`, `outcome`, `lessons_learned` and "
        "`post_title` (those it has)."
    )
    host_organisation_id: uuid.UUID | None
    is_example: bool
    commitments: list[CommitmentSummary] = Field(
        description="The linked commitments you may see, by reference."
    )
    etag: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the exchange now: `update`, `cancel` (see AllowedAction)."
    )


class ExchangePage(BaseModel):
    """A page of exchanges."""

    items: list[ExchangePublic]
    next_cursor: str | None
    total: int = Field(
        description="How many exchanges the filters match (on every page, whatever the "
        "page): with `limit`, the number of pages."
    )
