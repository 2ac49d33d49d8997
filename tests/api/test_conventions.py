"""HTTP conventions of the API (DESIGN.md §3–4, issue 2): ETag/If-Match, Idempotency-Key,
problem+json for bad input, and the probes."""

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlmodel import SQLModel

from itpp_api.auth.actor import Actor
from itpp_api.auth.models import AccessToken
from itpp_api.auth.tokens import hash_secret
from itpp_api.commitments.models import Commitment
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.enums import PlanStatus
from itpp_api.idempotency.models import IdempotencyRecord
from itpp_api.idempotency.service import fingerprint, key_hash
from itpp_api.main import create_app
from itpp_api.migrate import head_revision
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.conftest import Database
from tests.factories import World, auth_headers, commitment_body, make_commitment, make_world

API = "/api/v1"
PROBLEM = "application/problem+json"
ONE_MIB = 1024 * 1024


# --- helpers ------------------------------------------------------------------------------


def assert_problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of the given status and stable type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}"
    assert body["status"] == status
    assert body["title"]
    return body


# The signed-in test user and its token are made on the first request; they are test
# infrastructure, not something the request under test wrote.
_SIGN_IN_TABLES = frozenset({"user_account", "access_token"})


def draft_world() -> World:
    """The test world with its plan still a draft: the parties' editors write its shared
    commitments directly, as these conventions assume (on a plan in force, adding or cancelling
    a shared commitment needs an amendment: 409 amendment-required, whatever the headers)."""
    return make_world(status=PlanStatus.DRAFT)


