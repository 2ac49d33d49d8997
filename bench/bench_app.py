"""The app the benchmark serves: the real API plus two reference endpoints on the same app.

Both references sit behind the same server, middleware and process as the real list, so the
ratios isolate what the list endpoint itself costs:

- ``GET /_bench/bare`` — a raw ASGI callable answering constant JSON: the floor of uvicorn plus
  the app's middleware stack, with no routing work, validation or database.
- ``GET /_bench/raw/{plan_id}?limit=50`` — the list's own work on the bare DB-API driver
  (sqlite3 or psycopg): the bearer token's lookup and checks (and its once-a-minute touch), the
  plan's existence and parties for the access policy, the page query with the visibility
  filter, the page's milestones and supporters; one read transaction on SQLite, autocommit
  statements on PostgreSQL, as the list does it. Rows are turned into the same dicts by hand
  and serialized with orjson, on the event loop without a thread hop (async connections on
  PostgreSQL): the practical limit for this request on this stack. It reads values the
  cheapest way a hand-written endpoint would (text for UUIDs and timestamps, stored JSON
  embedded as it is on SQLite, each distinct id and timestamp of a page converted once), so
  the list is compared with the best, not with a strawman.

``conventional.py`` adds a list written the common way (FastAPI full-stack template style).

A further route, ``/_bench/sql``, records the SQL the app's engine runs around one real list
request, so the benchmark reports the server's own statement count.

Run by the benchmark as ``uvicorn --factory bench_app:create_bench_app`` with ITPP_DATABASE_URL.
"""

import asyncio
import base64
import hashlib
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import conventional
import orjson
import psycopg
from fastapi import FastAPI
from psycopg.types.json import set_json_loads
from sqlalchemy import event
from sqlalchemy.engine import make_url
from starlette.routing import Route

from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import PlanActions
from itpp_api.commitments import router as commitments_router
from itpp_api.commitments.fast_rows import PG_LOCALIZED_TEXT, PG_TRANSLATIONS, commitment_etag
from itpp_api.config import get_settings
from itpp_api.db import get_engine
from itpp_api.enums import Role, TokenScope
from itpp_api.main import create_app
from itpp_api.plans.lifecycle import status_as_read

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BARE_PATH = "/_bench/bare"
RAW_PATH = "/_bench/raw/{plan_id}"
SQL_PATH = "/_bench/sql"

