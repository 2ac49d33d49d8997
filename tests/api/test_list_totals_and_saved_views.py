"""The commitment and exchange lists' totals, numbered pages and search (issue 18 §2), and
saved views: each user's own, never another's."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_conventions import assert_problem
from tests.conftest import Database
from tests.factories import World, make_commitment, make_exchange, make_user, make_world, token_for

API = "/api/v1"
VIEWS = f"{API}/users/me/saved-views"


def headers_of(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id)}"}


def commitments(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/plans/{world.plan}/commitments", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def make_many(world: World, count: int) -> None:
    for n in range(count):
        make_commitment(
            world,
            title={"ja": f"演習 {n:02d}", "en": f"Exercise {n:02d}"},
            description={"en": "Table-top cyber defence drill" if n % 3 == 0 else "Dialogue"},
        )


def test_every_page_carries_the_total_and_numbered_pages_walk_the_order(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_many(world, 7)
    walked = []
    for page in (1, 2, 3):
        body = commitments(client, world, limit=3, page=page)
        assert body["total"] == 7
        walked.extend(item["reference"] for item in body["items"])
    by_cursor = [item["reference"] for item in commitments(client, world, limit=50)["items"]]
    assert walked == by_cursor
    past = commitments(client, world, limit=3, page=4)
    assert past["items"] == [] and past["total"] == 7
    filtered = commitments(client, world, limit=2, q="cyber")
    assert filtered["total"] == 3 and len(filtered["items"]) == 2


def test_page_and_cursor_together_and_out_of_bounds_pages_are_refused(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_many(world, 3)
    cursor = commitments(client, world, limit=1)["next_cursor"]
    url = f"{API}/plans/{world.plan}/commitments"
    assert_problem(client.get(url, params={"page": 2, "cursor": cursor}), 422, "validation-error")
    for page in (0, 10_001, "x"):
        assert_problem(client.get(url, params={"page": page}), 422, "validation-error")
    exchanges = f"{API}/plans/{world.plan}/exchanges"
    assert_problem(client.get(exchanges, params={"page": 0}), 422, "validation-error")


def test_search_finds_descriptions_and_organisations_in_either_language(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_many(world, 6)
    make_commitment(
        world,
        title={"ja": "防衛交流", "en": "Defence exchange"},
        description={"ja": "サイバー防護の机上演習"},
        lead_organisation_id=world.mofa,
    )
    assert commitments(client, world, q="CYBER")["total"] == 2
    assert commitments(client, world, q="サイバー")["total"] == 1
    assert commitments(client, world, q="外務省")["total"] == 1  # the lead organisation's name
    assert commitments(client, world, q="mofa")["total"] == 1  # its code
    assert commitments(client, world, organisation="MOFA")["total"] == 1
    assert commitments(client, world, q="机上")["total"] == 1  # shorter than a trigram


def test_exchange_list_counts_and_pages(client: TestClient, db: Database) -> None:
    world = make_world()
    for _ in range(3):
        make_exchange(world)
    url = f"{API}/plans/{world.plan}/exchanges"
    first = client.get(url, params={"limit": 2, "page": 1}).json()
    second = client.get(url, params={"limit": 2, "page": 2}).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1


def test_saved_views_are_their_users_alone(client: TestClient, db: Database) -> None:
    make_world()
    mine = client.post(
        VIEWS,
        json={
            "name": "Cyber",
            "list": "commitments",
            "query": "priority_area=3.1.1&sort=-due_date",
        },
    )
    assert mine.status_code == 201, mine.text
    view = mine.json()
    assert view["query"] == "priority_area=3.1.1&sort=-due_date"
    assert [
        v["name"] for v in client.get(VIEWS, params={"list": "commitments"}).json()["items"]
    ] == ["Cyber"]
    assert client.get(VIEWS, params={"list": "exchanges"}).json()["items"] == []

    # A colleague of the same party, and a user of the other party, see none of it.
    for other in (
        make_user("JP", "editor", email="colleague@test.example"),
        make_user("NATO", "editor", email="nato@test.example"),
    ):
        headers = headers_of(other)
        assert client.get(VIEWS, headers=headers).json()["items"] == []
        assert_problem(client.delete(f"{VIEWS}/{view['id']}", headers=headers), 404, "not-found")
        created = client.post(
            VIEWS, headers=headers, json={"name": "Cyber", "list": "commitments", "query": ""}
        )
        assert created.status_code == 201, created.text  # the same name, their own view

    assert client.delete(f"{VIEWS}/{view['id']}").status_code == 204
    assert client.get(VIEWS).json()["items"] == []
    assert_problem(client.delete(f"{VIEWS}/{view['id']}"), 404, "not-found")


def test_saved_view_bounds(client: TestClient, db: Database) -> None:
    make_world()

    def save(**fields: Any) -> Any:
        body = {"name": "View", "list": "commitments", "query": "status=planned", **fields}
        return client.post(VIEWS, json=body)

    for bad in ({"name": ""}, {"name": "   "}, {"name": "x" * 81}, {"query": "x" * 1001}):
        assert_problem(save(**bad), 422, "validation-error")
    assert_problem(save(query="cursor=abc"), 422, "validation-error")
    assert_problem(save(list="reviews"), 422, "validation-error")
    assert save(name="x" * 80).status_code == 201
    assert_problem(save(name="x" * 80), 409, "conflict")
    for n in range(49):
        assert save(name=f"View {n}").status_code == 201
    assert_problem(save(name="One too many"), 422, "rule-violation")
