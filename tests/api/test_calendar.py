"""The plan calendar and personal calendar feeds (issue 4 §4): GET
/api/v1/plans/{plan_id}/calendar.ics and /api/v1/users/me/calendar-feeds. The documents parse
with the icalendar library and hold exactly the events the reader may see, as all-day events
with stable UIDs, in the reader's language."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from icalendar import Calendar
from sqlalchemy import select, update

from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.commitments.models import Milestone
from itpp_api.db import transaction
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan
from itpp_api.plans.schemas import PlanCreate
from itpp_api.plans.service import create_plan
from itpp_api.reviews.models import ReviewCycle
from tests.api.test_conventions import assert_problem, row_counts
from tests.conftest import Database
from tests.factories import (
    World,
    make_commitment,
    make_exchange,
    make_user,
    make_world,
    token_for,
)

API = "/api/v1"
FEEDS = f"{API}/users/me/calendar-feeds"
SYSTEM = Actor.system()


# --- helpers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    summary: str
    start: date
    end: date
    status: str | None
    location: str | None


def parse(response: Response) -> dict[str, Event]:
    """The events of an iCalendar response by UID (DTSTAMP, which changes, left out)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    events: dict[str, Event] = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component["UID"])
        assert uid not in events, f"UID {uid} appears twice"
        start = component.decoded("DTSTART")
        end = component.decoded("DTEND")
        # All-day events: dates, not date-times.
        assert type(start) is date and type(end) is date, uid
        events[uid] = Event(
            summary=str(component["SUMMARY"]),
            start=start,
            end=end,
            status=str(component["STATUS"]) if "STATUS" in component else None,
            location=str(component["LOCATION"]) if "LOCATION" in component else None,
        )
    return events


def calendar_url(plan_id: uuid.UUID | str) -> str:
    return f"{API}/plans/{plan_id}/calendar.ics"


def exchange_uid(exchange_id: uuid.UUID) -> str:
    return f"exchange-{exchange_id}@itpp-tracker"


def due_uid(commitment_id: uuid.UUID) -> str:
    return f"commitment-due-{commitment_id}@itpp-tracker"


def milestone_uid(milestone_id: uuid.UUID) -> str:
    return f"milestone-{milestone_id}@itpp-tracker"


def expiry_uid(plan_id: uuid.UUID) -> str:
    return f"plan-expiry-{plan_id}@itpp-tracker"


def review_uids(plan_id: uuid.UUID) -> set[str]:
    """The calendar UIDs of a plan's reviews (scheduled when the plan was approved)."""
    with transaction(write=False) as session:
        ids = session.scalars(select(ReviewCycle.id).where(ReviewCycle.plan_id == plan_id))
        return {f"review-{review_id}@itpp-tracker" for review_id in ids}


def dated_milestones(commitment_id: uuid.UUID) -> list[uuid.UUID]:
    with transaction(write=False) as session:
        return list(
            session.scalars(
                select(Milestone.id).where(
                    Milestone.commitment_id == commitment_id,
                    Milestone.due_date.is_not(None),  # type: ignore[union-attr]
                )
            )
        )


def headers_of(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id)}"}


def make_plan(reference: str, party_ids: list[uuid.UUID]) -> uuid.UUID:
    """A draft plan of these parties, approved on 1 April 2026 (so it has an expiry date)."""
    with transaction(write=True) as session:
        return create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference=reference,
                title={"ja": "別の計画", "en": reference},
                party_ids=party_ids,
                approval_date=date(2026, 4, 1),
            ),
        ).id


def make_party(code: str) -> uuid.UUID:
    with transaction(write=True) as session:
        party = Party(code=code, name={"en": code})
        session.add(party)
        session.flush()
        return party.id


@dataclass(frozen=True)
class CalendarWorld:
    world: World
    ids: dict[str, uuid.UUID]
    shared: set[str]  # UIDs every party of the plan sees
    japan_only: set[str]  # UIDs of records internal to Japan
    nato_only: set[str]  # UIDs of records internal to NATO