# The same options the API serializes with (conventions.dump_json), so the bodies are identical.
_JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_CLOSED = ("completed", "cancelled")
_BARE_BODY = orjson.dumps({"status": "ok", "service": "bench"})
_JSON_HEADERS = [(b"content-type", b"application/json")]


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BareEndpoint:
    """A raw ASGI app; a class instance so Starlette's Route calls it without wrapping it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _send_json(send, 200, _BARE_BODY)


# --- the raw-driver reference -------------------------------------------------------------

# The columns one list item is made of, in the order the page query selects them. Spelled out
# rather than taken from the metadata: the list reads exactly these (search_text only filters).
_ITEM_COLUMNS = (
    "id",
    "plan_id",
    "reference",
    "priority_area_id",
    "title",
    "description",
    "modality",
    "lead_party_id",
    "lead_organisation_id",
    "start_date",
    "due_date",
    "status",
    "progress",
    "health",
    "pcm_activity_ref",
    "visibility",
    "is_example",
    "row_version",
    "created_at",
    "updated_at",
    "translations",
)
# A milestone's columns in the children statement, after its `kind` (0; 1 for a supporter).
_MILESTONE_COLUMNS = (
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
_TOKEN_COLUMNS = (
    "access_token.id",
    "access_token.scope",
    "access_token.last_used_at",
    "access_token.expires_at",
    "access_token.idle_timeout_seconds",
    "access_token.revoked_at",
    "user_account.party_id",
    "user_account.is_active",
    "user_account.role",
)
_UUIDS = {"id", "plan_id", "priority_area_id", "lead_party_id", "lead_organisation_id"}
_UUIDS_M = {"id", "commitment_id"}
_TIMESTAMPS = {"created_at", "updated_at"}
_SOMEONE = uuid.UUID(int=1)  # an Actor with a user id is a user, not the system
_TOUCH_EVERY = timedelta(seconds=60)  # as itpp_api.auth.service: the idle clock, once a minute


def _select_list(table: str, columns: tuple[str, ...], uuids: set[str], *, sqlite: bool) -> str:
    """The select list, as text where the API reads text: UUIDs and timestamps on PostgreSQL.

    On SQLite the stored values already are text (32 hex digits, 'YYYY-MM-DD HH:MM:SS.ffffff',
    ISO dates, compact JSON). On PostgreSQL a UUID is cast to its canonical text, a timestamp
    is printed in UTC by the server, and JSONB is printed compact by the server (the list's own
    expressions, fast_rows.PG_*); dates come through the driver's own loader.
    """
    out = []
    for name in columns:
        column = f"{table}.{name}"
        if not sqlite and name in uuids:
            column = f"CAST({column} AS TEXT)"
        elif not sqlite and name in _TIMESTAMPS:
            column = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        elif not sqlite and name in ("title", "description"):
            column = PG_LOCALIZED_TEXT.replace("COLUMN", column)
        elif not sqlite and name == "translations":
            column = PG_TRANSLATIONS.replace("COLUMN", column)
        out.append(column)
    return ", ".join(out)


@dataclass(frozen=True)
class _Statements:
    token: str
    touch: str
    plan: str
    page: str
    # how many commitments the caller sees in the plan (the list's `total`)
    count: str
    # milestones, supporters and the links to exchanges the caller sees: the page's ids are
    # its parameter, three times, then 'shared' and the caller's party (the visibility filter)
    children: str


def _statements(mark: str, *, sqlite: bool) -> _Statements:
    """The statements the list runs, with the driver's placeholder.

    Authentication (the token and its user), the plan's existence and parties (for the access
    policy), the page (visibility filter, keyset order, one extra row), then the milestones,
    supporters and visible exchange links (for the ETags) of the page's commitments in one UNION
    ALL, whose parameter is the page's ids as one value (a JSON array read by json_each on
    SQLite, a uuid[] on PostgreSQL), as itpp_api.commitments.fast_rows does it.
    """
    ids = "commitment_supporter.commitment_id, commitment_supporter.position, "
    ids += "commitment_supporter.organisation_id"
    if not sqlite:
        ids = (
            "CAST(commitment_supporter.commitment_id AS TEXT), commitment_supporter.position, "
            "CAST(commitment_supporter.organisation_id AS TEXT)"
        )
    milestone_columns = _select_list("milestone", _MILESTONE_COLUMNS, _UUIDS_M, sqlite=sqlite)
    links = "exchange_commitment.commitment_id, 0, exchange.id"
    if not sqlite:
        links = "CAST(exchange_commitment.commitment_id AS TEXT), 0, CAST(exchange.id AS TEXT)"
    in_ids = (
        f"IN (SELECT value FROM json_each({mark}))" if sqlite else f"= ANY(CAST({mark} AS UUID[]))"
    )
    return _Statements(
        token=f"SELECT {', '.join(_TOKEN_COLUMNS)} FROM access_token "
        "JOIN user_account ON user_account.id = access_token.user_id "
        f"WHERE access_token.token_hash = {mark}",
        touch=f"UPDATE access_token SET last_used_at={mark} WHERE access_token.id = {mark}",
        plan="SELECT plan.id, plan_party.party_id, plan.status, plan.expiry_date FROM plan "
        f"LEFT OUTER JOIN plan_party ON plan_party.plan_id = plan.id WHERE plan.id = {mark}",
        page=f"SELECT {_select_list('commitment', _ITEM_COLUMNS, _UUIDS, sqlite=sqlite)}, "
        "priority_area.code "
        "FROM commitment JOIN priority_area ON priority_area.id = commitment.priority_area_id "
        f"WHERE commitment.plan_id = {mark} "
        f"AND (commitment.visibility = {mark} OR commitment.lead_party_id = {mark}) "
        "ORDER BY commitment.reference ASC, commitment.id ASC "
        f"LIMIT {mark}" + (f" OFFSET {mark}" if sqlite else ""),
        count="SELECT count(*) FROM commitment "
        f"WHERE commitment.plan_id = {mark} "
        f"AND (commitment.visibility = {mark} OR commitment.lead_party_id = {mark})",
        children=f"SELECT 0 AS kind, {milestone_columns} FROM milestone "
        f"WHERE milestone.commitment_id {in_ids} "
        f"UNION ALL SELECT 1, {ids}, NULL, NULL, NULL, NULL, NULL, NULL, NULL "
        f"FROM commitment_supporter WHERE commitment_supporter.commitment_id {in_ids} "
        f"UNION ALL SELECT 2, {links}, NULL, NULL, NULL, NULL, exchange.row_version, NULL, NULL "
        "FROM exchange_commitment JOIN exchange ON exchange.id = exchange_commitment.exchange_id "
        f"WHERE exchange_commitment.commitment_id {in_ids} "
        f"AND (exchange.visibility = {mark} OR exchange.from_party_id = {mark}) "
        "ORDER BY 1, 2, 3",
    )


_I = {name: index for index, name in enumerate(_ITEM_COLUMNS)}
_I_AREA_CODE = len(_ITEM_COLUMNS)
_M = {name: index for index, name in enumerate(_MILESTONE_COLUMNS, start=1)}


def _dashed(hex_id: str | None) -> str | None:
    # SQLAlchemy keeps UUIDs on SQLite as 32 hex digits; the API shows the dashed form.
    if hex_id is None:
        return None
    h = hex_id  # slicing text beats building uuid.UUID objects only to print them again
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _sqlite_timestamp(value: str) -> str:
    # Stored by SQLAlchemy as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC); orjson prints an aware UTC
    # datetime as 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z', dropping a zero fraction.
    fraction = value[19:]
    if fraction in ("", ".000000"):
        return f"{value[:10]}T{value[11:19]}Z"
    return f"{value[:10]}T{value[11:19]}{fraction}Z"


def _pg_timestamp(value: str) -> str:
    # to_char(... 'YYYY-MM-DD"T"HH24:MI:SS.US') always has six digits; orjson drops zeros.
    return f"{value[:-7]}Z" if value.endswith(".000000") else f"{value}Z"


_MISSING = object()


def _per_page(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` remembering its results for one page, where ids and timestamps repeat."""
    memo: dict[Any, Any] = {}

    def memoized(value: Any) -> Any:
        found = memo.get(value, _MISSING)
        if found is _MISSING:
            found = memo[value] = convert(value)
        return found

    return memoized


