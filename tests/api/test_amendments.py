"""Amendments by mutual consent and the plan lifecycle (issue 5, items 1 and 3; issue 13).

Once a plan is active, what the parties agreed — title, sections, objectives, term, review
interval, approval date, priority areas, shared commitments, and the plan's end — changes only
through an amendment that every party's approver has approved; delivery (commitment status,
progress, milestones, a party's internal commitments) stays directly editable. A draft is
edited directly, and comes into force only by every party's consent.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from itpp_api.amendments.schemas import AmendmentPublic
from itpp_api.audit.models import AuditEvent
from itpp_api.audit.service import verify
from itpp_api.clock import add_months, today
from itpp_api.commitments.models import Commitment
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan, PlanVersion
from tests.conftest import Database
from tests.factories import (
    World,
    agree,
    auth_headers,
    commitment_body,
    make_amendment,
    make_commitment,
    make_world,
    record_as_operator,
)

API = "/api/v1"
PROBLEM = "application/problem+json"


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """Callers of every kind; the client's default caller is a JP editor."""

    jp_approver: dict[str, str]
    nato_approver: dict[str, str]
    nato_editor: dict[str, str]
    jp_viewer: dict[str, str]
    aus_approver: dict[str, str]


def people() -> People:
    with transaction(write=True) as session:
        if session.scalars(select(Party).where(Party.code == "AUS")).first() is None:
            session.add(Party(code="AUS", name={"en": "Australia"}))
    return People(
        jp_approver=auth_headers("JP", "approver"),
        nato_approver=auth_headers("NATO", "approver"),
        nato_editor=auth_headers("NATO", "editor"),
        jp_viewer=auth_headers("JP", "viewer"),
        aus_approver=auth_headers("AUS", "approver"),
    )


