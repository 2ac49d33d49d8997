"""Admission to the database (issue 15): a request waits for its turn in the event loop, for a
bounded time, then gets 503 with Retry-After; whatever the database says "try again" with is a
503 too, never a 500; a malformed token is refused without taking a connection.

The requests here run in the test's own event loop (httpx.ASGITransport), where the test also
holds the turns itself, so nothing depends on timing.
"""

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from itpp_api.concurrency import admitted, reader_threads
from itpp_api.config import get_settings
from itpp_api.db import is_transient
from itpp_api.main import create_app
from tests.api.test_token_idle_clock import _age_token, _idle_for
from tests.conftest import Database
from tests.factories import make_commitment, make_user, make_world, token_for

SHORT_WAIT = "0.2"


@pytest.fixture
def short_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Requests wait at most 0.2 s for their turn."""
    monkeypatch.setenv("ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS", SHORT_WAIT)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_with_app(scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    """Run `scenario` with a client of the app, in one event loop shared with the app."""

    async def main() -> Any:
        transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await scenario(client)

    return asyncio.run(main())


def answers_with_the_queue_full(requests: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """`GET path` with each request's headers while every turn at the database is taken."""
    capacity = 2 * get_settings().database_pool_size

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        async with AsyncExitStack() as turns:
            for _ in range(capacity):
                await turns.enter_async_context(admitted(write=False))
            return [await client.get(path, headers=headers) for path, headers in requests]

    answers: list[httpx.Response] = run_with_app(scenario)
    return answers


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == "2"


def jp_editor() -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(make_user('JP', 'editor'))}"}


@pytest.mark.usefixtures("short_queue")
def test_a_request_that_gets_no_turn_in_time_is_told_to_retry_and_the_next_one_is_served(
    db: Database,
) -> None:
    world = make_world()
    headers = jp_editor()
    plan = f"/api/v1/plans/{world.plan}"
    capacity = 2 * get_settings().database_pool_size

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, ...]:
        async with AsyncExitStack() as turns:
            for _ in range(capacity):  # every connection of the pool is someone's
                await turns.enter_async_context(admitted(write=False))
            refused = await client.get(plan, headers=headers)
            listed = await client.get(f"{plan}/commitments", headers=headers)
        return refused, listed, await client.get(plan, headers=headers)

    refused, listed, served = run_with_app(scenario)

    assert_retry_later(refused)
    assert_retry_later(listed)
    assert served.status_code == 200, served.text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("short_queue")
def test_on_sqlite_writers_queue_for_the_write_lock_without_keeping_readers_out(
    db: Database,
) -> None:
    world = make_world()
    headers = jp_editor()
    commitment = f"/api/v1/commitments/{make_commitment(world, visibility='internal')}"

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, ...]:
        etag = (await client.get(commitment, headers=headers)).headers["etag"]
        if_match = {**headers, "If-Match": etag}
        async with admitted(write=True):  # another request is writing
            refused = await client.patch(commitment, headers=if_match, json={"progress": 10})
            read = await client.get(commitment, headers=headers)
        return (
            refused,
            read,
            await client.patch(commitment, headers=if_match, json={"progress": 10}),
        )

    refused, read, written = run_with_app(scenario)

    assert_retry_later(refused)
    assert read.status_code == 200, read.text
    assert written.status_code == 200, written.text


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_on_sqlite_a_read_takes_a_readers_turn_and_a_write_does_not_wait_for_one(
    db: Database,
) -> None:
    """Reads of a synchronous endpoint run in the reader threads (ITPP_SQLITE_READ_THREADS,
    default 1), as the list does: while another read holds the only one, a read of a
    commitment waits for it and is then served; a write does not queue behind readers."""
    world = make_world()
    headers = jp_editor()
    commitment = f"/api/v1/commitments/{make_commitment(world, visibility='internal')}"

    async def scenario(client: httpx.AsyncClient) -> tuple[bool, httpx.Response, httpx.Response]:
        etag = (await client.get(commitment, headers=headers)).headers["etag"]
        readers = reader_threads()
        assert readers is not None and readers._max_workers == 1
        other_read = threading.Event()
        readers.submit(other_read.wait, 30)  # another read is running
        try:
            waiting = asyncio.create_task(client.get(commitment, headers=headers))
            written = await client.patch(
                commitment, headers={**headers, "If-Match": etag}, json={"progress": 20}
            )
            await asyncio.sleep(0.3)
            waited = not waiting.done()
        finally:
            other_read.set()
        return waited, await waiting, written

    waited, read, written = run_with_app(scenario)

    assert waited
    assert read.status_code == 200, read.text
    assert read.json()["progress"] == 20  # after the write, which did not wait for the read
    assert written.status_code == 200, written.text


