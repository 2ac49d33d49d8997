"""Connections always go back to the pool clean (issue 15, "Stale reads on SQLite").

A handler that fails while a query's cursor is still open (the issue's case: a milestone dated
9999-12-31 made every calendar of its plan fail while iterating its rows) must not leave that
cursor's read transaction on the pooled connection. Since Python 3.11 ROLLBACK no longer resets
SQLite statements, and the exception's traceback keeps the cursor alive until the garbage
collector runs: the connection then went on reading an old snapshot, and requests it served
did not see later commits (a commitment just created: 404; a fresh token: 401).

Here the failure is injected (any exception, mid-iteration, must be harmless), the garbage
collector is held off as a busy server's may be, and after each failure every pooled connection
must see what was committed since, on both engines.
"""

import gc
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlmodel import Session, col

from itpp_api.commitments.models import Commitment
from itpp_api.config import get_settings
from itpp_api.db import build_engine, transaction
from tests.conftest import Database
from tests.factories import commitment_body, make_commitment, make_world

# The issue asks for 100 passes in a row on SQLite; PostgreSQL gets a few as a cross-check.
ROUNDS = {"sqlite": 100, "postgresql": 10}


class InjectedFailure(Exception):
    """The stand-in for any bug that raises while rows are being read."""


@pytest.fixture
def gc_held_off() -> Iterator[None]:
    """No garbage collection during the test: a failed request's traceback, and the cursor it
    references, stay alive as they may for a while in a server."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture
def failing_calendar_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan calendar fails on its first commitment row, with the rest still unread."""
    from itpp_api.calendar import service

    original = service._event

    def failing(uid: str, *args: Any, **kwargs: Any) -> Any:
        if uid.startswith("commitment-due-"):
            raise InjectedFailure("raised while the commitments' cursor is open")
        return original(uid, *args, **kwargs)

    monkeypatch.setattr(service, "_event", failing)


def warm_pool(connections: int = 3) -> None:
    """Put a few connections in the pool, so that a write and the failure use different ones."""
    with ExitStack() as stack:
        for _ in range(connections):
            stack.enter_context(transaction(write=False)).connection()


def commitments_seen_by_every_pooled_connection(db: Database) -> list[int]:
    """How many commitments each idle pooled connection sees, read as requests read (a
    reading transaction), all of them held at once so that each one is used."""
    idle = db.engine.pool.checkedin()  # type: ignore[attr-defined]
    assert idle >= 2, "the pool should hold the connections the requests used"
    with ExitStack() as stack:
        sessions = [stack.enter_context(transaction(write=False)) for _ in range(idle)]
        return [
            session.execute(select(func.count()).select_from(Commitment)).scalar_one()
            for session in sessions
        ]


@pytest.mark.usefixtures("gc_held_off", "failing_calendar_rows")
def test_a_failure_mid_iteration_leaves_no_pooled_connection_on_an_old_snapshot(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    for _ in range(3):  # rows still unread when the first one fails
        make_commitment(world, due_date="2026-12-31")
    warm_pool()
    calendar = f"/api/v1/plans/{world.plan}/calendar.ics"
    expected = 3
    for round_number in range(ROUNDS[db.name]):
        failed = client.get(calendar)
        assert failed.status_code == 500, failed.text

        created = client.post(
            f"/api/v1/plans/{world.plan}/commitments",
            json=commitment_body(
                world, title={"ja": f"追加 {round_number}", "en": "Added"}, visibility="internal"
            ),
        )
        assert created.status_code == 201, created.text
        expected += 1

        seen = commitments_seen_by_every_pooled_connection(db)
        assert seen == [expected] * len(seen), f"round {round_number}: {seen}"
        read = client.get(created.headers["location"])
        assert read.status_code == 200, f"round {round_number}: {read.text}"


def read_and_fail(session: Session) -> None:
    """Fail on the first row of a query, the rest unread (the traceback keeps `rows`)."""
    rows = session.connection().execute(select(col(Commitment.id)))
    for _row in rows:
        raise InjectedFailure("mid-iteration")


@pytest.mark.usefixtures("gc_held_off")
def test_a_unit_of_work_that_fails_mid_iteration_gives_back_a_clean_connection(
    db: Database,
) -> None:
    world = make_world()
    for _ in range(3):
        make_commitment(world)
    warm_pool()
    kept: list[BaseException] = []  # as a server's error log may keep a traceback
    expected = 3
    for round_number in range(ROUNDS[db.name]):
        with pytest.raises(InjectedFailure) as raised, transaction(write=False) as session:
            read_and_fail(session)
        kept.append(raised.value)
        make_commitment(world)  # committed on another pooled connection
        expected += 1
        seen = commitments_seen_by_every_pooled_connection(db)
        assert seen == [expected] * len(seen), f"round {round_number}: {seen}"


def test_the_pool_keeps_every_connection_it_admits_requests_to(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As many requests as the admission lets in at once (twice ITPP_DATABASE_POOL_SIZE) each
    get a connection the pool keeps: under a steady load of that many, no connection is opened
    and closed again per request (it was, for the second half: on SQLite its pragmas, on
    PostgreSQL a new server process each time)."""
    monkeypatch.setenv("ITPP_DATABASE_POOL_SIZE", "2")
    get_settings.cache_clear()
    engine = build_engine(get_settings())
    opened: list[object] = []
    event.listen(engine, "connect", lambda connection, record: opened.append(connection))
    capacity = 2 * get_settings().database_pool_size
    try:
        for _ in range(5):  # five waves of requests, each as many as are admitted at once
            with ExitStack() as held:
                for _ in range(capacity):
                    reader = held.enter_context(engine.connect())
                    reader.execution_options(sqlite_begin="DEFERRED").exec_driver_sql("SELECT 1")
        assert len(opened) == capacity
    finally:
        engine.dispose()
        get_settings.cache_clear()
