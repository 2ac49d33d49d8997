"""Deleting a draft that never came into force (deletePlan): softly, by a writer of one of its
parties, with If-Match; gone from every read and list afterwards, kept in the audit log; refused
for any plan that was ever in force, an abandoned draft and a draft awaiting approval."""

import uuid
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan
from tests.conftest import Database
from tests.factories import (
    World,
    auth_headers,
    bring_into_force,
    make_commitment,
    make_world,
    record_as_operator,
)

API = "/api/v1"
PROBLEM = "application/problem+json"


@pytest.fixture
def world(client: TestClient) -> World:
    # The default signed-in Japan editor first (it makes party JP), then the world's plan.
    assert client.get(f"{API}/plans").status_code == 200
    return make_world()


def new_draft(client: TestClient, world: World, reference: str = "JP-NATO-QUOKKA") -> uuid.UUID:
    """A draft through the API (as Japan's editor) with an area and a commitment."""
    response = client.post(
        f"{API}/plans",
        json={
            "reference": reference,
            "title": {"ja": "クオッカ協力計画", "en": "Quokka cooperation plan"},
            "party_ids": [str(world.japan), str(world.nato)],
            "term_months": 48,
            "review_interval_months": 24,
        },
    )
    assert response.status_code == 201, response.text
    plan_id = uuid.UUID(response.json()["id"])
    area = client.post(
        f"{API}/plans/{plan_id}/priority-areas",
        json={"code": "1", "short_code": "QKA", "title": {"en": "Quokka watch", "ja": "観察"}},
    )
    assert area.status_code == 201, area.text
    make_commitment(
        replace(world, plan=plan_id),
        priority_area_id=area.json()["id"],
        title={"en": "Quokka census", "ja": "クオッカ調査"},
    )
    return plan_id


