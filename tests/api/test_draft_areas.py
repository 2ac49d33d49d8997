"""Retiring a draft's priority area directly (retirePriorityArea): it stays on record, takes no
new commitments, and is refused while live commitments stand under it; on a plan in force the
same request is answered with the amendment that would do it."""

from typing import Any

from fastapi.testclient import TestClient

from itpp_api.enums import PlanStatus
from tests.conftest import Database
from tests.factories import make_commitment, make_world

API = "/api/v1"


def _area(client: TestClient, area_id: Any) -> dict[str, Any]:
    response = client.get(f"{API}/priority-areas/{area_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _retire(client: TestClient, area_id: Any, etag: str | None) -> Any:
    headers = {"If-Match": etag} if etag is not None else {}
    return client.post(f"{API}/priority-areas/{area_id}/retire", headers=headers)


def test_a_drafts_area_is_retired_directly_once_nothing_live_stands_under_it(
    client: TestClient, db: Database
) -> None:
    assert client.get(f"{API}/plans").status_code == 200  # the default Japan editor, first
    world = make_world(status=PlanStatus.DRAFT)
    make_commitment(world, priority_area_id=world.cyber)
    cyber = _area(client, world.cyber)
    assert cyber["allowed_actions"] == ["update", "retire"]
    assert _retire(client, world.cyber, None).status_code == 428
    in_use = _retire(client, world.cyber, cyber["etag"])
    assert in_use.status_code == 422, in_use.text
    assert in_use.json()["errors"][0]["type"] == "priority_area_in_use"
    assert _area(client, world.cyber)["retired_at"] is None

    maritime = _area(client, world.maritime)
    retired = _retire(client, world.maritime, maritime["etag"])
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_at"] is not None
    assert retired.json()["allowed_actions"] == []
    # It takes no new commitment.
    refused = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json={
            "priority_area_id": str(world.maritime),
            "title": {"en": "Late"},
            "modality": "other",
            "lead_party_id": str(world.japan),
        },
    )
    assert refused.status_code == 422, refused.text


def test_on_a_plan_in_force_retiring_is_an_amendment(client: TestClient, db: Database) -> None:
    assert client.get(f"{API}/plans").status_code == 200
    world = make_world()
    maritime = _area(client, world.maritime)
    assert maritime["allowed_actions"] == ["propose_change", "retire"]
    response = _retire(client, world.maritime, maritime["etag"])
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["type"] == "/problems/amendment-required"
    assert body["proposal"]["changes"] == [
        {"op": "retire_priority_area", "priority_area_id": str(world.maritime)}
    ]
    assert _area(client, world.maritime)["retired_at"] is None
