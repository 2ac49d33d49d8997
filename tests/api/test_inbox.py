"""The inbox (issue 17): what waits on the signed-in user or their party, read from the records
under the access policy, in a constant number of statements."""

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from itpp_api.clock import add_months, today
from itpp_api.commitments.models import Commitment
from itpp_api.db import transaction, utcnow
from tests.api.test_reviews import assess, make_scene, open_first
from tests.conftest import Database, QueryCounter
from tests.factories import (
    auth_headers,
    make_amendment,
    make_commitment,
    make_exchange,
    make_world,
)

API = "/api/v1"
INBOX = f"{API}/users/me/inbox"


def inbox(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(INBOX, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["count"] == len(body["items"])
    return body


def of_kind(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [item for item in body["items"] if item["kind"] == kind]


def days(n: int) -> date:
    return today() + timedelta(days=n)


def age(commitment_id: uuid.UUID, by: timedelta) -> None:
    """Make the commitment's last update `by` ago."""
    with transaction(write=True) as session:
        commitment = session.get(Commitment, commitment_id)
        assert commitment is not None
        commitment.updated_at = utcnow() - by
        session.add(commitment)


def test_a_proposed_amendment_waits_on_each_party_until_its_approver_approves(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    jp_approver = auth_headers("JP", "approver")
    jp_editor = auth_headers("JP", "editor")
    nato_approver = auth_headers("NATO", "approver")
    amendment = make_amendment(world, [{"op": "change_term", "term_months": 30}], title="Longer")

    (for_approver,) = of_kind(inbox(client, jp_approver), "consent")
    assert for_approver["action"] == "decide"
    assert for_approver["consent_kind"] == "amendment"
    assert for_approver["subject"] == {
        "type": "amendment",
        "id": str(amendment),
        "reference": None,
        "number": 1,
        "title": {"en": "Longer", "ja": "改正"},
    }
    assert for_approver["plan"]["reference"] == "TEST-PLAN"
    assert for_approver["href"] == f"{API}/amendments/{amendment}"
    assert for_approver["due_date"] is None
    (for_editor,) = of_kind(inbox(client, jp_editor), "consent")
    assert for_editor["action"] == "await_approver"

    approved = client.post(
        f"{API}/amendments/{amendment}/approvals", json={"decision": "approve"}, headers=jp_approver
    )
    assert approved.status_code == 200, approved.text

    assert of_kind(inbox(client, jp_approver), "consent") == []
    assert of_kind(inbox(client, jp_editor), "consent") == []
    (still,) = of_kind(inbox(client, nato_approver), "consent")
    assert still["subject"]["id"] == str(amendment)


def test_a_rejected_amendment_waits_on_nobody(client: TestClient, db: Database) -> None:
    world = make_world()
    nato_approver = auth_headers("NATO", "approver")
    amendment = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    rejected = client.post(
        f"{API}/amendments/{amendment}/approvals",
        json={"decision": "reject"},
        headers=nato_approver,
    )
    assert rejected.status_code == 200, rejected.text
    assert of_kind(inbox(client, auth_headers("JP", "approver")), "consent") == []
    assert of_kind(inbox(client, nato_approver), "consent") == []


def test_commitments_my_party_leads_that_are_overdue_or_not_updated_in_60_days(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    overdue = make_commitment(world, reference="CYB-01", due_date=days(-3), status="in_progress")
    stale = make_commitment(world, reference="CYB-02", due_date=days(100))
    age(stale, timedelta(days=61))
    recent = make_commitment(world, reference="CYB-03", due_date=days(100))
    age(recent, timedelta(days=59))
    done = make_commitment(world, reference="CYB-04", due_date=days(-3), status="completed")
    nato_led = make_commitment(
        world, reference="CYB-05", due_date=days(-3), lead_party_id=world.nato
    )

    body = inbox(client, auth_headers("JP", "viewer"))

    (late,) = of_kind(body, "commitment_overdue")
    assert (late["subject"]["id"], late["action"]) == (str(overdue), "update")
    assert late["due_date"] == days(-3).isoformat()
    assert late["href"] == f"{API}/commitments/{overdue}"
    (quiet,) = of_kind(body, "commitment_stale")
    assert quiet["subject"]["reference"] == "CYB-02"
    shown = {item["subject"]["id"] for item in body["items"]}
    assert not shown & {str(recent), str(done), str(nato_led)}
    (for_nato,) = of_kind(inbox(client, auth_headers("NATO", "editor")), "commitment_overdue")
    assert for_nato["subject"]["id"] == str(nato_led)


def test_the_other_partys_internal_overdue_commitment_never_appears_nor_counts(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_commitment(world, reference="CYB-01", due_date=days(-3))
    jp = auth_headers("JP", "editor")
    nato = auth_headers("NATO", "editor")
    before = inbox(client, jp)

    hidden = make_commitment(
        world,
        due_date=days(-30),
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal"},
    )

    after = inbox(client, jp)
    assert after == before
    assert str(hidden) not in client.get(INBOX, headers=jp).text
    # Its own party sees it.
    assert str(hidden) in {
        i["subject"]["id"] for i in of_kind(inbox(client, nato), "commitment_overdue")
    }


def test_open_review_asks_for_my_partys_assessment_of_what_it_sees_then_its_sign_off(
    client: TestClient, db: Database
) -> None:
    scene = make_scene(approval=add_months(today(), -12) + timedelta(days=10))
    due = inbox(client, scene.jp_editor)
    (scheduled,) = of_kind(due, "review_due")
    assert scheduled["action"] == "prepare"
    assert scheduled["subject"]["number"] == 1

    review = open_first(client, scene)
    (to_assess,) = of_kind(inbox(client, scene.jp_editor), "review_open")
    assert (to_assess["action"], to_assess["href"]) == ("assess", f"{API}/reviews/{review['id']}")

    # Japan assesses what it sees: NATO's internal commitment is not Japan's to assess, and
    # does not keep the review in Japan's inbox as unassessed.
    for reference in ("CYB-01", "MAR-01"):
        assess(client, review["id"], reference, scene.jp_editor, "on_track")
    (to_sign,) = of_kind(inbox(client, scene.jp_approver), "review_open")
    assert to_sign["action"] == "sign_off"
    (waiting,) = of_kind(inbox(client, scene.jp_editor), "review_open")
    assert waiting["action"] == "await_approver"
    # NATO has not assessed its three commitments yet.
    (nato,) = of_kind(inbox(client, scene.nato_editor), "review_open")
    assert nato["action"] == "assess"


def test_exchanges_in_the_next_14_days_and_a_plan_expiring_within_90_days(
    client: TestClient, db: Database
) -> None:
    world = make_world(approval=add_months(today(), -24) + timedelta(days=60))
    soon = make_exchange(world, start_date=days(5))
    make_exchange(world, start_date=days(20))
    make_exchange(world, start_date=days(3), status="cancelled")
    hidden = make_exchange(
        world,
        start_date=days(2),
        from_party_id=world.nato,
        to_party_id=world.japan,
        visibility="internal",
    )

    body = inbox(client, auth_headers("JP", "viewer"))

    (upcoming,) = of_kind(body, "exchange_upcoming")
    assert (upcoming["subject"]["id"], upcoming["due_date"]) == (str(soon), days(5).isoformat())
    assert upcoming["href"] == f"{API}/exchanges/{soon}"
    assert str(hidden) not in str(body)
    (expiring,) = of_kind(body, "plan_expiring")
    assert expiring["action"] == "renew"
    assert expiring["due_date"] == days(60).isoformat()
    assert expiring["subject"] == {
        "type": "plan",
        "id": str(world.plan),
        "reference": "TEST-PLAN",
        "number": None,
        "title": {"ja": "試験計画", "en": "Test plan"},
    }


def test_items_come_most_urgent_first(client: TestClient, db: Database) -> None:
    world = make_world()
    make_commitment(world, reference="CYB-01", due_date=days(-3))
    make_commitment(world, reference="CYB-02", due_date=days(-30))
    make_exchange(world, start_date=days(1))
    make_amendment(world, [{"op": "change_term", "term_months": 30}])

    body = inbox(client, auth_headers("JP", "approver"))

    assert [(i["kind"], i["subject"]["reference"]) for i in body["items"]][:3] == [
        ("consent", None),
        ("commitment_overdue", "CYB-02"),
        ("commitment_overdue", "CYB-01"),
    ]
    assert body["items"][-1]["kind"] == "exchange_upcoming"


def test_a_user_of_a_party_outside_the_plan_has_an_empty_inbox(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_commitment(world, due_date=days(-3))
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    with transaction(write=True) as session:
        from itpp_api.parties.models import Party

        session.add(Party(code="AUS", name={"en": "Australia"}))
    assert inbox(client, auth_headers("AUS", "approver"))["items"] == []


def test_the_inbox_needs_a_signed_in_user(anonymous_client: TestClient, db: Database) -> None:
    response = anonymous_client.get(INBOX)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_the_inbox_costs_the_same_number_of_statements_for_few_or_many_records(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world(approval=add_months(today(), -12) + timedelta(days=10))
    headers = auth_headers("JP", "approver")

    def statements() -> int:
        query_counter.statements.clear()
        query_counter.active = True
        inbox(client, headers)
        query_counter.active = False
        return query_counter.count

    make_commitment(world, due_date=days(-1))
    make_exchange(world, start_date=days(1))
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    few = statements()
    for n in range(12):
        make_commitment(world, due_date=days(-n - 2))
        make_exchange(world, start_date=days(n % 14))
        make_amendment(world, [{"op": "change_term", "term_months": 30 + n}])
    many = statements()

    assert len(inbox(client, headers)["items"]) > 30
    assert few == many, query_counter.statements
