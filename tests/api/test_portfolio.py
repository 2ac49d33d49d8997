"""The portfolio: every plan of the caller's party, its figures, filters, order and downloads."""

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import select

from itpp_api.clock import today
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.parties.models import Party
from itpp_api.plans.changes import update_plan
from itpp_api.plans.schemas import PlanCreate, PlanUpdate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.conftest import Database, QueryCounter
from tests.factories import (
    SYSTEM,
    World,
    auth_headers,
    make_amendment,
    make_commitment,
    make_world,
)


def days(n: int) -> date:
    return today() + timedelta(days=n)


def another_plan(
    world: World,
    reference: str,
    *,
    with_party: str = "NATO",
    approval_days_ago: int = 100,
    active: bool = True,
) -> World:
    """A plan of Japan with `with_party` (made if need be), one area: the world at it."""
    with transaction(write=True) as session:
        partner = session.scalars(select(Party).where(Party.code == with_party)).first()
        if partner is None:
            partner = Party(code=with_party, name={"en": with_party, "ja": with_party})
            session.add(partner)
            session.flush()
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference=reference,
                title={"ja": f"{reference} 計画", "en": f"{reference} plan"},
                party_ids=[world.japan, partner.id],
                approval_date=today() - timedelta(days=approval_days_ago),
            ),
        )
        area = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(code="1", short_code="ONE", title={"en": "One", "ja": "一"}),
        )
        if active:
            update_plan(
                session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(status=PlanStatus.ACTIVE)
            )
        return replace(world, plan=plan.id, cyber=area.id, maritime=area.id, nato=partner.id)


def portfolio(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    headers = params.pop("headers", {})
    response = client.get("/api/v1/portfolio", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_plan_of_my_party_with_its_figures(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world, status="in_progress", progress=40, due_date=days(-3))
    make_commitment(world, status="completed", progress=100, due_date=days(-3))
    second = another_plan(world, "AU-PLAN", with_party="AU")
    make_commitment(second, lead_party_id=world.japan, status="planned", progress=0)
    make_amendment(second, [{"op": "change_term", "term_months": 30}])

    items = portfolio(client)

    assert [p["reference"] for p in items] == ["AU-PLAN", "TEST-PLAN"]
    au, test = items
    assert [p["code"] for p in au["partners"]] == ["AU"]
    assert test["commitments_total"] == 2 and test["average_progress"] == 70.0
    assert test["by_status"]["in_progress"] == 1 and test["by_status"]["completed"] == 1
    assert test["commitments_overdue"] == 1
    assert test["health"]["unrated"] == 2
    assert test["days_to_expiry"] is not None and test["status"] == "active"
    assert au["consents_awaiting"] == 1 and test["consents_awaiting"] == 0
    assert au["commitments_total"] == 1 and au["average_progress"] == 0.0


def test_the_other_partys_internal_commitments_never_count(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_commitment(world)
    make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        status="in_progress",
        progress=90,
        due_date=days(-5),
    )
    make_commitment(world, visibility="internal", status="deferred", due_date=days(-5))

    (japan,) = portfolio(client)
    (nato,) = portfolio(client, headers=auth_headers("NATO", "viewer"))

    assert japan["commitments_total"] == 2
    assert japan["by_status"]["in_progress"] == 0 and japan["average_progress"] == 0.0
    assert japan["commitments_overdue"] == 1
    assert nato["commitments_total"] == 2
    assert nato["by_status"]["deferred"] == 0 and nato["average_progress"] == 45.0
    assert nato["commitments_overdue"] == 1


def test_a_party_sees_only_its_own_plans(client: TestClient, db: Database) -> None:
    world = make_world()
    another_plan(world, "AU-PLAN", with_party="AU")
    assert [p["reference"] for p in portfolio(client)] == ["AU-PLAN", "TEST-PLAN"]
    nato = portfolio(client, headers=auth_headers("NATO", "viewer"))
    assert [p["reference"] for p in nato] == ["TEST-PLAN"]
    with transaction(write=True) as session:
        session.add(Party(code="KR", name={"en": "Republic of Korea", "ja": "韓国"}))
    assert portfolio(client, headers=auth_headers("KR", "viewer")) == []


def test_filters_and_orders(client: TestClient, db: Database) -> None:
    world = make_world()  # approved 200 days ago: expires in about 530 days
    soon = another_plan(world, "SOON", with_party="AU", approval_days_ago=700)
    make_commitment(soon, due_date=days(-1))
    another_plan(world, "DRAFT", with_party="AU", active=False)

    def refs(**params: Any) -> list[str]:
        return [p["reference"] for p in portfolio(client, **params)]

    assert refs(partner="au") == ["DRAFT", "SOON"]
    assert refs(partner="NATO") == ["TEST-PLAN"]
    assert refs(partner="JP") == []  # my own party is no partner
    assert refs(status="draft") == ["DRAFT"]
    assert refs(status=["active", "draft"]) == ["DRAFT", "SOON", "TEST-PLAN"]
    assert refs(expires_within=60) == ["SOON"]
    # The draft's term runs from its approval date proposed 100 days ago.
    assert refs(sort="days_to_expiry") == ["SOON", "TEST-PLAN", "DRAFT"]
    assert refs(sort="-days_to_expiry") == ["DRAFT", "TEST-PLAN", "SOON"]
    assert refs(sort="-commitments_overdue") == ["SOON", "DRAFT", "TEST-PLAN"]
    assert refs(sort="-reference") == ["TEST-PLAN", "SOON", "DRAFT"]


def test_bad_filters_are_problems_not_errors(client: TestClient, db: Database) -> None:
    make_world()
    for params in (
        {"expires_within": "-1"},
        {"expires_within": "3651"},
        {"sort": "nonsense"},
        {"status": "unknown"},
        {"partner": "X" * 17},
        {"format": "pdf"},
    ):
        response = client.get("/api/v1/portfolio", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")


def test_downloads_as_csv_and_xlsx(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world, status="in_progress", progress=40)
    response = client.get("/api/v1/portfolio", params={"format": "csv", "lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["reference"] == "TEST-PLAN" and rows[0]["title"] == "Test plan"
    assert rows[0]["partners"] == "NATO" and rows[0]["in_progress"] == "1"

    response = client.get("/api/v1/portfolio", params={"format": "xlsx", "lang": "ja"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "reference" and values[1][:2] == ["TEST-PLAN", "試験計画"]


def test_the_same_number_of_statements_for_1_or_5_plans(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    make_commitment(world, due_date=days(-1))
    client.auth.default_header()  # sign in before counting

    def count() -> int:
        query_counter.statements.clear()
        query_counter.active = True
        portfolio(client)
        query_counter.active = False
        return query_counter.count

    one = count()
    for n in range(4):
        other = another_plan(world, f"PLAN-{n}", with_party=f"P{n}")
        make_commitment(other, due_date=days(-1))
        make_amendment(other, [{"op": "change_term", "term_months": 30}])
    five = count()
    assert len(portfolio(client)) == 5
    assert one == five, query_counter.statements
    assert five <= 8  # token, then the plans and four figures (service.py)


def test_needs_a_user_of_a_party(client: TestClient, db: Database) -> None:
    response = client.get("/api/v1/portfolio", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
