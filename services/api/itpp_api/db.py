"""Engine, metadata naming convention, portable column types and the transaction boundary."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Engine, Table, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from itpp_api.config import Settings, get_settings

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


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (for Core statements on the hot paths)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A new random record identifier."""
    return uuid.uuid4()


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


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
        connection.exec_driver_sql(f"BEGIN {mode}")


def build_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database."""
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
            },
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_engine(
        settings.database_url,
        echo=settings.log_sql,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        # No pre-ping: it costs a round trip (SELECT 1) on every checkout, i.e. on every
        # request. Connections are replaced after pool_recycle seconds instead, before a
        # server or firewall idle timeout closes them; one the server dropped anyway fails its
        # request with OperationalError (a 503 problem: main._database_error) and SQLAlchemy
        # then discards the pool's older connections, so the next request gets a fresh one.
        pool_recycle=settings.database_pool_recycle_seconds,
    )


@lru_cache(maxsize=8)
def _engine_for(database_url: str) -> Engine:
    return build_engine(get_settings().model_copy(update={"database_url": database_url}))


def get_engine() -> Engine:
    """The process's engine for the configured database, built once per database URL."""
    return _engine_for(get_settings().database_url)


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
