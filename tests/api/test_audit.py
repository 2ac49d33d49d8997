"""The audit log (issue 3, part 4): one hash-chained event per write, in the write's transaction;
reading it through the API; and `itpp audit verify` catching edited, deleted or reordered rows."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, text
from sqlmodel import col, select
from typer.testing import CliRunner

from itpp_api.audit import service as audit_service
from itpp_api.audit.models import AuditEvent
from itpp_api.audit.service import compute_hash, verify
from itpp_api.cli import app as cli
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.plans.schemas import PlanCreate
from itpp_api.plans.service import create_plan
from tests.conftest import Database
from tests.factories import (
    DEFAULT_PASSWORD,
    SYSTEM,
    World,
    auth_headers,
    commitment_body,
    make_commitment,
    make_user,
    make_world,
    token_for,
)

API = "/api/v1"
PROBLEM = "application/problem+json"
EVENTS = f"{API}/audit-events"


# --- helpers --------------------------------------------------------------------------------


def assert_problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}"
    return body


def stored_events(after_seq: int = 0) -> list[AuditEvent]:
    """Events in the database, in chain order."""
    with transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(col(AuditEvent.seq))
            )
        )


def last_seq() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0)


def me(client: TestClient) -> dict[str, Any]:
    response = client.get(f"{API}/users/me")
    assert response.status_code == 200, response.text
    return dict(response.json())


def etag(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


def milestone_of(commitment_id: uuid.UUID) -> uuid.UUID:
    with transaction(write=False) as session:
        return session.scalars(
            select(Milestone.id).where(Milestone.commitment_id == commitment_id)
        ).one()


def commitment_row(commitment_id: uuid.UUID) -> Commitment:
    with transaction(write=False) as session:
        row = session.get(Commitment, commitment_id)
        assert row is not None
        return row


KICK_OFF = {"title": {"ja": "開始", "en": "Kick-off"}, "due_date": "2026-03-01"}


# --- one event per write --------------------------------------------------------------------


@dataclass
class Write:
    """A write through the API and the one event it must append."""

    method: str
    url: str
    action: str
    entity_type: str
    entity_id: uuid.UUID | None  # None: the id of the created record, from the response
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    json: Any = None
    data: dict[str, str] | None = None
    if_match_of: str | None = None  # read the ETag of this URL and send it in If-Match
    plan_scoped: bool = True
    partial: bool = False  # before/after must contain these fields (creations hold them all)
    status: int = 200


def _create_commitment(client: TestClient, world: World) -> Write:
    return Write(
        "POST",
        f"{API}/plans/{world.plan}/commitments",
        "create",
        "commitment",
        None,
        None,
        {
            "title": {"ja": "演習への参加", "en": "Exercise participation"},
            "progress": 0,
            "status": "planned",
            "lead_party_id": str(world.japan),
        },
        json=commitment_body(world),
        partial=True,
        status=201,
    )


def _update_commitment(client: TestClient, world: World) -> Write:
    commitment_id = make_commitment(world, progress=10)
    url = f"{API}/commitments/{commitment_id}"
    return Write(
        "PATCH",
        url,
        "update",
        "commitment",
        commitment_id,
        {"progress": 10},
        {"progress": 40},
        json={"progress": 40},
        if_match_of=url,
    )


def _cancel_commitment(client: TestClient, world: World) -> Write:
    commitment_id = make_commitment(world)
    url = f"{API}/commitments/{commitment_id}"
    return Write(
        "DELETE",
        url,
        "cancel",
        "commitment",
        commitment_id,
        {"status": "planned"},
        {"status": "cancelled"},
        if_match_of=url,
    )


def _create_milestone(client: TestClient, world: World) -> Write:
    commitment_id = make_commitment(world)
    return Write(
        "POST",
        f"{API}/commitments/{commitment_id}/milestones",
        "create",
        "milestone",
        None,
        None,
        {"commitment_id": str(commitment_id), "position": 0, **KICK_OFF},
        json=KICK_OFF,
        partial=True,
        status=201,
    )


def _update_milestone(client: TestClient, world: World) -> Write:
    milestone_id = milestone_of(make_commitment(world, milestones=[KICK_OFF]))
    url = f"{API}/milestones/{milestone_id}"
    return Write(
        "PATCH",
        url,
        "update",
        "milestone",
        milestone_id,
        {"done_on": None},
        {"done_on": "2026-02-20"},
        json={"done_on": "2026-02-20"},
        if_match_of=url,
    )


def _delete_milestone(client: TestClient, world: World) -> Write:
    milestone_id = milestone_of(make_commitment(world, milestones=[KICK_OFF]))
    url = f"{API}/milestones/{milestone_id}"
    return Write(
        "DELETE",
        url,
        "delete",
        "milestone",
        milestone_id,
        {"position": 0, **KICK_OFF},
        None,
        if_match_of=url,
        partial=True,
        status=204,
    )


def _update_plan(client: TestClient, world: World) -> Write:
    url = f"{API}/plans/{world.plan}"
    new_title = {"ja": "改名した計画", "en": "Renamed plan"}
    return Write(
        "PATCH",
        url,
        "update",
        "plan",
        world.plan,
        {"title": {"ja": "試験計画", "en": "Test plan"}},
        {"title": new_title},
        json={"title": new_title},
        if_match_of=url,
    )


def _create_area(client: TestClient, world: World) -> Write:
    body = {"code": "3.1.3", "short_code": "SPC", "title": {"ja": "宇宙", "en": "Space"}}
    return Write(
        "POST",
        f"{API}/plans/{world.plan}/priority-areas",
        "create",
        "priority_area",
        None,
        None,
        body,
        json=body,
        partial=True,
        status=201,
    )


def _update_area(client: TestClient, world: World) -> Write:
    url = f"{API}/priority-areas/{world.cyber}"
    return Write(
        "PATCH",
        url,
        "update",
        "priority_area",
        world.cyber,
        {"short_code": "CYB"},
        {"short_code": "CYD"},
        json={"short_code": "CYD"},
        if_match_of=url,
    )


def _reorder_areas(client: TestClient, world: World) -> Write:
    return Write(
        "POST",
        f"{API}/plans/{world.plan}/priority-areas/order",
        "reorder_priority_areas",
        "plan",
        world.plan,
        {"order": ["3.1.1", "3.1.2"]},
        {"order": ["3.1.2", "3.1.1"]},
        json={"priority_area_ids": [str(world.maritime), str(world.cyber)]},
    )


def _update_profile(client: TestClient, world: World) -> Write:
    user = me(client)
    return Write(
        "PATCH",
        f"{API}/users/me",
        "update",
        "user",
        uuid.UUID(user["id"]),
        {"display_name": user["display_name"]},
        {"display_name": "田中 健"},
        json={"display_name": "田中 健"},
        if_match_of=f"{API}/users/me",
        plan_scoped=False,
    )


def _create_api_token(client: TestClient, world: World) -> Write:
    body = {"name": "nightly report", "scope": "read", "expires_in_days": 30}
    return Write(
        "POST",
        f"{API}/users/me/tokens",
        "create",
        "access_token",
        None,
        None,
        {"name": "nightly report", "scope": "read"},
        json=body,
        plan_scoped=False,
        partial=True,
        status=201,
    )


def _change_password(client: TestClient, world: World) -> Write:
    user = me(client)
    return Write(
        "POST",
        f"{API}/users/me/password",
        "change_password",
        "user",
        uuid.UUID(user["id"]),
        None,
        None,
        json={"current_password": DEFAULT_PASSWORD, "new_password": "amber kettle orbit mosaic 7"},
        plan_scoped=False,
        status=204,
    )


def _sign_in(client: TestClient, world: World) -> Write:
    user = me(client)
    return Write(
        "POST",
        f"{API}/auth/token",
        "sign_in",
        "user",
        uuid.UUID(user["id"]),
        None,
        None,
        data={"grant_type": "password", "username": user["email"], "password": DEFAULT_PASSWORD},
        plan_scoped=False,
    )


WRITES: dict[str, Callable[[TestClient, World], Write]] = {
    "create commitment": _create_commitment,
    "update commitment": _update_commitment,
    "cancel commitment": _cancel_commitment,
    "create milestone": _create_milestone,
    "update milestone": _update_milestone,
    "delete milestone": _delete_milestone,
    "update plan": _update_plan,
    "create priority area": _create_area,
    "update priority area": _update_area,
    "reorder priority areas": _reorder_areas,
    "update own profile": _update_profile,
    "create API token": _create_api_token,
    "change password": _change_password,
    "sign in": _sign_in,
}


# The agreed content of an active plan (its texts and areas, the existence of its shared
# commitments) changes only by amendment (tests/api/test_amendments.py records those events);
# these direct writes are made on a draft, where the parties' editors make them.
DRAFT_WRITES = frozenset(
    {
        "create commitment",
        "cancel commitment",
        "update plan",
        "create priority area",
        "update priority area",
        "reorder priority areas",
    }
)


def _contains(actual: dict[str, Any] | None, expected: dict[str, Any]) -> bool:
    return actual is not None and all(actual.get(k) == v for k, v in expected.items())


@pytest.mark.parametrize("kind", list(WRITES))
def test_every_write_appends_exactly_one_event_with_who_what_and_the_changed_fields(
    client: TestClient, kind: str
) -> None:
    world = make_world(status=PlanStatus.DRAFT if kind in DRAFT_WRITES else PlanStatus.ACTIVE)
    user = me(client)
    write = WRITES[kind](client, world)
    headers = {"If-Match": etag(client, write.if_match_of)} if write.if_match_of else {}
    start = last_seq()

    response = client.request(
        write.method, write.url, json=write.json, data=write.data, headers=headers
    )

    assert response.status_code == write.status, response.text
    events = stored_events(after_seq=start)
    assert len(events) == 1, [(e.action, e.entity_type) for e in events]
    event = events[0]
    assert event.seq == start + 1
    assert event.actor_user_id == uuid.UUID(user["id"])
    assert event.actor_party_id == world.japan
    assert event.action == write.action
    assert event.entity_type == write.entity_type
    expected_id = write.entity_id or uuid.UUID(response.json()["id"])
    assert event.entity_id == expected_id
    assert event.plan_id == (world.plan if write.plan_scoped else None)
    if write.partial:
        assert (event.before is None) == (write.before is None)
        assert (event.after is None) == (write.after is None)
        if write.before is not None:
            assert _contains(event.before, write.before), event.before
        if write.after is not None:
            assert _contains(event.after, write.after), event.after
    else:
        assert event.before == write.before
        assert event.after == write.after


def test_fields_sent_unchanged_are_not_recorded(client: TestClient) -> None:
    world = make_world()
    commitment_id = make_commitment(world, progress=10)
    url = f"{API}/commitments/{commitment_id}"
    start = last_seq()

    response = client.patch(
        url,
        json={
            "progress": 40,
            "modality": "exercise_participation",
            "lead_party_id": str(world.japan),
        },
        headers={"If-Match": etag(client, url)},
    )

    assert response.status_code == 200, response.text
    [event] = stored_events(after_seq=start)
    assert event.before == {"progress": 10}
    assert event.after == {"progress": 40}


def test_no_secret_reaches_the_audit_log(client: TestClient) -> None:
    make_world()
    new_password = "amber kettle orbit mosaic 7"
    created = client.post(
        f"{API}/users/me/tokens", json={"name": "robot", "scope": "read", "expires_in_days": 5}
    )
    changed = client.post(
        f"{API}/users/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
    )

    assert created.status_code == 201 and changed.status_code == 204
    logged = orjson.dumps([[e.before, e.after] for e in stored_events()]).decode()
    assert created.json()["token"] not in logged
    assert new_password not in logged
    assert DEFAULT_PASSWORD not in logged
    assert "argon2" not in logged


# --- a failed write leaves nothing ----------------------------------------------------------


def test_a_write_breaking_a_rule_leaves_neither_the_change_nor_an_event(
    client: TestClient,
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, progress=10)
    url = f"{API}/commitments/{commitment_id}"
    before = client.get(url).json()
    start = last_seq()

    response = client.patch(
        url, json={"status": "completed", "progress": 50}, headers={"If-Match": before["etag"]}
    )

    assert_problem(response, 422, "rule-violation")
    assert client.get(url).json() == before
    assert stored_events(after_seq=start) == []


def test_a_create_breaking_a_rule_leaves_neither_the_record_nor_an_event(
    client: TestClient,
) -> None:
    world = make_world()
    start = last_seq()

    response = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json=commitment_body(world, lead_organisation_id=str(world.shape)),
    )

    assert_problem(response, 422, "rule-violation")
    with transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Commitment)) == 0
    assert stored_events(after_seq=start) == []


def test_a_write_with_a_stale_if_match_leaves_neither_the_change_nor_an_event(
    client: TestClient,
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, progress=10)
    url = f"{API}/commitments/{commitment_id}"
    stale = etag(client, url)
    assert client.patch(url, json={"progress": 20}, headers={"If-Match": stale}).status_code == 200
    current = client.get(url).json()
    start = last_seq()

    response = client.patch(url, json={"progress": 90}, headers={"If-Match": stale})

    assert_problem(response, 412, "precondition-failed")
    assert client.get(url).json() == current
    assert stored_events(after_seq=start) == []


def test_the_event_and_the_write_commit_or_roll_back_together(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, progress=10)
    url = f"{API}/commitments/{commitment_id}"
    before = client.get(url).json()
    start = last_seq()
    append = audit_service.record

    def append_then_fail(**kwargs: Any) -> AuditEvent:
        append(**kwargs)
        raise RuntimeError("the request fails after its event was appended")

    monkeypatch.setattr(audit_service, "record", append_then_fail)

    response = client.patch(url, json={"progress": 40}, headers={"If-Match": before["etag"]})

    assert_problem(response, 500, "internal-error")
    assert commitment_row(commitment_id).progress == 10
    assert client.get(url).json() == before
    assert stored_events(after_seq=start) == []
    with transaction(write=False) as session:
        assert verify(session=session).ok


# --- reading the log ------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """A world with a known history."""

    world: World
    first: uuid.UUID
    second: uuid.UUID
    colleague: uuid.UUID
    other_plan: uuid.UUID


def tell_story(client: TestClient) -> Story:
    """While the plan is a draft, JP's default editor creates two commitments and updates the
    first twice; a colleague updates the second; the system creates another plan."""
    world = make_world(status=PlanStatus.DRAFT)
    body = commitment_body(world)
    first = uuid.UUID(client.post(f"{API}/plans/{world.plan}/commitments", json=body).json()["id"])
    second = uuid.UUID(client.post(f"{API}/plans/{world.plan}/commitments", json=body).json()["id"])
    for progress in (20, 30):
        url = f"{API}/commitments/{first}"
        updated = client.patch(
            url, json={"progress": progress}, headers={"If-Match": etag(client, url)}
        )
        assert updated.status_code == 200, updated.text
    colleague_id = make_user("JP", "editor", email="colleague@mofa.example")
    colleague = auth_headers_for(colleague_id)
    url = f"{API}/commitments/{second}"
    updated = client.patch(
        url, json={"progress": 50}, headers={**colleague, "If-Match": etag(client, url)}
    )
    assert updated.status_code == 200, updated.text
    with transaction(write=True) as session:
        other = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference="OTHER-PLAN",
                title={"en": "Other plan"},
                party_ids=[world.japan, world.nato],
            ),
        )
    return Story(world, first, second, colleague_id, other.id)


def auth_headers_for(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id)}"}


def events_page(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(EVENTS, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_events_are_filtered_by_entity(client: TestClient) -> None:
    story = tell_story(client)

    items = events_page(client, entity_type="commitment", entity_id=story.first)["items"]

    assert [(e["action"], e["entity_id"]) for e in items] == [
        ("update", str(story.first)),
        ("update", str(story.first)),
        ("create", str(story.first)),
    ]
    assert [e["after"] for e in items[:2]] == [{"progress": 30}, {"progress": 20}]
    plans = events_page(client, entity_type="plan")["items"]
    assert plans and {e["entity_type"] for e in plans} == {"plan"}
    assert str(story.other_plan) in {e["entity_id"] for e in plans}


def test_events_are_filtered_by_actor(client: TestClient) -> None:
    story = tell_story(client)

    items = events_page(client, actor_user_id=story.colleague)["items"]

    assert len(items) == 1
    assert items[0]["entity_id"] == str(story.second)
    assert items[0]["actor_user_id"] == str(story.colleague)
    assert items[0]["actor_name"] == "JP editor"
    assert items[0]["after"] == {"progress": 50}


def test_events_are_filtered_by_plan(client: TestClient) -> None:
    story = tell_story(client)
    everything = events_page(client, limit=200)["items"]

    items = events_page(client, plan_id=story.world.plan, limit=200)["items"]

    assert str(story.other_plan) in {e["plan_id"] for e in everything}
    assert items
    assert {e["plan_id"] for e in items} == {str(story.world.plan)}
    assert len(items) == len([e for e in everything if e["plan_id"] == str(story.world.plan)])


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def test_events_are_filtered_by_time(client: TestClient) -> None:
    story = tell_story(client)
    history = events_page(client, entity_id=story.first)["items"]
    created, first_update = history[2], history[1]
    moment = first_update["occurred_at"]

    since = events_page(client, since=moment, limit=200)["items"]
    until = events_page(client, until=moment, limit=200)["items"]

    assert first_update["id"] in {e["id"] for e in since}
    assert created["id"] not in {e["id"] for e in since}
    assert all(at(e) >= at(first_update) for e in since)
    assert created["id"] in {e["id"] for e in until}
    assert first_update["id"] not in {e["id"] for e in until}
    assert all(at(e) < at(first_update) for e in until)
    assert len(since) + len(until) == len(events_page(client, limit=200)["items"])


def test_events_are_paginated_newest_first(client: TestClient) -> None:
    tell_story(client)
    everything = events_page(client, limit=200)
    assert everything["next_cursor"] is None

    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        page = events_page(client, **params)
        pages.append(page["items"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    seqs = [e["seq"] for page in pages for e in page]
    assert seqs == [e["seq"] for e in everything["items"]]
    assert seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == len(seqs)
    assert all(len(page) == 3 for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= 3
    assert len(pages) > 2


def test_a_damaged_cursor_is_refused_with_400(client: TestClient) -> None:
    make_world()
    response = client.get(EVENTS, params={"cursor": "not-a-cursor"})
    assert_problem(response, 400, "invalid-cursor")


def test_a_commitments_history_lists_its_own_events_newest_first(client: TestClient) -> None:
    story = tell_story(client)

    response = client.get(f"{API}/commitments/{story.first}/history")

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [e["action"] for e in items] == ["update", "update", "create"]
    assert {e["entity_id"] for e in items} == {str(story.first)}
    assert [e["seq"] for e in items] == sorted((e["seq"] for e in items), reverse=True)


def test_another_partys_internal_records_leave_no_trace_in_the_log(client: TestClient) -> None:
    world = make_world()
    internal = make_commitment(
        world,
        lead_party_id=world.nato,
        lead_organisation_id=world.shape,
        visibility="internal",
    )
    nato = auth_headers("NATO", "editor")

    japan_sees = events_page(client, limit=200)["items"]
    japan_history = client.get(f"{API}/commitments/{internal}/history")
    nato_sees = client.get(EVENTS, params={"entity_id": str(internal)}, headers=nato)

    assert str(internal) not in {e["entity_id"] for e in japan_sees}
    assert_problem(japan_history, 404, "not-found")
    assert [e["entity_id"] for e in nato_sees.json()["items"]] == [str(internal)]


# --- verifying the chain --------------------------------------------------------------------


def make_history() -> int:
    """A world and two commitments: a chain of a few events. Returns how many."""
    world = make_world()
    make_commitment(world)
    make_commitment(world)
    count = last_seq()
    assert count >= 5
    return count


def run_verify(db: Database) -> Any:
    return CliRunner().invoke(cli, ["audit", "verify"], env={"ITPP_DATABASE_URL": db.url})


def raw(db: Database, *statements: tuple[str, dict[str, Any]]) -> None:
    """Run SQL straight against the database, in one transaction, as a tamperer would."""
    with db.engine.begin() as connection:
        for statement, params in statements:
            connection.execute(text(statement), params)


def edit_after(db: Database, seq: int, after: dict[str, Any]) -> None:
    value = "CAST(:after AS JSONB)" if db.name == "postgresql" else ":after"
    raw(
        db,
        (
            f'UPDATE audit_event SET "after" = {value} WHERE seq = :seq',
            {"after": orjson.dumps(after).decode(), "seq": seq},
        ),
    )


def swap(db: Database, one: int, other: int) -> None:
    raw(
        db,
        ("UPDATE audit_event SET seq = -1 WHERE seq = :seq", {"seq": one}),
        ("UPDATE audit_event SET seq = :new WHERE seq = :seq", {"new": one, "seq": other}),
        ("UPDATE audit_event SET seq = :new WHERE seq = -1", {"new": other}),
    )


def test_verify_passes_on_an_intact_chain(db: Database) -> None:
    count = make_history()

    result = run_verify(db)

    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {count} events verified." in result.output


def test_verify_names_the_event_whose_content_was_edited(db: Database) -> None:
    make_history()
    edit_after(db, 3, {"code": "9.9.9"})

    result = run_verify(db)

    assert result.exit_code == 1
    assert "BROKEN at event 3" in result.output
    assert "changed" in result.output


def test_verify_names_a_deleted_event_in_the_middle(db: Database) -> None:
    make_history()
    raw(db, ("DELETE FROM audit_event WHERE seq = :seq", {"seq": 3}))

    result = run_verify(db)

    assert result.exit_code == 1
    assert "BROKEN at event 3" in result.output


def test_verify_names_a_deleted_last_event(db: Database) -> None:
    count = make_history()
    raw(db, ("DELETE FROM audit_event WHERE seq = :seq", {"seq": count}))

    result = run_verify(db)

    assert result.exit_code == 1
    assert f"BROKEN at event {count}" in result.output


def test_verify_names_reordered_events(db: Database) -> None:
    make_history()
    swap(db, 2, 3)

    result = run_verify(db)

    assert result.exit_code == 1
    assert "BROKEN at event 2" in result.output


def test_verify_function_reports_an_intact_chain_and_its_length(db: Database) -> None:
    count = make_history()

    with transaction(write=False) as session:
        result = verify(session=session)

    assert result.ok
    assert result.checked == count
    assert result.broken_seq is None


def test_verify_function_accepts_an_empty_log(db: Database) -> None:
    with transaction(write=False) as session:
        result = verify(session=session)
    assert result.ok
    assert result.checked == 0


def test_verify_function_reports_an_edited_event(db: Database) -> None:
    make_history()
    edit_after(db, 4, {"title": {"en": "Forged"}})

    with transaction(write=False) as session:
        result = verify(session=session)

    assert not result.ok
    assert result.broken_seq == 4
    assert result.checked == 3


def test_verify_function_catches_an_edit_whose_hash_was_recomputed(db: Database) -> None:
    make_history()
    with transaction(write=True) as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
        event.after = {"code": "9.9.9"}
        event.hash = compute_hash(event)
        session.add(event)

    with transaction(write=False) as session:
        result = verify(session=session)

    # The forged event is self-consistent, but its successor still names the original.
    assert not result.ok
    assert result.broken_seq == 4


def test_verify_function_reports_reordered_and_deleted_events(db: Database) -> None:
    count = make_history()
    swap(db, 4, 5)
    with transaction(write=False) as session:
        reordered = verify(session=session)
    swap(db, 4, 5)
    raw(db, ("DELETE FROM audit_event WHERE seq = :seq", {"seq": count}))
    with transaction(write=False) as session:
        truncated = verify(session=session)

    assert not reordered.ok
    assert reordered.broken_seq == 4
    assert not truncated.ok
    assert truncated.broken_seq == count
    assert truncated.checked == count - 1


def test_a_page_is_full_however_many_newer_events_the_reader_may_not_see(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    shared = {str(make_commitment(world)) for _ in range(3)}
    # More hidden events in a row than one window examines for a page of 2 (list_events).
    hidden = {
        str(make_commitment(world, lead_party_id=world.nato, visibility="internal"))
        for _ in range(audit_service.WINDOW_PER_EVENT * 3 + 3)
    }

    def pages(limit: int) -> list[list[str]]:
        found: list[list[str]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"plan_id": str(world.plan), "limit": limit}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/api/v1/audit-events", params=params)
            assert response.status_code == 200, response.text
            found.append([e["entity_id"] for e in response.json()["items"]])
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return found

    small = pages(2)
    assert len(small[0]) == 2  # Japan's newest events, from behind NATO's internal ones
    in_pages = [entity for page in small for entity in page]
    assert in_pages == [entity for page in pages(100) for entity in page]
    assert shared <= set(in_pages) and not hidden & set(in_pages)


def test_no_audited_column_is_a_secret() -> None:
    """An audit event shows every column of a record but those its model leaves out
    (`__unaudited__`, audit.audited): a new column holding a secret — a password's hash, a
    signing secret, a second factor's seed, a token — must be left out too, or every reader of
    the log sees it. These are the records whose events show their columns."""
    from itpp_api.attachments.models import Attachment
    from itpp_api.auth.models import User
    from itpp_api.comments.models import Comment
    from itpp_api.exchanges.models import Exchange
    from itpp_api.parties.models import Organisation
    from itpp_api.plans.models import Plan, PriorityArea
    from itpp_api.reviews.models import ReviewAssessment, ReviewCycle, ReviewSignOff
    from itpp_api.updates.models import ProgressUpdate
    from itpp_api.webhooks.models import WebhookEndpoint

    models = [
        Attachment, Comment, Commitment, Exchange, Milestone, Organisation, Plan, PriorityArea,
        ProgressUpdate, ReviewAssessment, ReviewCycle, ReviewSignOff, User, WebhookEndpoint,
    ]  # fmt: skip
    secret_like = ("secret", "hash", "password", "token", "totp")
    exposed = [
        f"{model.__name__}.{name}"
        for model in models
        for name in audit_service.audited_fields(model)
        if any(word in name for word in secret_like)
    ]
    assert exposed == [], exposed
    # Taking a secret out of the list is what the test would catch.
    assert "password_hash" in {column.key for column in User.__table__.columns}  # type: ignore[attr-defined]
