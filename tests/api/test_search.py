"""The search across plans and record kinds: what each party finds, in both languages, in
what order, and what it never finds (another party's internal records), on both engines."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.clock import today
from itpp_api.commitments.models import Commitment
from itpp_api.db import transaction
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.conftest import Database
from tests.factories import (
    SYSTEM,
    World,
    auth_headers,
    make_amendment,
    make_commitment,
    make_exchange,
    make_world,
)

API = "/api/v1"
PROBLEM = "application/problem+json"


def search(client: TestClient, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = client.get(f"{API}/search", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def found(body: Any) -> set[tuple[str, str]]:
    return {(item["kind"], item["reference"]) for item in body["items"]}


def make_second_plan(world: World) -> uuid.UUID:
    """A second plan of the same parties, with a cyber area of its own."""
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference="SECOND-PLAN",
                title={"ja": "第二計画", "en": "Second plan"},
                party_ids=[world.japan, world.nato],
                approval_date=today() - timedelta(days=30),
            ),
        )
        create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(
                code="2.1",
                short_code="CYX",
                title={"ja": "サイバー協力", "en": "Cyber cooperation"},
            ),
        )
        return plan.id


@pytest.fixture
def world(client: TestClient) -> World:
    return make_world()


def test_another_partys_internal_commitment_is_never_found_and_answers_like_nothing(
    client: TestClient, world: World
) -> None:
    make_commitment(
        world,
        title={"ja": "秘密の鵺演習", "en": "Zephyrquartz drill"},
        description={"ja": "鵺の詳細", "en": "Only Japan knows about zephyrquartz."},
        visibility="internal",
    )
    make_exchange(
        world, title={"ja": "鵺演習の会合", "en": "Zephyrquartz meeting"}, visibility="internal"
    )
    nato = auth_headers("NATO", "viewer")
    japan = auth_headers("JP", "viewer")

    # Japan, the owner, finds both by trigram and by the short-query fallback.
    for q in ("zephyrquartz", "ZEPHYR", "鵺", "鵺演習"):
        assert {kind for kind, _ in found(search(client, japan, q=q))} == {
            "commitment",
            "exchange",
        }, q
    # NATO gets exactly what a word found nowhere gets: nothing, and no page after it.
    nowhere = search(client, nato, q="nowhereword")
    assert nowhere == {"items": [], "next_cursor": None}
    for q in ("zephyrquartz", "ZEPHYR", "鵺", "鵺演習", "秘密", "knows about"):
        assert search(client, nato, q=q) == nowhere, q
        assert search(client, nato, q=q, kind="commitment", plan_id=str(world.plan)) == nowhere


def test_records_become_findable_when_shared_and_the_index_follows_every_edit(
    client: TestClient, world: World, db: Database
) -> None:
    commitment = make_commitment(
        world, title={"ja": "旧題", "en": "Old heading"}, visibility="internal"
    )
    nato = auth_headers("NATO", "viewer")
    assert search(client, nato, q="old heading")["items"] == []

    with transaction(write=True) as session:
        row = session.get(Commitment, commitment)
        assert row is not None
        row.title = {"ja": "新題", "en": "Fresh heading"}
        row.visibility = "shared"

    assert search(client, nato, q="old heading")["items"] == []
    (item,) = search(client, nato, q="fresh heading")["items"]
    assert item["id"] == str(commitment)
    assert item["title"] == {"ja": "新題", "en": "Fresh heading"}
    assert item["href"] == f"{API}/commitments/{commitment}"

    with transaction(write=True) as session:
        row = session.get(Commitment, commitment)
        assert row is not None
        session.delete(row)
    assert search(client, nato, q="fresh heading")["items"] == []
    if db.name == "sqlite":  # the FTS5 index agrees with the rows it indexes
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_a_party_outside_the_plans_finds_nothing_of_them(client: TestClient, world: World) -> None:
    make_commitment(world, title={"ja": "サイバー演習", "en": "Cyber exercise"})
    from itpp_api.parties.models import Party

    with transaction(write=True) as session:
        session.add(Party(code="AU", name={"en": "Australia", "ja": "オーストラリア"}))
    outsider = auth_headers("AU", "viewer")
    assert search(client, outsider, q="cyber") == {"items": [], "next_cursor": None}
    assert search(client, outsider, q="TEST-PLAN") == {"items": [], "next_cursor": None}


def test_cyber_and_saiba_find_every_kind_across_both_plans(
    client: TestClient, world: World
) -> None:
    second = make_second_plan(world)
    make_commitment(
        world,
        title={"ja": "演習への参加", "en": "Exercise participation"},
        description={"ja": "サイバー演習に参加する。", "en": "Take part in the cyber exercise."},
    )
    make_exchange(world)  # "サイバー防衛セミナー" / "Cyber defence seminar"
    make_amendment(
        world,
        [{"op": "change_term", "term_months": 30}],
        title="Cyber term extension",
    )
    nato = auth_headers("NATO", "approver")

    for q in ("cyber", "CYBER", "サイバー"):
        body = search(client, nato, q=q, limit=50)
        kinds = {item["kind"] for item in body["items"]}
        plans = {item["plan"]["reference"] for item in body["items"]}
        assert {"priority_area", "commitment", "exchange"} <= kinds, q
        assert plans == {"TEST-PLAN", "SECOND-PLAN"}, q
        for item in body["items"]:
            text = item["snippet"]["text"]
            assert item["snippet"]["highlights"], item
            for highlight in item["snippet"]["highlights"]:
                assert text[highlight["start"] : highlight["end"]].casefold() == q.casefold()
    assert "amendment" in {item["kind"] for item in search(client, nato, q="cyber")["items"]}

    only_second = search(client, nato, q="サイバー", plan_id=str(second))
    assert {item["plan"]["id"] for item in only_second["items"]} == {str(second)}
    areas = search(client, nato, q="cyber", kind="priority_area")
    assert found(areas) == {("priority_area", "3.1.1"), ("priority_area", "2.1")}
    assert {item["href"] for item in areas["items"]} >= {f"{API}/priority-areas/{world.cyber}"}


def test_results_are_ranked_reference_then_title_then_text(
    client: TestClient, world: World
) -> None:
    in_text = make_commitment(
        world,
        title={"ja": "訓練", "en": "Training"},
        description={"ja": "港の訓練", "en": "Harbour drills off the coast."},
    )
    in_title = make_commitment(world, title={"ja": "港湾", "en": "Harbour visits"})
    body = search(client, q="harbour")
    assert [item["id"] for item in body["items"]] == [str(in_title), str(in_text)]
    assert body["items"][1]["snippet"]["field"] == "body"
    assert body["items"][0]["snippet"]["field"] == "title"

    reference = search(client, q="harbour visits")["items"][0]["reference"]
    exact = search(client, q=reference.lower())
    assert exact["items"][0]["reference"] == reference


def test_pages_follow_the_ranking_without_repeating(client: TestClient, world: World) -> None:
    for n in range(5):
        make_commitment(world, title={"ja": f"港湾 {n}", "en": f"Harbour {n}"})
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"q": "harbour", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = search(client, **params)
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "cyber", "limit": 0},
        {"q": "cyber", "limit": 51},
        {"q": "cyber", "kind": "milestone"},
        {"q": "cyber", "plan_id": "not-a-plan"},
        {},
    ],
)
def test_out_of_bounds_queries_are_422_problems(
    client: TestClient, world: World, params: dict[str, Any]
) -> None:
    response = client.get(f"{API}/search", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_the_longest_query_and_page_are_accepted(client: TestClient, world: World) -> None:
    assert search(client, q="x" * 200, limit=50) == {"items": [], "next_cursor": None}
    assert search(client, q="%_\\\"'") == {"items": [], "next_cursor": None}


def test_another_partys_internal_record_takes_no_place_in_the_pages(
    client: TestClient, world: World
) -> None:
    """A hidden match neither fills a page nor leaves a next page behind it."""
    make_commitment(
        world, title={"ja": "秘密の訓練", "en": "Quokka secret drill"}, visibility="internal"
    )
    shared = make_commitment(world, title={"ja": "公開の訓練", "en": "Quokka open drill"})
    nato = auth_headers("NATO", "viewer")

    assert len(search(client, auth_headers("JP", "viewer"), q="quokka")["items"]) == 2
    page = search(client, nato, q="quokka", limit=1)
    assert [item["id"] for item in page["items"]] == [str(shared)]
    assert page["next_cursor"] is None
