"""Engine, metadata naming convention, portable column types and the transaction boundary."""

import sqlite3
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

import orjson
import psycopg
from psycopg.errors import _WaitTimeout
from psycopg.pq import TransactionStatus
from sqlalchemy import JSON, DateTime, Engine, Integer, String, Table, create_engine, event, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel

from itpp_api import driver
from itpp_api.config import Settings, get_settings
from itpp_api.errors import ServiceUnavailable

# Constraint names must be stable across engines so migrations can address them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL: the same revisions and code serve both.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the engine keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumString(TypeDecorator[E]):
    """A closed vocabulary kept as its plain string value (a VARCHAR, its values restricted by
    the table's CHECK constraint, enums.check_in) that reads back as the StrEnum member.

    Strings are written as they are, so a value outside the enum still reaches the CHECK
    constraint (an IntegrityError, as before) instead of failing in Python.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return value.value if isinstance(value, StrEnum) else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new random record identifier."""
    return uuid.uuid4()


# --- the columns records share ------------------------------------------------------------
#
# Mixins (not tables) declaring the columns tables repeat, with the same type, default and
# nullability as every revision gives it. A mixin's Column is built anew for each table (no
# sa_column, which one table would own). A table's columns come from its last base first, so
# the mixins are listed in the reverse order of the columns (id first).


class HasId(SQLModel):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)


class Versioned(SQLModel):
    """The row version an ETag carries, bumped by _bump_row_versions below."""

    row_version: int = Field(default=1, sa_type=Integer, nullable=False)


class Created(SQLModel):
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Updated(SQLModel):
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Record(Updated, Created, Versioned, HasId):
    """A record: an id, its row version and when it was created and last changed."""


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (for Core statements on the hot paths)."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


# --- row versions --------------------------------------------------------------------------
#
# Every versioned table has an integer `row_version` (1 for a new row) that the ETag of its
# record carries (conventions.make_etag). It is bumped here, and only here: once per
# transaction for each row whose own columns changed, at the first flush that writes the
# change. A row inserted in the same transaction keeps its initial value. A model lists in
# `__unversioned__` the columns that are no part of any representation (their change moves no
# ETag). Code that needs a row's new ETag flushes first.

_BUMPED = "itpp_row_versions_bumped"


def _is_versioned_change(state: Any) -> bool:
    mapper = state.mapper
    if "row_version" not in mapper.columns:
        return False
    unversioned: frozenset[str] = getattr(mapper.class_, "__unversioned__", frozenset())
    return any(
        state.attrs[prop.key].history.has_changes()
        for prop in mapper.column_attrs
        if prop.key != "row_version" and prop.key not in unversioned
    )