def make_calendar_world() -> CalendarWorld:
    """Commitments, milestones and exchanges of TEST-PLAN, each dated, undated, cancelled,
    shared or internal to one party, and an exchange of another plan.

    record  what                                          in the calendar of
    reviews 1 and 2 of TEST-PLAN (due dates)               both
    CYB-01  due 2026-12-31, milestone 2026-03-01 (+1 undated)   both
    CYB-02  no due date, no milestone                      —
    CYB-03  cancelled, due 2026-06-30, milestone 2026-05-01  —
    CYB-JP-01  internal to Japan, due 2026-11-30              Japan
    MAR-NATO-01  internal to NATO, due 2027-01-31, ms 2026-08-01  NATO
    EX-001  seminar 2026-09-14 → 2026-09-16, confirmed     both
    EX-002  dialogue on 2026-05-20 (one day)               both
    EX-003  visit 2026-06-10 → 2026-06-11, cancelled        both (STATUS:CANCELLED)
    EX-004  placement from 2026-04-01 (open-ended), title in English only   both
    EX-NATO-001  internal to NATO, 2026-07-01                   NATO
    EX-JP-001  internal to Japan, 2026-07-02                  Japan
    """
    world = make_world()
    ids: dict[str, uuid.UUID] = {}
    ids["CYB-01"] = make_commitment(
        world,
        reference="CYB-01",
        due_date=date(2026, 12, 31),
        milestones=[
            {"title": {"ja": "開始", "en": "Kick-off"}, "due_date": date(2026, 3, 1)},
            {"title": {"en": "Undated step"}},
        ],
    )
    ids["CYB-02"] = make_commitment(world, reference="CYB-02")
    ids["CYB-03"] = make_commitment(
        world,
        reference="CYB-03",
        status="cancelled",
        due_date=date(2026, 6, 30),
        milestones=[{"title": {"en": "Never"}, "due_date": date(2026, 5, 1)}],
    )
    ids["CYB-JP-01"] = make_commitment(
        world,
        reference="CYB-JP-01",
        title={"ja": "日本の内部作業", "en": "Japan internal work"},
        visibility="internal",
        due_date=date(2026, 11, 30),
    )
    ids["MAR-NATO-01"] = make_commitment(
        world,
        priority_area_id=world.maritime,
        reference="MAR-NATO-01",
        title={"en": "NATO internal commitment"},
        lead_party_id=world.nato,
        visibility="internal",
        due_date=date(2027, 1, 31),
        milestones=[{"title": {"en": "NATO step"}, "due_date": date(2026, 8, 1)}],
    )
    ids["EX-001"] = make_exchange(
        world,
        reference="EX-001",
        start_date=date(2026, 9, 14),
        end_date=date(2026, 9, 16),
        location="Brussels",
        status="confirmed",
    )
    ids["EX-002"] = make_exchange(
        world,
        reference="EX-002",
        kind="dialogue",
        title={"ja": "日・NATO ハイレベル政治対話", "en": "High-level political dialogue"},
        start_date=date(2026, 5, 20),
    )
    ids["EX-003"] = make_exchange(
        world,
        reference="EX-003",
        kind="visit",
        title={"ja": "中止された訪問", "en": "Cancelled visit"},
        start_date=date(2026, 6, 10),
        end_date=date(2026, 6, 11),
        status="cancelled",
    )
    ids["EX-004"] = make_exchange(
        world,
        reference="EX-004",
        kind="placement",
        title={"en": "Liaison officer at SHAPE"},
        start_date=date(2026, 4, 1),
        host_organisation_id=world.shape,
    )
    ids["EX-NATO-001"] = make_exchange(
        world,
        reference="EX-NATO-001",
        title={"en": "NATO internal planning"},
        from_party_id=world.nato,
        to_party_id=world.japan,
        visibility="internal",
        start_date=date(2026, 7, 1),
    )
    ids["EX-JP-001"] = make_exchange(
        world,
        reference="EX-JP-001",
        title={"ja": "日本の内部準備", "en": "Japan internal preparation"},
        visibility="internal",
        start_date=date(2026, 7, 2),
    )
    # Another plan of the same parties: never in TEST-PLAN's calendar.
    other = make_plan("OTHER-PLAN", [world.japan, world.nato])
    ids["OTHER-PLAN"] = other
    ids["OTHER-EX"] = make_exchange(world, plan_id=other, start_date=date(2026, 5, 5))

    (ids["CYB-01/ms"],) = dated_milestones(ids["CYB-01"])
    (ids["MAR-NATO-01/ms"],) = dated_milestones(ids["MAR-NATO-01"])
    shared = {
        expiry_uid(world.plan),
        *review_uids(world.plan),
        due_uid(ids["CYB-01"]),
        milestone_uid(ids["CYB-01/ms"]),
        *(exchange_uid(ids[r]) for r in ("EX-001", "EX-002", "EX-003", "EX-004")),
    }
    return CalendarWorld(
        world=world,
        ids=ids,
        shared=shared,
        japan_only={due_uid(ids["CYB-JP-01"]), exchange_uid(ids["EX-JP-001"])},
        nato_only={
            due_uid(ids["MAR-NATO-01"]),
            milestone_uid(ids["MAR-NATO-01/ms"]),
            exchange_uid(ids["EX-NATO-001"]),
        },
    )


