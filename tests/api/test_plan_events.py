"""Watching a plan (issue 9, live updates): the plan's audit events after a sequence number,
read from the database and waited for by long polling, so that a page open on one web process
hears of a write made through any API process."""

import contextlib
import os
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.auth.models import AccessToken
from itpp_api.auth.tokens import hash_secret
from itpp_api.db import transaction, utcnow
from itpp_api.enums import TokenScope
from tests.conftest import Database
from tests.factories import make_commitment, make_user, make_world, token_for
from tests.live_api import start_served, stop, wait_until_up

API = "/api/v1"


def _headers(party: str, role: str = "viewer", **kwargs: Any) -> dict[str, str]:
    user = make_user(party, role, email=f"{party.lower()}-{role}-{uuid.uuid4().hex[:6]}@t.example")
    return {"Authorization": f"Bearer {token_for(user, **kwargs)}"}


def _events(client: TestClient, plan: uuid.UUID, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(f"{API}/plans/{plan}/events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_without_after_it_says_where_to_start_watching(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world)
    headers = _headers("JP")
    start = _events(client, world.plan, headers)
    assert start["items"] == []
    assert start["last_seq"] > 0
    # Nothing happened since: the same place, and no events.
    again = _events(client, world.plan, headers, after=start["last_seq"])
    assert again == {"items": [], "last_seq": start["last_seq"]}


def test_returns_the_events_after_a_sequence_number_oldest_first(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    headers = _headers("NATO")
    start = _events(client, world.plan, headers)["last_seq"]
    first = make_commitment(world)
    second = make_commitment(world)
    batch = _events(client, world.plan, headers, after=start)
    ids = [item["entity_id"] for item in batch["items"]]
    assert ids == [str(first), str(second)]
    seqs = [item["seq"] for item in batch["items"]]
    assert seqs == sorted(seqs) and seqs[0] > start
    assert batch["last_seq"] == seqs[-1]
    assert all(item["plan_id"] == str(world.plan) for item in batch["items"])
    limited = _events(client, world.plan, headers, after=start, limit=1)
    assert [item["entity_id"] for item in limited["items"]] == [str(first)]
    assert limited["last_seq"] == seqs[0]


def test_another_partys_internal_records_are_not_heard_of(client: TestClient, db: Database) -> None:
    world = make_world()
    japan, nato = _headers("JP"), _headers("NATO")
    start = _events(client, world.plan, japan)["last_seq"]
    internal = make_commitment(world, lead_party_id=world.nato, visibility="internal")
    assert _events(client, world.plan, japan, after=start)["items"] == []
    seen_by_nato = _events(client, world.plan, nato, after=start)["items"]
    assert [item["entity_id"] for item in seen_by_nato] == [str(internal)]
    # Where to start counts only what the reader may see.
    assert _events(client, world.plan, japan)["last_seq"] == start


def test_a_waiting_request_returns_as_soon_as_a_write_is_made(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    headers = _headers("JP")
    start = _events(client, world.plan, headers)["last_seq"]
    answer: dict[str, Any] = {}

    def wait() -> None:
        began = time.monotonic()
        answer["body"] = _events(client, world.plan, headers, after=start, wait=10)
        answer["seconds"] = time.monotonic() - began

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.6)
    created = make_commitment(world)
    waiter.join(timeout=15)
    assert not waiter.is_alive()
    assert [item["entity_id"] for item in answer["body"]["items"]] == [str(created)]
    assert 0.5 < answer["seconds"] < 3


def test_waiting_without_a_write_ends_empty_after_the_time_asked(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    headers = _headers("JP")
    start = _events(client, world.plan, headers)["last_seq"]
    began = time.monotonic()
    body = _events(client, world.plan, headers, after=start, wait=1)
    assert body == {"items": [], "last_seq": start}
    assert 0.9 < time.monotonic() - began < 3


def test_only_the_plans_parties_may_watch_it(
    client: TestClient, anonymous_client: TestClient, db: Database
) -> None:
    world = make_world()
    url = f"{API}/plans/{world.plan}/events"
    refused = anonymous_client.get(url)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    with transaction(write=True) as session:
        from itpp_api.parties.models import Party

        session.add(Party(code="AUS", name={"en": "Australia"}))
    outsider = client.get(url, headers=_headers("AUS", "editor"))
    assert outsider.status_code == 404
    assert outsider.headers["content-type"].startswith("application/problem+json")
    # A read-only token may watch: watching only reads.
    assert client.get(url, headers=_headers("JP", scope=TokenScope.READ)).status_code == 200
    too_long = client.get(url, params={"after": 0, "wait": 26}, headers=_headers("JP"))
    assert too_long.status_code == 422


def test_watching_does_not_keep_an_idle_session_alive(client: TestClient, db: Database) -> None:
    world = make_world()
    secret = token_for(make_user("JP", "viewer"))
    with transaction(write=True) as session:
        token = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
        ).one()
        token.last_used_at = utcnow() - timedelta(minutes=5)
        session.add(token)
    _events(client, world.plan, {"Authorization": f"Bearer {secret}"}, after=0)
    with transaction(write=False) as session:
        token = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
        ).one()
        assert utcnow() - token.last_used_at > timedelta(minutes=4)


def _sockets(pid: int) -> set[str]:
    """The sockets a process and its children (uvicorn's workers) hold open: the listening
    socket and the connections they took."""
    found = set()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for process in (pid, *map(int, children)):
        for fd in Path(f"/proc/{process}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:"):
                    found.add(target)
    return found


def test_a_stopping_server_answers_a_waiting_watcher_at_once_and_exits(
    db: Database, tmp_path: Path
) -> None:
    """`itpp serve api` as production runs it (two workers; uvicorn waits for every request in
    flight when asked to stop): a watcher waiting up to 25 s gets its answer (no events yet) as
    soon as the server is stopping, and the process exits, instead of holding the stop 25 s."""
    world = make_world()
    headers = _headers("JP")
    api = start_served(
        "api", tmp_path / "api.log", env={"ITPP_DATABASE_URL": db.url}, options=("--workers", "2")
    )
    try:
        wait_until_up(api)
        url = f"{api.base_url}{API}/plans/{world.plan}/events"
        start = httpx.get(url, headers=headers, timeout=30).json()["last_seq"]
        before = _sockets(api.process.pid)
        answers: list[httpx.Response] = []
        watcher = threading.Thread(
            target=lambda: answers.append(
                httpx.get(url, params={"after": start, "wait": 25}, headers=headers, timeout=60)
            )
        )
        watcher.start()
        deadline = time.monotonic() + 30
        while not _sockets(api.process.pid) - before:  # the server has taken the connection
            assert time.monotonic() < deadline, api.output()
            time.sleep(0.05)
        time.sleep(1)  # and read the request, which came with it (at once, on an idle server)
        asked = time.monotonic()
        api.process.terminate()
        watcher.join(timeout=60)
        assert answers, api.output()
        assert answers[0].status_code == 200
        assert answers[0].json() == {"items": [], "last_seq": start}
        assert api.process.wait(timeout=60) == 0  # uvicorn's supervisor, once its workers stopped
        # Answered and stopped long before the 25 s the watcher asked to wait.
        assert time.monotonic() - asked < 12, api.output()
    finally:
        stop(api)
