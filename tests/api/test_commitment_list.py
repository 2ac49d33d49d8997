"""The commitment list, GET /api/v1/plans/{plan_id}/commitments: filters, sorting, cursor
pagination, a constant number of SQL statements per request, errors and output shape."""

import base64
import uuid
from datetime import date, datetime
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment
from itpp_api.commitments.router import _plain_page_request
from itpp_api.commitments.schemas import CommitmentCreate, CommitmentPublic, CommitmentSort
from itpp_api.commitments.service import create_commitment
from itpp_api.db import transaction
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan, get_plan
from tests.conftest import Database, QueryCounter
from tests.factories import World, make_commitment, make_world

PROBLEM = "application/problem+json"
ALL_SORTS = [sort.value for sort in CommitmentSort]


# --- helpers --------------------------------------------------------------------------------


def url(plan_id: uuid.UUID | str) -> str:
    return f"/api/v1/plans/{plan_id}/commitments"


def assert_problem(response: Any, status: int, problem_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type
    assert body["status"] == status
    return body


def references(client: TestClient, world: World, **params: Any) -> list[str]:
    """The references of one page of the list (default sort: by reference)."""
    response = client.get(url(world.plan), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["reference"] for item in response.json()["items"]]


def walk(client: TestClient, plan_id: uuid.UUID, *, limit: int, **params: Any) -> list[dict]:
    """Every item of the list, following next_cursor page by page."""
    items: list[dict] = []
    cursor: str | None = None
    for _ in range(100):
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        response = client.get(url(plan_id), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def set_health(commitment_id: uuid.UUID, health: str | None) -> None:
    """Health is set by concluded reviews, which no API offers yet: set it in the database."""
    with transaction(write=True) as session:
        session.execute(
            update(Commitment).where(Commitment.id == commitment_id).values(health=health)  # type: ignore[arg-type]
        )


def make_cursor(sort: str, value: Any, record_id: uuid.UUID) -> str:
    payload = orjson.dumps({"s": sort, "v": value, "i": record_id.hex})
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def expected_order(items: list[dict], sort: str) -> list[str]:
    """The ids in the documented order: by the sort key, ties by id; '-' reverses both."""
    name = sort.removeprefix("-")

    def key(item: dict) -> tuple[Any, uuid.UUID]:
        value: Any = item[name]
        if name == "due_date":
            value = value or "9999-12-31"  # no due date: after every date
        elif name in ("created_at", "updated_at"):
            value = datetime.fromisoformat(value)
        return value, uuid.UUID(item["id"])

    return [item["id"] for item in sorted(items, key=key, reverse=sort.startswith("-"))]


def make_filter_world() -> tuple[World, dict[str, uuid.UUID]]:
    """Five commitments that differ in every filterable field.

    ref     area   modality                lead  status       due         health
    CYB-01  3.1.1  exercise_participation  JP    planned      2026-03-01  on_track
    CYB-02  3.1.1  information_sharing     NATO  in_progress  2026-06-30  at_risk
    CYB-03  3.1.1  other                   JP    cancelled    2026-06-30  —
    MAR-01  3.1.2  exercise_participation  JP    completed    2025-12-31  off_track
    MAR-02  3.1.2  expert_dispatch         NATO  deferred     —           at_risk
    """
    world = make_world()
    ids = {
        "CYB-01": make_commitment(
            world,
            reference="CYB-01",
            title={"ja": "サイバー演習への参加", "en": "Cyber exercise participation"},
            modality="exercise_participation",
            status="planned",
            due_date=date(2026, 3, 1),
        ),
        "CYB-02": make_commitment(
            world,
            reference="CYB-02",
            title={"ja": "情報共有の強化", "en": "Information sharing upgrade"},
            modality="information_sharing",
            lead_party_id=world.nato,
            status="in_progress",
            progress=40,
            due_date=date(2026, 6, 30),
        ),
        "CYB-03": make_commitment(
            world,
            reference="CYB-03",
            title={"ja": "100%達成の検証", "en": "Verify the completion_rate"},
            modality="other",
            status="cancelled",
            due_date=date(2026, 6, 30),
        ),
        "MAR-01": make_commitment(
            world,
            priority_area_id=world.maritime,
            reference="MAR-01",
            title={"ja": "海上共同訓練", "en": "Joint maritime drill"},
            modality="exercise_participation",
            status="completed",
            due_date=date(2025, 12, 31),
        ),
        "MAR-02": make_commitment(
            world,
            priority_area_id=world.maritime,
            reference="MAR-02",
            title={"ja": "専門家派遣", "en": "Expert dispatch to MARCOM"},
            modality="expert_dispatch",
            lead_party_id=world.nato,
            status="deferred",
        ),
    }
    for reference, health in (
        ("CYB-01", "on_track"),
        ("CYB-02", "at_risk"),
        ("MAR-01", "off_track"),
        ("MAR-02", "at_risk"),
    ):
        set_health(ids[reference], health)
    return world, ids


def make_other_plan(world: World) -> uuid.UUID:
    """A second plan of the same parties with one commitment, CYB-01, that matches every filter
    the first plan's CYB-01 matches."""
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=Actor.system(),
            data=PlanCreate(
                reference="OTHER-PLAN",
                title={"en": "Another plan"},
                party_ids=[world.japan, world.nato],
            ),
        )
        area = create_area(
            session=session,
            actor=Actor.system(),
            plan=plan,
            data=PriorityAreaCreate(code="3.1.1", short_code="CYB", title={"en": "Cyber"}),
        )
        create_commitment(
            session=session,
            actor=Actor.system(),
            plan=plan,
            data=CommitmentCreate.model_validate(
                {
                    "priority_area_id": area.id,
                    "reference": "CYB-01",
                    "title": {"ja": "サイバー演習への参加", "en": "Cyber exercise participation"},
                    "modality": "exercise_participation",
                    "lead_party_id": world.japan,
                    "due_date": date(2026, 3, 1),
                }
            ),
        )
        return plan.id


def make_many(world: World, count: int) -> None:
    """`count` commitments, each with two milestones and two supporting organisations."""
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=Actor.system())
        for number in range(1, count + 1):
            create_commitment(
                session=session,
                actor=Actor.system(),
                plan=plan,
                data=CommitmentCreate.model_validate(
                    {
                        "priority_area_id": world.cyber if number % 2 else world.maritime,
                        "reference": f"{'CYB' if number % 2 else 'MAR'}-{number:03d}",
                        "title": {"ja": f"約束 {number}", "en": f"Commitment {number}"},
                        "modality": "seminar_symposium",
                        "lead_party_id": world.japan,
                        "lead_organisation_id": world.mofa,
                        "supporting_organisation_ids": [world.mod, world.shape],
                        "due_date": date(2026, 1, 1 + number % 28),
                        "milestones": [
                            {"title": {"en": "Planning"}, "due_date": date(2025, 11, 1)},
                            {"title": {"en": "Delivery"}, "due_date": date(2026, 1, 1)},
                        ],
                    }
                ),
            )


