"""Commitments and milestones read as text and turned into the API's JSON without detours.

Why this module exists: the generic way to serve a row is to let SQLAlchemy's result processors
build Python objects (UUID, date, aware datetime, parsed JSON) and let orjson print them back
as text. For a page of 50 commitments with their milestones that is about a thousand objects
per request, built only to be printed again, and it was most of the list's server time. Here
each engine is asked for the values in (or next to) the form the API prints, and a few string
slices finish the job. The list, the single GET and the plan snapshot all go through
`RowFormat`, so their representations of a commitment cannot drift apart;
tests/api/test_commitment_output.py checks both against the CommitmentPublic model. The page
row's columns are CommitmentPublic's own fields by name (COMMITMENT_COLUMNS: a field added to
the read schema is selected, as its column's type says), and rows are read by those names into
a dict in the read schema's order, each value printed as its column's type says (`_Kind`).

What the API prints (orjson, OPT_UTC_Z), what SQLite keeps (SQLAlchemy's storage formats), and
what is selected on PostgreSQL:

- UUID: ``1b4e28ba-2fa1-11d2-883f-0016d3cca427``. SQLite: 32 lower-case hex digits, dashed here
  by slicing. PostgreSQL: ``CAST(col AS TEXT)`` is that very form.
- date: ``2026-11-25``. SQLite: the same text. PostgreSQL: the date from psycopg's C loader,
  printed by orjson.
- timestamp: ``2026-11-25T19:05:39.440715Z``, or ``2026-11-25T19:05:39Z`` when the fraction is
  zero. SQLite: ``'2026-11-25 19:05:39.440715'`` in UTC, always six digits. PostgreSQL:
  ``to_char(col AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')``, whatever the session's
  time zone; the zero fraction is dropped here.
- JSON: compact, as orjson prints it. SQLite: the compact text orjson wrote, embedded with
  ``orjson.Fragment``. PostgreSQL: printed compact by the server (see below), embedded too.
- boolean: ``true``/``false``. SQLite: 0/1. PostgreSQL: the bool.

Stored JSON is embedded as it is with ``orjson.Fragment`` on SQLite: every writer goes through
the engine's ``json_serializer`` (orjson, compact), and orjson prints what it parses exactly as
it was written, so the bytes are those a parse-and-print would give. PostgreSQL's JSONB text is
its own normalised form (``{"en": "…", "ja": "…"}``, with spaces, "stale" before "source"), so
there the page's statement prints each value compact, in the order a parse would give and with
the translation states' keys in the API's order (PG_LOCALIZED_TEXT, PG_TRANSLATIONS): the
server does in C what was a loader call, a parse, a dict rebuild and a print per value here.

A SQLite value in any other shape that SQLAlchemy still reads (a timestamp with an offset or a
short fraction, a week date, a UUID in capitals: written by hand, never by the app) goes
through the column type's own result processor and orjson, the generic path, so it prints
exactly as it always did. An engine other than SQLite and PostgreSQL gets the typed columns.

Within a page some values come back again and again (the plan, the parties, areas and
organisations), so each distinct one of those is converted once per page.
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from enum import Enum
from functools import cached_property
from operator import call, itemgetter
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Connection,
    Date,
    Integer,
    Select,
    String,
    Text,
    Uuid,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy import type_coerce as coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect

from itpp_api import driver
from itpp_api.auth import policy
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.commitments.schemas import CommitmentPublic
from itpp_api.db import EnumString, UTCDateTime, table_of
from itpp_api.enums import CommitmentStatus
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.localized import translations_view
from itpp_api.plans.models import PriorityArea
from itpp_api.wire import JSON_OPTIONS, etag_of

if TYPE_CHECKING:
    from itpp_api.auth.actor import Actor
    from itpp_api.auth.policy import PlanActions

_C = table_of(Commitment).c
_M = table_of(Milestone).c
_S = table_of(CommitmentSupporter).c
_A = table_of(PriorityArea).c
_E = table_of(Exchange).c
_L = table_of(ExchangeCommitment).c
_LINK_TABLES = table_of(ExchangeCommitment).join(table_of(Exchange), _E.id == _L.exchange_id)

_CLOSED = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)

# CommitmentPublic's fields that are no column of the page row: read from the row's children
# (supporters, milestones), or derived (is_overdue, etag, allowed_actions).
COMMITMENT_DERIVED = frozenset(
    {"supporting_organisation_ids", "is_overdue", "milestones", "etag", "allowed_actions"}
)
# A page row: the read schema's other fields, in its order, then what the ETag needs. They are
# selected by name (each as its column's type says: `RowFormat.column_of`); `dicts` prints
# them, and tests/api/test_commitment_output.py holds its output to CommitmentPublic's.
COMMITMENT_COLUMNS: tuple[str, ...] = (
    *(name for name in CommitmentPublic.model_fields if name not in COMMITMENT_DERIVED),
    "row_version",
)
_AT = {name: index for index, name in enumerate(COMMITMENT_COLUMNS)}
# Where a page row holds the commitment's id and its plan's (as the engine gives them).
ID_AT, PLAN_ID_AT = _AT["id"], _AT["plan_id"]
# A row of `children`: a milestone's columns (a supporter's organisation id in the "id" place,
# a linked exchange's id and row version in theirs); the first three order the rows.
CHILD_COLUMNS = (
    "kind",
    "commitment_id",
    "position",
    "id",
    "title",
    "translations",
    "due_date",
    "done_on",
    "row_version",
    "created_at",
    "updated_at",
)
_CHILD_AT = {name: index for index, name in enumerate(CHILD_COLUMNS)}

# A CommitmentPublic dict as `dicts` starts it, each field in the read schema's order: it sets
# the page row's columns (COMMITMENT_COLUMNS) in their places, then the derived fields in
# theirs; `allowed_actions` (the schema's last field) is added only given the reader's actions.
_COMMITMENT_TEMPLATE: dict[str, Any] = dict.fromkeys(
    name for name in CommitmentPublic.model_fields if name != "allowed_actions"
)
# The page row's columns that are CommitmentPublic fields (not row_version), by position.
_COMMITMENT_PRINTED = tuple(
    (name, index) for index, name in enumerate(COMMITMENT_COLUMNS) if name in _COMMITMENT_TEMPLATE
)
# What the milestones' rows are read as (one C call per row), in the order they unpack them.
_MILESTONE_VALUES = itemgetter(
    *(
        _CHILD_AT[name]
        for name in (
            "id",
            "position",
            "title",
            "translations",
            "due_date",
            "done_on",
            "row_version",
            "created_at",
            "updated_at",
        )
    )
)
_CHILD_KEYS = itemgetter(
    *(_CHILD_AT[name] for name in ("kind", "commitment_id", "id", "row_version"))
)
_RAW = String()  # a type with no result processing on any engine: values come as the driver gives
_UTC: ColumnElement[str] = literal_column("'UTC'")
_PG_TIMESTAMP: ColumnElement[str] = literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US'""")