def nato_user(*, email: str | None = None) -> uuid.UUID:
    return make_user("NATO", "editor", email=email)


# --- the plan calendar ------------------------------------------------------------------------


def test_the_calendar_is_an_icalendar_document_named_after_the_plan(client: TestClient) -> None:
    world = make_world()
    response = client.get(calendar_url(world.plan))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "TEST-PLAN.ics" in response.headers["content-disposition"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.get("PRODID")


def test_a_plan_title_with_a_line_break_names_the_calendar_on_one_line(
    client: TestClient,
) -> None:
    # Found by the fuzzer (the feed failed with 500: icalendar refuses a line break in
    # X-WR-CALNAME); a fixed example since the gate's fuzzing budget is smaller.
    world = make_world()
    with transaction(write=True) as session:
        plan = session.get(Plan, world.plan)
        assert plan is not None
        plan.title = {"ja": "一行目\n二行目", "en": "First line\nsecond line"}
        session.add(plan)
    response = client.get(calendar_url(world.plan))
    assert response.status_code == 200, response.text
    name = str(Calendar.from_ical(response.content)["X-WR-CALNAME"])
    assert name in ("一行目 二行目", "First line second line")


def test_japans_calendar_has_exactly_the_events_japan_may_see(client: TestClient) -> None:
    cw = make_calendar_world()
    events = parse(client.get(calendar_url(cw.world.plan)))
    assert set(events) == cw.shared | cw.japan_only


def test_natos_calendar_has_exactly_the_events_nato_may_see(client: TestClient) -> None:
    cw = make_calendar_world()
    nato = headers_of(nato_user())
    events = parse(client.get(calendar_url(cw.world.plan), headers=nato))
    assert set(events) == cw.shared | cw.nato_only


def test_the_two_parties_calendars_differ_by_exactly_their_internal_records(
    client: TestClient,
) -> None:
    cw = make_calendar_world()
    japan = set(parse(client.get(calendar_url(cw.world.plan))))
    nato = set(parse(client.get(calendar_url(cw.world.plan), headers=headers_of(nato_user()))))
    assert japan - nato == cw.japan_only
    assert nato - japan == cw.nato_only
    assert japan & nato == cw.shared


def test_events_are_all_day_and_end_the_day_after_their_last_day(client: TestClient) -> None:
    cw = make_calendar_world()
    ids = cw.ids
    expiry = date.fromisoformat(client.get(f"{API}/plans/{cw.world.plan}").json()["expiry_date"])
    events = parse(client.get(calendar_url(cw.world.plan)))

    def span(uid: str) -> tuple[date, date]:
        return events[uid].start, events[uid].end

    assert span(exchange_uid(ids["EX-001"])) == (date(2026, 9, 14), date(2026, 9, 17))
    assert span(exchange_uid(ids["EX-002"])) == (date(2026, 5, 20), date(2026, 5, 21))
    assert span(exchange_uid(ids["EX-003"])) == (date(2026, 6, 10), date(2026, 6, 12))
    # An open-ended placement shows on the day it starts.
    assert span(exchange_uid(ids["EX-004"])) == (date(2026, 4, 1), date(2026, 4, 2))
    assert span(due_uid(ids["CYB-01"])) == (date(2026, 12, 31), date(2027, 1, 1))
    assert span(milestone_uid(ids["CYB-01/ms"])) == (date(2026, 3, 1), date(2026, 3, 2))
    assert span(expiry_uid(cw.world.plan)) == (expiry, expiry + timedelta(days=1))
    assert events[exchange_uid(ids["EX-001"])].location == "Brussels"


def test_a_cancelled_exchange_stays_marked_cancelled_and_cancelled_commitments_are_absent(
    client: TestClient,
) -> None:
    cw = make_calendar_world()
    events = parse(client.get(calendar_url(cw.world.plan)))

    cancelled = [uid for uid, event in events.items() if event.status == "CANCELLED"]

    assert cancelled == [exchange_uid(cw.ids["EX-003"])]
    assert due_uid(cw.ids["CYB-03"]) not in events
    assert not any(e.summary.endswith("Never") for e in events.values())


def test_an_exchange_cancelled_later_keeps_its_uid_and_becomes_cancelled(
    client: TestClient,
) -> None:
    world = make_world()
    exchange = make_exchange(world, start_date=date(2026, 9, 14))
    uid = exchange_uid(exchange)
    before = parse(client.get(calendar_url(world.plan)))[uid]
    etag = client.get(f"{API}/exchanges/{exchange}").headers["etag"]
    assert (
        client.delete(f"{API}/exchanges/{exchange}", headers={"If-Match": etag}).status_code == 200
    )

    after = parse(client.get(calendar_url(world.plan)))[uid]

    assert before.status != "CANCELLED"
    assert after.status == "CANCELLED"
    assert (after.start, after.end) == (before.start, before.end)


def test_summaries_are_in_the_readers_language_falling_back_to_english(
    client: TestClient,
) -> None:
    # The signed-in Japan editor prefers Japanese; the NATO editor English.
    cw = make_calendar_world()
    ids = cw.ids
    japanese = parse(client.get(calendar_url(cw.world.plan)))
    english = parse(client.get(calendar_url(cw.world.plan), headers=headers_of(nato_user())))

    seminar = exchange_uid(ids["EX-001"])
    assert "サイバー防衛セミナー" in japanese[seminar].summary
    assert "Cyber defence" not in japanese[seminar].summary
    assert "Cyber defence seminar" in english[seminar].summary
    assert "セミナー" not in english[seminar].summary
    assert "EX-001" in japanese[seminar].summary

    due = due_uid(ids["CYB-01"])
    assert "演習への参加" in japanese[due].summary and "CYB-01" in japanese[due].summary
    assert "Exercise participation" in english[due].summary
    milestone = milestone_uid(ids["CYB-01/ms"])
    assert "開始" in japanese[milestone].summary
    assert "Kick-off" in english[milestone].summary
    assert "試験計画" in japanese[expiry_uid(cw.world.plan)].summary
    assert "Test plan" in english[expiry_uid(cw.world.plan)].summary

    # No Japanese title: the Japanese reader gets the English one.
    placement = exchange_uid(ids["EX-004"])
    assert "Liaison officer at SHAPE" in japanese[placement].summary


def test_the_language_follows_the_users_preference_not_the_party(client: TestClient) -> None:
    world = make_world()
    exchange = make_exchange(world)
    user_id = make_user("JP", "viewer")
    with transaction(write=True) as session:
        session.execute(update(User).where(User.id == user_id).values(preferred_language="en"))  # type: ignore[arg-type]

    events = parse(client.get(calendar_url(world.plan), headers=headers_of(user_id)))

    assert "Cyber defence seminar" in events[exchange_uid(exchange)].summary


def test_the_calendar_of_a_plan_outside_the_readers_party_or_unknown_is_404(
    client: TestClient,
) -> None:
    world = make_world()
    australia = make_party("AU")
    foreign = make_plan("NATO-AU", [world.nato, australia])
    assert_problem(client.get(calendar_url(foreign)), 404, "not-found")
    assert_problem(client.get(calendar_url(uuid.uuid4())), 404, "not-found")


def test_the_plan_calendar_needs_sign_in(anonymous_client: TestClient) -> None:
    world = make_world()
    assert_problem(anonymous_client.get(calendar_url(world.plan)), 401, "unauthorized")


# --- personal feeds ---------------------------------------------------------------------------


def create_feed(
    client: TestClient, *, headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    payload = {"name": "Office calendar", **body}
    payload = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()}
    response = client.post(FEEDS, json=payload, headers=headers or {})
    assert response.status_code == 201, response.text
    feed: dict[str, Any] = response.json()
    return feed


def feed_path(feed: dict[str, Any]) -> str:
    return urlparse(feed["url"]).path


def test_a_new_feed_shows_its_url_once_and_the_list_never_shows_the_secret(
    client: TestClient,
) -> None:
    world = make_world()

    feed = create_feed(client, plan_id=world.plan)

    path = feed_path(feed)
    assert path.startswith(f"{API}/calendar-feeds/") and path.endswith(".ics")
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(secret) >= 20
    assert feed["name"] == "Office calendar"
    assert feed["plan_id"] == str(world.plan)
    assert feed["last_used_at"] is None
    listed = client.get(FEEDS)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [feed["id"]]
    assert "url" not in listed.json()["items"][0]
    assert secret not in listed.text
    # Two feeds never share a secret.
    assert feed_path(create_feed(client, plan_id=world.plan)) != path


@pytest.mark.parametrize("party", ["JP", "NATO"])
def test_the_feed_read_without_credentials_equals_its_users_own_calendar(
    client: TestClient, anonymous_client: TestClient, party: str
) -> None:
    cw = make_calendar_world()
    headers = {} if party == "JP" else headers_of(nato_user())
    feed = create_feed(client, headers=headers, plan_id=cw.world.plan)

    from_feed = parse(anonymous_client.get(feed_path(feed)))
    own = parse(client.get(calendar_url(cw.world.plan), headers=headers))

    assert from_feed == own
    expected = cw.shared | (cw.japan_only if party == "JP" else cw.nato_only)
    assert set(from_feed) == expected


def test_reading_a_feed_records_when_it_was_last_used(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    feed = create_feed(client, plan_id=world.plan)
    assert anonymous_client.get(feed_path(feed)).status_code == 200
    (item,) = client.get(FEEDS).json()["items"]
    assert item["last_used_at"] is not None
    assert datetime.fromisoformat(item["last_used_at"]) >= datetime.fromisoformat(
        feed["created_at"]
    )


def test_a_feed_shows_what_its_user_may_see_at_the_time_of_reading(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    feed = create_feed(client, plan_id=world.plan)
    before = parse(anonymous_client.get(feed_path(feed)))

    later = make_exchange(world, start_date=date(2026, 10, 1))

    after = parse(anonymous_client.get(feed_path(feed)))
    assert set(after) - set(before) == {exchange_uid(later)}


def test_a_revoked_feed_is_404_at_once_and_leaves_the_list(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    feed = create_feed(client, plan_id=world.plan)
    kept = create_feed(client, name="Phone", plan_id=world.plan)
    assert anonymous_client.get(feed_path(feed)).status_code == 200

    revoked = client.delete(f"{FEEDS}/{feed['id']}")

    assert revoked.status_code == 204, revoked.text
    assert_problem(anonymous_client.get(feed_path(feed)), 404, "not-found")
    assert [item["id"] for item in client.get(FEEDS).json()["items"]] == [kept["id"]]
    assert anonymous_client.get(feed_path(kept)).status_code == 200


def test_a_user_cannot_revoke_someone_elses_feed(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    feed = create_feed(client, plan_id=world.plan)
    other = headers_of(make_user("JP", "editor", email="colleague@test.example"))

    assert_problem(client.delete(f"{FEEDS}/{feed['id']}", headers=other), 404, "not-found")
    assert client.get(FEEDS, headers=other).json()["items"] == []
    assert anonymous_client.get(feed_path(feed)).status_code == 200


def test_the_feed_of_a_deactivated_user_is_404(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    user_id = make_user("JP", "viewer")
    feed = create_feed(client, headers=headers_of(user_id), plan_id=world.plan)
    assert anonymous_client.get(feed_path(feed)).status_code == 200

    with transaction(write=True) as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=False))  # type: ignore[arg-type]

    assert_problem(anonymous_client.get(feed_path(feed)), 404, "not-found")


def test_a_feed_of_all_plans_covers_every_plan_of_the_users_party_and_no_other(
    client: TestClient, anonymous_client: TestClient
) -> None:
    world = make_world()
    in_plan = make_exchange(world, start_date=date(2026, 9, 1))
    second_plan = make_plan("SECOND-PLAN", [world.japan, world.nato])
    in_second = make_exchange(world, plan_id=second_plan, start_date=date(2026, 9, 2))
    australia = make_party("AU")
    foreign_plan = make_plan("NATO-AU", [world.nato, australia])
    in_foreign = make_exchange(
        world,
        plan_id=foreign_plan,
        from_party_id=world.nato,
        to_party_id=australia,
        start_date=date(2026, 9, 3),
    )
    every_plan = create_feed(client, name="All plans")
    one_plan = create_feed(client, name="One plan", plan_id=world.plan)

    everything = set(parse(anonymous_client.get(feed_path(every_plan))))
    just_one = set(parse(anonymous_client.get(feed_path(one_plan))))

    assert every_plan["plan_id"] is None
    # The second plan is a draft: no reviews scheduled yet.
    assert everything == {
        expiry_uid(world.plan),
        *review_uids(world.plan),
        exchange_uid(in_plan),
        expiry_uid(second_plan),
        exchange_uid(in_second),
    }
    assert just_one == {expiry_uid(world.plan), *review_uids(world.plan), exchange_uid(in_plan)}
    # NATO's own feed of all plans includes the plan Japan is not in.
    nato = headers_of(nato_user())
    nato_feed = create_feed(client, headers=nato, name="NATO")
    assert set(parse(anonymous_client.get(feed_path(nato_feed)))) == everything | {
        expiry_uid(foreign_plan),
        exchange_uid(in_foreign),
    }


def test_a_feed_of_a_plan_the_user_cannot_see_is_refused_with_404(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    foreign_plan = make_plan("NATO-AU", [world.nato, make_party("AU")])
    client.auth.default_header()
    counts = row_counts(db)

    foreign = client.post(FEEDS, json={"name": "Theirs", "plan_id": str(foreign_plan)})
    unknown = client.post(FEEDS, json={"name": "Nothing", "plan_id": str(uuid.uuid4())})

    assert_problem(foreign, 404, "not-found")
    assert_problem(unknown, 404, "not-found")
    assert row_counts(db) == counts


@pytest.mark.parametrize(
    "secret",
    [
        "not-a-secret",
        "itpp_short",
        "itpp_" + "a" * 40,  # well formed, but no feed has it
        "itpp_" + "a" * 40 + "%20OR%201=1",
    ],
)
def test_a_malformed_or_unknown_secret_is_a_404_problem(
    client: TestClient, anonymous_client: TestClient, secret: str
) -> None:
    world = make_world()
    create_feed(client, plan_id=world.plan)
    response = anonymous_client.get(f"{API}/calendar-feeds/{secret}.ics")
    assert_problem(response, 404, "not-found")


def test_creating_a_feed_needs_sign_in(anonymous_client: TestClient, db: Database) -> None:
    make_world()
    counts = row_counts(db)
    assert_problem(anonymous_client.post(FEEDS, json={"name": "x"}), 401, "unauthorized")
    assert row_counts(db) == counts
