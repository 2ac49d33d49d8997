"""The plan dashboard: counts, progress, overdue items and what is ahead, in SQL."""

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, delete, select

from itpp_api.clock import today
from itpp_api.db import transaction
from itpp_api.reviews.models import ReviewCycle
from tests.conftest import Database, QueryCounter
from tests.factories import World, auth_headers, make_commitment, make_exchange, make_world


def dashboard(client: TestClient, world: World, **headers: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/plans/{world.plan}/dashboard", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def days(n: int) -> date:
    return today() + timedelta(days=n)


def test_counts_by_status_and_area_and_average_progress(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world, status="in_progress", progress=40)
    make_commitment(world, status="completed", progress=100)
    make_commitment(world, priority_area_id=world.maritime, status="planned")
    make_commitment(world, priority_area_id=world.maritime, status="cancelled", progress=90)

    body = dashboard(client, world)

    assert body["commitments_total"] == 4
    assert body["by_status"] == {
        "planned": 1,
        "in_progress": 1,
        "completed": 1,
        "deferred": 0,
        "cancelled": 1,
    }
    cyber, maritime = body["areas"]
    assert (cyber["code"], cyber["total"], cyber["average_progress"]) == ("3.1.1", 2, 70.0)
    # A cancelled commitment's progress does not count.
    assert (maritime["code"], maritime["total"], maritime["average_progress"]) == ("3.1.2", 2, 0.0)
    assert body["average_progress"] == round(140 / 3, 1)
    assert body["health"] == {"on_track": 0, "at_risk": 0, "off_track": 0, "unrated": 3}


def test_health_follows_the_commitments(client: TestClient, db: Database) -> None:
    world = make_world()
    ids = [make_commitment(world) for _ in range(3)]
    with transaction(write=True) as session:
        from itpp_api.commitments.models import Commitment

        for commitment_id, health in zip(ids, ("on_track", "at_risk", "at_risk"), strict=True):
            row = session.get(Commitment, commitment_id)
            assert row is not None
            row.health = health
            session.add(row)
    assert dashboard(client, world)["health"] == {
        "on_track": 1,
        "at_risk": 2,
        "off_track": 0,
        "unrated": 0,
    }


def test_overdue_commitments_and_milestones_most_overdue_first(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    late = make_commitment(world, due_date=days(-10), status="in_progress")
    later = make_commitment(
        world,
        due_date=days(-30),
        status="planned",
        milestones=[
            {"title": {"en": "Late step"}, "due_date": days(-20)},
            {"title": {"en": "Done step"}, "due_date": days(-25), "done_on": days(-26)},
            {"title": {"en": "Future step"}, "due_date": days(5)},
        ],
    )
    make_commitment(world, due_date=days(-5), status="completed", progress=100)
    make_commitment(world, due_date=days(10), status="in_progress")

    body = dashboard(client, world)

    assert [c["id"] for c in body["overdue_commitments"]] == [str(later), str(late)]
    assert [m["title"]["en"] for m in body["overdue_milestones"]] == ["Late step"]


def test_exchanges_in_the_next_90_days_soonest_first(client: TestClient, db: Database) -> None:
    world = make_world()
    soon = make_exchange(world, start_date=days(3))
    make_exchange(world, start_date=days(120))
    make_exchange(world, start_date=days(-3), end_date=days(-2), status="held")
    make_exchange(world, start_date=days(10), status="cancelled")
    sooner = make_exchange(world, start_date=days(1))

    body = dashboard(client, world)

    assert [e["id"] for e in body["upcoming_exchanges"]] == [str(sooner), str(soon)]


def test_next_review_and_overdue_reviews(client: TestClient, db: Database) -> None:
    world = make_world()
    with transaction(write=True) as session:
        # Replace the schedule approval made with reviews in the states under test.
        session.execute(delete(ReviewCycle).where(col(ReviewCycle.plan_id) == world.plan))
        for number, due, status in (
            (11, days(-40), "concluded"),
            (12, days(-5), "open"),
            (13, days(60), "scheduled"),
        ):
            session.add(
                ReviewCycle(
                    plan_id=world.plan,
                    number=number,
                    period_start=due - timedelta(days=30),
                    period_end=due,
                    due_date=due,
                    status=status,
                )
            )
    body = dashboard(client, world)
    assert body["next_review"]["number"] == 12
    assert body["next_review"]["is_overdue"] is True
    assert body["next_review"]["days_until_due"] == -5
    assert body["overdue_reviews"] == 1


def test_an_expired_plan_has_no_next_review_and_none_overdue(
    client: TestClient, db: Database
) -> None:
    # Approved 800 days ago for two years: expired, every review still "scheduled".
    world = make_world(approval=today() - timedelta(days=800))
    body = dashboard(client, world)
    assert body["plan"]["status"] == "expired"
    assert body["next_review"] is None
    assert body["overdue_reviews"] == 0


def test_a_closed_plans_open_review_is_next_but_not_overdue(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=today() - timedelta(days=800))
    with transaction(write=True) as session:
        first = session.scalars(
            select(ReviewCycle)
            .where(col(ReviewCycle.plan_id) == world.plan)
            .order_by(col(ReviewCycle.number))
        ).first()
        assert first is not None
        first.status = "open"
        session.add(first)
        number = first.number
    body = dashboard(client, world)
    assert body["next_review"]["number"] == number
    assert body["next_review"]["is_overdue"] is False
    assert body["overdue_reviews"] == 0


def test_term_and_days_to_expiry(client: TestClient, db: Database) -> None:
    world = make_world(approval=today() - timedelta(days=200))
    plan = dashboard(client, world)["plan"]
    expiry = date.fromisoformat(plan["expiry_date"])
    assert plan["days_to_expiry"] == (expiry - today()).days
    assert plan["status"] == "active"


def test_the_other_partys_internal_records_never_count(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world)
    make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        due_date=days(-3),
        status="in_progress",
        milestones=[{"title": {"en": "Secret step"}, "due_date": days(-2)}],
    )
    make_exchange(
        world,
        from_party_id=world.nato,
        to_party_id=world.japan,
        visibility="internal",
        start_date=days(2),
    )

    japan = dashboard(client, world)
    nato = dashboard(client, world, **auth_headers("NATO", "viewer"))

    assert japan["commitments_total"] == 1
    assert japan["overdue_commitments"] == [] and japan["overdue_milestones"] == []
    assert japan["upcoming_exchanges"] == []
    assert all(e["plan_id"] == str(world.plan) for e in japan["recent_activity"])
    assert nato["commitments_total"] == 2
    assert len(nato["overdue_commitments"]) == 1
    assert len(nato["upcoming_exchanges"]) == 1


def test_a_plan_of_other_parties_has_no_dashboard_for_you(client: TestClient, db: Database) -> None:
    world = make_world()
    with transaction(write=True) as session:
        from itpp_api.parties.models import Party

        session.add(Party(code="AUS", name={"en": "Australia"}))
    response = client.get(
        f"/api/v1/plans/{world.plan}/dashboard", headers=auth_headers("AUS", "editor")
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/plans/{uuid.uuid4()}/dashboard").status_code == 404


def test_the_dashboard_costs_the_same_number_of_queries_for_10_or_60_commitments(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    client.auth.default_header()  # sign in before counting

    def count() -> int:
        query_counter.statements.clear()
        query_counter.active = True
        dashboard(client, world)
        query_counter.active = False
        return query_counter.count

    for _ in range(10):
        make_commitment(
            world,
            due_date=days(-1),
            status="in_progress",
            milestones=[{"title": {"en": "Step"}, "due_date": days(-1)}],
        )
        make_exchange(world, start_date=days(5))
    small = count()
    for _ in range(50):
        make_commitment(
            world,
            priority_area_id=world.maritime,
            due_date=days(-2),
            milestones=[{"title": {"en": "Step"}, "due_date": days(-1)}],
        )
        make_exchange(world, start_date=days(6))
    large = count()
    assert small == large, query_counter.statements
    assert large <= 12  # token, plan, its parties, then 8 or 9 of the dashboard (service.py)


def test_each_party_counts_its_own_internal_records_and_the_shared_ones_only(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    # Shared: one planned (cyber), one in progress at 40 (maritime).
    make_commitment(world, status="planned")
    make_commitment(world, priority_area_id=world.maritime, status="in_progress", progress=40)
    # Japan's internal: completed at 100 (cyber), overdue with an overdue milestone.
    make_commitment(world, visibility="internal", status="completed", progress=100)
    make_commitment(
        world,
        visibility="internal",
        status="in_progress",
        progress=10,
        due_date=days(-4),
        milestones=[{"title": {"en": "Japan's step"}, "due_date": days(-3)}],
    )
    # NATO's internal: deferred at 20 (maritime), cancelled (cyber), overdue with a milestone.
    for overrides in (
        {"priority_area_id": world.maritime, "status": "deferred", "progress": 20},
        {"status": "cancelled", "progress": 90},
        {
            "status": "planned",
            "due_date": days(-6),
            "milestones": [{"title": {"en": "NATO's step"}, "due_date": days(-5)}],
        },
    ):
        make_commitment(world, lead_party_id=world.nato, visibility="internal", **overrides)
    with transaction(write=True) as session:
        from itpp_api.commitments.models import Commitment

        for row in session.scalars(select(Commitment).where(Commitment.plan_id == world.plan)):
            # Health set by a review: at risk for everything but the shared planned one.
            row.health = (
                None if row.status == "planned" and row.visibility == "shared" else "at_risk"
            )
            session.add(row)

    japan = dashboard(client, world)
    nato = dashboard(client, world, **auth_headers("NATO", "viewer"))

    def areas(body: dict[str, Any]) -> list[tuple[str, int, dict[str, int], float | None]]:
        return [
            (
                a["code"],
                a["total"],
                {k: v for k, v in a["by_status"].items() if v},
                a["average_progress"],
            )
            for a in body["areas"]
        ]

    assert japan["commitments_total"] == 4
    assert japan["by_status"] == {
        "planned": 1,
        "in_progress": 2,
        "completed": 1,
        "deferred": 0,
        "cancelled": 0,
    }
    assert areas(japan) == [
        ("3.1.1", 3, {"planned": 1, "completed": 1, "in_progress": 1}, round(110 / 3, 1)),
        ("3.1.2", 1, {"in_progress": 1}, 40.0),
    ]
    assert japan["average_progress"] == round(150 / 4, 1)
    assert japan["health"] == {"on_track": 0, "at_risk": 3, "off_track": 0, "unrated": 1}
    assert len(japan["overdue_commitments"]) == 1
    japan_ref = japan["overdue_commitments"][0]["reference"]
    assert [m["title"]["en"] for m in japan["overdue_milestones"]] == ["Japan's step"]
    assert japan["overdue_milestones"][0]["commitment_reference"] == japan_ref

    assert nato["commitments_total"] == 5
    assert nato["by_status"] == {
        "planned": 2,
        "in_progress": 1,
        "completed": 0,
        "deferred": 1,
        "cancelled": 1,
    }
    assert areas(nato) == [
        ("3.1.1", 3, {"planned": 2, "cancelled": 1}, 0.0),
        ("3.1.2", 2, {"in_progress": 1, "deferred": 1}, 30.0),
    ]
    assert nato["average_progress"] == 15.0  # (0 + 0 + 40 + 20) / 4: the cancelled one is out
    assert nato["health"] == {"on_track": 0, "at_risk": 3, "off_track": 0, "unrated": 1}
    assert [m["title"]["en"] for m in nato["overdue_milestones"]] == ["NATO's step"]
    assert len(nato["overdue_commitments"]) == 1
    assert japan_ref not in str(nato) and "Japan's step" not in str(nato)


def test_overdue_milestones_follow_every_write_of_a_milestone(
    client: TestClient, db: Database
) -> None:
    from itpp_api.commitments.models import Commitment, Milestone
    from itpp_api.dashboard.models import OpenMilestone

    world = make_world()
    first = make_commitment(
        world,
        status="in_progress",
        milestones=[
            {"title": {"en": "A"}, "due_date": days(-9)},
            {"title": {"en": "B"}, "due_date": days(-8)},
            {"title": {"en": "C"}, "due_date": days(7)},
            {"title": {"en": "D"}},
        ],
    )
    second = make_commitment(
        world, status="planned", milestones=[{"title": {"en": "E"}, "due_date": days(-7)}]
    )

    def overdue() -> list[str]:
        return [m["title"]["en"] for m in dashboard(client, world)["overdue_milestones"]]

    def milestone(session: Any, title: str) -> Milestone:
        rows = session.scalars(select(Milestone)).all()
        return next(m for m in rows if m.title["en"] == title)

    assert overdue() == ["A", "B", "E"]
    with transaction(write=True) as session:
        milestone(session, "A").done_on = days(-1)  # done
        milestone(session, "C").due_date = days(-10)  # moved into the past
        milestone(session, "D").due_date = days(-2)  # given a due date
        milestone(session, "B").done_on = days(-1)
    with transaction(write=True) as session:
        milestone(session, "B").done_on = None  # reopened
    assert overdue() == ["C", "B", "E", "D"]
    with transaction(write=True) as session:
        session.delete(milestone(session, "C"))
        row = session.get(Commitment, second)
        assert row is not None
        session.delete(row)
    assert overdue() == ["B", "D"]
    # What the table holds is exactly the open, dated milestones, under their commitment's plan.
    with transaction(write=False) as session:
        held = set(session.execute(select(OpenMilestone.milestone_id, OpenMilestone.plan_id)))
        expected = {
            (m.id, world.plan)
            for m in session.scalars(select(Milestone).where(Milestone.commitment_id == first))
            if m.done_on is None and m.due_date is not None
        }
    assert held == expected and len(held) == 2