def assert_problem(response: Any, status: int, problem_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type, body
    return body


def text(en: str) -> dict[str, str]:
    return {"en": en, "ja": f"{en}（日本語）"}


def amendment_body(changes: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": text("Adjust the cyber programme"),
        "rationale": text("Recommended by the first joint review."),
        "changes": changes,
    }
    body.update(overrides)
    return body


def propose(client: TestClient, world: World, changes: list[dict[str, Any]], **kw: Any) -> Any:
    return client.post(f"{API}/plans/{world.plan}/amendments", json=amendment_body(changes), **kw)


def proposed(client: TestClient, world: World, changes: list[dict[str, Any]]) -> dict[str, Any]:
    response = propose(client, world, changes)
    assert response.status_code == 201, response.text
    return dict(response.json())


def decide(client: TestClient, amendment_id: str, headers: dict[str, str], decision: str) -> Any:
    return client.post(
        f"{API}/amendments/{amendment_id}/approvals", json={"decision": decision}, headers=headers
    )


def approve_by_all(client: TestClient, amendment_id: str, who: People) -> dict[str, Any]:
    assert decide(client, amendment_id, who.jp_approver, "approve").status_code == 200
    response = decide(client, amendment_id, who.nato_approver, "approve")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "applied", body
    return body


def versions(plan_id: uuid.UUID) -> list[int]:
    with transaction(write=False) as session:
        return sorted(
            session.scalars(select(PlanVersion.number).where(PlanVersion.plan_id == plan_id))
        )


def event_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def plan(client: TestClient, plan_id: uuid.UUID | str) -> dict[str, Any]:
    return dict(client.get(f"{API}/plans/{plan_id}").json())


def patch(client: TestClient, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, json=body, headers={"If-Match": client.get(url).headers["ETag"]})


def due_date_change(commitment_id: uuid.UUID, due: str = "2027-06-30") -> dict[str, Any]:
    return {
        "op": "modify_commitment",
        "commitment_id": str(commitment_id),
        "changes": {"due_date": due},
    }


def add_commitment(world: World, **overrides: Any) -> dict[str, Any]:
    commitment = {
        "priority_area_id": str(world.cyber),
        "title": text("Cyber range exercise"),
        "modality": "exercise_participation",
        "lead_party_id": str(world.nato),
        "lead_organisation_id": str(world.shape),
        "due_date": "2027-03-31",
    }
    commitment.update(overrides)
    return {"op": "add_commitment", "commitment": commitment}


# --- lifecycle: the agreed content of an active plan --------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"title": {"en": "Renamed"}},
        {"sections": [{"number": "1.1", "body": {"en": "New text"}}]},
        {"objectives": [{"en": "A new objective"}]},
        {"term_months": 36},
        {"review_interval_months": 6},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_agreed_content_of_an_active_plan_is_refused_with_409_pointing_to_amendments(
    client: TestClient, db: Database, change: dict[str, Any]
) -> None:
    world = make_world()
    url = f"{API}/plans/{world.plan}"
    before = plan(client, world.plan)

    response = patch(client, url, change)

    body = assert_problem(response, 409, "/problems/amendment-required")
    assert "amendment" in body["detail"]
    assert f"/api/v1/plans/{world.plan}/amendments" in body["detail"]
    assert plan(client, world.plan) == before


def test_priority_areas_of_an_active_plan_are_refused_with_409_pointing_to_amendments(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    areas = f"{API}/plans/{world.plan}/priority-areas"
    before = client.get(areas).json()
    attempts = {
        "create": client.post(
            areas, json={"code": "3.1.3", "short_code": "HAD", "title": {"en": "HADR"}}
        ),
        "update": patch(client, f"{API}/priority-areas/{world.cyber}", {"title": {"en": "X"}}),
        "reorder": client.post(
            f"{areas}/order",
            json={"priority_area_ids": [str(world.maritime), str(world.cyber)]},
        ),
    }
    for name, response in attempts.items():
        body = assert_problem(response, 409, "/problems/amendment-required")
        assert "amendment" in body["detail"], name
    assert client.get(areas).json() == before


def test_an_active_plan_keeps_delivery_direct_and_takes_its_approval_date_and_end_by_consent(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, milestones=[{"title": {"en": "Step"}}])
    url = f"{API}/plans/{world.plan}"
    before = plan(client, world.plan)
    # The same value is no change.
    assert patch(client, url, {"title": before["title"]}).status_code == 200
    # Delivery stays with the parties' editors, and so do a party's own (internal) commitments.
    commitment_url = f"{API}/commitments/{commitment_id}"
    assert patch(client, commitment_url, {"status": "in_progress", "progress": 40}).is_success
    milestone = client.get(commitment_url).json()["milestones"][0]
    done = patch(client, f"{API}/milestones/{milestone['id']}", {"done_on": "2026-10-01"})
    assert done.status_code == 200, done.text
    created = client.post(
        f"{API}/plans/{world.plan}/commitments", json=commitment_body(world, visibility="internal")
    )
    assert created.status_code == 201, created.text
    # The approval date and the plan's end are agreed: each is refused with the change set
    # every party would have to approve.
    approval = (today() - timedelta(days=100)).isoformat()
    moved = assert_problem(
        patch(client, url, {"approval_date": approval}), 409, "/problems/amendment-required"
    )
    assert moved["agreed_fields"] == ["approval_date"]
    assert moved["proposal"]["changes"] == [
        {"op": "change_approval_date", "approval_date": approval}
    ]
    ended = assert_problem(
        patch(client, url, {"status": "terminated"}), 409, "/problems/amendment-required"
    )
    assert ended["agreed_fields"] == ["status"]
    assert [op["op"] for op in ended["proposal"]["changes"]] == ["terminate"]
    after = plan(client, world.plan)
    assert (after["status"], after["approval_date"]) == ("active", before["approval_date"])
    # With every party's consent, the plan ends.
    agree(world.plan, ended["proposal"]["changes"])
    assert plan(client, world.plan)["status"] == "terminated"


def test_a_draft_is_changed_directly_and_takes_only_its_coming_into_force(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    who = people()
    url = f"{API}/plans/{world.plan}"
    assert patch(client, url, {"term_months": 36}).status_code == 200
    response = propose(client, world, [{"op": "change_term", "term_months": 12}])
    body = assert_problem(response, 422, "/problems/rule-violation")
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "changes", 0, "op"], "draft_plan")
    ]
    assert "draft" in body["detail"]
    # Coming into force is refused directly and offered as the draft's one amendment.
    refused = assert_problem(
        patch(client, url, {"status": "active"}), 409, "/problems/amendment-required"
    )
    assert refused["agreed_fields"] == ["status"]
    assert [op["op"] for op in refused["proposal"]["changes"]] == ["bring_into_force"]
    entry = proposed(client, world, refused["proposal"]["changes"])
    assert entry["kind"] == "entry_into_force"
    assert decide(client, entry["id"], who.jp_approver, "approve").status_code == 200
    assert plan(client, world.plan)["status"] == "draft"

    assert approve_by_all(client, entry["id"], who)["applied_version"] == 1

    in_force = plan(client, world.plan)
    assert (in_force["status"], in_force["term_months"]) == ("active", 36)
    assert versions(world.plan) == [1]


def close(world: World, status: str) -> None:
    """End the world's plan as plans end: superseded by its renewal or terminated, each by every
    party's consent; or expired when its term ran out (recorded here as the operator would, by
    an approval date long past)."""
    if status == "superseded":
        agree(world.plan, [{"op": "renew", "reference": "SUCCESSOR"}])
    elif status == "terminated":
        agree(world.plan, [{"op": "terminate"}])
    else:
        record_as_operator(world.plan, approval_date=date(2000, 1, 1))


@pytest.mark.parametrize("closed", ["superseded", "terminated", "expired"])
def test_a_closed_plan_takes_no_amendment_and_only_an_expired_one_a_renewal(
    client: TestClient, db: Database, closed: str
) -> None:
    world = make_world()
    who = people()
    pending = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    close(world, closed)
    assert plan(client, world.plan)["status"] == closed

    body = assert_problem(
        propose(client, world, [{"op": "change_term", "term_months": 30}]),
        409,
        "/problems/plan-closed",
    )
    assert f"is {closed}" in body["detail"]
    # An amendment proposed before the plan closed cannot apply either.
    assert_problem(
        decide(client, str(pending), who.jp_approver, "approve"), 409, "/problems/plan-closed"
    )
    renewal = propose(client, world, [{"op": "renew", "reference": "NEXT-PLAN"}])
    if closed == "expired":
        assert renewal.status_code == 201, renewal.text
    else:
        assert_problem(renewal, 409, "/problems/plan-closed")


# --- proposing ----------------------------------------------------------------------------------


