"""A new record's reference comes from its series' counter: no create reads the plan's
references (issue 15), a chosen reference moves the counter past it, and each series counts
alone."""

from typing import Any

from fastapi.testclient import TestClient

from itpp_api.enums import PlanStatus
from tests.conftest import Database, QueryCounter
from tests.factories import commitment_body, make_commitment, make_world

API = "/api/v1"


def _create(client: TestClient, plan: Any, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"{API}/plans/{plan.plan}/commitments", json=commitment_body(plan, **overrides)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_new_reference_is_counted_not_searched_for(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    for _ in range(30):
        make_commitment(world)
    assert _create(client, world)["reference"] == "CYB-31"  # the series' counter is made here
    query_counter.active = True
    second = _create(client, world)
    query_counter.active = False
    assert second["reference"] == "CYB-32"
    scans = [s for s in query_counter.statements if "LIKE" in s.upper() and "reference" in s]
    assert scans == []


def test_a_chosen_reference_moves_the_counter_and_each_series_counts_alone(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    assert _create(client, world)["reference"] == "CYB-01"
    assert _create(client, world, reference="CYB-07")["reference"] == "CYB-07"
    assert _create(client, world)["reference"] == "CYB-08"
    assert _create(client, world, reference="CYB-03")["reference"] == "CYB-03"
    assert _create(client, world)["reference"] == "CYB-09"
    assert _create(client, world, visibility="internal")["reference"] == "CYB-JP-01"
    maritime = _create(client, world, priority_area_id=str(world.maritime))
    assert maritime["reference"] == "MAR-01"
    taken = client.post(
        f"{API}/plans/{world.plan}/commitments", json=commitment_body(world, reference="CYB-07")
    )
    assert taken.status_code == 409