@event.listens_for(OrmSession, "before_flush")
def _bump_row_versions(session: OrmSession, _context: Any, _instances: Any) -> None:
    done: dict[int, Any] = session.info.setdefault(_BUMPED, {})
    for instance in session.new:
        if "row_version" in inspect(instance).mapper.columns:
            done[id(instance)] = weakref.ref(instance)
    for instance in session.dirty:
        seen = done.get(id(instance))
        if seen is not None and seen() is instance:
            continue
        state = inspect(instance)
        if _is_versioned_change(state):
            instance.row_version += 1
            done[id(instance)] = weakref.ref(instance)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_bumps(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


RETRY_AFTER_SECONDS = 2


def is_transient(error: BaseException) -> bool:
    """Whether a database error means "try again" (503), not a bug (500).

    The pool's timeout; any OperationalError: on SQLite the busy timeout ("database is
    locked"), on PostgreSQL a connection that failed, broke or stopped answering, a statement
    or lock timeout, a serialization failure or deadlock, a server shutting down or out of
    connections (psycopg raises all of these as OperationalError); and any driver error that
    left the connection invalidated.
    """
    if isinstance(error, PoolTimeout | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def database_unavailable(
    detail: str = "The database is busy or unreachable; retry shortly.",
) -> ServiceUnavailable:
    """The 503 problem of a database that cannot serve the request now."""
    return ServiceUnavailable(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class _SQLiteConnection(sqlite3.Connection):
    """A sqlite3 connection that knows its open cursors, so the pool can close them.

    Since Python 3.11, ROLLBACK no longer resets the connection's statements: a cursor left
    mid-iteration by an exception (kept alive by the exception's traceback until the garbage
    collector runs) keeps its read transaction, and the connection goes on reading that old
    snapshot from the pool, whatever later transactions commit. Closing the cursor resets it.
    """

    _open_cursors: "weakref.WeakSet[sqlite3.Cursor] | None" = None

    def cursor(self, factory: Any = sqlite3.Cursor) -> Any:
        cursor = super().cursor(factory)
        if self._open_cursors is None:
            self._open_cursors = weakref.WeakSet()
        self._open_cursors.add(cursor)
        return cursor

    def close_cursors(self) -> None:
        for cursor in list(self._open_cursors or ()):
            cursor.close()


def reply_timeout_seconds(statement_timeout: float) -> float:
    """The longest the API waits for PostgreSQL's reply to a statement: 2 s (at most twice)
    more than the server's own statement_timeout, for its cancellation to arrive as an error
    of its own over a working network."""
    return statement_timeout + min(2.0, statement_timeout)


class _DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for the server after `reply_timeout` seconds.

    statement_timeout and lock_timeout make the server give up on slow work, and TCP
    keepalives and tcp_user_timeout detect a network that drops packets; neither helps when
    the server (or a proxy in between) keeps the connection open and never answers. Then the
    wait ends here: the connection is closed (its protocol state is unknown) and the caller
    gets an OperationalError, which SQLAlchemy takes as a disconnect.
    """

    reply_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        try:
            return super().wait(
                gen, interval, timeout if timeout is not None else self.reply_timeout
            )
        except _WaitTimeout:  # psycopg's own error for a wait that timed out
            self.close()
            raise


def _reset_on_return(engine: Engine) -> None:
    """Every connection goes back to the pool idle: cursors closed, transaction rolled back.

    A connection the driver cannot confirm idle is discarded (an exception here makes the
    pool invalidate it).
    """

    @event.listens_for(engine, "reset")
    def _on_reset(
        dbapi_connection: Any, _record: ConnectionPoolEntry, state: PoolResetState
    ) -> None:
        if state.terminate_only:
            return
        if isinstance(dbapi_connection, _SQLiteConnection):
            dbapi_connection.close_cursors()
            if dbapi_connection.in_transaction:
                dbapi_connection.rollback()
            if dbapi_connection.in_transaction:
                raise RuntimeError("a SQLite connection stayed in a transaction after ROLLBACK")
        elif isinstance(dbapi_connection, psycopg.Connection):
            if dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
                dbapi_connection.rollback()
            if dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
                raise RuntimeError("a PostgreSQL connection is not idle after ROLLBACK")


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Foreign keys on, WAL, and BEGIN IMMEDIATE for writers so they queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver so we can choose the BEGIN mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # On the driver's cursor: SQLAlchemy's execution of a string costs more than the BEGIN.
        driver.execute(connection, f"BEGIN {mode}")


def _postgres_connect_args(settings: Settings) -> dict[str, Any]:
    """Timeouts of a PostgreSQL connection: connecting, statements, locks, a silent network."""
    reply_ms = int(reply_timeout_seconds(settings.database_statement_timeout_seconds) * 1000)
    server_options = (
        f"-c statement_timeout={int(settings.database_statement_timeout_seconds * 1000)} "
        f"-c lock_timeout={int(settings.database_lock_timeout_seconds * 1000)}"
    )
    extra = make_url(settings.database_url).query.get("options")
    return {
        "connect_timeout": settings.database_connect_timeout_seconds,
        "keepalives": 1,
        "keepalives_idle": settings.database_keepalive_seconds,
        "keepalives_interval": max(1, settings.database_keepalive_seconds // 3),
        "keepalives_count": 3,
        # Data sent and not acknowledged for this long: the network is gone.
        "tcp_user_timeout": reply_ms,
        "options": f"{extra} {server_options}" if isinstance(extra, str) else server_options,
    }


def build_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database."""
    # The request path admits at most the pool's capacity of requests at once
    # (concurrency.admitted: twice ITPP_DATABASE_POOL_SIZE), so no request waits here; the
    # timeout is a backstop. Every connection of that capacity is kept once made: with half of
    # them as "overflow", each request beyond the first half opened a connection and closed it
    # again (on SQLite its pragmas, on PostgreSQL a new server process), which under a steady
    # load of more requests than that doubled a read's CPU (bench/README.md, issue 15's sweep).
    pool_options: dict[str, Any] = {
        "pool_size": 2 * settings.database_pool_size,
        "max_overflow": 0,
        "pool_timeout": settings.database_queue_timeout_seconds,
    }
    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        if path and path != ":memory:" and not path.startswith("file:"):
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            settings.database_url,
            echo=settings.log_sql,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
                "factory": _SQLiteConnection,
            },
            **pool_options,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        _reset_on_return(engine)
        return engine
    engine = create_engine(
        settings.database_url,
        echo=settings.log_sql,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args=_postgres_connect_args(settings),
        **pool_options,
        # No pre-ping: it costs a round trip (SELECT 1) on every checkout, i.e. on every
        # request. Connections are replaced after pool_recycle seconds instead, before a
        # server or firewall idle timeout closes them; one the server dropped anyway fails its
        # request with OperationalError (a 503 problem: main._database_error) and SQLAlchemy
        # then discards the pool's older connections, so the next request gets a fresh one.
        pool_recycle=settings.database_pool_recycle_seconds,
    )
    reply_timeout = reply_timeout_seconds(settings.database_statement_timeout_seconds)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        connection = _DeadlineConnection.connect(*cargs, **cparams)
        connection.reply_timeout = reply_timeout
        return connection

    _reset_on_return(engine)
    return engine


@lru_cache(maxsize=8)
def _engine_for(database_url: str) -> Engine:
    return build_engine(get_settings().model_copy(update={"database_url": database_url}))


def get_engine() -> Engine:
    """The process's engine for the configured database, built once per database URL."""
    return _engine_for(get_settings().database_url)


_BINDS: "weakref.WeakKeyDictionary[Engine, dict[tuple[bool, bool], Engine]]" = (
    weakref.WeakKeyDictionary()
)


def _bind(engine: Engine, *, write: bool, snapshot: bool) -> Engine:
    """The engine with the execution options of one kind of unit of work (made once)."""
    binds = _BINDS.setdefault(engine, {})
    bind = binds.get((write, snapshot))
    if bind is None:
        if engine.dialect.name == "sqlite":
            bind = engine.execution_options(sqlite_begin="IMMEDIATE" if write else "DEFERRED")
        elif not write and not snapshot:
            bind = engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            bind = engine
        binds[(write, snapshot)] = bind
    return bind


def lazy_session(*, write: bool, engine: Engine | None = None, snapshot: bool = True) -> Session:
    """A unit of work's session that takes no connection until its first statement.

    The connection is taken (and on SQLite the BEGIN of `transaction` issued) by whatever
    thread runs that statement; whoever made the session commits or rolls back and closes
    it. Nothing is taken when nothing is read (a request refused before its first query).
    """
    return Session(
        bind=_bind(engine or get_engine(), write=write, snapshot=snapshot),
        expire_on_commit=False,
        autoflush=False,
    )


@contextmanager
def transaction(
    *, write: bool, engine: Engine | None = None, snapshot: bool = True
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    Readers on SQLite begin DEFERRED so they never wait for the write lock; writers begin
    IMMEDIATE so two writers queue on the lock instead of failing at commit time.

    `snapshot=False` is for reads whose statements need not see one snapshot. On PostgreSQL
    they then run without BEGIN and COMMIT (two round trips): under READ COMMITTED, the
    default, each statement of a transaction takes a snapshot of its own anyway, so nothing
    changes but the round trips. SQLite reads keep their transaction (a snapshot, for free).
    """
    bind = engine or get_engine()
    connection = bind.connect()
    if bind.dialect.name == "sqlite":
        connection = connection.execution_options(sqlite_begin="IMMEDIATE" if write else "DEFERRED")
    elif not write and not snapshot:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    session = Session(bind=connection, expire_on_commit=False, autoflush=False)
    try:
        with connection.begin():
            yield session
            session.flush()
    finally:
        session.close()
        connection.close()
