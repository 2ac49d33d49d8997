"""Who sees which commitments in the list and the single GET (auth/policy.py).

The list checks plan access with one light query and filters visibility in its cached page
statement; these pin the rules it must keep: a plan is invisible (404) outside its parties,
internal commitments are invisible to every party but their lead party's, an enrolment-only
token does nothing else (403), a read-only token reads.
"""

import uuid

from fastapi.testclient import TestClient

from itpp_api.db import transaction
from itpp_api.enums import TokenScope, Visibility
from itpp_api.parties.models import Party
from tests.conftest import Database
from tests.factories import World, make_commitment, make_user, make_world, token_for


def _bearer(party: str, role: str = "viewer", scope: TokenScope = TokenScope.READ_WRITE) -> dict:
    user = make_user(party, role, email=f"{party.lower()}-{uuid.uuid4().hex[:8]}@test.example")
    return {"Authorization": f"Bearer {token_for(user, scope=scope)}"}


def _records(world: World) -> dict[str, uuid.UUID]:
    return {
        "shared_jp": make_commitment(world),
        "shared_nato": make_commitment(world, lead_party_id=world.nato),
        "internal_jp": make_commitment(world, visibility=Visibility.INTERNAL),
        "internal_nato": make_commitment(
            world, lead_party_id=world.nato, visibility=Visibility.INTERNAL
        ),
    }


def _listed(client: TestClient, world: World, headers: dict, **params: str) -> set[str]:
    response = client.get(f"/api/v1/plans/{world.plan}/commitments", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_each_party_sees_shared_commitments_and_its_own_internal_ones(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    ids = {name: str(value) for name, value in _records(world).items()}
    jp, nato = _bearer("JP"), _bearer("NATO")
    assert _listed(client, world, jp) == {ids["shared_jp"], ids["shared_nato"], ids["internal_jp"]}
    assert _listed(client, world, nato) == {
        ids["shared_jp"],
        ids["shared_nato"],
        ids["internal_nato"],
    }
    # Filters and cursors keep the rule: every page of one row, and a lead-party filter.
    pages: set[str] = set()
    cursor: str | None = None
    while True:
        params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"/api/v1/plans/{world.plan}/commitments", headers=jp, params=params)
        page = response.json()
        pages |= {item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == {ids["shared_jp"], ids["shared_nato"], ids["internal_jp"]}
    assert _listed(client, world, jp, lead_party="NATO") == {ids["shared_nato"]}


def test_another_partys_internal_commitment_is_404_to_get(client: TestClient, db: Database) -> None:
    world = make_world()
    records = _records(world)
    jp, nato = _bearer("JP"), _bearer("NATO")
    assert (
        client.get(f"/api/v1/commitments/{records['internal_jp']}", headers=jp).status_code == 200
    )
    response = client.get(f"/api/v1/commitments/{records['internal_jp']}", headers=nato)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_a_party_outside_the_plan_gets_404_for_the_list_and_its_commitments(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    records = _records(world)
    with transaction(write=True) as session:
        session.add(Party(code="EU", name={"en": "European Union"}))
    eu = _bearer("EU")
    response = client.get(f"/api/v1/plans/{world.plan}/commitments", headers=eu)
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    # Exactly an unknown id's answer: the message does not tell that the plan exists.
    assert response.json()["detail"] == f"No plan with id {world.plan}."
    response = client.get(f"/api/v1/commitments/{records['shared_jp']}", headers=eu)
    assert response.status_code == 404


def test_an_unknown_plan_is_404_with_its_id(client: TestClient, db: Database) -> None:
    make_world()
    missing = uuid.uuid4()
    response = client.get(f"/api/v1/plans/{missing}/commitments", headers=_bearer("JP"))
    assert response.status_code == 404
    assert response.json()["detail"] == f"No plan with id {missing}."


def test_an_enrolment_only_token_is_403_and_a_read_only_token_reads(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_commitment(world)
    url = f"/api/v1/plans/{world.plan}/commitments"
    enrol = _bearer("JP", "approver", scope=TokenScope.ENROL_TOTP)
    response = client.get(url, headers=enrol)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert client.get(url, headers=_bearer("JP", scope=TokenScope.READ)).status_code == 200


def test_without_a_valid_token_the_list_is_401(client: TestClient, db: Database) -> None:
    world = make_world()
    url = f"/api/v1/plans/{world.plan}/commitments"
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer itpp_not-a-token"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