def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table holds (but the test's own sign-in)."""
    with transaction(write=False, engine=db.engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
            if table.name not in _SIGN_IN_TABLES
        }


def commitment_count() -> int:
    with transaction(write=False) as session:
        return session.execute(select(func.count()).select_from(Commitment)).scalar_one()


def commitments_url(world: World) -> str:
    return f"{API}/plans/{world.plan}/commitments"


def as_bytes(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def post_json(
    client: TestClient, url: str, body: bytes, headers: dict[str, str] | None = None
) -> Response:
    return client.post(
        url, content=body, headers={"content-type": "application/json", **(headers or {})}
    )


def milestone_ids(client: TestClient, commitment_id: uuid.UUID) -> list[str]:
    return [m["id"] for m in client.get(f"{API}/commitments/{commitment_id}").json()["milestones"]]


# --- ETag and If-Match --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A record that updates under If-Match, and two different changes to it."""

    url: str
    field: str
    change: dict[str, Any]
    other_change: dict[str, Any]


RESOURCES = ("commitment", "milestone", "plan", "priority_area")


def make_target(kind: str) -> Target:
    # A plan's text and areas are edited directly while it is a draft (once active, only by
    # amendment); delivery records on an active plan.
    draft = kind in ("plan", "priority_area")
    world = make_world(status=PlanStatus.DRAFT if draft else PlanStatus.ACTIVE)
    if kind == "plan":
        return Target(
            url=f"{API}/plans/{world.plan}",
            field="title",
            change={"title": {"ja": "改名した計画", "en": "Renamed plan"}},
            other_change={"title": {"ja": "別名", "en": "Another name"}},
        )
    if kind == "priority_area":
        return Target(
            url=f"{API}/priority-areas/{world.cyber}",
            field="title",
            change={"title": {"ja": "サイバー", "en": "Cyber"}},
            other_change={"title": {"ja": "サイバー空間", "en": "Cyberspace"}},
        )
    commitment_id = make_commitment(
        world, milestones=[{"title": {"ja": "開始", "en": "Kick-off"}, "due_date": "2026-03-01"}]
    )
    if kind == "commitment":
        return Target(
            url=f"{API}/commitments/{commitment_id}",
            field="progress",
            change={"progress": 40},
            other_change={"progress": 60},
        )
    with transaction(write=False) as session:
        from itpp_api.commitments.models import Milestone

        milestone_id = session.scalars(
            select(Milestone.id).where(Milestone.commitment_id == commitment_id)
        ).one()
    return Target(
        url=f"{API}/milestones/{milestone_id}",
        field="done_on",
        change={"done_on": "2026-02-20"},
        other_change={"done_on": "2026-02-25"},
    )


@pytest.mark.parametrize("kind", RESOURCES)
def test_get_returns_the_records_etag_in_the_header_and_body(client: TestClient, kind: str) -> None:
    target = make_target(kind)
    response = client.get(target.url)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert response.json()["etag"] == etag


@pytest.mark.parametrize("kind", RESOURCES)
def test_patch_without_if_match_is_refused_with_428_and_changes_nothing(
    client: TestClient, db: Database, kind: str
) -> None:
    target = make_target(kind)
    before = client.get(target.url)
    counts = row_counts(db)

    response = client.patch(target.url, json=target.change)

    assert_problem(response, 428, "precondition-required")
    after = client.get(target.url)
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]
    assert row_counts(db) == counts


@pytest.mark.parametrize("kind", RESOURCES)
def test_patch_with_a_blank_if_match_is_refused_with_428(client: TestClient, kind: str) -> None:
    target = make_target(kind)
    before = client.get(target.url).json()
    response = client.patch(target.url, json=target.change, headers={"If-Match": " "})
    assert_problem(response, 428, "precondition-required")
    assert client.get(target.url).json() == before


@pytest.mark.parametrize("kind", RESOURCES)
def test_patch_with_a_stale_if_match_is_refused_with_412_carrying_the_current_etag(
    client: TestClient, db: Database, kind: str
) -> None:
    target = make_target(kind)
    stale = client.get(target.url).headers["etag"]
    first = client.patch(target.url, json=target.change, headers={"If-Match": stale})
    assert first.status_code == 200, first.text
    current = client.get(target.url)
    counts = row_counts(db)

    response = client.patch(target.url, json=target.other_change, headers={"If-Match": stale})

    assert_problem(response, 412, "precondition-failed")
    assert response.headers["etag"] == current.headers["etag"]
    after = client.get(target.url)
    assert after.json() == current.json()
    assert after.json()[target.field] == target.change[target.field]
    assert row_counts(db) == counts


@pytest.mark.parametrize("kind", RESOURCES)
def test_patch_with_the_current_etag_applies_and_returns_a_new_etag(
    client: TestClient, kind: str
) -> None:
    target = make_target(kind)
    etag = client.get(target.url).headers["etag"]

    response = client.patch(target.url, json=target.change, headers={"If-Match": etag})

    assert response.status_code == 200, response.text
    new_etag = response.headers["etag"]
    assert new_etag != etag
    assert response.json()["etag"] == new_etag
    assert response.json()[target.field] == target.change[target.field]
    reread = client.get(target.url)
    assert reread.headers["etag"] == new_etag
    assert reread.json()[target.field] == target.change[target.field]


@pytest.mark.parametrize("kind", RESOURCES)
def test_patch_with_if_match_star_is_refused_with_428_and_changes_nothing(
    client: TestClient, kind: str
) -> None:
    target = make_target(kind)
    before = client.get(target.url)
    response = client.patch(target.url, json=target.change, headers={"If-Match": "*"})
    assert response.status_code == 428, response.text
    assert response.json()["type"] == "/problems/precondition-required"
    assert "If-Match: *" in response.json()["detail"]
    after = client.get(target.url)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()[target.field] == before.json()[target.field]


def test_adding_updating_and_removing_a_milestone_moves_the_commitments_etag(
    client: TestClient,
) -> None:
    world = make_world()
    commitment_id = make_commitment(world)
    url = f"{API}/commitments/{commitment_id}"
    etags = [client.get(url).headers["etag"]]

    created = client.post(f"{url}/milestones", json={"title": {"ja": "開始", "en": "Kick-off"}})
    assert created.status_code == 201, created.text
    etags.append(client.get(url).headers["etag"])
    milestone_url = f"{API}/milestones/{created.json()['id']}"

    updated = client.patch(
        milestone_url, json={"done_on": "2026-02-01"}, headers={"If-Match": created.headers["etag"]}
    )
    assert updated.status_code == 200, updated.text
    etags.append(client.get(url).headers["etag"])

    removed = client.delete(milestone_url, headers={"If-Match": updated.headers["etag"]})
    assert removed.status_code == 204, removed.text
    etags.append(client.get(url).headers["etag"])

    assert len(set(etags)) == 4


def test_a_commitment_etag_read_before_a_milestone_change_is_stale_afterwards(
    client: TestClient,
) -> None:
    world = make_world()
    commitment_id = make_commitment(world)
    url = f"{API}/commitments/{commitment_id}"
    etag = client.get(url).headers["etag"]
    assert client.post(f"{url}/milestones", json={"title": {"en": "Kick-off"}}).status_code == 201

    response = client.patch(url, json={"progress": 10}, headers={"If-Match": etag})

    assert_problem(response, 412, "precondition-failed")
    assert client.get(url).json()["progress"] == 0


def test_delete_commitment_without_if_match_is_refused_with_428_and_cancels_nothing(
    client: TestClient,
) -> None:
    world = draft_world()
    url = f"{API}/commitments/{make_commitment(world)}"
    before = client.get(url).json()

    assert_problem(client.delete(url), 428, "precondition-required")
    assert client.get(url).json() == before


def test_delete_commitment_with_a_stale_if_match_is_refused_with_412(
    client: TestClient,
) -> None:
    world = draft_world()
    url = f"{API}/commitments/{make_commitment(world)}"
    stale = client.get(url).headers["etag"]
    assert client.patch(url, json={"progress": 5}, headers={"If-Match": stale}).status_code == 200

    response = client.delete(url, headers={"If-Match": stale})

    assert_problem(response, 412, "precondition-failed")
    assert client.get(url).json()["status"] == "planned"


def test_delete_commitment_with_if_match_cancels_it_and_keeps_it_readable(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    commitment_id = make_commitment(world)
    url = f"{API}/commitments/{commitment_id}"
    etag = client.get(url).headers["etag"]
    counts = row_counts(db)

    response = client.delete(url, headers={"If-Match": etag})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.headers["etag"] != etag
    reread = client.get(url)
    assert reread.status_code == 200
    assert reread.json()["status"] == "cancelled"
    assert reread.json()["id"] == str(commitment_id)
    listed = client.get(commitments_url(world)).json()["items"]
    assert [(c["id"], c["status"]) for c in listed] == [(str(commitment_id), "cancelled")]
    after = row_counts(db)
    # Nothing was deleted; the only new row is the cancellation's audit event.
    assert after.pop("audit_event") == counts.pop("audit_event") + 1
    assert after == counts


# --- Idempotency-Key ----------------------------------------------------------------------


def test_post_retried_with_the_same_key_and_body_replays_the_first_response(
    client: TestClient,
) -> None:
    world = draft_world()
    body = as_bytes(commitment_body(world))
    headers = {"Idempotency-Key": "retry-7f1c"}

    first = post_json(client, commitments_url(world), body, headers)
    second = post_json(client, commitments_url(world), body, headers)

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["content-type"] == first.headers["content-type"]
    assert commitment_count() == 1


def test_post_with_a_reused_key_and_a_different_body_is_refused_with_422(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    headers = {"Idempotency-Key": "reused-key"}
    first = post_json(client, commitments_url(world), as_bytes(commitment_body(world)), headers)
    assert first.status_code == 201, first.text
    counts = row_counts(db)

    other = commitment_body(world, title={"en": "Something else entirely"})
    response = post_json(client, commitments_url(world), as_bytes(other), headers)

    assert_problem(response, 422, "idempotency-key-reused")
    assert row_counts(db) == counts


def test_a_key_reused_on_another_path_is_refused_with_422(client: TestClient) -> None:
    world = draft_world()
    headers = {"Idempotency-Key": "path-key"}
    body = as_bytes(commitment_body(world))
    assert post_json(client, commitments_url(world), body, headers).status_code == 201

    response = post_json(
        client,
        f"{API}/commitments/{make_commitment(world)}/milestones",
        as_bytes({"title": {"en": "Kick-off"}}),
        headers,
    )

    assert_problem(response, 422, "idempotency-key-reused")


def _token_of(client: TestClient) -> tuple[str, uuid.UUID]:
    """The secret and id of the signed-in test client's token (made now if need be)."""
    secret = client.auth.default_header().removeprefix("Bearer ")
    with transaction(write=False) as session:
        token_id = session.scalars(
            select(AccessToken.id).where(AccessToken.token_hash == hash_secret(secret))
        ).one()
    return secret, token_id


def _insert_record(
    *,
    client: TestClient,
    key: str,
    url: str,
    body: bytes,
    state: str,
    started_ago: timedelta,
    expires_in: timedelta,
    response_status: int | None = None,
    response_body: str | None = None,
) -> None:
    now = utcnow()
    # Sign the test client in first: that is a write of its own.
    secret, token_id = _token_of(client)
    with transaction(write=True) as session:
        session.add(
            IdempotencyRecord(
                # The key as the signed-in test client's token sends it.
                key_hash=key_hash(token_id, key),
                fingerprint=fingerprint(secret, "POST", url, b"", body),
                state=state,
                response_status=response_status,
                response_headers=orjson.dumps([["content-type", "application/json"]]).decode()
                if response_body is not None
                else None,
                response_body=response_body,
                started_at=now - started_ago,
                expires_at=now + expires_in,
            )
        )


def test_post_while_the_same_key_is_still_in_flight_is_refused_with_409(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    url = commitments_url(world)
    body = as_bytes(commitment_body(world))
    _insert_record(
        client=client,
        key="in-flight-key",
        url=url,
        body=body,
        state="in_flight",
        started_ago=timedelta(0),
        expires_in=timedelta(hours=24),
    )
    counts = row_counts(db)

    response = post_json(client, url, body, {"Idempotency-Key": "in-flight-key"})

    assert_problem(response, 409, "idempotency-key-in-use")
    assert "retry-after" in response.headers
    assert row_counts(db) == counts


def test_an_in_flight_key_older_than_the_in_flight_window_is_taken_over(
    client: TestClient,
) -> None:
    world = draft_world()
    url = commitments_url(world)
    body = as_bytes(commitment_body(world))
    window = timedelta(seconds=get_settings().idempotency_in_flight_seconds)
    _insert_record(
        client=client,
        key="abandoned-key",
        url=url,
        body=body,
        state="in_flight",
        started_ago=window + timedelta(seconds=5),
        expires_in=timedelta(hours=24),
    )
    headers = {"Idempotency-Key": "abandoned-key"}

    response = post_json(client, url, body, headers)

    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers
    assert commitment_count() == 1
    retry = post_json(client, url, body, headers)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == response.json()["id"]
    assert commitment_count() == 1


def test_an_expired_completed_key_is_not_replayed_and_the_request_runs_again(
    client: TestClient,
) -> None:
    world = draft_world()
    url = commitments_url(world)
    body = as_bytes(commitment_body(world))
    stale_id = str(uuid.uuid4())
    _insert_record(
        client=client,
        key="expired-key",
        url=url,
        body=body,
        state="completed",
        started_ago=timedelta(hours=25),
        expires_in=timedelta(hours=-1),
        response_status=201,
        response_body=orjson.dumps({"id": stale_id}).decode(),
    )

    response = post_json(client, url, body, {"Idempotency-Key": "expired-key"})

    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers
    assert response.json()["id"] != stale_id
    assert commitment_count() == 1


def test_the_same_key_from_different_credentials_is_two_independent_requests(
    client: TestClient,
) -> None:
    world = draft_world()
    url = commitments_url(world)
    body = as_bytes(commitment_body(world))

    alice_auth = auth_headers("JP", "editor", email="alice@test.example")
    bob_auth = auth_headers("JP", "editor", email="bob@test.example")
    alice = post_json(client, url, body, {"Idempotency-Key": "k1", **alice_auth})
    bob = post_json(client, url, body, {"Idempotency-Key": "k1", **bob_auth})
    alice_again = post_json(client, url, body, {"Idempotency-Key": "k1", **alice_auth})

    assert alice.status_code == 201, alice.text
    assert bob.status_code == 201, bob.text
    assert "idempotent-replayed" not in bob.headers
    assert bob.json()["id"] != alice.json()["id"]
    assert alice_again.headers["idempotent-replayed"] == "true"
    assert alice_again.json()["id"] == alice.json()["id"]
    assert commitment_count() == 2


@pytest.mark.parametrize(
    "key",
    [b"k" * 256, b"has spaces in it", b"tab\tkey", "ключ".encode()],
    ids=["256-chars", "spaces", "tab", "non-ascii"],
)
def test_a_malformed_idempotency_key_is_refused_with_400_and_nothing_is_written(
    client: TestClient, db: Database, key: bytes
) -> None:
    world = draft_world()
    counts = row_counts(db)
    response = client.post(
        commitments_url(world),
        content=as_bytes(commitment_body(world)),
        headers=[(b"content-type", b"application/json"), (b"idempotency-key", key)],
    )
    assert_problem(response, 400, "bad-request")
    assert row_counts(db) == counts


def test_an_idempotency_key_of_255_visible_characters_is_accepted(client: TestClient) -> None:
    world = draft_world()
    key = "k" * 255
    body = as_bytes(commitment_body(world))
    first = post_json(client, commitments_url(world), body, {"Idempotency-Key": key})
    second = post_json(client, commitments_url(world), body, {"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert second.headers["idempotent-replayed"] == "true"
    assert commitment_count() == 1


def test_a_4xx_response_is_replayed_for_the_same_key_too(client: TestClient) -> None:
    world = make_world()
    body = as_bytes(commitment_body(world, progress=101))
    headers = {"Idempotency-Key": "bad-body-key"}

    first = post_json(client, commitments_url(world), body, headers)
    second = post_json(client, commitments_url(world), body, headers)

    assert_problem(first, 422, "validation-error")
    assert_problem(second, 422, "validation-error")
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert commitment_count() == 0


# --- problem+json for bad input -----------------------------------------------------------


def _area_of_another_plan(world: World) -> uuid.UUID:
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=Actor.system(),
            data=PlanCreate(
                reference="OTHER-PLAN",
                title={"en": "Another plan"},
                party_ids=[world.japan, world.nato],
            ),
        )
        return create_area(
            session=session,
            actor=Actor.system(),
            plan=plan,
            data=PriorityAreaCreate(code="3.1.1", short_code="OTH", title={"en": "Other"}),
        ).id


CREATE_CASES: dict[str, tuple[Any, str, list[str | int] | None]] = {
    "unknown-field": (lambda w: {"colour": "red"}, "validation-error", ["body", "colour"]),
    "due-before-start": (
        lambda w: {"start_date": "2026-06-01", "due_date": "2026-05-31"},
        "validation-error",
        None,
    ),
    "progress-101": (lambda w: {"progress": 101}, "validation-error", ["body", "progress"]),
    "progress-minus-1": (lambda w: {"progress": -1}, "validation-error", ["body", "progress"]),
    "unknown-priority-area": (
        lambda w: {"priority_area_id": str(uuid.uuid4())},
        "rule-violation",
        ["body", "priority_area_id"],
    ),
    "priority-area-of-another-plan": (
        lambda w: {"priority_area_id": str(_area_of_another_plan(w))},
        "rule-violation",
        ["body", "priority_area_id"],
    ),
    "lead-organisation-of-the-other-party": (
        lambda w: {"lead_party_id": str(w.japan), "lead_organisation_id": str(w.shape)},
        "rule-violation",
        ["body", "lead_organisation_id"],
    ),
    "malformed-uuid": (
        lambda w: {"priority_area_id": "not-a-uuid"},
        "validation-error",
        ["body", "priority_area_id"],
    ),
    "empty-localized-text": (lambda w: {"title": {}}, "validation-error", ["body", "title"]),
    "blank-translation": (lambda w: {"title": {"ja": ""}}, "validation-error", ["body", "title"]),
    "completed-below-100": (
        lambda w: {"status": "completed", "progress": 99},
        "rule-violation",
        ["body", "progress"],
    ),
}


@pytest.mark.parametrize("case", list(CREATE_CASES))
def test_bad_commitment_body_gets_a_problem_and_writes_nothing(
    client: TestClient, db: Database, case: str
) -> None:
    overrides, kind, loc = CREATE_CASES[case]
    world = draft_world()
    body = commitment_body(world, **overrides(world))
    counts = row_counts(db)

    response = client.post(commitments_url(world), json=body)

    problem = assert_problem(response, 422, kind)
    if loc is not None:
        assert problem["errors"][0]["loc"] == loc
    assert row_counts(db) == counts


UPDATE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "unknown-field": ({"colour": "red"}, "validation-error"),
    "due-before-existing-start": ({"due_date": "2025-12-31"}, "rule-violation"),
    "progress-101": ({"progress": 101}, "validation-error"),
    "progress-minus-1": ({"progress": -1}, "validation-error"),
    "unknown-priority-area": ({"priority_area_id": str(uuid.uuid4())}, "rule-violation"),
    "empty-localized-text": ({"title": {}}, "validation-error"),
    "completed-below-100": ({"status": "completed", "progress": 50}, "rule-violation"),
    "null-title": ({"title": None}, "validation-error"),
}


@pytest.mark.parametrize("case", list(UPDATE_CASES))
def test_bad_commitment_update_gets_a_problem_and_changes_nothing(
    client: TestClient, db: Database, case: str
) -> None:
    change, kind = UPDATE_CASES[case]
    world = make_world()
    url = f"{API}/commitments/{make_commitment(world, start_date='2026-01-01')}"
    before = client.get(url)
    counts = row_counts(db)

    response = client.patch(url, json=change, headers={"If-Match": before.headers["etag"]})

    assert_problem(response, 422, kind)
    assert client.get(url).json() == before.json()
    assert row_counts(db) == counts


def test_a_malformed_uuid_in_the_path_gets_a_problem(client: TestClient, db: Database) -> None:
    world = make_world()
    counts = row_counts(db)

    read = client.get(f"{API}/commitments/not-a-uuid")
    write = client.post(f"{API}/plans/not-a-uuid/commitments", json=commitment_body(world))

    assert assert_problem(read, 422, "validation-error")["errors"][0]["loc"] == [
        "path",
        "commitment_id",
    ]
    assert_problem(write, 422, "validation-error")
    assert row_counts(db) == counts


def test_an_unknown_record_gets_a_404_problem(client: TestClient) -> None:
    make_world()
    assert_problem(client.get(f"{API}/commitments/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(client.get(f"{API}/plans/{uuid.uuid4()}"), 404, "not-found")


def test_an_invalid_json_body_gets_a_problem_and_writes_nothing(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    counts = row_counts(db)
    response = post_json(client, commitments_url(world), b'{"title": {"en": "unterminated"')
    assert_problem(response, 422, "validation-error")
    assert row_counts(db) == counts


def _valid_body_over_one_mib(world: World) -> bytes:
    """A body that would create a commitment if it were read: 60 milestones of 20,000 chars."""
    milestones = [{"title": {"en": f"{i:02d}" + "m" * 19_990}} for i in range(60)]
    body = as_bytes(commitment_body(world, milestones=milestones))
    assert len(body) > ONE_MIB
    return body


def test_a_body_over_1_mib_with_content_length_is_refused_with_413(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    body = _valid_body_over_one_mib(world)
    counts = row_counts(db)

    response = post_json(client, commitments_url(world), body)

    assert_problem(response, 413, "payload-too-large")
    assert row_counts(db) == counts


def test_a_chunked_body_over_1_mib_is_refused_with_413(client: TestClient, db: Database) -> None:
    world = draft_world()
    body = _valid_body_over_one_mib(world)
    counts = row_counts(db)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = client.post(
        commitments_url(world), content=chunks(), headers={"content-type": "application/json"}
    )

    assert_problem(response, 413, "payload-too-large")
    assert row_counts(db) == counts


def test_a_streamed_body_without_content_length_is_cut_off_at_the_limit(db: Database) -> None:
    world = make_world()
    chunk = b" " * (64 * 1024)
    total_chunks = 48  # 3 MiB of whitespace after an opening brace
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled == 1:
            return {"type": "http.request", "body": b"{", "more_body": True}
        return {"type": "http.request", "body": chunk, "more_body": pulled <= total_chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    path = commitments_url(world)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    counts = row_counts(db)

    asyncio.run(create_app()(scope, receive, send))

    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert (b"content-type", PROBLEM.encode()) in start["headers"]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert orjson.loads(body)["type"] == "/problems/payload-too-large"
    assert pulled < total_chunks  # it stopped reading once over the limit
    assert row_counts(db) == counts


def test_limit_over_the_cap_gets_a_problem_and_the_cap_itself_is_accepted(
    client: TestClient,
) -> None:
    world = make_world()
    cap = get_settings().page_size_max
    assert client.get(commitments_url(world), params={"limit": cap}).status_code == 200
    over = client.get(commitments_url(world), params={"limit": cap + 1})
    assert assert_problem(over, 422, "validation-error")["errors"][0]["loc"] == ["query", "limit"]
    assert_problem(client.get(f"{API}/plans", params={"limit": cap + 1}), 422, "validation-error")


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJzIjoicmVmZXJlbmNlIn0", "%%%"])
def test_an_invalid_cursor_gets_a_400_problem(client: TestClient, cursor: str) -> None:
    world = make_world()
    response = client.get(commitments_url(world), params={"cursor": cursor})
    assert_problem(response, 400, "invalid-cursor")
    assert_problem(client.get(f"{API}/plans", params={"cursor": cursor}), 400, "invalid-cursor")


def test_a_cursor_of_another_sort_order_gets_a_400_problem(client: TestClient) -> None:
    world = make_world()
    make_commitment(world)
    make_commitment(world)
    page = client.get(commitments_url(world), params={"limit": 1, "sort": "reference"}).json()
    assert page["next_cursor"]
    response = client.get(
        commitments_url(world),
        params={"limit": 1, "sort": "-due_date", "cursor": page["next_cursor"]},
    )
    assert_problem(response, 400, "invalid-cursor")


def test_an_unknown_route_gets_a_404_problem(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/no-such-thing"), 404, "not-found")
    assert_problem(client.post(f"{API}/no-such-thing", json={}), 404, "not-found")


def test_a_wrong_method_gets_a_405_problem_with_allow(client: TestClient, db: Database) -> None:
    world = make_world()
    url = f"{API}/commitments/{make_commitment(world)}"
    before = client.get(url).json()
    response = client.put(url, json={"progress": 10})
    assert_problem(response, 405, "method-not-allowed")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "PATCH", "DELETE"} <= allowed  # RFC 9110 §15.5.6: every supported method
    assert client.get(url).json() == before


# --- probes -------------------------------------------------------------------------------


def test_healthz_answers_200(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_answers_200_with_the_revision_when_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["revision"] == head_revision()
    assert body["revision"]


@pytest.fixture
def unmigrated_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite file that was never migrated, configured as the database."""
    from itpp_api.db import _engine_for

    url = f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"
    monkeypatch.setenv("ITPP_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    _engine_for(url).dispose()
    get_settings.cache_clear()


def test_readyz_answers_503_problem_when_the_database_is_behind_head(
    unmigrated_sqlite: str,
) -> None:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    problem = assert_problem(response, 503, "service-unavailable")
    assert "upgrade" in problem["detail"]


def test_readyz_stays_ready_on_a_schema_a_newer_release_migrated(
    unmigrated_sqlite: str,
) -> None:
    # A rolling upgrade: the new release's (additive) migration ran; this release's processes
    # keep serving until they are replaced. A schema behind this release is still unready.
    from itpp_api.db import _engine_for
    from itpp_api.migrate import upgrade

    upgrade(unmigrated_sqlite)
    engine = _engine_for(unmigrated_sqlite)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeed2099'")
        ahead = client.get("/readyz")
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        behind = client.get("/readyz")
    assert ahead.status_code == 200, ahead.text
    assert ahead.json()["revision"] == "f00dfeed2099"
    assert_problem(behind, 503, "service-unavailable")


def test_an_unknown_tokens_retry_is_refused_with_401_naming_the_scheme_never_replayed(
    anonymous_client: TestClient,
) -> None:
    # Found by schemathesis: the replay of a stored 401 lacked WWW-Authenticate. Keys are now
    # looked at only after authentication: an unknown token's retry runs (and fails) again.
    world = make_world()
    body = as_bytes(commitment_body(world))
    headers = {"Idempotency-Key": "expired-token-retry", "Authorization": "Bearer itpp_unknown"}
    first = post_json(anonymous_client, commitments_url(world), body, headers)
    again = post_json(anonymous_client, commitments_url(world), body, headers)
    assert_problem(first, 401, "unauthorized")
    assert_problem(again, 401, "unauthorized")
    assert "idempotent-replayed" not in again.headers
    assert first.headers["www-authenticate"] == again.headers["www-authenticate"] == "Bearer"


def test_a_throttled_answer_frees_the_key_so_a_later_retry_runs_again(
    client: TestClient, db: Database
) -> None:
    from itpp_api.idempotency import service as idempotency

    secret, _ = _token_of(client)
    for status, kept in ((429, False), (422, True), (503, False)):
        key = f"throttled-{status}"
        claim = idempotency.claim(
            secret=secret, key=key, method="POST", path="/x", query=b"", body=b""
        )
        assert claim.outcome == "claimed"
        idempotency.complete(key_hash=claim.key_hash, status=status, headers=[], body=b"{}")
        with transaction(write=False, engine=db.engine) as session:
            assert (session.get(IdempotencyRecord, claim.key_hash) is not None) is kept, status