def test_proposing_records_the_change_set_against_the_current_version(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(world)
    changes = [add_commitment(world), due_date_change(commitment_id)]

    response = propose(client, world, changes)

    assert response.status_code == 201, response.text
    body = response.json()
    AmendmentPublic.model_validate(body)
    assert response.headers["Location"] == f"/api/v1/amendments/{body['id']}"
    assert response.headers["ETag"] == body["etag"]
    assert body["number"] == 1
    assert body["status"] == "proposed"
    assert body["base_version"] == body["current_version"] == 1
    assert body["is_outdated"] is False
    assert body["changes"] == changes
    assert body["proposing_party_id"] == str(world.japan)
    assert body["proposed_by_name"] == "JP editor"
    assert [(d["party_code"], d["decision"]) for d in body["decisions"]] == [
        ("JP", "pending"),
        ("NATO", "pending"),
    ]
    assert client.get(response.headers["Location"]).json() == body
    # Nothing changes until every party approves.
    assert versions(world.plan) == [1]
    assert len(client.get(f"{API}/plans/{world.plan}/commitments").json()["items"]) == 1
    second = proposed(
        client, world, [{"op": "change_review_interval", "review_interval_months": 6}]
    )
    assert second["number"] == 2
    listed = client.get(f"{API}/plans/{world.plan}/amendments").json()
    assert [a["number"] for a in listed["items"]] == [2, 1]
    only = client.get(f"{API}/plans/{world.plan}/amendments", params={"status": "applied"})
    assert only.json()["items"] == []


def test_the_amendment_list_pages_with_a_cursor(client: TestClient, db: Database) -> None:
    world = make_world()
    for _ in range(3):
        make_amendment(world, [{"op": "change_review_interval", "review_interval_months": 12}])
    url = f"{API}/plans/{world.plan}/amendments"
    first = client.get(url, params={"limit": 2}).json()
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [a["number"] for a in first["items"] + second["items"]] == [3, 2, 1]
    assert second["next_cursor"] is None
    assert_problem(client.get(url, params={"cursor": "bad"}), 400, "/problems/invalid-cursor")


def invalid_change_sets(world: World, other: dict[str, uuid.UUID]) -> dict[str, Any]:
    """name → (change set, index of the bad operation, error type)."""
    live = other["live"]
    return {
        "unknown commitment": ([due_date_change(uuid.uuid4())], 0, "unknown_commitment"),
        "commitment of another plan": (
            [{"op": "retire_commitment", "commitment_id": str(other["foreign"])}],
            0,
            "unknown_commitment",
        ),
        "another party's internal commitment": (
            [due_date_change(other["nato_internal"])],
            0,
            "unknown_commitment",
        ),
        "own internal commitment": (
            [due_date_change(other["jp_internal"])],
            0,
            "internal_commitment",
        ),
        "cancelled commitment": (
            [{"op": "retire_commitment", "commitment_id": str(other["cancelled"])}],
            0,
            "commitment_not_live",
        ),
        "unknown area": (
            [add_commitment(world, priority_area_id=str(uuid.uuid4()))],
            0,
            "unknown_priority_area",
        ),
        "organisation of another party": (
            [add_commitment(world, lead_organisation_id=str(world.mofa))],
            0,
            "organisation_of_other_party",
        ),
        "reference in use": (
            [add_commitment(world, reference="CYB-01")],
            0,
            "reference_in_use",
        ),
        "area code in use": (
            [
                {"op": "change_term", "term_months": 30},
                {
                    "op": "add_priority_area",
                    "priority_area": {"code": "3.1.2", "short_code": "NEW", "title": text("X")},
                },
            ],
            1,
            "area_code_in_use",
        ),
        "retiring an area with live commitments": (
            [{"op": "retire_priority_area", "priority_area_id": str(world.cyber)}],
            0,
            "priority_area_in_use",
        ),
        "a commitment under an area the change set retires": (
            [
                {"op": "retire_priority_area", "priority_area_id": str(world.maritime)},
                add_commitment(world, priority_area_id=str(world.maritime)),
            ],
            1,
            "retired_priority_area",
        ),
        "interval longer than the term": (
            [{"op": "change_review_interval", "review_interval_months": 30}],
            0,
            "interval_longer_than_term",
        ),
        "a term already over": (
            [{"op": "change_term", "term_months": 1}],
            0,
            "term_already_over",
        ),
        "renewal with other operations": (
            [{"op": "change_term", "term_months": 30}, {"op": "renew", "reference": "NEXT"}],
            1,
            "operation_not_alone",
        ),
        "termination with other operations": (
            [{"op": "change_term", "term_months": 30}, {"op": "terminate"}],
            1,
            "operation_not_alone",
        ),
        "coming into force of a plan in force": (
            [{"op": "bring_into_force", "approval_date": "2026-01-01"}],
            0,
            "not_a_draft",
        ),
        "renewal to a reference in use": (
            [{"op": "renew", "reference": "TEST-PLAN"}],
            0,
            "reference_in_use",
        ),
        "moving a commitment to an unknown area": (
            [
                {
                    "op": "modify_commitment",
                    "commitment_id": str(live),
                    "changes": {"priority_area_id": str(uuid.uuid4())},
                }
            ],
            0,
            "unknown_priority_area",
        ),
        "a due date before the start": (
            [due_date_change(live, "2025-01-01")],
            0,
            "dates_out_of_order",
        ),
    }


def test_each_invalid_change_set_is_422_naming_the_operation_and_nothing_is_recorded(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    nato = people().nato_editor
    live = make_commitment(world, reference="CYB-01", start_date=date(2026, 1, 1))
    cancelled = make_commitment(world, status="cancelled")
    jp_internal = make_commitment(world, visibility="internal")
    nato_internal = make_commitment(world, visibility="internal", lead_party_id=world.nato)
    other_plan = client.post(
        f"{API}/plans",
        json={
            "reference": "OTHER",
            "title": {"en": "Other"},
            "party_ids": [str(world.japan), str(world.nato)],
        },
    ).json()
    area = client.post(
        f"{API}/plans/{other_plan['id']}/priority-areas",
        json={"code": "1", "short_code": "ONE", "title": {"en": "One"}},
    ).json()
    foreign = client.post(
        f"{API}/plans/{other_plan['id']}/commitments",
        json=commitment_body(world, priority_area_id=area["id"], lead_organisation_id=None),
    ).json()["id"]
    cases = invalid_change_sets(
        world,
        {
            "live": live,
            "cancelled": cancelled,
            "jp_internal": jp_internal,
            "nato_internal": nato_internal,
            "foreign": uuid.UUID(foreign),
        },
    )
    for name, (changes, index, kind) in cases.items():
        response = propose(client, world, changes)
        body = assert_problem(response, 422, "/problems/rule-violation")
        errors = body["errors"]
        assert [e["loc"][:3] for e in errors] == [["body", "changes", index]], (name, errors)
        assert errors[0]["type"] == kind, (name, errors)
    # The NATO internal commitment is not named to Japan, and Japan's to no one else.
    nato_view = propose(client, world, [due_date_change(jp_internal)], headers=nato)
    assert assert_problem(nato_view, 422, "/problems/rule-violation")["errors"][0]["type"] == (
        "unknown_commitment"
    )
    assert client.get(f"{API}/plans/{world.plan}/amendments").json()["items"] == []


def test_every_problem_of_a_change_set_is_listed_with_its_index(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    response = propose(
        client,
        world,
        [
            due_date_change(uuid.uuid4()),
            {"op": "change_text", "title": text("Fine")},
            {"op": "retire_commitment", "commitment_id": str(uuid.uuid4())},
        ],
    )
    body = assert_problem(response, 422, "/problems/rule-violation")
    assert [e["loc"][:3] for e in body["errors"]] == [
        ["body", "changes", 0],
        ["body", "changes", 2],
    ]


def test_the_operations_are_checked_in_order_over_the_plan_they_leave(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    only = make_commitment(world, priority_area_id=world.maritime)
    # Retire the maritime area's only commitment, then the area; interval and term together.
    changes: list[dict[str, Any]] = [
        {"op": "retire_commitment", "commitment_id": str(only)},
        {"op": "retire_priority_area", "priority_area_id": str(world.maritime)},
        {"op": "change_term", "term_months": 18},
        {"op": "change_review_interval", "review_interval_months": 18},
    ]
    assert propose(client, world, changes).status_code == 201
    shrink = [
        {"op": "change_term", "term_months": 10},
        {"op": "change_review_interval", "review_interval_months": 6},
    ]
    assert propose(client, world, shrink).status_code == 201


@pytest.mark.parametrize(
    "change",
    [
        {"op": "rename_plan", "title": {"en": "X"}},
        {"op": "change_term", "term_months": 0},
        {"op": "change_text"},
        {"op": "modify_commitment", "commitment_id": str(uuid.UUID(int=1)), "changes": {}},
        {
            "op": "modify_commitment",
            "commitment_id": str(uuid.UUID(int=1)),
            "changes": {"progress": 5},
        },
        {"op": "add_commitment", "commitment": {"title": {"en": "No area"}}},
        {"op": "renew", "reference": "lower-case"},
    ],
    ids=["unknown op", "term 0", "empty text", "no changes", "progress", "incomplete", "ref"],
)
def test_a_malformed_operation_is_a_422_validation_error_at_its_index(
    client: TestClient, db: Database, change: dict[str, Any]
) -> None:
    world = make_world()
    response = propose(client, world, [{"op": "change_term", "term_months": 30}, change])
    body = assert_problem(response, 422, "/problems/validation-error")
    assert all(e["loc"][:3] == ["body", "changes", 1] for e in body["errors"]), body["errors"]


def test_an_empty_change_set_or_a_review_of_another_plan_is_refused(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    assert_problem(propose(client, world, []), 422, "/problems/validation-error")
    response = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json=amendment_body(
            [{"op": "change_term", "term_months": 30}], review_id=str(uuid.uuid4())
        ),
    )
    body = assert_problem(response, 422, "/problems/rule-violation")
    assert body["errors"][0]["loc"] == ["body", "review_id"]


# --- deciding -----------------------------------------------------------------------------------


def test_the_last_approval_applies_the_change_set_once_as_the_next_version(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    commitment_id = make_commitment(world)
    amendment = proposed(client, world, [add_commitment(world), due_date_change(commitment_id)])

    first = decide(client, amendment["id"], who.jp_approver, "approve")

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "proposed"
    assert [(d["party_code"], d["decision"]) for d in first.json()["decisions"]] == [
        ("JP", "approved"),
        ("NATO", "pending"),
    ]
    assert first.json()["decisions"][0]["decided_by_name"] == "JP approver"
    assert versions(world.plan) == [1]
    assert client.get(f"{API}/commitments/{commitment_id}").json()["due_date"] is None

    last = decide(client, amendment["id"], who.nato_approver, "approve")

    assert last.status_code == 200, last.text
    body = last.json()
    assert body["status"] == "applied"
    assert body["applied_version"] == 2
    assert body["decided_at"] is not None
    assert [d["decision"] for d in body["decisions"]] == ["approved", "approved"]
    assert versions(world.plan) == [1, 2]
    assert client.get(f"{API}/commitments/{commitment_id}").json()["due_date"] == "2027-06-30"
    items = client.get(f"{API}/plans/{world.plan}/commitments").json()["items"]
    added = [c for c in items if c["title"]["en"] == "Cyber range exercise"]
    assert len(added) == 1 and added[0]["lead_party_id"] == str(world.nato)
    assert added[0]["status"] == "planned" and added[0]["visibility"] == "shared"
    version = client.get(f"{API}/plans/{world.plan}/versions/2").json()
    assert version["reason"].startswith("Amendment 1 applied")
    assert len(version["snapshot"]["commitments"]) == 2
    # Approving again changes nothing and records nothing.
    events = event_count()
    again = decide(client, amendment["id"], who.nato_approver, "approve")
    assert again.status_code == 200 and again.json() == body
    assert decide(client, amendment["id"], who.jp_approver, "approve").status_code == 200
    assert event_count() == events
    assert versions(world.plan) == [1, 2]
    # A decided amendment takes no other decision.
    assert_problem(
        decide(client, amendment["id"], who.jp_approver, "reject"), 409, "/problems/conflict"
    )
    with transaction(write=False) as session:
        assert verify(session=session).ok


def test_every_kind_of_operation_applies(client: TestClient, db: Database) -> None:
    world = make_world()
    who = people()
    moving = make_commitment(world, lead_organisation_id=world.mod)
    retiring = make_commitment(world, priority_area_id=world.maritime)
    sections = [{"number": "4.1", "heading": text("Review"), "body": text("Three years.")}]
    changes = [
        add_commitment(world, reference="CYB-10", milestones=[{"title": text("Plan")}]),
        {
            "op": "modify_commitment",
            "commitment_id": str(moving),
            "changes": {
                "lead_party_id": str(world.nato),
                "title": text("Handed over to NATO"),
                "priority_area_id": str(world.maritime),
            },
        },
        {"op": "retire_commitment", "commitment_id": str(retiring)},
        {
            "op": "add_priority_area",
            "priority_area": {"code": "3.1.3", "short_code": "HAD", "title": text("HADR")},
        },
        {
            "op": "modify_priority_area",
            "priority_area_id": str(world.cyber),
            "changes": {"title": text("Cyber defence and resilience")},
        },
        {"op": "change_term", "term_months": 36},
        {"op": "change_review_interval", "review_interval_months": 6},
        {"op": "change_text", "title": text("Amended plan"), "sections": sections},
    ]
    amendment = proposed(client, world, changes)
    applied = approve_by_all(client, amendment["id"], who)
    assert applied["applied_version"] == 2

    after = plan(client, world.plan)
    assert after["title"] == text("Amended plan")
    assert after["sections"][0]["body"] == text("Three years.")
    assert after["term_months"] == 36 and after["review_interval_months"] == 6
    approval = date.fromisoformat(after["approval_date"])
    assert after["expiry_date"] == add_months(approval, 36).isoformat()
    moved = client.get(f"{API}/commitments/{moving}").json()
    assert moved["lead_party_id"] == str(world.nato)
    assert moved["lead_organisation_id"] is None  # MOD is Japan's
    assert moved["priority_area_code"] == "3.1.2"
    assert client.get(f"{API}/commitments/{retiring}").json()["status"] == "cancelled"
    areas = client.get(f"{API}/plans/{world.plan}/priority-areas").json()["items"]
    assert [(a["code"], a["title"]["en"]) for a in areas] == [
        ("3.1.1", "Cyber defence and resilience"),
        ("3.1.2", "Maritime security"),
        ("3.1.3", "HADR"),
    ]
    items = client.get(f"{API}/plans/{world.plan}/commitments").json()["items"]
    assert [m["title"] for c in items if c["reference"] == "CYB-10" for m in c["milestones"]] == [
        text("Plan")
    ]
    # Retiring the maritime area: its live commitment first moves out, then the area retires.
    second = proposed(
        client,
        world,
        [
            {
                "op": "modify_commitment",
                "commitment_id": str(moving),
                "changes": {"priority_area_id": str(world.cyber)},
            },
            {"op": "retire_priority_area", "priority_area_id": str(world.maritime)},
        ],
    )
    assert approve_by_all(client, second["id"], who)["applied_version"] == 3
    retired = client.get(f"{API}/priority-areas/{world.maritime}").json()
    assert retired["retired_at"] is not None
    # A retired area takes no new commitments, not even directly.
    refused = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json=commitment_body(world, priority_area_id=str(world.maritime)),
    )
    body = assert_problem(refused, 422, "/problems/rule-violation")
    assert body["errors"][0]["type"] == "retired_priority_area"
    with transaction(write=False) as session:
        assert verify(session=session).ok
        actions = set(
            session.execute(
                select(AuditEvent.action, AuditEvent.entity_type).where(
                    AuditEvent.plan_id == world.plan
                )
            ).all()
        )
    assert {
        ("propose", "amendment"),
        ("approve", "amendment"),
        ("apply", "amendment"),
        ("amend", "plan"),
        ("retire", "priority_area"),
        ("create", "plan_version"),
    } <= actions


def test_a_change_of_term_or_interval_reschedules_the_reviews(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[uuid.UUID, int, int]] = []

    def reschedule(*, session: Any, actor: Any, plan: Plan) -> None:
        calls.append((plan.id, plan.term_months, plan.review_interval_months))

    world = make_world()
    who = people()
    # Watch the review schedule only from here: approving the plan above made it.
    monkeypatch.setattr("itpp_api.reviews.service.reschedule", reschedule)
    text_only = proposed(client, world, [{"op": "change_text", "title": text("Renamed")}])
    approve_by_all(client, text_only["id"], who)
    assert calls == []
    term = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    approve_by_all(client, term["id"], who)
    assert calls == [(world.plan, 30, 12)]


def test_a_rejection_ends_the_amendment_and_nothing_applies(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    assert decide(client, amendment["id"], who.jp_approver, "approve").status_code == 200

    rejected = client.post(
        f"{API}/amendments/{amendment['id']}/approvals",
        json={"decision": "reject", "note": "Not before the summit."},
        headers=who.nato_approver,
    )

    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["status"] == "rejected"
    assert body["decisions"][1]["decision"] == "rejected"
    assert body["decisions"][1]["note"] == "Not before the summit."
    assert decide(client, amendment["id"], who.nato_approver, "reject").json() == body
    assert_problem(
        decide(client, amendment["id"], who.nato_approver, "approve"), 409, "/problems/conflict"
    )
    assert_problem(
        client.post(f"{API}/amendments/{amendment['id']}/withdraw"), 409, "/problems/conflict"
    )
    assert plan(client, world.plan)["term_months"] == 24
    assert versions(world.plan) == [1]


def test_a_party_that_approved_may_still_reject_before_the_others_decide(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    assert decide(client, amendment["id"], who.jp_approver, "approve").status_code == 200
    changed = decide(client, amendment["id"], who.jp_approver, "reject")
    assert changed.json()["status"] == "rejected"
    assert changed.json()["decisions"][0]["decision"] == "rejected"


def test_only_an_approver_decides_and_only_for_their_own_party(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    url = f"{API}/amendments/{amendment['id']}/approvals"
    before = event_count()
    # Editors (of either party, including the default JP editor) and viewers: 403.
    for headers in ({}, who.nato_editor, who.jp_viewer):
        assert_problem(
            decide(client, amendment["id"], headers, "approve"), 403, "/problems/forbidden"
        )
    # An approver of a party outside the plan does not see it.
    assert_problem(
        decide(client, amendment["id"], who.aus_approver, "approve"), 404, "/problems/not-found"
    )
    # No field of the request can name another party.
    for extra in ({"party_id": str(world.nato)}, {"party": "NATO"}, {"on_behalf_of": "NATO"}):
        response = client.post(url, json={"decision": "approve", **extra}, headers=who.jp_approver)
        assert_problem(response, 422, "/problems/validation-error")
    assert event_count() == before
    # The JP approver's decision is Japan's alone; it never counts for NATO.
    for _ in range(3):
        decide(client, amendment["id"], who.jp_approver, "approve")
    current = client.get(f"{API}/amendments/{amendment['id']}").json()
    assert [(d["party_code"], d["decision"]) for d in current["decisions"]] == [
        ("JP", "approved"),
        ("NATO", "pending"),
    ]
    assert current["status"] == "proposed"
    # Nor can it withdraw or reject on NATO's behalf: a rejection is Japan's.
    assert (
        decide(client, amendment["id"], who.jp_approver, "reject").json()["decisions"][1][
            "decision"
        ]
        == "pending"
    )


def test_withdrawal_by_the_proposing_party_before_a_decision(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    url = f"{API}/amendments/{amendment['id']}/withdraw"
    assert_problem(client.post(url, headers=who.nato_editor), 403, "/problems/forbidden")
    assert_problem(client.post(url, headers=who.nato_approver), 403, "/problems/forbidden")
    assert_problem(client.post(url, headers=who.jp_viewer), 403, "/problems/forbidden")
    assert_problem(client.post(url, headers=who.aus_approver), 404, "/problems/not-found")
    # Another writer of the proposing party may withdraw, after a party approved too.
    assert decide(client, amendment["id"], who.nato_approver, "approve").status_code == 200
    withdrawn = client.post(url, headers=who.jp_approver)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.post(url).json()["status"] == "withdrawn"
    assert_problem(
        decide(client, amendment["id"], who.jp_approver, "approve"), 409, "/problems/conflict"
    )
    assert versions(world.plan) == [1]
    applied = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    approve_by_all(client, applied["id"], who)
    assert_problem(
        client.post(f"{API}/amendments/{applied['id']}/withdraw"), 409, "/problems/conflict"
    )


def test_an_amendment_against_an_older_version_is_refused_on_approval(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    first = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    second = proposed(
        client, world, [{"op": "change_review_interval", "review_interval_months": 6}]
    )
    assert decide(client, second["id"], who.jp_approver, "approve").status_code == 200
    approve_by_all(client, first["id"], who)

    response = decide(client, second["id"], who.nato_approver, "approve")

    body = assert_problem(response, 409, "/problems/amendment-outdated")
    assert "version 1" in body["detail"] and "version 2" in body["detail"]
    assert "propose it again" in body["detail"]
    stale = client.get(f"{API}/amendments/{second['id']}").json()
    assert stale["status"] == "proposed" and stale["is_outdated"] is True
    assert stale["decisions"][1]["decision"] == "pending"
    assert versions(world.plan) == [1, 2]
    assert plan(client, world.plan)["review_interval_months"] == 12
    # It can still be rejected or withdrawn, and proposed again against version 2.
    assert client.post(f"{API}/amendments/{second['id']}/withdraw").json()["status"] == "withdrawn"
    again = proposed(client, world, [{"op": "change_review_interval", "review_interval_months": 6}])
    assert again["base_version"] == 2
    assert approve_by_all(client, again["id"], who)["applied_version"] == 3


def test_a_change_set_the_plan_outgrew_is_refused_whole_on_the_last_approval(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    target = make_commitment(world)
    finishing = make_commitment(world, reference="CYB-07")
    amendment = proposed(
        client,
        world,
        [due_date_change(target), {"op": "retire_commitment", "commitment_id": str(finishing)}],
    )
    # Meanwhile its editor records CYB-07 as completed: delivery, direct, no new version.
    direct = patch(
        client, f"{API}/commitments/{finishing}", {"status": "completed", "progress": 100}
    )
    assert direct.status_code == 200, direct.text
    assert decide(client, amendment["id"], who.jp_approver, "approve").status_code == 200

    response = decide(client, amendment["id"], who.nato_approver, "approve")

    body = assert_problem(response, 409, "/problems/conflict")
    assert "no longer fits" in body["detail"]
    assert body["errors"][0]["loc"][:2] == ["changes", 1]
    assert body["errors"][0]["type"] == "commitment_not_live"
    # All or nothing: the due date did not move, the approval was not recorded.
    assert client.get(f"{API}/commitments/{target}").json()["due_date"] is None
    current = client.get(f"{API}/amendments/{amendment['id']}").json()
    assert current["status"] == "proposed"
    assert current["decisions"][1]["decision"] == "pending"
    assert versions(world.plan) == [1]


def test_amendments_are_visible_to_the_plans_parties_only(client: TestClient, db: Database) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    for headers in (who.nato_editor, who.jp_viewer):
        assert client.get(f"{API}/amendments/{amendment['id']}", headers=headers).status_code == 200
    assert_problem(
        client.get(f"{API}/amendments/{amendment['id']}", headers=who.aus_approver),
        404,
        "/problems/not-found",
    )
    assert_problem(
        client.get(f"{API}/plans/{world.plan}/amendments", headers=who.aus_approver),
        404,
        "/problems/not-found",
    )
    assert_problem(client.get(f"{API}/amendments/{uuid.uuid4()}"), 404, "/problems/not-found")


# --- renewal ------------------------------------------------------------------------------------


def test_renewal_creates_an_active_successor_and_supersedes_the_plan(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    live = make_commitment(
        world,
        reference="CYB-01",
        status="in_progress",
        progress=40,
        supporting_organisation_ids=[world.shape],
        milestones=[
            {"title": {"en": "Done step"}, "done_on": "2026-05-01"},
            {"title": {"en": "Next"}},
        ],
    )
    make_commitment(world, reference="CYB-02", status="completed")
    make_commitment(world, reference="CYB-03", status="cancelled")
    make_commitment(
        world,
        reference="MAR-NATO-01",
        priority_area_id=world.maritime,
        visibility="internal",
        lead_party_id=world.nato,
    )
    old = plan(client, world.plan)
    amendment = proposed(
        client, world, [{"op": "renew", "reference": "TEST-PLAN-2", "term_months": 36}]
    )

    applied = approve_by_all(client, amendment["id"], who)

    assert applied["applied_version"] == 1
    successor_id = applied["successor_plan_id"]
    successor = plan(client, successor_id)
    assert successor["reference"] == "TEST-PLAN-2"
    assert successor["predecessor_id"] == str(world.plan)
    assert successor["status"] == "active"
    assert [p["code"] for p in successor["parties"]] == ["JP", "NATO"]
    assert successor["title"] == old["title"]
    assert successor["term_months"] == 36
    # The old plan runs to its expiry date; the successor starts then.
    assert successor["approval_date"] == old["expiry_date"]
    assert plan(client, world.plan)["status"] == "superseded"
    assert versions(uuid.UUID(successor_id)) == [1]
    # The old plan's last version records its end, by the renewal every party consented to.
    assert versions(world.plan) == [1, 2]
    ended = client.get(f"{API}/plans/{world.plan}/versions/2").json()
    assert ended["amendment_id"] == amendment["id"]
    areas = client.get(f"{API}/plans/{successor_id}/priority-areas").json()["items"]
    assert [(a["code"], a["short_code"]) for a in areas] == [("3.1.1", "CYB"), ("3.1.2", "MAR")]
    carried = client.get(f"{API}/plans/{successor_id}/commitments").json()["items"]
    assert [c["reference"] for c in carried] == ["CYB-01"]  # the NATO internal one is hidden
    copy = carried[0]
    original = client.get(f"{API}/commitments/{live}").json()
    for name in ("title", "status", "progress", "lead_party_id", "supporting_organisation_ids"):
        assert copy[name] == original[name], name
    assert [(m["title"], m["done_on"]) for m in copy["milestones"]] == [
        ({"en": "Done step"}, "2026-05-01"),
        ({"en": "Next"}, None),
    ]
    nato_view = client.get(f"{API}/plans/{successor_id}/commitments", headers=who.nato_editor)
    assert [c["reference"] for c in nato_view.json()["items"]] == ["CYB-01", "MAR-NATO-01"]
    assert nato_view.json()["items"][1]["visibility"] == "internal"
    # The old plan is closed; the successor is the one to work on.
    assert_problem(
        client.post(f"{API}/plans/{world.plan}/commitments", json=commitment_body(world)),
        409,
        "/problems/plan-closed",
    )
    with transaction(write=False) as session:
        assert verify(session=session).ok


def test_renewing_an_expired_plan_starts_the_successor_today(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=800))
    who = people()
    assert plan(client, world.plan)["status"] == "expired"
    amendment = proposed(
        client, world, [{"op": "renew", "reference": "RENEWED", "title": text("Renewed")}]
    )

    applied = approve_by_all(client, amendment["id"], who)

    successor = plan(client, applied["successor_plan_id"])
    assert successor["approval_date"] == today().isoformat()
    assert successor["title"] == text("Renewed")
    assert successor["status"] == "active"
    assert plan(client, world.plan)["status"] == "superseded"


def test_other_pending_amendments_of_a_renewed_plan_can_no_longer_apply(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    pending = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    renewal = proposed(client, world, [{"op": "renew", "reference": "NEXT-PLAN"}])
    approve_by_all(client, renewal["id"], who)
    body = assert_problem(
        decide(client, pending["id"], who.jp_approver, "approve"), 409, "/problems/plan-closed"
    )
    assert "superseded" in body["detail"]


def test_the_commitment_rows_of_a_renewal_are_new_records(client: TestClient, db: Database) -> None:
    world = make_world()
    who = people()
    make_commitment(world, reference="CYB-01")
    renewal = proposed(client, world, [{"op": "renew", "reference": "NEXT-PLAN"}])
    successor = approve_by_all(client, renewal["id"], who)["successor_plan_id"]
    with transaction(write=False) as session:
        rows = session.execute(select(Commitment.plan_id, Commitment.reference)).all()
        plans_ = {p.reference: p.status for p in session.scalars(select(Plan))}
    assert sorted((str(p), r) for p, r in rows) == sorted(
        [(str(world.plan), "CYB-01"), (successor, "CYB-01")]
    )
    assert plans_ == {"TEST-PLAN": "superseded", "NEXT-PLAN": "active"}


def test_no_other_route_or_replay_decides_for_another_party(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    who = people()
    amendment = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    url = f"{API}/amendments/{amendment['id']}"
    # The amendment and its approvals are not edited in place.
    for method in ("PUT", "PATCH", "DELETE"):
        for path in (url, f"{url}/approvals"):
            response = client.request(method, path, headers=who.jp_approver, json={})
            assert response.status_code == 405, (method, path, response.text)
    # An Idempotency-Key is scoped to its caller: Japan's approver sending the key NATO's
    # approver used gets Japan's own decision recorded, never NATO's replayed.
    key = {"Idempotency-Key": "approval-1"}
    nato = client.post(
        f"{url}/approvals", json={"decision": "reject"}, headers={**who.nato_approver, **key}
    )
    assert nato.status_code == 200
    assert nato.json()["status"] == "rejected"
    other = proposed(client, world, [{"op": "change_term", "term_months": 30}])
    jp = client.post(
        f"{API}/amendments/{other['id']}/approvals",
        json={"decision": "approve"},
        headers={**who.jp_approver, **key},
    )
    assert jp.status_code == 200, jp.text
    assert "Idempotent-Replayed" not in jp.headers
    assert [(d["party_code"], d["decision"]) for d in jp.json()["decisions"]] == [
        ("JP", "approved"),
        ("NATO", "pending"),
    ]


def test_an_amendment_may_name_the_review_of_the_plan_that_led_to_it(
    client: TestClient, db: Database
) -> None:
    from itpp_api.reviews.models import ReviewCycle

    world = make_world()
    with transaction(write=True) as session:
        # Approving the plan scheduled its reviews; the first one is taken as concluded.
        review = session.scalars(
            select(ReviewCycle).where(ReviewCycle.plan_id == world.plan, ReviewCycle.number == 1)
        ).one()
        review.status = "concluded"
        review.outcome = "amend"
        session.add(review)
        review_id = str(review.id)
    response = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json=amendment_body([{"op": "change_term", "term_months": 30}], review_id=review_id),
    )
    assert response.status_code == 201, response.text
    assert response.json()["review_id"] == review_id
