"""The plan's burn-up (getPlanProgressHistory): scope, completions and progress over time,
rebuilt from the audit log for the commitments the reader may see; its last point is the
dashboard's figures of today. The dashboard names the record each recent change is about."""

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, update

from itpp_api.audit.models import AuditEvent
from itpp_api.clock import today
from itpp_api.db import transaction
from tests.conftest import Database
from tests.factories import World, auth_headers, make_commitment, make_world

API = "/api/v1"


def _patch(client: TestClient, headers: dict[str, str], commitment_id: uuid.UUID, **body: Any):
    url = f"{API}/commitments/{commitment_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    response = client.patch(url, json=body, headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.text


def _days_ago(commitment_id: uuid.UUID, action: str, days: int) -> None:
    """Date the commitment's events of this kind `days` ago (as if written then)."""
    when = datetime.combine(today() - timedelta(days=days), time(12), tzinfo=UTC)
    with transaction(write=True) as session:
        session.execute(
            update(AuditEvent)
            .where(
                col(AuditEvent.entity_id) == commitment_id,
                col(AuditEvent.action) == action,
            )
            .values(occurred_at=when)
        )


def _history(client: TestClient, world: World, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{API}/plans/{world.plan}/progress-history", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _figures(point: dict[str, Any]) -> tuple[Any, ...]:
    return (point["total"], point["completed"], point["done"], point["average_progress"])


def test_the_burn_up_replays_each_weeks_scope_completions_and_progress(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=30))
    editor = auth_headers("JP", "editor")
    first = make_commitment(world)
    second = make_commitment(world, priority_area_id=world.maritime)
    _patch(client, editor, first, status="in_progress", progress=50)
    _patch(client, editor, second, status="completed", progress=100)
    _days_ago(first, "create", 20)
    _days_ago(first, "update", 10)
    _days_ago(second, "create", 10)
    _days_ago(second, "update", 3)

    body = _history(client, world, editor)

    assert body["interval_days"] == 7
    points = {point["date"]: point for point in body["points"]}
    day = today()
    assert [p["date"] for p in body["points"]] == [
        (day - timedelta(days=n)).isoformat() for n in (28, 21, 14, 7, 0)
    ]
    assert _figures(points[(day - timedelta(days=28)).isoformat()]) == (0, 0, 0, None)
    assert _figures(points[(day - timedelta(days=14)).isoformat()]) == (1, 0, 0, 0.0)
    assert _figures(points[(day - timedelta(days=7)).isoformat()]) == (2, 0, 0.5, 25.0)
    assert _figures(points[day.isoformat()]) == (2, 1, 1.5, 75.0)
    # Today's point is the dashboard's.
    dashboard = client.get(f"{API}/plans/{world.plan}/dashboard", headers=editor).json()
    assert dashboard["average_progress"] == 75.0
    assert dashboard["by_status"]["completed"] == 1


def test_a_cancelled_commitment_leaves_the_scope_from_the_day_it_was_cancelled(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=14))
    editor = auth_headers("JP", "editor")
    kept = make_commitment(world)
    # Japan's own record: cancelling a shared one of a plan in force takes an amendment.
    dropped = make_commitment(world, progress=80, status="in_progress", visibility="internal")
    _patch(client, editor, kept, status="in_progress", progress=20)
    etag = client.get(f"{API}/commitments/{dropped}", headers=editor).headers["ETag"]
    response = client.delete(f"{API}/commitments/{dropped}", headers={**editor, "If-Match": etag})
    assert response.status_code == 200, response.text
    _days_ago(kept, "create", 14)
    _days_ago(dropped, "create", 14)
    _days_ago(kept, "update", 1)
    for action in ("update", "cancel"):
        _days_ago(dropped, action, 1)

    points = _history(client, world, editor)["points"]

    assert [_figures(p) for p in points] == [
        (2, 0, 0.8, 40.0),
        (2, 0, 0.8, 40.0),
        (1, 0, 0.2, 20.0),
    ]


def test_the_other_partys_internal_commitments_never_move_the_burn_up(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=7))
    shared = make_commitment(world, progress=10, status="in_progress")
    hidden = make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        progress=90,
        status="in_progress",
    )
    for commitment_id in (shared, hidden):
        _days_ago(commitment_id, "create", 7)

    japan = _history(client, world, auth_headers("JP", "viewer"))
    nato = _history(client, world, auth_headers("NATO", "viewer"))

    assert [_figures(p) for p in japan["points"]] == [(1, 0, 0.1, 10.0)] * 2
    assert [_figures(p) for p in nato["points"]] == [(2, 0, 1.0, 50.0)] * 2
    # A plan you cannot see (or that is not there) has no history for you, as no dashboard.
    other = client.get(
        f"{API}/plans/{uuid.uuid4()}/progress-history", headers=auth_headers("JP", "editor")
    )
    assert other.status_code == 404


def test_a_long_plan_has_at_most_105_points_from_its_approval(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=3 * 365))
    body = _history(client, world, auth_headers("JP", "viewer"))
    assert len(body["points"]) <= 105
    assert body["interval_days"] % 7 == 0 and body["interval_days"] > 7
    assert body["points"][-1]["date"] == today().isoformat()


def test_each_recent_change_names_its_record_as_its_reader_sees_it(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    editor = auth_headers("JP", "editor")
    commitment_id = make_commitment(world)
    _patch(client, editor, commitment_id, progress=30, status="in_progress")
    reference = client.get(f"{API}/commitments/{commitment_id}", headers=editor).json()["reference"]
    activity = client.get(f"{API}/plans/{world.plan}/dashboard", headers=editor).json()[
        "recent_activity"
    ]
    latest = activity[0]
    assert latest["entity_id"] == str(commitment_id)
    assert latest["subject"]["type"] == "commitment"
    assert latest["subject"]["reference"] == reference
    assert latest["subject"]["title"]["en"] == "Exercise participation"
    areas = [e["subject"] for e in activity if e["entity_type"] == "priority_area"]
    assert areas and {a["reference"] for a in areas} <= {"3.1.1", "3.1.2"}
