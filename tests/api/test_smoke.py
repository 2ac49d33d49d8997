from fastapi.testclient import TestClient

from tests.conftest import Database
from tests.factories import make_commitment, make_world


def test_commitment_list_shows_created_commitment(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world)
    response = client.get(f"/api/v1/plans/{world.plan}/commitments")
    assert response.status_code == 200
    assert [c["reference"] for c in response.json()["items"]] == ["CYB-01"]
