"""Plan versions and history (issue 5, item 4): the structured diff between two versions and
the plan as it stood on a date."""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select, update

from itpp_api.audit import service as audit_service
from itpp_api.clock import today
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.parties.models import Party
from itpp_api.plans.models import PlanVersion
from tests.conftest import Database
from tests.factories import (
    World,
    agree,
    auth_headers,
    bring_into_force,
    make_commitment,
    make_world,
)

API = "/api/v1"
PROBLEM = "application/problem+json"


def text(en: str) -> dict[str, str]:
    return {"en": en, "ja": f"{en}（日本語）"}


def patch(client: TestClient, url: str, body: dict[str, Any], **headers: str) -> Any:
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, json=body, headers={"If-Match": etag, **headers})
    assert response.status_code == 200, response.text
    return response


def amend(
    client: TestClient, world: World, changes: list[dict[str, Any]], approvers: list[dict[str, str]]
) -> dict[str, Any]:
    proposed = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json={"title": text("Amendment"), "rationale": text("Agreed."), "changes": changes},
    )
    assert proposed.status_code == 201, proposed.text
    for headers in approvers:
        response = client.post(
            f"{API}/amendments/{proposed.json()['id']}/approvals",
            json={"decision": "approve"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
    assert response.json()["status"] == "applied"
    return dict(response.json())


def approvers() -> list[dict[str, str]]:
    return [auth_headers("JP", "approver"), auth_headers("NATO", "approver")]


def diff(client: TestClient, world: World, old: int, new: int, **headers: str) -> dict[str, Any]:
    response = client.get(
        f"{API}/plans/{world.plan}/versions/diff",
        params={"from": old, "to": new},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def by_label(records: list[dict[str, Any]], key: str = "reference") -> dict[str, Any]:
    return {r[key]: r for r in records}


# --- diff -------------------------------------------------------------------------------------


def version(client: TestClient, world: World, number: int, **headers: str) -> dict[str, Any]:
    response = client.get(f"{API}/plans/{world.plan}/versions/{number}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_diff_lists_exactly_the_agreed_changes_of_the_change_set_applied_between_versions(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    nato = auth_headers("NATO", "editor")
    moved = make_commitment(world, reference="CYB-01", due_date=date(2026, 12, 31))
    retired = make_commitment(world, reference="CYB-02")
    internal = make_commitment(
        world,
        reference="MAR-NATO-01",
        priority_area_id=world.maritime,
        visibility="internal",
        lead_party_id=world.nato,
    )
    in_force = bring_into_force(world.plan, date(2026, 5, 20))
    first = version(client, world, 1)
    assert first["agreed_on"] == "2026-05-20" and first["amendment_id"] == str(in_force)
    assert [c["reference"] for c in first["snapshot"]["commitments"]] == ["CYB-01", "CYB-02"]
    # Between the versions delivery moves on directly — including NATO's internal record.
    patch(client, f"{API}/commitments/{moved}", {"progress": 30, "status": "in_progress"})
    patch(client, f"{API}/commitments/{internal}", {"progress": 50}, **nato)
    amended = amend(
        client,
        world,
        [
            {
                "op": "add_commitment",
                "commitment": {
                    "priority_area_id": str(world.cyber),
                    "reference": "CYB-05",
                    "title": text("Cyber range"),
                    "modality": "exercise_participation",
                    "lead_party_id": str(world.japan),
                },
            },
            {
                "op": "modify_commitment",
                "commitment_id": str(moved),
                "changes": {"due_date": "2027-06-30"},
            },
            {"op": "retire_commitment", "commitment_id": str(retired)},
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
            {"op": "change_text", "title": text("Amended plan")},
        ],
        approvers(),
    )

    body = diff(client, world, 1, 2)

    assert body["from_version"]["number"] == 1 and body["to_version"]["number"] == 2
    assert body["to_version"]["amendment_id"] == amended["id"]
    assert body["to_version"]["agreed_on"] == today().isoformat()
    assert body["plan"]["term_months"] == {"old": 24, "new": 36}
    assert body["plan"]["title"]["new"] == text("Amended plan")
    assert set(body["plan"]) == {"title", "term_months", "expiry_date"}
    areas = body["priority_areas"]
    assert [a["code"] for a in areas["added"]] == ["3.1.3"]
    assert [(c["label"], set(c["fields"])) for c in areas["changed"]] == [("3.1.1", {"title"})]
    assert areas["retired"] == []
    commitments = body["commitments"]
    assert [c["reference"] for c in commitments["added"]] == ["CYB-05"]
    assert [c["reference"] for c in commitments["retired"]] == ["CYB-02"]
    assert commitments["retired"][0]["retired"] is False  # as it stood before
    # The agreed change only: CYB-01's status and progress moved too, but that is delivery.
    assert [(c["label"], c["fields"]) for c in commitments["changed"]] == [
        ("CYB-01", {"due_date": {"old": "2026-12-31", "new": "2027-06-30"}})
    ]
    for record in (*commitments["added"], *commitments["retired"]):
        assert not {"status", "progress", "health", "milestones", "visibility"} & set(record)
    # NATO's internal commitment was never agreed: it is in no version, for no party.
    assert "MAR-NATO-01" not in str(body)
    assert diff(client, world, 1, 2, **nato) == body


def test_diff_shows_a_retired_area_and_reads_both_ways(client: TestClient, db: Database) -> None:
    world = make_world()
    amend(
        client,
        world,
        [{"op": "retire_priority_area", "priority_area_id": str(world.maritime)}],
        approvers(),
    )
    forward = diff(client, world, 1, 2)
    assert [a["code"] for a in forward["priority_areas"]["retired"]] == ["3.1.2"]
    assert forward["priority_areas"]["changed"] == []
    backward = diff(client, world, 2, 1)
    assert [c["label"] for c in backward["priority_areas"]["changed"]] == ["3.1.2"]
    same = diff(client, world, 2, 2)
    assert same["plan"] == {}
    assert (
        same["priority_areas"]
        == same["commitments"]
        == {
            "added": [],
            "changed": [],
            "retired": [],
        }
    )


def test_diff_refusals(client: TestClient, db: Database) -> None:
    world = make_world()
    url = f"{API}/plans/{world.plan}/versions/diff"
    for params, status in (
        ({"from": 1, "to": 2}, 404),
        ({"from": 1}, 422),
        ({"from": 0, "to": 1}, 422),
        ({"from": "one", "to": 1}, 422),
    ):
        response = client.get(url, params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
    with transaction(write=True) as session:
        session.add(Party(code="AUS", name={"en": "Australia"}))
    outsider = auth_headers("AUS", "editor")
    response = client.get(url, params={"from": 1, "to": 1}, headers=outsider)
    assert response.status_code == 404
    # The diff route is not mistaken for version number "diff".
    assert client.get(url, params={"from": 1, "to": 1}).status_code == 200


# --- as of a date -----------------------------------------------------------------------------


class Clock:
    """The time audit events are recorded at (so past days can be replayed)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: str) -> None:
        self.now = datetime.fromisoformat(moment).replace(tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(audit_service, "utcnow", fake)
    yield fake


def agreed_on(plan_id: uuid.UUID, day: date) -> None:
    """An amendment's version is agreed on the real day it applied; give the newest version the
    replayed day instead."""
    with transaction(write=True) as session:
        newest = session.scalar(
            select(PlanVersion.number)
            .where(PlanVersion.plan_id == plan_id)
            .order_by(col(PlanVersion.number).desc())
        )
        session.execute(
            update(PlanVersion)
            .where(col(PlanVersion.plan_id) == plan_id, col(PlanVersion.number) == newest)
            .values(agreed_on=day)
        )


def as_of(client: TestClient, world: World, day: str, **headers: str) -> Any:
    return client.get(f"{API}/plans/{world.plan}/as-of", params={"date": day}, headers=headers)


def states(body: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {c["reference"]: (c["status"], c["progress"]) for c in body["commitments"]}


def test_as_of_shows_the_version_agreed_by_that_day_and_each_commitments_delivery_then(
    client: TestClient, db: Database, clock: Clock
) -> None:
    world = make_world(approval=date(2026, 1, 10))
    nato = auth_headers("NATO", "editor")
    first = make_commitment(world, reference="CYB-01", due_date=date(2026, 12, 31))
    internal = make_commitment(
        world,
        reference="MAR-NATO-01",
        priority_area_id=world.maritime,
        visibility="internal",
        lead_party_id=world.nato,
    )
    clock.set("2026-02-01T12:00:00")
    patch(client, f"{API}/commitments/{first}", {"status": "in_progress", "progress": 30})
    patch(client, f"{API}/commitments/{internal}", {"progress": 50}, **nato)
    clock.set("2026-03-01T08:00:00")
    amend(
        client,
        world,
        [
            {
                "op": "add_commitment",
                "commitment": {
                    "priority_area_id": str(world.cyber),
                    "reference": "CYB-05",
                    "title": text("Cyber range"),
                    "modality": "exercise_participation",
                    "lead_party_id": str(world.japan),
                },
            },
            {
                "op": "modify_commitment",
                "commitment_id": str(first),
                "changes": {"due_date": "2027-06-30"},
            },
        ],
        approvers(),
    )
    agreed_on(world.plan, date(2026, 3, 1))
    patch(client, f"{API}/commitments/{first}", {"progress": 60})
    clock.set("2026-04-01T10:00:00")
    agree(world.plan, [{"op": "terminate", "termination_date": "2026-04-01"}])

    before = as_of(client, world, "2026-01-09")
    assert before.status_code == 404, before.text
    assert before.headers["content-type"].startswith(PROBLEM)

    day_one = as_of(client, world, "2026-01-10").json()
    assert day_one["as_of"] == "2026-01-10"
    assert day_one["version"]["number"] == 1
    assert day_one["version"]["agreed_on"] == "2026-01-10"
    assert day_one["status"] == "active"
    assert day_one["history_recorded_since"] == day_one["commitments_recorded_on"] == "2026-01-10"
    assert [a["code"] for a in day_one["priority_areas"]] == ["3.1.1", "3.1.2"]
    assert states(day_one) == {"CYB-01": ("planned", 0)}
    # Its owner sees an internal commitment's delivery too; the other party never does.
    assert states(as_of(client, world, "2026-01-10", **nato).json()) == {
        "CYB-01": ("planned", 0),
        "MAR-NATO-01": ("planned", 0),
    }

    # Delivery is history, not agreement: it shows on the day without a new version.
    february = as_of(client, world, "2026-02-01").json()
    assert february["version"]["number"] == 1
    assert states(february) == {"CYB-01": ("in_progress", 30)}
    assert states(as_of(client, world, "2026-02-28", **nato).json())["MAR-NATO-01"] == (
        "planned",
        50,
    )

    march = as_of(client, world, "2026-03-01").json()
    assert march["version"]["number"] == 2
    assert march["version"]["agreed_on"] == "2026-03-01"
    assert states(march) == {"CYB-01": ("in_progress", 60), "CYB-05": ("planned", 0)}
    assert by_label(march["commitments"])["CYB-01"]["due_date"] == "2027-06-30"
    assert len(march["plan"]["title"]) == 2

    assert as_of(client, world, "2026-03-31").json()["status"] == "active"
    april = as_of(client, world, "2026-04-01").json()
    assert (april["version"]["number"], april["status"]) == (3, "terminated")
    assert as_of(client, world, "2099-01-01").json()["status"] == "terminated"


def test_as_of_answers_from_the_approval_date_for_a_plan_recorded_after_it(
    client: TestClient, db: Database, clock: Clock
) -> None:
    clock.set("2026-03-01T09:00:00")
    world = make_world(approval=date(2026, 1, 10))
    make_commitment(world, reference="CYB-01")

    assert as_of(client, world, "2026-01-09").status_code == 404
    body = as_of(client, world, "2026-01-10").json()
    assert body["version"]["number"] == 1
    assert body["status"] == "active"
    # Nothing is on record before 1 March: the commitments are shown as first recorded.
    assert body["history_recorded_since"] == body["commitments_recorded_on"] == "2026-03-01"
    assert states(body) == {"CYB-01": ("planned", 0)}


def test_as_of_reads_an_active_plan_past_its_expiry_as_expired(
    client: TestClient, db: Database, clock: Clock
) -> None:
    clock.set("2026-01-10T09:00:00")
    world = make_world(approval=date(2026, 1, 10))
    assert as_of(client, world, "2028-01-09").json()["status"] == "active"
    assert as_of(client, world, "2028-01-10").json()["status"] == "expired"


def test_as_of_a_draft_is_not_found(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    response = as_of(client, world, today().isoformat())
    assert response.status_code == 404
    assert "has not come into force" in response.json()["detail"]


def test_as_of_refusals(client: TestClient, db: Database) -> None:
    world = make_world()
    for params in ({}, {"date": "yesterday"}, {"date": "2026-02-30"}):
        response = client.get(f"{API}/plans/{world.plan}/as-of", params=params)
        assert response.status_code == 422, (params, response.text)
    assert (
        client.get(f"{API}/plans/{uuid.uuid4()}/as-of", params={"date": "2026-01-01"}).status_code
        == 404
    )
