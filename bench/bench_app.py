"""The app the benchmark serves: the real API plus two reference endpoints on the same app.

Both references sit behind the same server, middleware and process as the real list, so the
ratios isolate what the list endpoint itself costs:

- ``GET /_bench/bare`` — a raw ASGI callable answering constant JSON: the floor of uvicorn plus
  the app's middleware stack, with no routing work, validation or database.
- ``GET /_bench/raw/{plan_id}?limit=50`` — the list's own SQL (plan lookup, page query,
  milestones, supporters, in one read transaction) run on the bare DB-API driver (sqlite3 or
  psycopg), rows turned into the same dicts by hand and serialized with orjson, on the event
  loop without a thread hop (async connections on PostgreSQL): the practical limit for this
  request on this stack.

A third route, ``/_bench/sql``, records the SQL the app's engine runs around one real list
request, so the benchmark reports the server's own statement count.

Run by the benchmark as ``uvicorn --factory bench_app:create_bench_app`` with ITPP_DATABASE_URL.
"""

import asyncio
import base64
import sqlite3
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
import psycopg
from fastapi import FastAPI
from psycopg.types.json import set_json_loads
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel
from starlette.routing import Route

import itpp_api.models  # noqa: F401  (registers every table on the metadata)
from itpp_api.config import get_settings
from itpp_api.db import get_engine
from itpp_api.main import create_app

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


def _columns(table: str) -> list[str]:
    # Taken from the metadata, not typed out: the select lists stay the ORM's as tables evolve.
    return [column.name for column in SQLModel.metadata.tables[table].columns]


_PLAN_COLUMNS = _columns("plan")
_COMMITMENT_COLUMNS = _columns("commitment")
_MILESTONE_COLUMNS = _columns("milestone")
# Positions in the page query's rows; the two extra columns come after the commitment's own.
_C = {name: index for index, name in enumerate(_COMMITMENT_COLUMNS)}
_C_AREA_CODE = len(_COMMITMENT_COLUMNS)
_M = {name: index for index, name in enumerate(_MILESTONE_COLUMNS)}


def _statements(mark: str, *, sqlite: bool) -> tuple[str, str, str, str]:
    """The list's four statements as SQLAlchemy renders them, with the driver's placeholder.

    The IN lists get their placeholders per call (`{in}`), as SQLAlchemy expands them.
    """
    plan = (
        f"SELECT {', '.join(f'plan.{c}' for c in _PLAN_COLUMNS)} FROM plan WHERE plan.id = {mark}"
    )
    page = (
        f"SELECT {', '.join(f'commitment.{c}' for c in _COMMITMENT_COLUMNS)}, "
        "priority_area.code AS priority_area_code, commitment.reference AS sort_key "
        "FROM commitment JOIN priority_area ON priority_area.id = commitment.priority_area_id "
        f"WHERE commitment.plan_id = {mark} ORDER BY commitment.reference ASC, commitment.id ASC "
        f"LIMIT {mark}" + (f" OFFSET {mark}" if sqlite else "")
    )
    milestones = (
        f"SELECT {', '.join(f'milestone.{c}' for c in _MILESTONE_COLUMNS)} FROM milestone "
        "WHERE milestone.commitment_id IN ({in}) "
        "ORDER BY milestone.commitment_id, milestone.position"
    )
    supporters = (
        "SELECT commitment_supporter.commitment_id, commitment_supporter.organisation_id "
        "FROM commitment_supporter WHERE commitment_supporter.commitment_id IN ({in}) "
        "ORDER BY commitment_supporter.commitment_id, commitment_supporter.position"
    )
    return plan, page, milestones, supporters


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


def _cursor(reference: str, id_hex: str) -> str:
    # The same opaque cursor conventions.encode_cursor makes for the "reference" sort.
    payload = orjson.dumps({"s": "reference", "v": reference, "i": id_hex}, option=_JSON_OPTIONS)
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


