"""Response models of the search."""

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field


class SearchKind(StrEnum):
    """The kinds of record the search finds."""

    PLAN = "plan"
    PRIORITY_AREA = "priority_area"
    COMMITMENT = "commitment"
    EXCHANGE = "exchange"
    REVIEW = "review"
    AMENDMENT = "amendment"


class SearchField(StrEnum):
    """Where in the record the snippet comes from."""

    REFERENCE = "reference"
    TITLE = "title"
    BODY = "body"


class SearchHighlight(BaseModel):
    """One match in a snippet's text: [start, end) in Unicode code points."""

    start: int = Field(ge=0, examples=[17])
    end: int = Field(ge=0, examples=[22])


class SearchSnippet(BaseModel):
    """A passage of the record around the first match, as plain text.

    `highlights` are the matches in `text`, as [start, end) offsets in Unicode code points
    (Python string indexes; in JavaScript index `Array.from(text)`), in order, never
    overlapping: a client marks them up itself, escaping the text; the API sends no markup.
    """

    field: SearchField
    language: str | None = Field(
        description="The language of the passage (`ja`, `en`); null for the reference.",
        examples=["en"],
    )
    text: str = Field(examples=["… cooperation on cyber defence exercises …"])
    highlights: list[SearchHighlight]


class SearchPlan(BaseModel):
    """The plan a result belongs to (for a plan: the plan itself)."""

    id: uuid.UUID
    reference: str = Field(examples=["JP-NATO-2023"])


class SearchResult(BaseModel):
    """A record the caller may see that matches the query."""

    kind: SearchKind
    id: uuid.UUID
    plan: SearchPlan
    reference: str = Field(
        description="The record's reference: a plan's or commitment's reference, a priority "
        "area's code, an exchange's reference, `#n` for the n-th review or amendment.",
        examples=["CYB-JP-01"],
    )
    title: dict[str, str] = Field(description="Localized text: language tag → text.")
    snippet: SearchSnippet
    href: str = Field(description="The record in the API.", examples=["/api/v1/commitments/0193…"])


class SearchPage(BaseModel):
    """One page of results, best first."""

    items: list[SearchResult]
    next_cursor: str | None = Field(description="The next page's cursor; null on the last page.")