def read(client: TestClient, plan_id: uuid.UUID, **headers: str) -> dict[str, Any]:
    response = client.get(f"{API}/plans/{plan_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def delete(client: TestClient, plan_id: uuid.UUID, etag: str | None, **headers: str) -> Any:
    if etag is not None:
        headers["If-Match"] = etag
    return client.delete(f"{API}/plans/{plan_id}", headers=headers)


def assert_problem(response: Any, status: int, problem_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type
    return body


def test_a_deleted_draft_leaves_every_read_and_list_and_stays_in_the_audit_log(
    client: TestClient, world: World, db: Database
) -> None:
    plan_id = new_draft(client, world)
    before = read(client, plan_id)
    assert "delete" in before["allowed_actions"]
    nato_viewer = auth_headers("NATO", "viewer")
    with transaction(write=True) as session:
        session.add(Party(code="KR", name={"en": "Korea", "ja": "韓国"}))
    outsider = auth_headers("KR", "editor")

    # If-Match is required and must be current; a viewer may not; an outsider sees nothing.
    assert_problem(delete(client, plan_id, None), 428, "/problems/precondition-required")
    assert_problem(delete(client, plan_id, '"stale"'), 412, "/problems/precondition-failed")
    assert_problem(
        delete(client, plan_id, before["etag"], **auth_headers("JP", "viewer")),
        403,
        "/problems/forbidden",
    )
    assert_problem(delete(client, plan_id, before["etag"], **outsider), 404, "/problems/not-found")

    assert delete(client, plan_id, before["etag"]).status_code == 204

    # Reads answer exactly like a plan that never existed, for both its parties.
    for headers in ({}, nato_viewer):
        gone = client.get(f"{API}/plans/{plan_id}", headers=headers)
        assert_problem(gone, 404, "/problems/not-found")
        never = uuid.uuid4()
        nothing = client.get(f"{API}/plans/{never}", headers=headers).json()
        assert {**gone.json(), "instance": None} == {
            **nothing,
            "detail": nothing["detail"].replace(str(never), str(plan_id)),
            "instance": None,
        }
        for path in ("dashboard", "commitments", "priority-areas", "versions", "amendments"):
            assert_problem(
                client.get(f"{API}/plans/{plan_id}/{path}", headers=headers),
                404,
                "/problems/not-found",
            )
    assert_problem(delete(client, plan_id, before["etag"]), 404, "/problems/not-found")

    # Lists: plans, portfolio, search, inbox.
    references = [p["reference"] for p in client.get(f"{API}/plans").json()["items"]]
    assert references == ["TEST-PLAN"]
    for headers in ({}, nato_viewer):
        portfolio = client.get(f"{API}/portfolio", headers=headers).json()["items"]
        assert [p["reference"] for p in portfolio] == ["TEST-PLAN"]
        for q in ("Quokka", "JP-NATO-QUOKKA", "クオッカ"):
            found = client.get(f"{API}/search", params={"q": q}, headers=headers)
            assert found.status_code == 200, found.text
            assert found.json()["items"] == []
        inbox = client.get(f"{API}/users/me/inbox", headers=headers)
        assert inbox.status_code == 200, inbox.text
        assert str(plan_id) not in inbox.text

    # Its records are kept, and the deletion is an event of the plan its parties still read.
    with transaction(write=False) as session:
        kept = session.get(Plan, plan_id)
        assert kept is not None and kept.deleted_at is not None
        assert kept.status == PlanStatus.DRAFT.value
    events = client.get(
        f"{API}/audit-events", params={"entity_type": "plan", "entity_id": str(plan_id)}
    )
    assert events.status_code == 200, events.text
    actions = [event["action"] for event in events.json()["items"]]
    assert actions[0] == "delete"
    assert "create" in actions
    outsiders_events = client.get(
        f"{API}/audit-events", params={"entity_id": str(plan_id)}, headers=outsider
    )
    assert outsiders_events.json()["items"] == []


def test_the_other_partys_editor_may_delete_the_shared_draft(
    client: TestClient, world: World, db: Database
) -> None:
    plan_id = new_draft(client, world)
    nato_editor = auth_headers("NATO", "editor")
    etag = read(client, plan_id, **nato_editor)["etag"]
    assert delete(client, plan_id, etag, **nato_editor).status_code == 204
    assert_problem(client.get(f"{API}/plans/{plan_id}"), 404, "/problems/not-found")


def test_a_plan_that_was_ever_in_force_is_never_deleted(
    client: TestClient, world: World, db: Database
) -> None:
    # In force, then terminated.
    active = read(client, world.plan)
    assert "delete" not in active["allowed_actions"]
    body = assert_problem(
        delete(client, world.plan, active["etag"]), 409, "/problems/plan-not-deletable"
    )
    assert "TEST-PLAN" in body["detail"]
    for status in (PlanStatus.TERMINATED,):
        record_as_operator(world.plan, status=status)
        ended = read(client, world.plan)
        assert "delete" not in ended["allowed_actions"]
        assert_problem(
            delete(client, world.plan, ended["etag"]), 409, "/problems/plan-not-deletable"
        )
    assert read(client, world.plan)["reference"] == "TEST-PLAN"

    # A draft brought into force by both parties.
    plan_id = new_draft(client, world)
    bring_into_force(plan_id)
    in_force = read(client, plan_id)
    assert in_force["status"] == "active"
    assert_problem(delete(client, plan_id, in_force["etag"]), 409, "/problems/plan-not-deletable")
    # And once superseded (as a renewal leaves it).
    record_as_operator(plan_id, status=PlanStatus.SUPERSEDED)
    superseded = read(client, plan_id)
    assert superseded["status"] == "superseded"
    assert "delete" not in superseded["allowed_actions"]
    assert_problem(delete(client, plan_id, superseded["etag"]), 409, "/problems/plan-not-deletable")


def test_an_abandoned_draft_stays_on_record(client: TestClient, world: World, db: Database) -> None:
    plan_id = new_draft(client, world)
    etag = read(client, plan_id)["etag"]
    abandoned = client.patch(
        f"{API}/plans/{plan_id}", json={"status": "terminated"}, headers={"If-Match": etag}
    )
    assert abandoned.status_code == 200, abandoned.text
    assert "delete" not in abandoned.json()["allowed_actions"]
    assert_problem(
        delete(client, plan_id, abandoned.json()["etag"]), 409, "/problems/plan-not-deletable"
    )


def test_a_draft_awaiting_approval_is_deleted_only_once_the_proposal_is_withdrawn(
    client: TestClient, world: World, db: Database
) -> None:
    plan_id = new_draft(client, world)
    proposed = client.post(
        f"{API}/plans/{plan_id}/amendments",
        json={
            "title": {"en": "Coming into force", "ja": "発効"},
            "rationale": {"en": "Negotiated.", "ja": "交渉済み。"},
            "changes": [{"op": "bring_into_force", "approval_date": "2026-12-01"}],
        },
    )
    assert proposed.status_code == 201, proposed.text
    waiting = read(client, plan_id)
    assert "delete" not in waiting["allowed_actions"]
    listed = client.get(f"{API}/plans").json()["items"]
    assert "delete" not in next(p for p in listed if p["id"] == str(plan_id))["allowed_actions"]
    body = assert_problem(
        delete(client, plan_id, waiting["etag"]), 409, "/problems/plan-not-deletable"
    )
    assert "withdraw" in body["detail"]

    withdrawn = client.post(f"{API}/amendments/{proposed.json()['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    again = read(client, plan_id)
    assert "delete" in again["allowed_actions"]
    assert delete(client, plan_id, again["etag"]).status_code == 204
    # The amendment went with its plan.
    assert_problem(
        client.get(f"{API}/amendments/{proposed.json()['id']}"), 404, "/problems/not-found"
    )


def test_a_deleted_draft_is_not_a_predecessor(
    client: TestClient, world: World, db: Database
) -> None:
    plan_id = new_draft(client, world)
    assert delete(client, plan_id, read(client, plan_id)["etag"]).status_code == 204
    response = client.post(
        f"{API}/plans",
        json={
            "reference": "JP-NATO-NEXT",
            "title": {"ja": "次期計画", "en": "Next plan"},
            "party_ids": [str(world.japan), str(world.nato)],
            "predecessor_id": str(plan_id),
        },
    )
    assert_problem(response, 422, "/problems/rule-violation")