class _SqlitePage:
    """The list on sqlite3: text for UUIDs, JSON, dates and timestamps, converted by hand."""

    def __init__(self, path: str) -> None:
        # Autocommit mode so BEGIN DEFERRED / COMMIT are ours, as the app's engine does it.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA busy_timeout=15000")
        self.plan_sql, self.page_sql, self.milestones_sql, self.supporters_sql = _statements(
            "?", sqlite=True
        )

    def __call__(self, plan_id: uuid.UUID, limit: int) -> bytes | None:
        db = self.connection
        # Dates are ISO text on SQLite, so comparing strings compares days.
        on = datetime.now(UTC).date().isoformat()
        db.execute("BEGIN DEFERRED")
        try:
            if db.execute(self.plan_sql, (plan_id.hex,)).fetchone() is None:
                return None
            rows = db.execute(self.page_sql, (plan_id.hex, limit + 1, 0)).fetchall()
            next_cursor = None
            if len(rows) > limit:
                rows = rows[:limit]
                next_cursor = _cursor(rows[-1][_C["reference"]], rows[-1][_C["id"]])
            ids = [row[_C["id"]] for row in rows]
            marks = ", ".join("?" * len(ids))
            milestones: dict[str, list[dict[str, Any]]] = {}
            supporters: dict[str, list[str | None]] = {}
            if ids:
                m = _M
                for r in db.execute(self.milestones_sql.replace("{in}", marks), ids):
                    due, done = r[m["due_date"]], r[m["done_on"]]
                    milestones.setdefault(r[m["commitment_id"]], []).append(
                        {
                            "id": _dashed(r[m["id"]]),
                            "commitment_id": _dashed(r[m["commitment_id"]]),
                            "position": r[m["position"]],
                            "title": orjson.loads(r[m["title"]]),
                            "due_date": due,
                            "done_on": done,
                            "is_overdue": done is None and due is not None and due < on,
                            "etag": f'"{r[m["id"]][:12]}-{r[m["row_version"]]}"',
                            "created_at": _sqlite_timestamp(r[m["created_at"]]),
                            "updated_at": _sqlite_timestamp(r[m["updated_at"]]),
                        }
                    )
                for commitment_id, organisation_id in db.execute(
                    self.supporters_sql.replace("{in}", marks), ids
                ):
                    supporters.setdefault(commitment_id, []).append(_dashed(organisation_id))
        finally:
            db.execute("COMMIT")
        c = _C
        items = []
        for row in rows:
            id_hex = row[c["id"]]
            due, description = row[c["due_date"]], row[c["description"]]
            items.append(
                {
                    "id": _dashed(id_hex),
                    "plan_id": _dashed(row[c["plan_id"]]),
                    "reference": row[c["reference"]],
                    "priority_area_id": _dashed(row[c["priority_area_id"]]),
                    "priority_area_code": row[_C_AREA_CODE],
                    "title": orjson.loads(row[c["title"]]),
                    "description": orjson.loads(description) if description is not None else None,
                    "modality": row[c["modality"]],
                    "lead_party_id": _dashed(row[c["lead_party_id"]]),
                    "lead_organisation_id": _dashed(row[c["lead_organisation_id"]]),
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
                    "etag": f'"{id_hex[:12]}-{row[c["row_version"]]}"',
                    "created_at": _sqlite_timestamp(row[c["created_at"]]),
                    "updated_at": _sqlite_timestamp(row[c["updated_at"]]),
                }
            )
        return orjson.dumps({"items": items, "next_cursor": next_cursor}, option=_JSON_OPTIONS)