Row = Sequence[Any]
Convert = Callable[[Any], Any]


def _values_at(indexes: Sequence[int]) -> Callable[[Row], tuple[Any, ...]]:
    """A row's values at `indexes`, as a tuple (itemgetter: one C call)."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    getter: Callable[[Row], tuple[Any, ...]] = itemgetter(*indexes)
    return getter


class _Kind(Enum):
    """How a stored column is selected and printed, by its type (`_kind_of`)."""

    UUID = "uuid"
    TIMESTAMP = "timestamp"
    DATE = "date"
    JSON = "json"
    TRANSLATIONS = "translations"
    BOOLEAN = "boolean"
    AS_IS = "as is"


def _kind_of(column: ColumnElement[Any]) -> _Kind:
    kind = column.type
    if isinstance(kind, Uuid):
        return _Kind.UUID
    if isinstance(kind, UTCDateTime):
        return _Kind.TIMESTAMP
    if isinstance(kind, Date):
        return _Kind.DATE
    if isinstance(kind, JSON):
        return _Kind.TRANSLATIONS if column.name == "translations" else _Kind.JSON
    if isinstance(kind, Boolean):
        return _Kind.BOOLEAN
    return _Kind.AS_IS


class RowFormat:
    """Select lists for one engine, and the functions that turn their rows into API dicts.

    This base class is the reference behaviour, used for engines without a faster path: typed
    columns (SQLAlchemy builds the Python objects) and orjson prints them.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._processors: dict[Any, Callable[[Any], Any]] = {}
        self._with_links: dict[bool, CompoundSelect[Any]] = {}

    def uuid_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def timestamp_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def date_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def json_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def boolean_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def translations_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return self.json_column(column)

    def uuid_of(self, value: Any) -> str | None:
        return None if value is None else str(value)

    def timestamp_of(self, value: Any) -> Any:
        return value

    def date_of(self, value: Any) -> Any:
        return value

    def json_of(self, value: Any) -> Any:
        return value

    def boolean_of(self, value: Any) -> bool:
        return bool(value)

    def translations_of(self, value: Any) -> Any:
        """A `translations` column value, each state with its keys in TranslationState's order.

        A parsed value keeps the engine's key order, and JSONB orders an object's keys its own
        way (shorter first: "stale" before "source").
        """
        return translations_view(value)

    def today(self, on: dt.date) -> Any:
        """`on` in the form `date()` returns, so that comparing them compares days."""
        return on

    def ids_in(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        """`column IN :ids`, for ids as the page query returned them (see `ids_value`)."""
        return column.in_(bindparam("ids", expanding=True))

    def ids_value(self, ids: list[Any]) -> Any:
        """The value of the `ids` parameter of `ids_in`."""
        return ids

    def sort_key_column(self, key: ColumnElement[Any]) -> ColumnElement[Any]:
        """A keyset sort key, selected without result processing (`sort_key_value` for one)."""
        return coerce(key, _RAW).label("sort_key")

    def sort_key_value(self, key: ColumnElement[Any], value: Any) -> Any:
        """A `sort_key_column` value as the typed key would have given it (for a cursor)."""
        processor = self._processors.get(key.type)
        if processor is None:
            processor = self._processors[key.type] = _processor(key.type, self.dialect)
        return processor(value)

    # --- select lists: named once (COMMITMENT_COLUMNS, CHILD_COLUMNS), read by position ------

    def column_of(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A stored column as this engine selects it, by its type, labelled with its name."""
        return self._selected(column).label(column.name)

    def _selected(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        select_as = {
            _Kind.UUID: self.uuid_column,
            _Kind.TIMESTAMP: self.timestamp_column,
            _Kind.DATE: self.date_column,
            _Kind.JSON: self.json_column,
            _Kind.TRANSLATIONS: self.translations_column,
            _Kind.BOOLEAN: self.boolean_column,
        }.get(_kind_of(column))
        if select_as is not None:
            return select_as(column)
        if isinstance(column.type, EnumString):
            # Printed as the stored string it is: no enum member made per value.
            return coerce(column, _RAW)
        return column

    @cached_property
    def _commitment_stored(self) -> tuple[tuple[ColumnElement[Any], ...], tuple[_Kind, ...]]:
        """The page row's stored columns (COMMITMENT_COLUMNS, in order), and each one's kind."""
        columns = tuple(
            _A.code if name == "priority_area_code" else _C[name] for name in COMMITMENT_COLUMNS
        )
        return columns, tuple(_kind_of(column) for column in columns)

    @cached_property
    def _printed(
        self,
    ) -> tuple[
        tuple[str, ...],
        Callable[[Row], tuple[Any, ...]],
        tuple[str, ...],
        Callable[[Row], tuple[Any, ...]],
        tuple[_Kind, ...],
    ]:
        """The page row's CommitmentPublic fields (_COMMITMENT_PRINTED) as `dicts` reads them:
        those printed as they come (names, and their values' getter), and the others (names,
        getter, and each one's kind)."""
        _, kinds = self._commitment_stored
        as_is = [(name, at) for name, at in _COMMITMENT_PRINTED if kinds[at] is _Kind.AS_IS]
        other = [(name, at) for name, at in _COMMITMENT_PRINTED if kinds[at] is not _Kind.AS_IS]
        return (
            tuple(name for name, _ in as_is),
            _values_at([at for _, at in as_is]),
            tuple(name for name, _ in other),
            _values_at([at for _, at in other]),
            tuple(kinds[at] for _, at in other),
        )

    @cached_property
    def commitment_columns(self) -> tuple[ColumnElement[Any], ...]:
        """A page row: COMMITMENT_COLUMNS, each as its column's type selects it."""
        columns, _ = self._commitment_stored
        return tuple(
            self._selected(column).label(name)
            for name, column in zip(COMMITMENT_COLUMNS, columns, strict=True)
        )

    @cached_property
    def children(self) -> CompoundSelect[Any]:
        """The milestones and supporters of a page's commitments, in one statement.

        Rows are ``(kind, commitment_id, position, …)``: kind 0 is a milestone (then
        the rest of a milestone's columns), kind 1 a supporter (then the organisation id),
        each commitment's in position order. Built once; the page's ids are its one parameter.
        """
        u = self.uuid_column
        milestones = select(
            literal_column("0").label("kind"), *(self.column_of(_M[n]) for n in CHILD_COLUMNS[1:])
        ).where(self.ids_in(_M.commitment_id))
        supporters = select(
            literal_column("1"),
            u(_S.commitment_id),
            _S.position,
            u(_S.organisation_id),
            *(null() for _ in CHILD_COLUMNS[_CHILD_AT["id"] + 1 :]),
        ).where(self.ids_in(_S.commitment_id))
        return union_all(milestones, supporters).order_by(
            literal_column("kind"), literal_column("commitment_id"), literal_column("position")
        )

    def children_and_links(self, system: bool) -> CompoundSelect[Any]:
        """`children`, and (kind 2) the exchanges linked to the page's commitments that the
        reader sees: ``(2, commitment_id, 0, exchange id, …, exchange row_version, …)``, for
        the commitments' ETags (`commitment_etag`). A party's reader is given as the parameter
        VIEWER_PARTY (the access policy's filter); `system` reads every link. Built once each.
        """
        found = self._with_links.get(system)
        if found is not None:
            return found
        u = self.uuid_column
        links: Select[Any] = (
            select(
                literal_column("2"),
                u(_L.commitment_id),
                literal_column("0"),
                u(_E.id),
                *(null() for _ in CHILD_COLUMNS[_CHILD_AT["id"] + 1 : _CHILD_AT["row_version"]]),
                _E.row_version,
                *(null() for _ in CHILD_COLUMNS[_CHILD_AT["row_version"] + 1 :]),
            )
            .select_from(_LINK_TABLES)
            .where(self.ids_in(_L.commitment_id))
        )
        if not system:
            links = links.where(policy.visible_exchanges(_E, None))
        parts: list[Select[Any]] = [*self.children.selects, links]  # type: ignore[list-item]
        built: CompoundSelect[Any] = union_all(*parts).order_by(
            literal_column("kind"), literal_column("commitment_id"), literal_column("position")
        )
        self._with_links[system] = built
        return built

    def dicts(
        self,
        connection: Connection,
        rows: Sequence[Row],
        on: dt.date,
        actions: "PlanActions | None" = None,
        reader: "Actor | None" = None,
    ) -> list[dict[str, Any]]:
        """Page rows (`commitment_columns` first: COMMITMENT_COLUMNS, read by name) as
        CommitmentPublic dicts, children included; given the reader's `actions` in the plan,
        with what they may do with each record. Given the `reader`, each ETag is the one that
        reader sees (`commitment_etag`: it follows the exchanges linked to the commitment that
        the reader may see); without one (a plan version's snapshot, which keeps no ETag)
        links are not read.

        One flat loop: a page is 50 commitments and about a hundred milestones, and a function
        call per value was most of the list's Python time. A commitment's fields are those of
        CommitmentPublic, set in its order from the row by name (COMMITMENT_COLUMNS), each
        printed as its column's kind says (`_Kind`: the same dispatch that selected it), in C
        calls per row; ids go through a per-page memo (the plan, areas, parties and
        organisations repeat), JSON through `json_of` once per value.
        """
        if not rows:
            return []
        today = self.today(on)
        # Ids repeat within a page (the plan, areas, parties, organisations): they go through a
        # memo; timestamps and dates, which rarely do, are converted directly.
        uuids = _Converted(self.uuid_of)
        uuid_of: Convert = self.uuid_of  # an id read here is never NULL
        stamp, day = self.timestamp_of, self.date_of
        json_of, translations_of, boolean_of = self.json_of, self.translations_of, self.boolean_of
        # Milestones and supporters by commitment, as the rows came (each in position order).
        milestone_rows: dict[Any, list[Row]] = {}
        supporters: dict[Any, list[str | None]] = {}
        links: dict[Any, list[tuple[str, int]]] = {}
        first = ID_AT
        ids = [row[first] for row in rows]  # as the page query returned them
        params: dict[str, Any] = {"ids": self.ids_value(ids)}
        if reader is None:
            statement = self.children
        else:
            statement = self.children_and_links(reader.is_system)
            if not reader.is_system:
                params[policy.VIEWER_PARTY] = reader.party_id
        for child in driver.run(connection, statement, params):
            kind, of, child_id, version = _CHILD_KEYS(child)
            if kind == 0:
                milestone_rows.setdefault(of, []).append(child)
            elif kind == 1:
                supporters.setdefault(of, []).append(uuids[child_id])
            else:
                links.setdefault(of, []).append((uuid_of(child_id), version))
        # What the reader may do with a commitment depends on two facts of its row (policy).
        allowed: dict[tuple[str, str], tuple[Any, Any]] = {}
        no_milestones: list[Row] = []
        items = []
        # Each printed column as its kind prints (by its column's type, as it was selected):
        # those printed as they come set in one C call per row, the others through their
        # conversion in another (`operator.call` mapped over the printers).
        printer = {
            _Kind.UUID: uuids.__getitem__,
            _Kind.TIMESTAMP: stamp,
            _Kind.DATE: day,
            _Kind.JSON: json_of,
            _Kind.TRANSLATIONS: translations_of,
            _Kind.BOOLEAN: boolean_of,
        }
        as_is_names, as_is_values, converted_names, converted_values, kinds = self._printed
        printers = [printer[kind] for kind in kinds]
        version_at = _AT["row_version"]
        for row in rows:
            item = _COMMITMENT_TEMPLATE.copy()
            item.update(zip(as_is_names, as_is_values(row), strict=True))
            item.update(
                zip(converted_names, map(call, printers, converted_values(row)), strict=True)
            )
            stored_id = row[first]
            commitment_id = item["id"]
            due_date, status, visibility = item["due_date"], item["status"], item["visibility"]
            milestones = []
            for m in milestone_rows.get(stored_id, no_milestones):
                (
                    m_stored_id,
                    m_position,
                    m_title,
                    m_translations,
                    m_stored_due,
                    m_done_on,
                    m_version,
                    m_created,
                    m_updated,
                ) = _MILESTONE_VALUES(m)
                milestone_id = uuid_of(m_stored_id)
                m_due, done_on = day(m_stored_due), day(m_done_on)
                milestones.append(
                    {
                        "id": milestone_id,
                        "commitment_id": commitment_id,
                        "position": m_position,
                        "title": json_of(m_title),
                        "translations": translations_of(m_translations),
                        "due_date": m_due,
                        "done_on": done_on,
                        "is_overdue": done_on is None and m_due is not None and m_due < today,
                        "etag": etag_of(milestone_id[:8] + milestone_id[9:13], m_version),
                        "created_at": stamp(m_created),
                        "updated_at": stamp(m_updated),
                    }
                )
            item["supporting_organisation_ids"] = supporters.get(stored_id, [])
            item["is_overdue"] = due_date is not None and due_date < today and status not in _CLOSED
            item["milestones"] = milestones
            item["etag"] = commitment_etag(commitment_id, row[version_at], links.get(stored_id))
            if actions is not None:
                facts = (visibility, status)
                found = allowed.get(facts)
                if found is None:
                    on_commitment = actions.commitment(visibility=visibility, status=status)
                    found = allowed[facts] = (on_commitment, actions.milestone(on_commitment))
                item["allowed_actions"] = found[0]
                for milestone in milestones:
                    milestone["allowed_actions"] = found[1]
            items.append(item)
        return items


class _Converted(dict[Any, Any]):
    """A per-page memo of one conversion: `memo[value]` is a dict look-up once a value has
    been converted (ids, dates and timestamps repeat within a page); None stays None."""

    def __init__(self, convert: Convert) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        found = self[value] = self.convert(value)
        return found


def commitment_etag(
    dashed_id: str, row_version: int, links: Sequence[tuple[str, int]] | None
) -> str:
    """A commitment's ETag as one reader sees it. Its representation lists the exchanges that
    deliver it, so the ETag follows them: the commitment's own version, and, when the reader
    sees any linked exchange, a digest of those exchanges' ids and versions (`links`: (dashed
    id, row_version) pairs, in any order). A link or an exchange the reader may not see never
    moves it, so one party's ETag tells nothing of the other's internal exchanges; a link made
    or removed, or a linked exchange changed, moves the ETag of every reader who sees it."""
    id_hex = dashed_id[:8] + dashed_id[9:13]  # the dashed text's first 12 hex digits
    if not links:
        return etag_of(id_hex, row_version)
    listed = ",".join(sorted(f"{exchange_id}:{version}" for exchange_id, version in links))
    return etag_of(id_hex, row_version, hashlib.blake2b(listed.encode(), digest_size=6).hexdigest())


def _orjson_text(value: Any) -> str:
    """What orjson prints for a date or datetime, without the quotes."""
    return orjson.dumps(value, option=JSON_OPTIONS)[1:-1].decode()


class _SQLite(RowFormat):
    """Everything comes as the stored text (see the module docstring)."""

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._date_processor = _processor(Date(), dialect)
        self._timestamp_processor = _processor(UTCDateTime(), dialect)

    def uuid_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return coerce(column, _RAW)

    def timestamp_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return coerce(column, _RAW)

    def date_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return coerce(column, _RAW)

    def json_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return coerce(column, _RAW)

    def boolean_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return coerce(column, Integer())  # 0 / 1

    def uuid_of(self, value: Any) -> str | None:
        if value is None:
            return None
        h: str = value
        # islower(): lower-case hex with at least one letter; anything else takes the safe path.
        if len(h) == 32 and h.islower():
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return str(uuid.UUID(h))

    def timestamp_of(self, value: Any) -> Any:
        # 'YYYY-MM-DD HH:MM:SS.ffffff' (what SQLAlchemy writes) or without the fraction. The
        # separators are checked, and the fraction's digits: other text of the same length
        # ('… 03:04:05.123+01', a week date) must take the type's own reading.
        v: str = value
        if len(v) == 26 and v[4:20:3] == "-- ::." and v[20:].isdigit():
            if v.endswith("000000"):
                return f"{v[:10]}T{v[11:19]}Z"
            return f"{v[:10]}T{v[11:]}Z"
        if len(v) == 19 and v[4:17:3] == "-- ::":
            return f"{v[:10]}T{v[11:]}Z"
        return _orjson_text(self._timestamp_processor(v))

    def date_of(self, value: Any) -> Any:
        # 'YYYY-MM-DD'; not, say, the week date '2026-W02-1', also ten characters long.
        if value is None or (len(value) == 10 and value[4:8:3] == "--"):
            return value
        return _orjson_text(self._date_processor(value))

    def json_of(self, value: Any) -> Any:
        return None if value is None else orjson.Fragment(value)

    def translations_of(self, value: Any) -> Any:
        # As written: every writer builds each state as {"source": …, "stale": […]}.
        return orjson.Fragment(value)

    def today(self, on: dt.date) -> Any:
        return on.isoformat()  # ISO dates compare as text the way the days compare

    def ids_in(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        # The stored hex text of the ids, as one JSON array: one parameter, so the statement's
        # SQL is the same for every page (an expanding IN is re-rendered on each execution).
        ids = func.json_each(bindparam("ids", type_=_RAW)).table_valued("value")
        return coerce(column, _RAW).in_(select(ids.c.value))

    def ids_value(self, ids: list[Any]) -> Any:
        return orjson.dumps(ids).decode()


# Correlated subqueries over a JSONB column, named where COLUMN stands (our own metadata). Only
# an object is taken apart (jsonb_each refuses anything else); any other value, such as the
# JSON null SQLAlchemy stores for None, is printed as it is (for null and strings that is
# orjson's text too).
PG_LOCALIZED_TEXT = (
    "CASE jsonb_typeof(COLUMN) WHEN 'object' THEN"
    " (SELECT '{' || string_agg(to_json(e.key)::text || ':' || e.value::text, ','"
    " ORDER BY e.ordinality) || '}' FROM jsonb_each(COLUMN) WITH ORDINALITY AS e)"
    " ELSE COLUMN::text END"
)
PG_TRANSLATIONS = (
    "CASE jsonb_typeof(COLUMN) WHEN 'object' THEN"
    " COALESCE((SELECT '{' || string_agg(to_json(e.key)::text"
    """ || ':{"source":' || COALESCE((e.value -> 'source')::text, 'null')"""
    """ || ',"stale":' || COALESCE(replace((e.value -> 'stale')::text, ', ', ','), 'null')"""
    " || '}', ',' ORDER BY e.ordinality) || '}' FROM jsonb_each(COLUMN) WITH ORDINALITY AS e),"
    " '{}') ELSE COLUMN::text END"
)


def _on_column(template: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    table = column.table.name
    return literal_column(template.replace("COLUMN", f"{table}.{column.name}"), _RAW)


def _pg_localized_text(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A localized text ({tag: text}, JSONB) as the compact JSON orjson prints for it.

    Its members in JSONB's own order (the order parsing its text gives), each key and string
    printed by PostgreSQL's JSON escaping, which is orjson's: the same short escapes, other
    control characters as lower-case \\u00xx, everything else as it is. NULL stays NULL.
    """
    return _on_column(PG_LOCALIZED_TEXT, column)


def _pg_translations(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A `translations` value as localized.translations_view prints it: each state's keys in
    TranslationState's order ("source", then "stale"; JSONB keeps "stale" first), compact.
    Language tags (BCP 47: letters, digits, '-') never hold ", ", so a JSONB array's
    separator is the only one there is to tighten."""
    return _on_column(PG_TRANSLATIONS, column)


class _Postgres(RowFormat):
    """UUIDs and timestamps printed by the server, stored JSON printed compact by the server
    (embedded with orjson.Fragment: no parse, no dict, no print per value); dates and booleans
    as psycopg loads them."""

    def json_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return _pg_localized_text(column)

    def translations_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return _pg_translations(column)

    def json_of(self, value: Any) -> Any:
        return None if value is None else orjson.Fragment(value)

    def translations_of(self, value: Any) -> Any:
        return orjson.Fragment(value)

    def uuid_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(column, Text)

    def timestamp_column(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # In UTC whatever the session's TimeZone; always six fraction digits (timestamp_of).
        return func.to_char(func.timezone(_UTC, column), _PG_TIMESTAMP)

    def timestamp_of(self, value: Any) -> Any:
        v: str = value
        return f"{v[:-7]}Z" if v.endswith(".000000") else f"{v}Z"

    def ids_in(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        # One array parameter (text, as selected), not an expanding IN re-rendered per page.
        ids = cast(bindparam("ids", type_=ARRAY(Text())), ARRAY(Uuid()))
        return column == func.any(ids)


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any]:
    processor = type_.dialect_impl(dialect).result_processor(dialect, None)
    return processor if processor is not None else (lambda value: value)


_FORMATS: dict[str, RowFormat] = {}


def for_dialect(dialect: Dialect) -> RowFormat:
    """The row format of an engine: one instance per dialect name, select lists built once."""
    found = _FORMATS.get(dialect.name)
    if found is None:
        if dialect.name == "sqlite":
            found = _SQLite(dialect)
        elif dialect.name == "postgresql":
            found = _Postgres(dialect)
        else:
            found = RowFormat(dialect)
        _FORMATS[dialect.name] = found
    return found
