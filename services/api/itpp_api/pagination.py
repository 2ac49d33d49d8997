"""Keyset (cursor) pagination over a stable sort: (sort key, id), ascending or descending.

The commitment and exchange lists also take a page number (`page`, for a table's numbered
pages: an offset in the same order) and answer with `total`, how many records their filters
match, counted with the page's own criteria.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_

from itpp_api.bounds import DATETIME_END, DATETIME_MIN, SAFE_INTEGER_MAX
from itpp_api.errors import InvalidCursor, ValidationFailed
from itpp_api.wire import decode_cursor, encode_cursor


def check_page_or_cursor(page: int | None, cursor: str | None) -> None:
    """A list takes a page number or a cursor, not both (422)."""
    if page is not None and cursor is not None:
        raise ValidationFailed("Give either page or cursor, not both.")


# A SELECT of any columns (SQLAlchemy 2.1 types Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class SortOrder:
    """One sort option a list offers: its public name, the key expression and direction."""

    name: str
    key: ColumnElement[Any]
    id_column: ColumnElement[Any]
    descending: bool
    key_type: type = str


def _coerce(value: Any, key_type: type) -> Any:
    if value is None:
        return None
    if key_type is date:
        return date.fromisoformat(value)
    if key_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("cursor timestamp without a time zone")
        # Every stored instant is in this range; outside it, the conversion to UTC may overflow.
        if not DATETIME_MIN <= moment < DATETIME_END:
            raise ValueError("cursor timestamp out of range")
        return moment
    if key_type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("integer cursor value expected")
        if not -SAFE_INTEGER_MAX <= value <= SAFE_INTEGER_MAX:
            raise ValueError("integer cursor value out of range")
        return value
    return str(value)


def cursor_position(order: SortOrder, cursor: str | None) -> tuple[Any, uuid.UUID] | None:
    """The (sort value, id) a cursor points after, typed for the key; InvalidCursor if bad."""
    if cursor is None:
        return None
    raw_value, last_id = decode_cursor(cursor, order.name)
    try:
        last_value = _coerce(raw_value, order.key_type)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("The cursor is damaged; start again without it.") from exc
    return last_value, last_id


def _after(order: SortOrder, last_value: Any, last_id: Any) -> ColumnElement[bool]:
    if order.descending:
        return or_(order.key < last_value, and_(order.key == last_value, order.id_column < last_id))
    return or_(order.key > last_value, and_(order.key == last_value, order.id_column > last_id))


def _ordered(statement: AnySelect, order: SortOrder) -> AnySelect:
    if order.descending:
        return statement.order_by(order.key.desc(), order.id_column.desc())
    return statement.order_by(order.key.asc(), order.id_column.asc())


def apply_keyset(
    statement: AnySelect, order: SortOrder, cursor: str | None, limit: int
) -> AnySelect:
    """Order the statement and position it after the cursor; fetch one extra row."""
    position = cursor_position(order, cursor)
    if position is not None:
        statement = statement.where(_after(order, *position))
    return _ordered(statement, order).limit(limit + 1)


def apply_keyset_parameters(statement: AnySelect, order: SortOrder, *, after: bool) -> AnySelect:
    """apply_keyset for a statement built once and run many times, its values as parameters.

    With `after`, the cursor's position (cursor_position) goes in as `last_value` and
    `last_id`; the page size plus one (the extra row) always goes in as `limit`.
    """
    if after:
        last_value = bindparam("last_value", type_=order.key.type)
        last_id = bindparam("last_id", type_=order.id_column.type)
        statement = statement.where(_after(order, last_value, last_id))
    return _ordered(statement, order).limit(bindparam("limit", type_=Integer()))


def next_cursor(
    rows: list[Any], order: SortOrder, limit: int, key_of: str, id_of: str = "id"
) -> tuple[list[Any], str | None]:
    """Trim the extra row and make the cursor for the next page (None on the last page), for
    rows of a statement (`key_of`, `id_of`: the labels of the sort key and the id)."""
    return trim_page(rows, order, limit, lambda row: (row._mapping[key_of], row._mapping[id_of]))


Item = TypeVar("Item")


def trim_page(
    items: Sequence[Item],
    order: SortOrder,
    limit: int,
    position: Callable[[Item], tuple[Any, Any]],
) -> tuple[list[Item], str | None]:
    """The page (the extra row trimmed) and the cursor after its last item (None on the last
    page); `position`: an item's (sort value, id). The one place a list's next cursor is made."""
    if len(items) <= limit:
        return list(items), None
    page = list(items[:limit])
    value, last_id = position(page[-1])
    return page, encode_cursor(order.name, value, last_id)
