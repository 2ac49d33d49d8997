"""A request path that cannot lock up (issue 15, "Lock-up"), against a live API process.

Before issue 15 a request took its pooled connection (on SQLite also the write lock) in one
worker thread and needed more worker threads to finish with it; once every worker thread waited
for a connection, nothing moved until the pool's 30 s timeout, which came out as 500s. These
bursts reproduce the issue's measurements with a pool small enough to be exhausted at once:
every request must get its proper answer (never a 5xx), however many arrive together.
"""

import asyncio
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from itpp_api.auth.tokens import new_token
from tests.api.test_token_tags import database_key
from tests.conftest import ENGINES, own_database
from tests.factories import World, make_commitment, make_user, make_world, token_for
from tests.live_api import ApiProcess, api_server

# Waiting for a turn (and on PostgreSQL for a lock: every write takes the audit chain's head)
# is bounded, then 503; here the bounds are far beyond what a burst on a loaded machine needs,
# so that every answer must be the request's own.
PATIENT = {
    "ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS": "120",
    "ITPP_DATABASE_LOCK_TIMEOUT_SECONDS": "120",
    "ITPP_DATABASE_STATEMENT_TIMEOUT_SECONDS": "120",
}


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of this test's own (the API process gets it), made the configured
    one so that the factories write there."""
    with own_database(request.param, tmp_path, "itpp_path") as url:
        yield url


def api(database: str, log: Path, **env: str) -> AbstractContextManager[ApiProcess]:
    """The API on the database, patient far beyond what a burst needs (and `env`)."""
    return api_server(database, log, env={**PATIENT, **env})


def send_at_once(
    base_url: str, requests: list[tuple[str, str, dict[str, str], Any]]
) -> list[httpx.Response]:
    """Send every (method, path, headers, json) request at the same time, each on its own
    connection; the answers in the order given."""

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=300) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.request(method, path, headers=headers, json=body)
                        for method, path, headers, body in requests
                    )
                )
            )

    return asyncio.run(burst())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jp_editor_token() -> str:
    return token_for(make_user("JP", "editor", email="busy.editor@mofa.example"))


def statuses(answers: list[httpx.Response]) -> dict[int, int]:
    counted: dict[int, int] = {}
    for answer in answers:
        counted[answer.status_code] = counted.get(answer.status_code, 0) + 1
    return counted


def test_a_flood_of_invalid_tokens_neither_fails_nor_holds_up_a_valid_request(
    database: str, tmp_path: Path
) -> None:
    world = make_world()
    valid = jp_editor_token()
    plan = f"/api/v1/plans/{world.plan}"
    # Half malformed (refused before any database work), half well-formed, well tagged and
    # unknown (each looked up: only the database can refuse those, test_token_tags.py); the
    # valid request is sent in the middle of them.
    invalid = [f"invalid-token-{n}" for n in range(50)]
    key = database_key().key
    invalid += [new_token(key) for _ in range(50)]
    requests = [("GET", plan, bearer(token), None) for token in invalid]
    requests.insert(50, ("GET", plan, bearer(valid), None))

    with api(database, tmp_path / "api.log", ITPP_DATABASE_POOL_SIZE="1") as server:
        answers = send_at_once(server.base_url, requests)
        log = server.output()

    valid_answer = answers.pop(50)
    assert valid_answer.status_code == 200, valid_answer.text
    assert statuses(answers) == {401: 100}, (statuses(answers), log[-3000:])
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_sixty_authenticated_reads_at_once_all_succeed(database: str, tmp_path: Path) -> None:
    world = make_world()
    token = jp_editor_token()
    paths = [f"/api/v1/plans/{world.plan}", f"/api/v1/plans/{world.plan}/priority-areas"]
    requests = [("GET", paths[n % 2], bearer(token), None) for n in range(60)]

    with api(database, tmp_path / "api.log") as server:
        answers = send_at_once(server.base_url, requests)
        log = server.output()

    assert statuses(answers) == {200: 60}, (statuses(answers), log[-3000:])


def own_commitments(world: World, count: int) -> list[str]:
    return [
        f"/api/v1/commitments/{make_commitment(world, visibility='internal')}" for _ in range(count)
    ]


def test_forty_two_updates_at_once_all_succeed(database: str, tmp_path: Path) -> None:
    world = make_world()
    token = jp_editor_token()
    targets = own_commitments(world, 42)

    with api(database, tmp_path / "api.log") as server:
        etags = [
            httpx.get(f"{server.base_url}{url}", headers=bearer(token)).headers["etag"]
            for url in targets
        ]
        answers = send_at_once(
            server.base_url,
            [
                ("PATCH", url, {**bearer(token), "If-Match": etag}, {"progress": 40})
                for url, etag in zip(targets, etags, strict=True)
            ],
        )
        log = server.output()

    assert statuses(answers) == {200: 42}, (statuses(answers), log[-3000:])
    assert {answer.json()["progress"] for answer in answers} == {40}