def _json(text: str | None) -> orjson.Fragment | None:
    # Compact JSON (SQLite: stored by the app's engine with orjson; PostgreSQL: printed compact
    # by the server): embedded as it is, never parsed.
    return None if text is None else orjson.Fragment(text)


def _cursor(reference: str, id_hex: str) -> str:
    # The same opaque cursor conventions.encode_cursor makes for the "reference" sort.
    payload = orjson.dumps({"s": "reference", "v": reference, "i": id_hex}, option=_JSON_OPTIONS)
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Token:
    """What the access policy needs of the caller, read from the token row."""

    token_id: Any
    party_id: Any
    scope: str
    role: str
    touch: bool


class _Denied(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _check_token(row: tuple[Any, ...] | None, now: datetime) -> _Token:
    """The checks of itpp_api.auth.service.authenticate, on the row of the token query."""
    if row is None:
        raise _Denied(401, "The token is not valid.")
    token_id, scope, last_used, expires, idle_seconds, revoked, party_id, is_active, role = row
    if isinstance(last_used, str):  # SQLite: stored text, a few values per request
        last_used = datetime.fromisoformat(last_used).replace(tzinfo=UTC)
        expires = datetime.fromisoformat(expires).replace(tzinfo=UTC)
    if (
        revoked is not None
        or expires <= now
        or last_used + timedelta(seconds=idle_seconds) <= now
        or not is_active
    ):
        raise _Denied(401, "The token has expired or was revoked; sign in again.")
    return _Token(token_id, party_id, scope, role, touch=now - last_used >= _TOUCH_EVERY)


def _check_plan(token: _Token, rows: list[tuple[Any, ...]]) -> PlanActions:
    """The checks of plans.service.get_plan and policy.authorize_plan for reading; what the
    caller may do with the plan's records (the app's own rule, asked once per kind of row)."""
    if not rows:
        raise _Denied(404, "No such plan.")
    if token.scope == "enrol_totp":
        raise _Denied(403, "Set up your second factor first.")
    if token.party_id not in {row[1] for row in rows}:
        raise _Denied(404, "No such plan.")
    status, expires = rows[0][2], rows[0][3]
    if isinstance(expires, str):  # SQLite: ISO text
        expires = date.fromisoformat(expires)
    actor = Actor(
        user_id=_SOMEONE,
        party_id=token.party_id,
        role=Role(token.role),
        scope=TokenScope(token.scope),
    )
    return PlanActions(actor, status_as_read(status, expires))


def _add_actions(items: list[dict[str, Any]], actions: PlanActions) -> None:
    """What the caller may do with each commitment and its milestones, from the row's facts."""
    for item in items:
        allowed = actions.commitment(visibility=item["visibility"], status=item["status"])
        item["allowed_actions"] = allowed
        on_milestones = actions.milestone(allowed)
        for milestone in item["milestones"]:
            milestone["allowed_actions"] = on_milestones


class _SqlitePage:
    """The list on sqlite3: text for UUIDs, JSON, dates and timestamps, converted by hand."""

    def __init__(self, path: str) -> None:
        # Autocommit mode so BEGIN DEFERRED / COMMIT are ours, as the app's engine does it.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA busy_timeout=15000")
        self.sql = _statements("?", sqlite=True)

    def __call__(self, secret: str, plan_id: uuid.UUID, limit: int) -> bytes:
        db, sql = self.connection, self.sql
        now = datetime.now(UTC)
        # Dates are ISO text on SQLite, so comparing strings compares days.
        on = now.date().isoformat()
        token_hash = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        dashed, stamp = _per_page(_dashed), _per_page(_sqlite_timestamp)
        db.execute("BEGIN DEFERRED")
        try:
            token = _check_token(db.execute(sql.token, (token_hash,)).fetchone(), now)
            actions = _check_plan(token, db.execute(sql.plan, (plan_id.hex,)).fetchall())
            rows = db.execute(
                sql.page, (plan_id.hex, "shared", token.party_id, limit + 1, 0)
            ).fetchall()
            next_cursor = None
            if len(rows) > limit:
                rows = rows[:limit]
                next_cursor = _cursor(rows[-1][_I["reference"]], rows[-1][_I["id"]])
            total = db.execute(sql.count, (plan_id.hex, "shared", token.party_id)).fetchone()[0]
            ids = orjson.dumps([row[_I["id"]] for row in rows]).decode()
            milestones: dict[str, list[dict[str, Any]]] = {}
            supporters: dict[str, list[str | None]] = {}
            links: dict[str, list[tuple[str, int]]] = {}
            if rows:
                m = _M
                params = (ids, ids, ids, "shared", token.party_id)
                for r in db.execute(sql.children, params).fetchall():
                    if r[0] == 1:
                        supporters.setdefault(r[1], []).append(dashed(r[3]))
                        continue
                    if r[0] == 2:
                        links.setdefault(r[1], []).append((str(dashed(r[3])), r[m["row_version"]]))
                        continue
                    due, done = r[m["due_date"]], r[m["done_on"]]
                    milestones.setdefault(r[m["commitment_id"]], []).append(
                        {
                            "id": dashed(r[m["id"]]),
                            "commitment_id": dashed(r[m["commitment_id"]]),
                            "position": r[m["position"]],
                            "title": _json(r[m["title"]]),
                            "translations": _json(r[m["translations"]]),
                            "due_date": due,
                            "done_on": done,
                            "is_overdue": done is None and due is not None and due < on,
                            "etag": f'"{r[m["id"]][:12]}-{r[m["row_version"]]}"',
                            "created_at": stamp(r[m["created_at"]]),
                            "updated_at": stamp(r[m["updated_at"]]),
                        }
                    )
        finally:
            db.execute("COMMIT")
        if token.touch:
            # A reading request touches the token in a write transaction of its own.
            db.execute("BEGIN IMMEDIATE")
            try:
                last_used = now.strftime("%Y-%m-%d %H:%M:%S.%f")
                db.execute(sql.touch, (last_used, token.token_id))
            finally:
                db.execute("COMMIT")
        c = _I
        items = []
        for row in rows:
            id_hex = row[c["id"]]
            due = row[c["due_date"]]
            items.append(
                {
                    "id": dashed(id_hex),
                    "plan_id": dashed(row[c["plan_id"]]),
                    "reference": row[c["reference"]],
                    "priority_area_id": dashed(row[c["priority_area_id"]]),
                    "priority_area_code": row[_I_AREA_CODE],
                    "title": _json(row[c["title"]]),
                    "description": _json(row[c["description"]]),
                    "translations": _json(row[c["translations"]]),
                    "modality": row[c["modality"]],
                    "lead_party_id": dashed(row[c["lead_party_id"]]),
                    "lead_organisation_id": dashed(row[c["lead_organisation_id"]]),
                    "supporting_organisation_ids": supporters.get(id_hex, []),
                    "start_date": row[c["start_date"]],
                    "due_date": due,
                    "status": row[c["status"]],
                    "progress": row[c["progress"]],
                    "health": row[c["health"]],
                    "pcm_activity_ref": row[c["pcm_activity_ref"]],
                    "visibility": row[c["visibility"]],
                    "is_example": bool(row[c["is_example"]]),
                    "is_overdue": due is not None and due < on and row[c["status"]] not in _CLOSED,
                    "milestones": milestones.get(id_hex, []),
                    "etag": commitment_etag(
                        str(dashed(id_hex)), row[c["row_version"]], links.get(id_hex)
                    ),
                    "created_at": stamp(row[c["created_at"]]),
                    "updated_at": stamp(row[c["updated_at"]]),
                }
            )
        _add_actions(items, actions)
        return orjson.dumps(
            {"items": items, "next_cursor": next_cursor, "total": total}, option=_JSON_OPTIONS
        )


class _PostgresPage:
    """The list on psycopg: UUIDs and timestamps as text from the server, dates and JSON parsed.

    Async connections, so the waits on the server overlap with other requests' Python work the
    way the real list's threads overlap them; a blocking driver on the event loop would
    serialize every round trip and understate the limit.
    """

    def __init__(self, url: str, size: int) -> None:
        self.conninfo = (
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self.size = size  # the app's own pool size, so neither side gets more connections
        self.opened = 0
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self.sql = _statements("%s", sqlite=False)

    async def _acquire(self) -> "psycopg.AsyncConnection[Any]":
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            # Autocommit, as the list reads on PostgreSQL (db.transaction(snapshot=False)): no
            # BEGIN/COMMIT round trips; under READ COMMITTED every statement has its own
            # snapshot anyway.
            connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            # The app's engine parses JSON with orjson too (json_deserializer=orjson.loads).
            set_json_loads(orjson.loads, connection)
            return connection
        return await self.idle.get()

    async def __call__(self, secret: str, plan_id: uuid.UUID, limit: int) -> bytes:
        sql = self.sql
        now = datetime.now(UTC)
        on = now.date()
        token_hash = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        db = await self._acquire()
        try:
            async with db.cursor() as cur:
                await cur.execute(sql.token, (token_hash,))
                token = _check_token(await cur.fetchone(), now)
                await cur.execute(sql.plan, (plan_id,))
                actions = _check_plan(token, await cur.fetchall())
                await cur.execute(sql.page, (plan_id, "shared", token.party_id, limit + 1))
                rows = await cur.fetchall()
                next_cursor = None
                if len(rows) > limit:
                    rows = rows[:limit]
                    last_id = rows[-1][_I["id"]].replace("-", "")
                    next_cursor = _cursor(rows[-1][_I["reference"]], last_id)
                await cur.execute(sql.count, (plan_id, "shared", token.party_id))
                counted = await cur.fetchone()
                total = counted[0] if counted is not None else 0
                ids = [row[_I["id"]] for row in rows]
                children: list[tuple[Any, ...]] = []
                if ids:
                    await cur.execute(sql.children, (ids, ids, ids, "shared", token.party_id))
                    children = await cur.fetchall()
            await db.commit()
            if token.touch:
                # A reading request touches the token in a transaction of its own.
                await db.execute(sql.touch, (now, token.token_id))
                await db.commit()
        except BaseException:
            await db.rollback()
            raise
        finally:
            self.idle.put_nowait(db)
        m = _M
        stamp = _per_page(_pg_timestamp)
        milestones: dict[str, list[dict[str, Any]]] = {}
        supporters: dict[str, list[str]] = {}
        links: dict[str, list[tuple[str, int]]] = {}
        for r in children:
            if r[0] == 1:
                supporters.setdefault(r[1], []).append(r[3])
                continue
            if r[0] == 2:
                links.setdefault(r[1], []).append((r[3], r[m["row_version"]]))
                continue
            due, done = r[m["due_date"]], r[m["done_on"]]
            mid = r[m["id"]]
            milestones.setdefault(r[m["commitment_id"]], []).append(
                {
                    "id": mid,
                    "commitment_id": r[m["commitment_id"]],
                    "position": r[m["position"]],
                    "title": _json(r[m["title"]]),
                    "translations": _json(r[m["translations"]]),
                    "due_date": due,
                    "done_on": done,
                    "is_overdue": done is None and due is not None and due < on,
                    "etag": f'"{mid[:8]}{mid[9:13]}-{r[m["row_version"]]}"',
                    "created_at": stamp(r[m["created_at"]]),
                    "updated_at": stamp(r[m["updated_at"]]),
                }
            )
        c = _I
        items = []
        for row in rows:
            commitment_id = row[c["id"]]
            due = row[c["due_date"]]
            items.append(
                {
                    "id": commitment_id,
                    "plan_id": row[c["plan_id"]],
                    "reference": row[c["reference"]],
                    "priority_area_id": row[c["priority_area_id"]],
                    "priority_area_code": row[_I_AREA_CODE],
                    "title": _json(row[c["title"]]),
                    "description": _json(row[c["description"]]),
                    "translations": _json(row[c["translations"]]),
                    "modality": row[c["modality"]],
                    "lead_party_id": row[c["lead_party_id"]],
                    "lead_organisation_id": row[c["lead_organisation_id"]],
                    "supporting_organisation_ids": supporters.get(commitment_id, []),
                    "start_date": row[c["start_date"]],
                    "due_date": due,
                    "status": row[c["status"]],
                    "progress": row[c["progress"]],
                    "health": row[c["health"]],
                    "pcm_activity_ref": row[c["pcm_activity_ref"]],
                    "visibility": row[c["visibility"]],
                    "is_example": row[c["is_example"]],
                    "is_overdue": due is not None and due < on and row[c["status"]] not in _CLOSED,
                    "milestones": milestones.get(commitment_id, []),
                    "etag": commitment_etag(
                        commitment_id, row[c["row_version"]], links.get(commitment_id)
                    ),
                    "created_at": stamp(row[c["created_at"]]),
                    "updated_at": stamp(row[c["updated_at"]]),
                }
            )
        _add_actions(items, actions)
        return orjson.dumps(
            {"items": items, "next_cursor": next_cursor, "total": total}, option=_JSON_OPTIONS
        )


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None
    return None


class RawListEndpoint:
    """The raw-driver reference: no threads, no ORM, no validation layer, no pool library.

    SQLite runs inline on the event loop (an in-process library: there is no wait to overlap,
    and a thread hop would be pure overhead); PostgreSQL uses async connections (there are
    network waits, and overlapping them is what any fast server would do).
    """

    def __init__(self, database_url: str, pool_size: int) -> None:
        self.database_url = database_url
        self.pool_size = pool_size
        self._sqlite: _SqlitePage | None = None
        self._postgres: _PostgresPage | None = None

    async def _page(self, secret: str, plan_id: uuid.UUID, limit: int) -> bytes:
        if self.database_url.startswith("sqlite"):
            if self._sqlite is None:
                self._sqlite = _SqlitePage(self.database_url.removeprefix("sqlite:///"))
            return self._sqlite(secret, plan_id, limit)
        if self._postgres is None:
            # Created inside the running loop: its queue belongs to the server's loop.
            self._postgres = _PostgresPage(self.database_url, self.pool_size)
        return await self._postgres(secret, plan_id, limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            plan_id = uuid.UUID(scope["path_params"]["plan_id"])
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            limit = int(query.get("limit", "50"))
        except ValueError:
            await _send_json(send, 400, b'{"detail":"bad plan id or limit"}')
            return
        secret = _bearer(scope)
        if secret is None:
            await _send_json(send, 401, b'{"detail":"sign in first"}')
            return
        try:
            body = await self._page(secret, plan_id, limit)
        except _Denied as denied:
            await _send_json(send, denied.status, orjson.dumps({"detail": str(denied)}))
            return
        await _send_json(send, 200, body)


class StatementRecorder:
    """Records the SQL the app's engine runs between ?record=start and ?record=stop.

    The benchmark uses it around one real list request, so the statement count it prints is
    the server's own, whatever the routes and services do now. Off, it costs one attribute read
    per statement, and it is off while anything is measured.
    """

    def __init__(self) -> None:
        self.active = False
        self.statements: list[str] = []

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            self.statements.append(" ".join(statement.split()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if query.get("record") == "start":
            self.statements = []
            self.active = True
        elif query.get("record") == "stop":
            self.active = False
        await _send_json(send, 200, orjson.dumps({"statements": self.statements}))


def create_bench_app() -> FastAPI:
    """create_app() with the references routed first, so they pay no routing scan, and the
    conventional list (conventional.py) routed just before the API's list, so that both pay
    the same routing."""
    app = create_app()
    app.include_router(conventional.router)
    routes = app.router.routes
    added = routes.pop()
    at = next(  # FastAPI keeps an included router as one entry
        i
        for i, route in enumerate(routes)
        if getattr(route, "original_router", None) is commitments_router.router
    )
    routes.insert(at, added)
    settings = get_settings()
    recorder = StatementRecorder()
    event.listen(get_engine(), "before_cursor_execute", recorder.on_execute)
    references = [
        Route(BARE_PATH, endpoint=BareEndpoint()),
        Route(
            RAW_PATH, endpoint=RawListEndpoint(settings.database_url, settings.database_pool_size)
        ),
        Route(SQL_PATH, endpoint=recorder),
    ]
    app.router.routes[0:0] = references
    return app