@pytest.mark.usefixtures("short_queue")
def test_a_pdf_being_rendered_holds_no_turn_at_the_database(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    headers = jp_editor()
    rendering, rendered = threading.Event(), threading.Event()

    def slow_pdf(parts: list[str], timeout: float | None = None, processes: int = 1) -> bytes:
        rendering.set()
        rendered.wait(30)
        return b"%PDF-1.7 rendered"

    monkeypatch.setattr("itpp_api.documents.pdf.render_pdf", slow_pdf)
    capacity = 2 * get_settings().database_pool_size

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        pdf = asyncio.create_task(
            client.get(f"/api/v1/plans/{world.plan}/document?format=pdf", headers=headers)
        )
        assert await asyncio.to_thread(rendering.wait, 30)
        try:
            async with AsyncExitStack() as turns:  # every turn is free while the PDF renders
                for _ in range(capacity):
                    await turns.enter_async_context(admitted(write=False))
        finally:
            rendered.set()
        return await pdf

    answer = run_with_app(scenario)
    assert answer.status_code == 200, answer.text
    assert answer.content == b"%PDF-1.7 rendered"


def test_a_refused_read_records_its_tokens_use_after_giving_back_its_turn(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two turns in all; the test holds one. The refused request must give back its own before
    # it waits for the turn of the write that moves the token's idle clock.
    monkeypatch.setenv("ITPP_DATABASE_POOL_SIZE", "1")
    monkeypatch.setenv("ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS", SHORT_WAIT)
    get_settings.cache_clear()
    make_world()
    secret = token_for(make_user("JP", "viewer"))
    _age_token(secret, minutes=5)

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        async with admitted(write=False):
            return await client.get(
                f"/api/v1/plans/{uuid.uuid4()}", headers={"Authorization": f"Bearer {secret}"}
            )

    try:
        refused = run_with_app(scenario)
    finally:
        get_settings.cache_clear()
    assert refused.status_code == 404, refused.text
    assert _idle_for(secret) < timedelta(seconds=30)


def test_the_pools_timeout_is_a_503_not_a_500(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    plan = f"/api/v1/plans/{world.plan}"
    assert client.get(plan).status_code == 200
    pool: Any = db.engine.pool
    monkeypatch.setattr(pool, "_timeout", 0.1)
    with ExitStack() as held:  # every connection taken by something outside admission
        for _ in range(pool.size() + pool._max_overflow):
            held.enter_context(db.engine.connect())
        answer = client.get(plan)
    assert_retry_later(answer)
    assert client.get(plan).status_code == 200


def test_a_malformed_token_is_refused_without_a_connection(
    anonymous_client: TestClient, db: Database
) -> None:
    world = make_world()
    checkouts: list[object] = []

    def count(*_args: object) -> None:
        checkouts.append(object())

    event.listen(db.engine, "checkout", count)
    try:
        answers = [
            anonymous_client.get(path, headers={"Authorization": "Bearer not-a-token"})
            for path in (
                f"/api/v1/plans/{world.plan}",
                f"/api/v1/plans/{world.plan}/commitments",
                "/api/v1/users/me",
            )
        ]
    finally:
        event.remove(db.engine, "checkout", count)
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert {a.json()["detail"] for a in answers} == {"The token is not valid."}
    assert checkouts == []


def _wrapped(error: Exception) -> DBAPIError:
    return OperationalError("SELECT 1", {}, error)


@pytest.mark.parametrize(
    "error",
    [
        PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
        _wrapped(psycopg.errors.SerializationFailure("could not serialize access")),
        _wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
        _wrapped(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
        _wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
        _wrapped(psycopg.errors.AdminShutdown("terminating connection")),
        _wrapped(psycopg.errors.TooManyConnections("too many clients already")),
        _wrapped(psycopg.OperationalError("connection timeout expired")),
        OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked")),
    ],
    ids=lambda error: type(getattr(error, "orig", None) or error).__name__,
)
def test_every_try_again_error_of_the_database_is_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT", {}, Exception("duplicate key")),
        ProgrammingError("SELECT", {}, Exception("syntax error")),
        ValueError("a bug"),
    ],
    ids=["integrity", "programming", "other"],
)
def test_a_database_bug_is_not_transient(error: Exception) -> None:
    assert not is_transient(error)