class _PostgresPage:
    """The list on psycopg: the driver already returns UUIDs, dates, aware datetimes, JSON.

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
        self.plan_sql, self.page_sql, self.milestones_sql, self.supporters_sql = _statements(
            "%s", sqlite=False
        )

    async def _acquire(self) -> "psycopg.AsyncConnection[Any]":
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            # UTC session so timestamps arrive as +00:00 and print as ...Z, like the API's.
            connection = await psycopg.AsyncConnection.connect(
                self.conninfo, options="-c TimeZone=UTC"
            )
            # The app's engine parses JSON with orjson too (json_deserializer=orjson.loads).
            set_json_loads(orjson.loads, connection)
            return connection
        return await self.idle.get()

    async def __call__(self, plan_id: uuid.UUID, limit: int) -> bytes | None:
        on = datetime.now(UTC).date()
        db = await self._acquire()
        try:
            async with db.cursor() as cur:
                await cur.execute(self.plan_sql, (plan_id,))
                if await cur.fetchone() is None:
                    await db.commit()
                    return None
                await cur.execute(self.page_sql, (plan_id, limit + 1))
                rows = await cur.fetchall()
                next_cursor = None
                if len(rows) > limit:
                    rows = rows[:limit]
                    next_cursor = _cursor(rows[-1][_C["reference"]], rows[-1][_C["id"]].hex)
                ids = [row[_C["id"]] for row in rows]
                marks = ", ".join(["%s"] * len(ids))
                milestone_rows: list[tuple[Any, ...]] = []
                supporter_rows: list[tuple[Any, ...]] = []
                if ids:
                    await cur.execute(self.milestones_sql.replace("{in}", marks), ids)
                    milestone_rows = await cur.fetchall()
                    await cur.execute(self.supporters_sql.replace("{in}", marks), ids)
                    supporter_rows = await cur.fetchall()
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        finally:
            self.idle.put_nowait(db)
        m = _M
        milestones: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for r in milestone_rows:
            due, done = r[m["due_date"]], r[m["done_on"]]
            milestones.setdefault(r[m["commitment_id"]], []).append(
                {
                    "id": r[m["id"]],
                    "commitment_id": r[m["commitment_id"]],
                    "position": r[m["position"]],
                    "title": r[m["title"]],
                    "due_date": due,
                    "done_on": done,
                    "is_overdue": done is None and due is not None and due < on,
                    "etag": f'"{r[m["id"]].hex[:12]}-{r[m["row_version"]]}"',
                    "created_at": r[m["created_at"]],
                    "updated_at": r[m["updated_at"]],
                }
            )
        supporters: dict[uuid.UUID, list[uuid.UUID]] = {}
        for commitment_id, organisation_id in supporter_rows:
            supporters.setdefault(commitment_id, []).append(organisation_id)
        c = _C
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
                    "priority_area_code": row[_C_AREA_CODE],
                    "title": row[c["title"]],
                    "description": row[c["description"]],
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
                    "etag": f'"{commitment_id.hex[:12]}-{row[c["row_version"]]}"',
                    "created_at": row[c["created_at"]],
                    "updated_at": row[c["updated_at"]],
                }
            )
        return orjson.dumps({"items": items, "next_cursor": next_cursor}, option=_JSON_OPTIONS)


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

    async def _page(self, plan_id: uuid.UUID, limit: int) -> bytes | None:
        if self.database_url.startswith("sqlite"):
            if self._sqlite is None:
                self._sqlite = _SqlitePage(self.database_url.removeprefix("sqlite:///"))
            return self._sqlite(plan_id, limit)
        if self._postgres is None:
            # Created inside the running loop: its queue belongs to the server's loop.
            self._postgres = _PostgresPage(self.database_url, self.pool_size)
        return await self._postgres(plan_id, limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            plan_id = uuid.UUID(scope["path_params"]["plan_id"])
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            limit = int(query.get("limit", "50"))
        except ValueError:
            await _send_json(send, 400, b'{"detail":"bad plan id or limit"}')
            return
        body = await self._page(plan_id, limit)
        if body is None:
            await _send_json(send, 404, b'{"detail":"no such plan"}')
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
    """create_app() with the references routed first, so they pay no routing scan."""
    app = create_app()
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