# --- filters --------------------------------------------------------------------------------


def test_without_filters_the_list_returns_every_commitment_of_the_plan_by_reference(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world) == ["CYB-01", "CYB-02", "CYB-03", "MAR-01", "MAR-02"]


def test_list_never_shows_commitments_of_another_plan(client: TestClient, db: Database) -> None:
    world, ids = make_filter_world()
    other_plan = make_other_plan(world)
    response = client.get(url(world.plan), params={"q": "cyber", "lead_party": "JP"})
    assert [item["id"] for item in response.json()["items"]] == [str(ids["CYB-01"])]
    other = client.get(url(other_plan)).json()["items"]
    assert [(item["reference"], item["plan_id"]) for item in other] == [("CYB-01", str(other_plan))]


def test_filter_by_one_status_returns_only_commitments_in_that_status(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, status="in_progress") == ["CYB-02"]
    assert references(client, world, status="completed") == ["MAR-01"]


def test_repeated_status_filter_returns_commitments_in_any_of_those_statuses(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, status=["planned", "deferred"]) == ["CYB-01", "MAR-02"]


def test_unknown_status_value_is_refused_with_422(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    response = client.get(url(world.plan), params={"status": "finished"})
    assert_problem(response, 422, "/problems/validation-error")


def test_filter_by_priority_area_id_returns_only_that_areas_commitments(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, priority_area=str(world.cyber)) == [
        "CYB-01",
        "CYB-02",
        "CYB-03",
    ]


def test_filter_by_priority_area_code_returns_only_that_areas_commitments(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, priority_area="3.1.2") == ["MAR-01", "MAR-02"]


def test_filter_by_priority_area_accepts_ids_and_codes_together(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, priority_area=["3.1.2", str(world.cyber)]) == [
        "CYB-01",
        "CYB-02",
        "CYB-03",
        "MAR-01",
        "MAR-02",
    ]


def test_filter_by_unknown_priority_area_code_returns_nothing(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, priority_area="9.9.9") == []


def test_filter_by_modality_returns_only_commitments_of_that_modality(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, modality="exercise_participation") == ["CYB-01", "MAR-01"]
    assert references(client, world, modality=["expert_dispatch", "other"]) == [
        "CYB-03",
        "MAR-02",
    ]


def test_filter_by_lead_party_id_returns_only_that_partys_commitments(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, lead_party=str(world.nato)) == ["CYB-02", "MAR-02"]


def test_filter_by_lead_party_code_returns_only_that_partys_commitments(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, lead_party="JP") == ["CYB-01", "CYB-03", "MAR-01"]


def test_filter_by_unknown_lead_party_code_returns_nothing(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, lead_party="XX") == []


def test_filter_by_health_returns_only_commitments_with_that_health(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, health="at_risk") == ["CYB-02", "MAR-02"]
    assert references(client, world, health=["on_track", "off_track"]) == ["CYB-01", "MAR-01"]


def test_due_before_is_strict_and_excludes_commitments_without_due_date(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    # CYB-02 and CYB-03 are due exactly on 2026-06-30; MAR-02 has no due date.
    assert references(client, world, due_before="2026-06-30") == ["CYB-01", "MAR-01"]


def test_due_after_is_strict_and_excludes_commitments_without_due_date(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    # CYB-01 is due exactly on 2026-03-01.
    assert references(client, world, due_after="2026-03-01") == ["CYB-02", "CYB-03"]


def test_due_after_and_due_before_together_select_a_window(
    client: TestClient, db: Database
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, due_after="2025-12-31", due_before="2026-06-30") == ["CYB-01"]


def test_malformed_due_date_filter_is_refused_with_422(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    response = client.get(url(world.plan), params={"due_before": "30/06/2026"})
    assert_problem(response, 422, "/problems/validation-error")


def test_q_finds_japanese_title_text(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    assert references(client, world, q="海上") == ["MAR-01"]
    assert references(client, world, q="情報共有") == ["CYB-02"]


def test_q_finds_english_title_text_case_insensitively(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    assert references(client, world, q="maritime") == ["MAR-01"]
    assert references(client, world, q="MARITIME") == ["MAR-01"]
    assert references(client, world, q="Cyber EXERCISE") == ["CYB-01"]


def test_q_finds_the_reference(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    assert references(client, world, q="MAR-02") == ["MAR-02"]
    assert references(client, world, q="cyb-03") == ["CYB-03"]


def test_q_treats_percent_sign_literally(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    # Only CYB-03's Japanese title contains '%'; as a wildcard it would match every row.
    assert references(client, world, q="%") == ["CYB-03"]
    assert references(client, world, q="100%達成") == ["CYB-03"]


def test_q_treats_underscore_literally(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    # Only "completion_rate" contains '_'; as a wildcard it would match any character.
    assert references(client, world, q="_") == ["CYB-03"]
    assert references(client, world, q="n_r") == ["CYB-03"]
    assert references(client, world, q="a_e") == []


def test_q_without_match_returns_nothing(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    assert references(client, world, q="submarine") == []


def test_filters_combine_with_and(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    assert references(
        client, world, lead_party="JP", priority_area="3.1.1", due_after="2026-01-01"
    ) == ["CYB-01", "CYB-03"]
    assert references(
        client,
        world,
        lead_party="JP",
        priority_area="3.1.1",
        due_after="2026-01-01",
        status=["planned", "in_progress"],
    ) == ["CYB-01"]
    assert references(client, world, modality="exercise_participation", health="off_track") == [
        "MAR-01"
    ]
    assert references(client, world, q="cyber", status="completed") == []


def test_filtered_list_paginates_over_matching_rows_only(client: TestClient, db: Database) -> None:
    world, _ = make_filter_world()
    items = walk(client, world.plan, limit=1, lead_party="JP")
    assert [item["reference"] for item in items] == ["CYB-01", "CYB-03", "MAR-01"]


# --- sorting and pagination -----------------------------------------------------------------


def make_sort_world(client: TestClient) -> World:
    """Seven commitments created out of reference order, with tied progress and due dates,
    two without a due date, and two that report progress after creation (so updated_at ≠
    created_at order)."""
    world = make_world()
    for reference, progress, due in (
        ("CYB-04", 40, date(2026, 5, 1)),  # reports 50 below
        ("MAR-01", 5, None),  # reports 10 below
        ("CYB-02", 50, date(2026, 2, 1)),
        ("CYB-07", 0, date(2026, 5, 1)),
        ("MAR-03", 90, date(2025, 9, 30)),
        ("CYB-01", 50, None),
        ("MAR-05", 10, date(2027, 1, 15)),
    ):
        make_commitment(
            world,
            priority_area_id=world.maritime if reference.startswith("MAR") else world.cyber,
            reference=reference,
            progress=progress,
            status="in_progress",
            due_date=due,
        )
    items = client.get(url(world.plan), params={"limit": 200}).json()["items"]
    by_reference = {item["reference"]: item for item in items}
    # A progress report is delivery: the lead party's editor writes it directly on a plan in
    # force (a change of the agreed definition would need an amendment).
    for reference, progress in (("CYB-04", 50), ("MAR-01", 10)):
        item = by_reference[reference]
        response = client.patch(
            f"/api/v1/commitments/{item['id']}",
            json={"progress": progress},
            headers={"If-Match": item["etag"]},
        )
        assert response.status_code == 200, response.text
    return world


@pytest.mark.parametrize("sort", ALL_SORTS)
def test_walking_all_pages_returns_every_row_once_in_the_sort_order(
    client: TestClient, db: Database, sort: str
) -> None:
    world = make_sort_world(client)
    everything = client.get(url(world.plan), params={"limit": 200}).json()["items"]
    assert len(everything) == 7
    walked = walk(client, world.plan, limit=2, sort=sort)
    ids = [item["id"] for item in walked]
    assert len(ids) == len(set(ids)) == 7
    assert ids == expected_order(everything, sort)


def test_one_page_with_a_large_limit_has_the_same_order_as_walking_pages(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    for sort in ALL_SORTS:
        whole = client.get(url(world.plan), params={"limit": 200, "sort": sort}).json()
        assert whole["next_cursor"] is None
        walked = walk(client, world.plan, limit=3, sort=sort)
        assert [i["id"] for i in walked] == [i["id"] for i in whole["items"]], sort


def test_sort_by_reference_ascending_and_descending(client: TestClient, db: Database) -> None:
    world = make_sort_world(client)
    expected = ["CYB-01", "CYB-02", "CYB-04", "CYB-07", "MAR-01", "MAR-03", "MAR-05"]
    assert [i["reference"] for i in walk(client, world.plan, limit=2)] == expected
    assert [
        i["reference"] for i in walk(client, world.plan, limit=2, sort="-reference")
    ] == expected[::-1]


def test_sort_by_due_date_puts_commitments_without_due_date_last(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    walked = walk(client, world.plan, limit=2, sort="due_date")
    assert [i["due_date"] for i in walked] == [
        "2025-09-30",
        "2026-02-01",
        "2026-05-01",
        "2026-05-01",
        "2027-01-15",
        None,
        None,
    ]
    assert {i["reference"] for i in walked[-2:]} == {"CYB-01", "MAR-01"}


def test_sort_by_due_date_descending_is_the_exact_reverse_of_ascending(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    ascending = [i["id"] for i in walk(client, world.plan, limit=2, sort="due_date")]
    descending = [i["id"] for i in walk(client, world.plan, limit=2, sort="-due_date")]
    assert descending == ascending[::-1]


def test_sort_by_progress_breaks_ties_by_id(client: TestClient, db: Database) -> None:
    world = make_sort_world(client)
    everything = client.get(url(world.plan), params={"limit": 200}).json()["items"]
    tied = sorted((i for i in everything if i["progress"] == 50), key=lambda i: uuid.UUID(i["id"]))
    assert len(tied) == 3
    walked = walk(client, world.plan, limit=2, sort="progress")
    assert [i["progress"] for i in walked] == [0, 10, 10, 50, 50, 50, 90]
    assert [i["id"] for i in walked[3:6]] == [i["id"] for i in tied]


def test_sort_by_progress_descending_breaks_ties_by_id_descending(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    everything = client.get(url(world.plan), params={"limit": 200}).json()["items"]
    tied = sorted(
        (i for i in everything if i["progress"] == 50),
        key=lambda i: uuid.UUID(i["id"]),
        reverse=True,
    )
    walked = walk(client, world.plan, limit=2, sort="-progress")
    assert [i["progress"] for i in walked] == [90, 50, 50, 50, 10, 10, 0]
    assert [i["id"] for i in walked[1:4]] == [i["id"] for i in tied]


def test_sort_by_updated_at_puts_recently_updated_commitments_last(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    walked = walk(client, world.plan, limit=2, sort="updated_at")
    assert [i["reference"] for i in walked[-2:]] == ["CYB-04", "MAR-01"]
    newest_first = walk(client, world.plan, limit=2, sort="-updated_at")
    assert [i["reference"] for i in newest_first[:2]] == ["MAR-01", "CYB-04"]


def test_sort_by_created_at_follows_creation_order(client: TestClient, db: Database) -> None:
    world = make_sort_world(client)
    created = ["CYB-04", "MAR-01", "CYB-02", "CYB-07", "MAR-03", "CYB-01", "MAR-05"]
    walked = walk(client, world.plan, limit=2, sort="created_at")
    assert [i["reference"] for i in walked] == created
    walked = walk(client, world.plan, limit=2, sort="-created_at")
    assert [i["reference"] for i in walked] == created[::-1]


def test_next_cursor_is_null_on_the_last_page_even_when_it_is_full(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    for _ in range(4):
        make_commitment(world)
    first = client.get(url(world.plan), params={"limit": 2}).json()
    assert [i["reference"] for i in first["items"]] == ["CYB-01", "CYB-02"]
    assert first["next_cursor"] is not None
    second = client.get(url(world.plan), params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["reference"] for i in second["items"]] == ["CYB-03", "CYB-04"]
    assert second["next_cursor"] is None


def test_empty_list_has_no_items_and_no_next_cursor(client: TestClient, db: Database) -> None:
    world = make_world()
    assert client.get(url(world.plan)).json() == {"items": [], "next_cursor": None, "total": 0}


def test_default_page_size_is_50(client: TestClient, db: Database) -> None:
    world = make_world()
    make_many(world, 51)
    page = client.get(url(world.plan)).json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


def test_cursor_of_one_sort_used_with_another_sort_is_refused_as_invalid_cursor(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)
    cursor = client.get(url(world.plan), params={"limit": 2, "sort": "due_date"}).json()[
        "next_cursor"
    ]
    assert cursor is not None
    for other_sort in ("-due_date", "reference", "progress"):
        response = client.get(
            url(world.plan), params={"limit": 2, "sort": other_sort, "cursor": cursor}
        )
        assert_problem(response, 400, "/problems/invalid-cursor")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!not base64!!!",
        "eyJzIjoicmVmZXJlbmNlIn0",
        base64.urlsafe_b64encode(b"[1,2]").decode(),
    ],
    ids=["word", "not-base64", "json-without-fields", "json-list"],
)
def test_garbage_cursor_is_refused_with_400_invalid_cursor(
    client: TestClient, db: Database, cursor: str
) -> None:
    world = make_sort_world(client)
    response = client.get(url(world.plan), params={"limit": 2, "cursor": cursor})
    assert_problem(response, 400, "/problems/invalid-cursor")


@pytest.mark.parametrize(
    ("sort", "value"),
    [("due_date", "not-a-date"), ("progress", "fifty"), ("updated_at", "yesterday")],
)
def test_cursor_with_a_damaged_value_is_refused_with_400_invalid_cursor(
    client: TestClient, db: Database, sort: str, value: str
) -> None:
    world = make_sort_world(client)
    response = client.get(
        url(world.plan), params={"sort": sort, "cursor": make_cursor(sort, value, uuid.uuid4())}
    )
    assert_problem(response, 400, "/problems/invalid-cursor")


def test_limit_over_the_cap_of_200_is_refused_with_422(client: TestClient, db: Database) -> None:
    world = make_world()
    assert_problem(
        client.get(url(world.plan), params={"limit": 201}), 422, "/problems/validation-error"
    )
    assert client.get(url(world.plan), params={"limit": 200}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
def test_limit_below_one_or_not_a_number_is_refused_with_422(
    client: TestClient, db: Database, limit: str
) -> None:
    world = make_world()
    response = client.get(url(world.plan), params={"limit": limit})
    assert_problem(response, 422, "/problems/validation-error")


def test_unknown_sort_option_is_refused_with_422(client: TestClient, db: Database) -> None:
    world = make_world()
    response = client.get(url(world.plan), params={"sort": "title"})
    assert_problem(response, 422, "/problems/validation-error")


# --- the plain first-page request (commitments.router._ListRoute) ----------------------------


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        (b"", 50),
        (b"limit=3", 3),
        (b"limit=200", 200),
        (b"limit=201", None),
        (b"limit=0", None),
        (b"limit=03", None),
        (b"limit=", None),
        (b"limit=-1", None),
        (b"limit=3&sort=reference", None),
        (b"sort=reference&limit=3", None),
        (b"limit=3&cursor=x", None),
        (b"status=planned", None),
    ],
)
def test_only_a_plain_first_page_request_takes_the_short_way(
    query: bytes, plain: int | None
) -> None:
    plan_id = uuid.uuid4()
    expected = None if plain is None else (plan_id, plain)
    assert _plain_page_request(str(plan_id), query) == expected
    assert _plain_page_request(plan_id.hex, query) is None  # FastAPI's reading of other forms


def test_the_short_way_and_the_whole_way_give_the_same_responses(
    client: TestClient, anonymous_client: TestClient, db: Database
) -> None:
    world = make_world()
    make_many(world, 5)
    for plain, spelled_out in (
        ("", "?sort=reference"),
        ("?limit=3", "?sort=reference&limit=3"),
        ("?limit=3", "?limit=003"),
    ):
        short, whole = (
            client.get(url(world.plan) + plain),
            client.get(url(world.plan) + spelled_out),
        )
        assert short.status_code == whole.status_code == 200
        assert short.content == whole.content
        assert short.headers["content-type"] == whole.headers["content-type"]
    assert len(client.get(url(world.plan) + "?limit=3").json()["items"]) == 3
    unknown = url(uuid.uuid4())
    short, whole = client.get(unknown), client.get(unknown + "?sort=reference")
    assert short.status_code == whole.status_code == 404
    assert short.json()["type"] == whole.json()["type"]
    short, whole = (
        anonymous_client.get(url(world.plan)),
        anonymous_client.get(url(world.plan) + "?sort=reference"),
    )
    assert short.status_code == whole.status_code == 401
    assert short.json() == whole.json()
    assert short.headers.get("www-authenticate") == whole.headers.get("www-authenticate")


# --- SQL statements per request ---------------------------------------------------------------


def test_list_runs_the_same_small_number_of_sql_statements_whatever_the_page_size(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    make_many(world, 100)
    # Sign the test client in before counting: that happens once, not per request.
    client.auth.default_header()
    counts: dict[int, int] = {}
    for limit in (5, 100):
        query_counter.statements.clear()
        query_counter.active = True
        response = client.get(url(world.plan), params={"limit": limit})
        query_counter.active = False
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert len(items) == limit
        assert all(len(i["milestones"]) == 2 for i in items)
        assert all(len(i["supporting_organisation_ids"]) == 2 for i in items)
        counts[limit] = query_counter.count
    assert counts[5] == counts[100], query_counter.statements
    assert 1 <= counts[100] <= 6, query_counter.statements


# --- errors on the plan ---------------------------------------------------------------------


def test_list_of_an_unknown_plan_is_404_problem(client: TestClient, db: Database) -> None:
    make_world()
    response = client.get(url(uuid.uuid4()))
    assert_problem(response, 404, "/problems/not-found")


def test_list_with_a_malformed_plan_id_is_422_problem(client: TestClient, db: Database) -> None:
    response = client.get(url("not-a-uuid"))
    body = assert_problem(response, 422, "/problems/validation-error")
    assert any("plan_id" in error["loc"] for error in body["errors"])


# --- output shape ---------------------------------------------------------------------------


def test_every_item_validates_against_the_public_commitment_schema(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_many(world, 3)
    make_commitment(world, description={"en": "With a description"}, pcm_activity_ref="PCM-7")
    items = client.get(url(world.plan)).json()["items"]
    assert len(items) == 4
    for item in items:
        commitment = CommitmentPublic.model_validate(item)
        assert commitment.plan_id == world.plan
        assert set(item) == set(CommitmentPublic.model_fields)
    with_milestones = next(i for i in items if i["reference"] == "CYB-001")
    assert [m["title"] for m in with_milestones["milestones"]] == [
        {"en": "Planning"},
        {"en": "Delivery"},
    ]
    assert with_milestones["priority_area_code"] == "3.1.1"
    assert with_milestones["supporting_organisation_ids"] == [str(world.mod), str(world.shape)]


def test_item_etag_equals_the_etag_header_of_the_commitment(
    client: TestClient, db: Database
) -> None:
    world = make_sort_world(client)  # two of these have been updated: their ETags moved
    items = client.get(url(world.plan)).json()["items"]
    assert len(items) == 7
    for item in items:
        response = client.get(f"/api/v1/commitments/{item['id']}")
        assert response.status_code == 200
        assert item["etag"] == response.headers["ETag"]
        detail = response.json()
        # The detail adds the exchanges that deliver the commitment (none here).
        assert detail.pop("exchanges") == []
        assert detail == item
