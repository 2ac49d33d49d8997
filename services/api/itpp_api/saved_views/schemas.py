"""Request and response models for saved views."""

import uuid
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from itpp_api.bounds import SAVED_VIEW_NAME_MAX, SAVED_VIEW_QUERY_MAX

# A saved value is at most as long as the longest value the lists take (`q`).
VALUE_MAX = 200


class SavedViewList(StrEnum):
    """The lists a view can be saved for."""

    COMMITMENTS = "commitments"
    EXCHANGES = "exchanges"


# The query parameters each list's view may hold: its filters and its order.
VIEW_PARAMETERS: dict[SavedViewList, frozenset[str]] = {
    SavedViewList.COMMITMENTS: frozenset(
        (
            "status",
            "priority_area",
            "modality",
            "lead_party",
            "organisation",
            "health",
            "due_before",
            "due_after",
            "q",
            "sort",
        )
    ),
    SavedViewList.EXCHANGES: frozenset(
        (
            "kind",
            "status",
            "party",
            "organisation",
            "starts_before",
            "ends_after",
            "commitment_id",
            "q",
            "sort",
        )
    ),
}


class SavedViewCreate(BaseModel):
    """A list's filters and order to save under a name."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "Cyber, in progress",
                "list": "commitments",
                "query": "priority_area=3.1.1&status=in_progress&sort=due_date",
            }
        },
    )

    name: str = Field(
        min_length=1,
        max_length=SAVED_VIEW_NAME_MAX,
        description=f"1 to {SAVED_VIEW_NAME_MAX} characters, unique among your views of the list.",
    )
    list: SavedViewList
    query: str = Field(
        max_length=SAVED_VIEW_QUERY_MAX,
        description=(
            "The list's query string: its filters and `sort` (no `page`, `cursor` or `limit`), "
            f"at most {SAVED_VIEW_QUERY_MAX} characters, each value at most {VALUE_MAX}. The "
            "values are checked when the view is applied to the list, as any other query."
        ),
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError("string_blank", "must not be only spaces")
        return value

    @field_validator("query")
    @classmethod
    def _query(cls, value: str) -> str:
        try:
            pairs = parse_qsl(value, strict_parsing=bool(value), max_num_fields=100)
        except ValueError:
            raise PydanticCustomError(
                "query_format", "must be a query string (name=value&name=value)"
            ) from None
        if any(len(item) > VALUE_MAX for _, item in pairs):
            raise PydanticCustomError(
                "query_value_too_long", f"each value is at most {VALUE_MAX} characters"
            )
        return value


def unknown_parameters(data: SavedViewCreate) -> list[str]:
    """The query's parameter names that the view's list does not take."""
    names = {name for name, _ in parse_qsl(data.query)}
    return sorted(names - VIEW_PARAMETERS[data.list])


class SavedViewPublic(BaseModel):
    """A saved view."""

    id: uuid.UUID
    name: str
    list: SavedViewList
    query: str
    created_at: datetime


class SavedViewPage(BaseModel):
    """Your saved views of a list, by name."""

    items: list[SavedViewPublic]
