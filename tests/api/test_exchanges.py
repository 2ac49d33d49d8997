"""Exchanges and placements (issue 4): /api/v1/plans/{plan_id}/exchanges and
/api/v1/exchanges/{id} — creation and numbering, If-Match updates, cancellation that keeps
the record, the rules, the filters and pagination, the links to commitments in both
directions (in a constant number of SQL statements), the party visibility policy, and the
example exchanges of the sample plan."""

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from itpp_api.auth.actor import Actor
from itpp_api.clock import today
from itpp_api.commitments.schemas import CommitmentCreate
from itpp_api.commitments.service import create_commitment
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.exchanges.schemas import ExchangePublic, ExchangeSort
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.models import Plan, PlanParty
from itpp_api.plans.schemas import PlanCreate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.api.test_conventions import assert_problem, row_counts
from tests.conftest import Database, QueryCounter, load_sample
from tests.factories import (
    World,
    agree,
    auth_headers,
    exchange_body,
    make_commitment,
    make_exchange,
    make_world,
)

API = "/api/v1"
SYSTEM = Actor.system()


# --- helpers --------------------------------------------------------------------------------


def exchanges_url(plan_id: uuid.UUID | str) -> str:
    return f"{API}/plans/{plan_id}/exchanges"


def exchange_url(exchange_id: uuid.UUID | str) -> str:
    return f"{API}/exchanges/{exchange_id}"


def create(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    """POST an exchange (exchange_body with overrides) and return it; it must succeed."""
    response = client.post(exchanges_url(world.plan), json=exchange_body(world, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def references(client: TestClient, world: World, **params: Any) -> list[str]:
    """The references of the plan's exchanges matching the filters, in reference order."""
    response = client.get(exchanges_url(world.plan), params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return sorted(item["reference"] for item in response.json()["items"])


def commitment_refs(item: dict[str, Any]) -> list[str]:
    return [c["reference"] for c in item["commitments"]]


def exchange_count() -> int:
    with transaction(write=False) as session:
        return session.execute(select(func.count()).select_from(Exchange)).scalar_one()


def make_other_plan(world: World, reference: str = "OTHER-PLAN") -> tuple[uuid.UUID, uuid.UUID]:
    """A second plan of the same parties with one commitment, OTH-01; returns both ids."""
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference=reference,
                title={"en": "Another plan"},
                party_ids=[world.japan, world.nato],
            ),
        )
        area = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(code="3.1.1", short_code="OTH", title={"en": "Other"}),
        )
        commitment = create_commitment(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=CommitmentCreate.model_validate(
                {
                    "priority_area_id": area.id,
                    "reference": "OTH-01",
                    "title": {"en": "Other commitment"},
                    "modality": "other",
                    "lead_party_id": world.japan,
                }
            ),
        )
        return plan.id, commitment.id


def make_party(code: str, *, in_plan: uuid.UUID | None = None) -> uuid.UUID:
    """A new party (optionally added to a plan as its last party) with one organisation."""
    with transaction(write=True) as session:
        party = Party(code=code, name={"en": code})
        session.add(party)
        session.flush()
        session.add(Organisation(code=f"{code}_MOD", party_id=party.id, name={"en": "MOD"}))
        if in_plan is not None:
            position = session.execute(
                select(func.count()).select_from(PlanParty).where(PlanParty.plan_id == in_plan)
            ).scalar_one()
            session.add(PlanParty(plan_id=in_plan, party_id=party.id, position=position))
        return party.id


def supersede(world: World) -> None:
    """Renew the world's plan by every party's consent: its successor supersedes it."""
    agree(world.plan, [{"op": "renew", "reference": "NEXT-PLAN"}], title="Renewal")


# --- create and read ------------------------------------------------------------------------


def test_create_returns_201_with_etag_location_and_every_field(client: TestClient) -> None:
    world = make_world()
    commitment_id = make_commitment(world, reference="CYB-01")
    body = exchange_body(
        world,
        to_organisation_id=str(world.shape),
        participants=[
            {"role": "Director, Cyber Policy Division"},
            {"role": "Deputy", "name": "Sato Hanako"},
        ],
        commitment_ids=[str(commitment_id)],
        outcome={"ja": "共同声明を発出", "en": "A joint statement was issued"},
        lessons_learned={"en": "Share the agenda early."},
    )

    response = client.post(exchanges_url(world.plan), json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    ExchangePublic.model_validate(created)
    assert response.headers["etag"] == created["etag"]
    assert response.headers["location"] == f"{API}/exchanges/{created['id']}"
    assert created["reference"] == "EX-001"
    assert created["plan_id"] == str(world.plan)
    assert created["kind"] == "seminar"
    assert created["title"] == body["title"]
    assert created["from_party_id"] == str(world.japan)
    assert created["from_organisation_id"] == str(world.mofa)
    assert created["to_party_id"] == str(world.nato)
    assert created["to_organisation_id"] == str(world.shape)
    assert (created["start_date"], created["end_date"]) == ("2026-09-14", "2026-09-16")
    assert created["location"] == "Brussels"
    assert created["participants"] == [
        {"role": "Director, Cyber Policy Division", "name": None, "organisation_id": None},
        {"role": "Deputy", "name": "Sato Hanako", "organisation_id": None},
    ]
    assert created["outcome"] == body["outcome"]
    assert created["lessons_learned"] == body["lessons_learned"]
    assert created["status"] == "planned"
    assert created["visibility"] == "shared"
    assert created["post_title"] is None
    assert created["host_organisation_id"] is None
    assert created["is_example"] is False
    assert created["commitments"] == [
        {
            "id": str(commitment_id),
            "reference": "CYB-01",
            "title": {"ja": "演習への参加", "en": "Exercise participation"},
            "status": "planned",
        }
    ]

    read = client.get(response.headers["location"])
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == created["etag"]


def test_references_are_numbered_ex_001_onwards_per_plan_after_the_highest_one(
    client: TestClient,
) -> None:
    world = make_world()
    other_plan, _ = make_other_plan(world)
    assert create(client, world)["reference"] == "EX-001"
    assert create(client, world)["reference"] == "EX-002"
    assert create(client, world, reference="EX-010")["reference"] == "EX-010"
    assert create(client, world)["reference"] == "EX-011"
    response = client.post(exchanges_url(other_plan), json=exchange_body(world))
    assert response.status_code == 201, response.text
    assert response.json()["reference"] == "EX-001"


def test_a_reference_already_taken_in_the_plan_is_409_and_nothing_is_written(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    create(client, world, reference="EX-005")
    counts = row_counts(db)

    response = client.post(exchanges_url(world.plan), json=exchange_body(world, reference="EX-005"))

    assert_problem(response, 409, "conflict")
    assert row_counts(db) == counts


def test_a_retried_post_with_the_same_idempotency_key_creates_one_exchange(
    client: TestClient,
) -> None:
    world = make_world()
    headers = {"Idempotency-Key": "exchange-retry-1"}
    first = client.post(exchanges_url(world.plan), json=exchange_body(world), headers=headers)
    second = client.post(exchanges_url(world.plan), json=exchange_body(world), headers=headers)
    assert first.status_code == second.status_code == 201, first.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert exchange_count() == 1


def test_an_unknown_exchange_is_404_problem(client: TestClient) -> None:
    make_world()
    assert_problem(client.get(exchange_url(uuid.uuid4())), 404, "not-found")


def test_a_placement_carries_post_and_host_and_may_be_open_ended(client: TestClient) -> None:
    world = make_world()
    body = exchange_body(
        world,
        kind="placement",
        title={"ja": "SHAPE への連絡官の派遣", "en": "Liaison officer at SHAPE"},
        from_organisation_id=str(world.mod),
        start_date="2026-04-01",
        post_title={"ja": "連絡官", "en": "Liaison officer"},
        host_organisation_id=str(world.shape),
    )
    del body["end_date"]

    created = client.post(exchanges_url(world.plan), json=body)

    assert created.status_code == 201, created.text
    placement = client.get(exchange_url(created.json()["id"])).json()
    assert placement["kind"] == "placement"
    assert placement["start_date"] == "2026-04-01"
    assert placement["end_date"] is None
    assert placement["post_title"] == {"ja": "連絡官", "en": "Liaison officer"}
    assert placement["host_organisation_id"] == str(world.shape)


def test_a_placement_with_an_end_date_keeps_it(client: TestClient) -> None:
    world = make_world()
    placement = create(
        client,
        world,
        kind="placement",
        start_date="2026-04-01",
        end_date="2028-03-31",
        post_title={"en": "Liaison officer"},
        host_organisation_id=str(world.shape),
    )
    assert (placement["start_date"], placement["end_date"]) == ("2026-04-01", "2028-03-31")


def test_a_seminar_without_an_end_date_is_a_one_day_exchange(client: TestClient) -> None:
    world = make_world()
    body = exchange_body(world, start_date="2026-10-05")
    del body["end_date"]

    response = client.post(exchanges_url(world.plan), json=body)

    assert response.status_code == 201, response.text
    stored = client.get(exchange_url(response.json()["id"])).json()
    assert (stored["start_date"], stored["end_date"]) == ("2026-10-05", "2026-10-05")


# --- update with If-Match ----------------------------------------------------------------------


def test_patch_without_if_match_is_428_and_changes_nothing(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    url = exchange_url(create(client, world)["id"])
    before = client.get(url).json()
    counts = row_counts(db)

    response = client.patch(url, json={"status": "confirmed"})

    assert_problem(response, 428, "precondition-required")
    assert client.get(url).json() == before
    assert row_counts(db) == counts


def test_patch_with_a_stale_if_match_is_412_with_the_current_etag(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    created = create(client, world)
    url = exchange_url(created["id"])
    first = client.patch(url, json={"location": "Mons"}, headers={"If-Match": created["etag"]})
    assert first.status_code == 200, first.text
    counts = row_counts(db)

    response = client.patch(url, json={"location": "Paris"}, headers={"If-Match": created["etag"]})

    assert_problem(response, 412, "precondition-failed")
    assert response.headers["etag"] == first.headers["etag"]
    assert client.get(url).json() == first.json()
    assert row_counts(db) == counts


def test_patch_with_the_current_etag_applies_the_changes_and_moves_the_etag(
    client: TestClient,
) -> None:
    world = make_world()
    first = make_commitment(world, reference="CYB-01")
    second = make_commitment(world, reference="CYB-02")
    created = create(client, world, commitment_ids=[str(first)])
    url = exchange_url(created["id"])
    change = {
        "status": "confirmed",
        "location": "Mons",
        "outcome": {"ja": "合意", "en": "Agreed"},
        "lessons_learned": {"ja": "早めの準備", "en": "Prepare early"},
        "commitment_ids": [str(second)],
    }

    response = client.patch(url, json=change, headers={"If-Match": created["etag"]})

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["etag"] == response.headers["etag"] != created["etag"]
    for name in ("status", "location", "outcome", "lessons_learned"):
        assert updated[name] == change[name], name
    assert commitment_refs(updated) == ["CYB-02"]
    assert client.get(url).json() == updated


def test_patch_clearing_the_end_of_a_seminar_makes_it_one_day_and_of_a_placement_open_ended(
    client: TestClient,
) -> None:
    world = make_world()
    seminar = create(client, world, start_date="2026-09-14", end_date="2026-09-16")
    placement = create(
        client, world, kind="placement", start_date="2026-04-01", end_date="2028-03-31"
    )

    seminar_after = client.patch(
        exchange_url(seminar["id"]), json={"end_date": None}, headers={"If-Match": seminar["etag"]}
    )
    placement_after = client.patch(
        exchange_url(placement["id"]),
        json={"end_date": None},
        headers={"If-Match": placement["etag"]},
    )

    assert seminar_after.status_code == placement_after.status_code == 200
    assert seminar_after.json()["end_date"] == "2026-09-14"
    assert placement_after.json()["end_date"] is None


# --- cancellation -------------------------------------------------------------------------------


def test_delete_without_if_match_is_428_and_cancels_nothing(client: TestClient) -> None:
    world = make_world()
    url = exchange_url(create(client, world)["id"])
    before = client.get(url).json()
    assert_problem(client.delete(url), 428, "precondition-required")
    assert client.get(url).json() == before


def test_delete_with_a_stale_if_match_is_412_and_cancels_nothing(client: TestClient) -> None:
    world = make_world()
    created = create(client, world)
    url = exchange_url(created["id"])
    changed = client.patch(url, json={"location": "Mons"}, headers={"If-Match": created["etag"]})
    assert changed.status_code == 200

    response = client.delete(url, headers={"If-Match": created["etag"]})

    assert_problem(response, 412, "precondition-failed")
    assert client.get(url).json()["status"] == "planned"


def test_cancel_keeps_the_exchange_its_links_and_its_history(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, reference="CYB-01")
    created = create(client, world, commitment_ids=[str(commitment_id)])
    url = exchange_url(created["id"])
    updated = client.patch(url, json={"status": "confirmed"}, headers={"If-Match": created["etag"]})
    assert updated.status_code == 200, updated.text
    counts = row_counts(db)

    response = client.delete(url, headers={"If-Match": updated.headers["etag"]})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.headers["etag"] not in (created["etag"], updated.headers["etag"])
    reread = client.get(url)
    assert reread.status_code == 200
    assert reread.json()["status"] == "cancelled"
    assert reread.json()["title"] == created["title"]
    assert commitment_refs(reread.json()) == ["CYB-01"]
    listed = client.get(exchanges_url(world.plan)).json()["items"]
    assert [(item["id"], item["status"]) for item in listed] == [(created["id"], "cancelled")]
    detail = client.get(f"{API}/commitments/{commitment_id}").json()
    assert [(e["id"], e["status"]) for e in detail["exchanges"]] == [(created["id"], "cancelled")]
    # Nothing was deleted; the only new row is the cancellation's audit event.
    after = row_counts(db)
    assert after.pop("audit_event") == counts.pop("audit_event") + 1
    assert after == counts
    events = client.get(f"{API}/audit-events", params={"entity_id": created["id"]})
    assert events.status_code == 200, events.text
    items = events.json()["items"]
    assert [(e["entity_type"], e["action"]) for e in items] == [
        ("exchange", "cancel"),
        ("exchange", "update"),
        ("exchange", "create"),
    ]
    assert items[0]["before"] == {"status": "confirmed"}
    assert items[0]["after"] == {"status": "cancelled"}


# --- rules: bad input is a problem and writes nothing ---------------------------------------


def _unknown(world: World) -> str:
    return str(uuid.uuid4())


BAD_CREATE_CASES: dict[str, tuple[Any, str, list[str | int] | None]] = {
    "end-before-start": (
        lambda w: {"start_date": "2026-09-14", "end_date": "2026-09-13"},
        "validation-error",
        None,
    ),
    "unknown-kind": (lambda w: {"kind": "banquet"}, "validation-error", ["body", "kind"]),
    "unknown-from-organisation": (
        lambda w: {"from_organisation_id": _unknown(w)},
        "rule-violation",
        ["body", "from_organisation_id"],
    ),
    "unknown-host-organisation": (
        lambda w: {"kind": "placement", "host_organisation_id": _unknown(w)},
        "rule-violation",
        ["body", "host_organisation_id"],
    ),
    "from-organisation-of-the-other-party": (
        lambda w: {"from_party_id": str(w.japan), "from_organisation_id": str(w.shape)},
        "rule-violation",
        ["body", "from_organisation_id"],
    ),
    "to-organisation-of-the-other-party": (
        lambda w: {"to_party_id": str(w.nato), "to_organisation_id": str(w.mod)},
        "rule-violation",
        ["body", "to_organisation_id"],
    ),
    "from-party-outside-the-plan": (
        lambda w: {"from_party_id": str(make_party("KR")), "from_organisation_id": None},
        "rule-violation",
        ["body", "from_party_id"],
    ),
    "to-party-outside-the-plan": (
        lambda w: {"to_party_id": str(make_party("KR"))},
        "rule-violation",
        ["body", "to_party_id"],
    ),
    "unknown-party": (
        lambda w: {"to_party_id": _unknown(w)},
        "rule-violation",
        ["body", "to_party_id"],
    ),
    "unknown-commitment": (
        lambda w: {"commitment_ids": [_unknown(w)]},
        "rule-violation",
        ["body", "commitment_ids", 0],
    ),
    "commitment-of-another-plan": (
        lambda w: {
            "commitment_ids": [
                str(make_commitment(w, reference="CYB-01")),
                str(make_other_plan(w)[1]),
            ]
        },
        "rule-violation",
        ["body", "commitment_ids", 1],
    ),
    "held-before-its-start": (
        lambda w: {
            "status": "held",
            "start_date": (today() + timedelta(days=1)).isoformat(),
            "end_date": None,
        },
        "rule-violation",
        ["body", "status"],
    ),
    "repeated-commitment": (
        lambda w: {"commitment_ids": [str(make_commitment(w))] * 2},
        "validation-error",
        None,
    ),
    "unknown-status": (lambda w: {"status": "postponed"}, "validation-error", ["body", "status"]),
    "unknown-field": (lambda w: {"budget": 100}, "validation-error", ["body", "budget"]),
    "empty-title": (lambda w: {"title": {}}, "validation-error", ["body", "title"]),
    "malformed-reference": (
        lambda w: {"reference": "EXCH-1"},
        "validation-error",
        ["body", "reference"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CREATE_CASES))
def test_bad_exchange_body_gets_a_problem_and_writes_nothing(
    client: TestClient, db: Database, case: str
) -> None:
    overrides, kind, loc = BAD_CREATE_CASES[case]
    world = make_world()
    body = exchange_body(world, **overrides(world))
    counts = row_counts(db)

    response = client.post(exchanges_url(world.plan), json=body)

    problem = assert_problem(response, 422, kind)
    if loc is not None:
        assert problem["errors"][0]["loc"] == loc
    assert row_counts(db) == counts


def test_the_same_body_without_the_fault_is_accepted(client: TestClient) -> None:
    # The counterpart of the table above: the base body and each fix of it are valid.
    world = make_world()
    commitment_id = make_commitment(world)
    for overrides in (
        {},
        {"kind": "placement", "host_organisation_id": str(world.shape)},
        {"to_organisation_id": str(world.shape)},
        {"commitment_ids": [str(commitment_id)]},
    ):
        response = client.post(exchanges_url(world.plan), json=exchange_body(world, **overrides))
        assert response.status_code == 201, f"{overrides}: {response.text}"


def test_an_exchange_may_be_recorded_as_held_once_its_start_date_has_passed(
    client: TestClient,
) -> None:
    world = make_world()
    start = today() - timedelta(days=3)
    held = create(
        client, world, status="held", start_date=start.isoformat(), end_date=start.isoformat()
    )
    assert held["status"] == "held"


def test_marking_a_future_exchange_held_is_refused_and_a_past_one_is_accepted(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    future = create(
        client, world, start_date=(today() + timedelta(days=10)).isoformat(), end_date=None
    )
    past = create(
        client, world, start_date=(today() - timedelta(days=10)).isoformat(), end_date=None
    )
    counts = row_counts(db)

    refused = client.patch(
        exchange_url(future["id"]), json={"status": "held"}, headers={"If-Match": future["etag"]}
    )

    problem = assert_problem(refused, 422, "rule-violation")
    assert problem["errors"][0]["loc"] == ["body", "status"]
    assert client.get(exchange_url(future["id"])).json() == future
    assert row_counts(db) == counts
    accepted = client.patch(
        exchange_url(past["id"]), json={"status": "held"}, headers={"If-Match": past["etag"]}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "held"


def test_moving_a_held_exchange_to_a_future_start_is_refused(client: TestClient) -> None:
    world = make_world()
    start = (today() - timedelta(days=5)).isoformat()
    held = create(client, world, status="held", start_date=start, end_date=start)

    response = client.patch(
        exchange_url(held["id"]),
        json={"start_date": (today() + timedelta(days=5)).isoformat(), "end_date": None},
        headers={"If-Match": held["etag"]},
    )

    assert_problem(response, 422, "rule-violation")
    assert client.get(exchange_url(held["id"])).json() == held


BAD_UPDATE_CASES: dict[str, tuple[Any, str, list[str | int] | None]] = {
    "end-before-the-existing-start": (
        lambda w: {"end_date": "2026-09-13"},
        "rule-violation",
        ["body", "end_date"],
    ),
    "start-after-the-existing-end": (
        lambda w: {"start_date": "2026-09-17"},
        "rule-violation",
        ["body", "end_date"],
    ),
    "commitment-of-another-plan": (
        lambda w: {"commitment_ids": [str(make_other_plan(w)[1])]},
        "rule-violation",
        ["body", "commitment_ids", 0],
    ),
    "unknown-organisation": (
        lambda w: {"to_organisation_id": str(uuid.uuid4())},
        "rule-violation",
        ["body", "to_organisation_id"],
    ),
    "from-party-changed-away-from-its-organisation": (
        lambda w: {"from_party_id": str(w.nato)},
        "rule-violation",
        ["body", "from_organisation_id"],
    ),
    "party-outside-the-plan": (
        lambda w: {"to_party_id": str(make_party("KR"))},
        "rule-violation",
        ["body", "to_party_id"],
    ),
    "unknown-kind": (lambda w: {"kind": "banquet"}, "validation-error", ["body", "kind"]),
    "null-title": (lambda w: {"title": None}, "validation-error", None),
}


@pytest.mark.parametrize("case", list(BAD_UPDATE_CASES))
def test_bad_exchange_update_gets_a_problem_and_changes_nothing(
    client: TestClient, db: Database, case: str
) -> None:
    change, kind, loc = BAD_UPDATE_CASES[case]
    world = make_world()
    created = create(client, world, start_date="2026-09-14", end_date="2026-09-16")
    body = change(world)
    counts = row_counts(db)

    response = client.patch(
        exchange_url(created["id"]), json=body, headers={"If-Match": created["etag"]}
    )

    problem = assert_problem(response, 422, kind)
    if loc is not None:
        assert problem["errors"][0]["loc"] == loc
    assert client.get(exchange_url(created["id"])).json() == created
    assert row_counts(db) == counts


def test_writes_to_the_exchanges_of_a_superseded_plan_are_409_and_change_nothing(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    existing = create(client, world)
    url = exchange_url(existing["id"])
    supersede(world)
    counts = row_counts(db)

    attempts = {
        "create": client.post(exchanges_url(world.plan), json=exchange_body(world)),
        "update": client.patch(
            url, json={"location": "Mons"}, headers={"If-Match": existing["etag"]}
        ),
        "cancel": client.delete(url, headers={"If-Match": existing["etag"]}),
    }

    for name, response in attempts.items():
        problem = assert_problem(response, 409, "plan-closed")
        assert "is superseded" in problem["detail"], name
    # The exchange is as it was; only what may be done with it changed: nothing, now.
    assert client.get(url).json() == {**existing, "allowed_actions": []}
    assert existing["allowed_actions"] == ["update", "cancel"]
    assert row_counts(db) == counts


# --- filters --------------------------------------------------------------------------------


def make_filter_world() -> tuple[World, dict[str, uuid.UUID]]:
    """Six exchanges of a plan of JP, NATO and AU that differ in every filterable field, two
    commitments (C-1 and C-2) and a commitment linked to nothing (C-3).

    ref     kind       from → to                    host   dates                    status
    EX-001  dialogue   JP/MOFA → NATO               —      2025-03-10               held
    EX-002  placement  JP/MOD → NATO                SHAPE  2025-06-01 → (open)      held
    EX-003  seminar    NATO/SHAPE → JP/MOD          —      2026-09-14 → 2026-09-16  planned
    EX-004  visit      NATO → JP/MOFA               —      2024-11-04 → 2024-11-06  cancelled
    EX-005  exercise   JP/MOD → NATO/SHAPE          —      2027-04-20 → 2027-04-24  confirmed
    EX-006  consult.   NATO → AU                    —      2025-03-10 → 2025-03-12  planned

    Links: EX-001 → C-1; EX-002 → C-1, C-2; EX-005 → C-2.
    """
    world = make_world()
    australia = make_party("AU", in_plan=world.plan)
    ids: dict[str, uuid.UUID] = {
        "C-1": make_commitment(world, reference="CYB-01"),
        "C-2": make_commitment(world, reference="CYB-02"),
        "C-3": make_commitment(world, reference="CYB-03"),
        "AU": australia,
    }
    ids["EX-001"] = make_exchange(
        world,
        reference="EX-001",
        kind="dialogue",
        title={"ja": "日・NATO ハイレベル政治対話", "en": "High-level political dialogue"},
        from_organisation_id=world.mofa,
        start_date=date(2025, 3, 10),
        location="Tokyo",
        status="held",
        commitment_ids=[ids["C-1"]],
    )
    ids["EX-002"] = make_exchange(
        world,
        reference="EX-002",
        kind="placement",
        title={"ja": "SHAPE への派遣", "en": "Placement at SHAPE"},
        post_title={"ja": "連絡官", "en": "Liaison officer"},
        from_organisation_id=world.mod,
        host_organisation_id=world.shape,
        start_date=date(2025, 6, 1),
        location="Mons",
        status="held",
        commitment_ids=[ids["C-1"], ids["C-2"]],
    )
    ids["EX-003"] = make_exchange(
        world,
        reference="EX-003",
        kind="seminar",
        title={"ja": "サイバー防衛セミナー", "en": "Cyber defence seminar"},
        from_party_id=world.nato,
        from_organisation_id=world.shape,
        to_party_id=world.japan,
        to_organisation_id=world.mod,
        start_date=date(2026, 9, 14),
        end_date=date(2026, 9, 16),
        location="Brussels",
    )
    ids["EX-004"] = make_exchange(
        world,
        reference="EX-004",
        kind="visit",
        title={"ja": "NATO 代表団の訪日", "en": "NATO delegation visit to Japan"},
        from_party_id=world.nato,
        to_party_id=world.japan,
        to_organisation_id=world.mofa,
        start_date=date(2024, 11, 4),
        end_date=date(2024, 11, 6),
        location="Kyoto",
        status="cancelled",
    )
    ids["EX-005"] = make_exchange(
        world,
        reference="EX-005",
        kind="exercise",
        title={"ja": "ロックド・シールズへの参加", "en": "Participation in Locked Shields"},
        from_organisation_id=world.mod,
        to_organisation_id=world.shape,
        start_date=date(2027, 4, 20),
        end_date=date(2027, 4, 24),
        location="Tallinn",
        status="confirmed",
        commitment_ids=[ids["C-2"]],
    )
    ids["EX-006"] = make_exchange(
        world,
        reference="EX-006",
        kind="consultation",
        title={"ja": "三者協議", "en": "Trilateral consultation"},
        from_party_id=world.nato,
        to_party_id=australia,
        start_date=date(2025, 3, 10),
        end_date=date(2025, 3, 12),
        location="Canberra",
    )
    return world, ids


ALL = ["EX-001", "EX-002", "EX-003", "EX-004", "EX-005", "EX-006"]


def test_without_filters_the_list_has_every_exchange_of_the_plan_and_no_other(
    client: TestClient,
) -> None:
    world, _ = make_filter_world()
    other_plan, _ = make_other_plan(world)
    make_exchange(world, plan_id=other_plan, reference="EX-099")
    assert references(client, world) == ALL


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "placement"}, ["EX-002"]),
        ({"kind": "dialogue"}, ["EX-001"]),
        ({"kind": ["seminar", "visit"]}, ["EX-003", "EX-004"]),
        ({"kind": "training"}, []),
        ({"status": "held"}, ["EX-001", "EX-002"]),
        ({"status": "cancelled"}, ["EX-004"]),
        ({"status": ["planned", "confirmed"]}, ["EX-003", "EX-005", "EX-006"]),
    ],
)
def test_filter_by_kind_and_status(
    client: TestClient, params: dict[str, Any], expected: list[str]
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, **params) == expected


def test_filter_by_party_id_matches_sender_or_receiver(client: TestClient) -> None:
    world, ids = make_filter_world()
    assert references(client, world, party=str(world.japan)) == ALL[:5]
    assert references(client, world, party=str(ids["AU"])) == ["EX-006"]
    assert references(client, world, party=str(world.nato)) == ALL
    assert references(client, world, party=str(uuid.uuid4())) == []


@pytest.mark.parametrize(
    ("organisation", "expected"),
    [
        # SHAPE hosts EX-002, sends EX-003 and receives EX-005.
        ("SHAPE", ["EX-002", "EX-003", "EX-005"]),
        # MOFA sends EX-001 and receives EX-004.
        ("MOFA", ["EX-001", "EX-004"]),
        ("MOD", ["EX-002", "EX-003", "EX-005"]),
        (["MOFA", "SHAPE"], ["EX-001", "EX-002", "EX-003", "EX-004", "EX-005"]),
        ("MARCOM", []),
    ],
)
def test_filter_by_organisation_code_matches_from_to_or_host(
    client: TestClient, organisation: str | list[str], expected: list[str]
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, organisation=organisation) == expected


def test_filter_by_organisation_id(client: TestClient) -> None:
    world, _ = make_filter_world()
    assert references(client, world, organisation=str(world.mofa)) == ["EX-001", "EX-004"]
    assert references(client, world, organisation=[str(world.mofa), "SHAPE"]) == ALL[:5]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # A window that touches EX-001's last day and EX-003's first day includes both; EX-004
        # lies entirely before it and EX-005 entirely after; the open-ended EX-002 overlaps.
        (
            {"ends_after": "2025-03-10", "starts_before": "2026-09-14"},
            ["EX-001", "EX-002", "EX-003", "EX-006"],
        ),
        # One day narrower on each side: EX-001 ended the day before, EX-003 starts the day after.
        (
            {"ends_after": "2025-03-11", "starts_before": "2026-09-13"},
            ["EX-002", "EX-006"],
        ),
        # Only the open-ended placement is still running in 2030.
        ({"ends_after": "2030-01-01"}, ["EX-002"]),
        ({"starts_before": "2024-12-31"}, ["EX-004"]),
        ({"starts_before": "2024-11-03"}, []),
        # A window inside EX-005 finds it.
        ({"ends_after": "2027-04-21", "starts_before": "2027-04-22"}, ["EX-002", "EX-005"]),
        # The first day of EX-004 alone.
        ({"ends_after": "2024-11-04", "starts_before": "2024-11-04"}, ["EX-004"]),
    ],
)
def test_filter_by_overlapping_date_range(
    client: TestClient, params: dict[str, str], expected: list[str]
) -> None:
    world, _ = make_filter_world()
    assert references(client, world, **params) == expected


def test_filter_by_linked_commitment(client: TestClient) -> None:
    world, ids = make_filter_world()
    assert references(client, world, commitment_id=str(ids["C-1"])) == ["EX-001", "EX-002"]
    assert references(client, world, commitment_id=str(ids["C-2"])) == ["EX-002", "EX-005"]
    assert references(client, world, commitment_id=str(ids["C-3"])) == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("政治対話", ["EX-001"]),  # Japanese title
        ("連絡官", ["EX-002"]),  # Japanese post title
        ("locked shields", ["EX-005"]),  # English title, any case
        ("DELEGATION", ["EX-004"]),
        ("ex-004", ["EX-004"]),  # reference
        ("Tallinn", ["EX-005"]),  # location
        ("kyoto", ["EX-004"]),
        ("nowhere", []),
    ],
)
def test_free_text_search(client: TestClient, q: str, expected: list[str]) -> None:
    world, _ = make_filter_world()
    assert references(client, world, q=q) == expected


def test_filters_combine_with_and(client: TestClient) -> None:
    world, ids = make_filter_world()
    assert references(client, world, party=str(world.japan), status="held") == [
        "EX-001",
        "EX-002",
    ]
    assert references(
        client, world, party=str(world.japan), status="held", organisation="SHAPE"
    ) == ["EX-002"]
    assert references(
        client, world, kind=["dialogue", "placement"], commitment_id=str(ids["C-2"])
    ) == ["EX-002"]
    assert references(
        client, world, ends_after="2025-01-01", starts_before="2025-12-31", q="consultation"
    ) == ["EX-006"]
    assert references(client, world, kind="placement", status="planned") == []


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "banquet"},
        {"status": "postponed"},
        {"starts_before": "next week"},
        {"commitment_id": "CYB-01"},
        {"sort": "title"},
        {"limit": 0},
    ],
)
def test_malformed_filters_are_422_problems(client: TestClient, params: dict[str, Any]) -> None:
    world = make_world()
    assert_problem(client.get(exchanges_url(world.plan), params=params), 422, "validation-error")


# --- sorting and pagination ------------------------------------------------------------------


def walk(client: TestClient, plan_id: uuid.UUID, *, limit: int, **params: Any) -> list[dict]:
    """Every item of the list, following next_cursor page by page."""
    items: list[dict] = []
    cursor: str | None = None
    for _ in range(100):
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        response = client.get(exchanges_url(plan_id), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def expected_order(items: list[dict], sort: str) -> list[str]:
    """The ids in the documented order: by the sort key, ties by id; '-' reverses both."""
    name = sort.removeprefix("-")

    def key(item: dict) -> tuple[Any, uuid.UUID]:
        value: Any = item[name]
        if name == "updated_at":
            value = datetime.fromisoformat(value)
        return value, uuid.UUID(item["id"])

    return [item["id"] for item in sorted(items, key=key, reverse=sort.startswith("-"))]


@pytest.mark.parametrize("sort", [s.value for s in ExchangeSort])
def test_walking_pages_of_two_returns_every_exchange_once_in_the_sort_order(
    client: TestClient, sort: str
) -> None:
    # EX-001 and EX-006 start on the same day: ties are broken by id.
    world, ids = make_filter_world()
    # A later change moves EX-003 to the end of the updated_at order.
    etag = client.get(exchange_url(ids["EX-003"])).headers["etag"]
    assert (
        client.patch(
            exchange_url(ids["EX-003"]), json={"location": "Mons"}, headers={"If-Match": etag}
        ).status_code
        == 200
    )

    items = walk(client, world.plan, limit=2, sort=sort)

    ids_walked = [item["id"] for item in items]
    assert len(ids_walked) == len(set(ids_walked)) == 6
    assert sorted(item["reference"] for item in items) == ALL
    assert ids_walked == expected_order(items, sort)
    if sort == "updated_at":
        assert items[-1]["reference"] == "EX-003"


def test_pagination_walks_only_the_filtered_rows(client: TestClient) -> None:
    world, _ = make_filter_world()
    items = walk(client, world.plan, limit=1, party=str(world.japan), sort="-start_date")
    assert [item["reference"] for item in items] == [
        "EX-005",
        "EX-003",
        "EX-002",
        "EX-001",
        "EX-004",
    ]


def test_a_cursor_of_another_sort_is_refused_with_400(client: TestClient) -> None:
    world, _ = make_filter_world()
    cursor = client.get(exchanges_url(world.plan), params={"limit": 2}).json()["next_cursor"]
    assert cursor is not None
    response = client.get(
        exchanges_url(world.plan), params={"limit": 2, "sort": "reference", "cursor": cursor}
    )
    assert_problem(response, 400, "invalid-cursor")


# --- links in both directions, in a constant number of SQL statements ------------------------


def count_statements(client: TestClient, counter: QueryCounter, url: str) -> tuple[int, dict]:
    counter.statements.clear()
    counter.active = True
    response = client.get(url)
    counter.active = False
    assert response.status_code == 200, response.text
    return counter.count, response.json()


def test_a_commitment_lists_its_exchanges_in_a_constant_number_of_statements(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    one = make_commitment(world, reference="CYB-01")
    twenty = make_commitment(world, reference="CYB-02")
    make_exchange(world, commitment_ids=[one], start_date=date(2026, 2, 1))
    for day in range(1, 21):
        make_exchange(world, commitment_ids=[twenty], start_date=date(2026, 3, day))
    client.auth.default_header()
    client.get(f"{API}/commitments/{one}")  # warm up: the first request of a token

    count_one, body_one = count_statements(client, query_counter, f"{API}/commitments/{one}")
    count_twenty, body_twenty = count_statements(
        client, query_counter, f"{API}/commitments/{twenty}"
    )

    assert len(body_one["exchanges"]) == 1
    assert len(body_twenty["exchanges"]) == 20
    starts = [e["start_date"] for e in body_twenty["exchanges"]]
    assert starts == sorted(starts)
    assert set(body_twenty["exchanges"][0]) == {
        "id",
        "reference",
        "kind",
        "title",
        "start_date",
        "end_date",
        "status",
    }
    assert count_one == count_twenty, query_counter.statements


def test_an_exchange_lists_its_commitments_in_a_constant_number_of_statements(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    commitments = [make_commitment(world, reference=f"CYB-{n:02d}") for n in range(1, 21)]
    one = make_exchange(world, commitment_ids=commitments[:1])
    twenty = make_exchange(world, commitment_ids=commitments)
    client.auth.default_header()
    client.get(exchange_url(one))  # warm up: the first request of a token

    count_one, body_one = count_statements(client, query_counter, exchange_url(one))
    count_twenty, body_twenty = count_statements(client, query_counter, exchange_url(twenty))

    assert commitment_refs(body_one) == ["CYB-01"]
    assert commitment_refs(body_twenty) == [f"CYB-{n:02d}" for n in range(1, 21)]
    assert count_one == count_twenty, query_counter.statements


def test_the_list_runs_the_same_number_of_statements_for_1_and_20_linked_exchanges(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    world = make_world()
    commitment = make_commitment(world)
    for day in range(1, 21):
        make_exchange(world, commitment_ids=[commitment], start_date=date(2026, 3, day))
    client.auth.default_header()
    client.get(exchanges_url(world.plan))  # warm up

    count_one, page_one = count_statements(
        client, query_counter, f"{exchanges_url(world.plan)}?limit=1"
    )
    count_twenty, page_twenty = count_statements(
        client, query_counter, f"{exchanges_url(world.plan)}?limit=20"
    )

    assert len(page_one["items"]) == 1
    assert len(page_twenty["items"]) == 20
    assert all(len(item["commitments"]) == 1 for item in page_twenty["items"])
    assert count_one == count_twenty, query_counter.statements


# --- visibility between the parties -----------------------------------------------------------


def test_a_nato_internal_exchange_does_not_exist_for_japan(client: TestClient) -> None:
    world = make_world()
    shared = make_exchange(world, reference="EX-001")
    internal = make_exchange(
        world,
        reference="EX-NATO-001",
        title={"en": "NATO internal preparation"},
        from_party_id=world.nato,
        to_party_id=world.japan,
        visibility="internal",
    )
    nato = auth_headers("NATO", "editor")

    assert_problem(client.get(exchange_url(internal)), 404, "not-found")
    assert [i["id"] for i in client.get(exchanges_url(world.plan)).json()["items"]] == [str(shared)]
    assert_problem(
        client.patch(exchange_url(internal), json={"location": "X"}, headers={"If-Match": "*"}),
        404,
        "not-found",
    )
    assert_problem(
        client.delete(exchange_url(internal), headers={"If-Match": "*"}), 404, "not-found"
    )
    # NATO sees both, unchanged.
    assert client.get(exchange_url(internal), headers=nato).json()["location"] is None
    listed = client.get(exchanges_url(world.plan), headers=nato).json()["items"]
    assert sorted(i["reference"] for i in listed) == ["EX-001", "EX-NATO-001"]


def test_the_history_of_a_nato_internal_exchange_is_not_listed_for_japan(
    client: TestClient,
) -> None:
    world = make_world()
    nato = auth_headers("NATO", "editor")
    created = client.post(
        exchanges_url(world.plan),
        json=exchange_body(
            world,
            from_party_id=str(world.nato),
            from_organisation_id=str(world.shape),
            to_party_id=str(world.japan),
            visibility="internal",
        ),
        headers=nato,
    )
    assert created.status_code == 201, created.text
    params = {"entity_id": created.json()["id"]}

    nato_events = client.get(f"{API}/audit-events", params=params, headers=nato).json()["items"]
    japan_events = client.get(f"{API}/audit-events", params=params).json()["items"]
    nato_history = client.get(f"{exchange_url(created.json()['id'])}/history", headers=nato)
    japan_history = client.get(f"{exchange_url(created.json()['id'])}/history")

    assert [e["action"] for e in nato_events] == ["create"]
    assert japan_events == []
    assert [e["action"] for e in nato_history.json()["items"]] == ["create"]
    assert_problem(japan_history, 404, "not-found")
    # The same refusal as an exchange that never existed.
    assert_problem(client.get(f"{exchange_url(uuid.uuid4())}/history"), 404, "not-found")


def test_an_exchanges_history_lists_its_own_changes_newest_first(client: TestClient) -> None:
    world = make_world()
    created = create(client, world)
    other = create(client, world)
    url = exchange_url(created["id"])
    changed = client.patch(url, json={"location": "Mons"}, headers={"If-Match": created["etag"]})
    assert changed.status_code == 200, changed.text
    cancelled = client.delete(url, headers={"If-Match": changed.headers["etag"]})
    assert cancelled.status_code in (200, 204), cancelled.text

    response = client.get(f"{url}/history", params={"limit": 2})

    assert response.status_code == 200, response.text
    first_page = response.json()
    assert {e["entity_id"] for e in first_page["items"]} == {created["id"]}
    rest = client.get(f"{url}/history", params={"cursor": first_page["next_cursor"]}).json()
    events = first_page["items"] + rest["items"]
    assert [e["seq"] for e in events] == sorted((e["seq"] for e in events), reverse=True)
    assert events[-1]["action"] == "create"
    assert len(events) == 3
    assert other["id"] not in {e["entity_id"] for e in events}


def test_a_commitment_does_not_list_an_exchange_internal_to_the_other_party(
    client: TestClient,
) -> None:
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    make_exchange(world, reference="EX-001", commitment_ids=[commitment])
    make_exchange(
        world,
        reference="EX-NATO-001",
        from_party_id=world.nato,
        to_party_id=world.japan,
        visibility="internal",
        commitment_ids=[commitment],
    )
    nato = auth_headers("NATO", "editor")
    url = f"{API}/commitments/{commitment}"

    assert [e["reference"] for e in client.get(url).json()["exchanges"]] == ["EX-001"]
    assert sorted(e["reference"] for e in client.get(url, headers=nato).json()["exchanges"]) == [
        "EX-001",
        "EX-NATO-001",
    ]


def test_a_nato_internal_commitment_of_a_shared_exchange_is_listed_for_nato_only(
    client: TestClient,
) -> None:
    world = make_world()
    shared_commitment = make_commitment(world, reference="CYB-01")
    internal_commitment = make_commitment(
        world, reference="CYB-NATO-01", lead_party_id=world.nato, visibility="internal"
    )
    exchange = make_exchange(world, commitment_ids=[shared_commitment, internal_commitment])
    nato = auth_headers("NATO", "editor")

    assert commitment_refs(client.get(exchange_url(exchange)).json()) == ["CYB-01"]
    listed = client.get(exchanges_url(world.plan)).json()["items"]
    assert [commitment_refs(item) for item in listed] == [["CYB-01"]]
    assert commitment_refs(client.get(exchange_url(exchange), headers=nato).json()) == [
        "CYB-01",
        "CYB-NATO-01",
    ]
    listed = client.get(exchanges_url(world.plan), headers=nato).json()["items"]
    assert [commitment_refs(item) for item in listed] == [["CYB-01", "CYB-NATO-01"]]


def test_japan_cannot_link_a_nato_internal_commitment_it_cannot_see(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    internal = make_commitment(
        world, reference="CYB-NATO-01", lead_party_id=world.nato, visibility="internal"
    )
    counts = row_counts(db)

    hidden = client.post(
        exchanges_url(world.plan), json=exchange_body(world, commitment_ids=[str(internal)])
    )
    unknown = client.post(
        exchanges_url(world.plan), json=exchange_body(world, commitment_ids=[str(uuid.uuid4())])
    )

    problem = assert_problem(hidden, 422, "rule-violation")
    assert problem["errors"][0]["loc"] == ["body", "commitment_ids", 0]
    # Refused exactly as a commitment that does not exist.
    assert problem["errors"][0]["type"] == unknown.json()["errors"][0]["type"]
    unknown_id = unknown.json()["errors"][0]["msg"].split()[-1].rstrip(".")
    assert problem["detail"].replace(str(internal), "?") == unknown.json()["detail"].replace(
        unknown_id, "?"
    )
    assert row_counts(db) == counts
    # NATO may link it.
    nato = auth_headers("NATO", "editor")
    allowed = client.post(
        exchanges_url(world.plan),
        json=exchange_body(world, commitment_ids=[str(internal)]),
        headers=nato,
    )
    assert allowed.status_code == 201, allowed.text


def test_japan_adding_an_internal_nato_commitment_by_update_is_refused(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    internal = make_commitment(
        world, reference="CYB-NATO-01", lead_party_id=world.nato, visibility="internal"
    )
    created = create(client, world)
    counts = row_counts(db)

    response = client.patch(
        exchange_url(created["id"]),
        json={"commitment_ids": [str(internal)]},
        headers={"If-Match": created["etag"]},
    )

    problem = assert_problem(response, 422, "rule-violation")
    assert problem["errors"][0]["loc"] == ["body", "commitment_ids", 0]
    assert row_counts(db) == counts


def test_japan_replacing_the_links_keeps_the_link_to_a_nato_internal_commitment(
    client: TestClient,
) -> None:
    world = make_world()
    first = make_commitment(world, reference="CYB-01")
    second = make_commitment(world, reference="CYB-03")
    internal = make_commitment(
        world, reference="CYB-NATO-01", lead_party_id=world.nato, visibility="internal"
    )
    exchange = make_exchange(world, commitment_ids=[first, internal])
    nato = auth_headers("NATO", "editor")
    url = exchange_url(exchange)

    replaced = client.patch(
        url,
        json={"commitment_ids": [str(second)]},
        headers={"If-Match": client.get(url).headers["etag"]},
    )

    assert replaced.status_code == 200, replaced.text
    assert commitment_refs(replaced.json()) == ["CYB-03"]
    assert commitment_refs(client.get(url, headers=nato).json()) == ["CYB-03", "CYB-NATO-01"]

    emptied = client.patch(
        url, json={"commitment_ids": []}, headers={"If-Match": replaced.headers["etag"]}
    )

    assert emptied.status_code == 200, emptied.text
    assert commitment_refs(emptied.json()) == []
    assert commitment_refs(client.get(url, headers=nato).json()) == ["CYB-NATO-01"]
    with transaction(write=False) as session:
        links = session.scalars(
            select(ExchangeCommitment.commitment_id).where(
                ExchangeCommitment.exchange_id == exchange
            )
        ).all()
    assert links == [internal]


def test_japan_cannot_record_an_exchange_internal_to_nato(client: TestClient, db: Database) -> None:
    world = make_world()
    counts = row_counts(db)
    response = client.post(
        exchanges_url(world.plan),
        json=exchange_body(
            world,
            from_party_id=str(world.nato),
            from_organisation_id=None,
            to_party_id=str(world.japan),
            visibility="internal",
        ),
    )
    assert_problem(response, 403, "forbidden")
    assert row_counts(db) == counts


def test_a_party_outside_the_plan_sees_no_exchanges(client: TestClient) -> None:
    world = make_world()
    exchange = make_exchange(world)
    make_party("KR")
    korea = auth_headers("KR", "editor")
    assert_problem(client.get(exchange_url(exchange), headers=korea), 404, "not-found")
    assert_problem(client.get(exchanges_url(world.plan), headers=korea), 404, "not-found")


def test_a_viewer_reads_exchanges_but_cannot_write_them(client: TestClient, db: Database) -> None:
    world = make_world()
    exchange = make_exchange(world)
    viewer = auth_headers("JP", "viewer")
    counts = row_counts(db)

    assert client.get(exchange_url(exchange), headers=viewer).status_code == 200
    assert_problem(
        client.post(exchanges_url(world.plan), json=exchange_body(world), headers=viewer),
        403,
        "forbidden",
    )
    assert_problem(
        client.patch(
            exchange_url(exchange), json={"location": "X"}, headers={**viewer, "If-Match": "*"}
        ),
        403,
        "forbidden",
    )
    assert row_counts(db) == counts


# --- the sample plan's example exchanges ------------------------------------------------------


def test_the_sample_plan_has_the_seed_placements_and_a_recurring_dialogue_as_examples(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()

    load_sample()

    with transaction(write=False) as session:
        current = session.scalars(
            select(Plan).where(
                Plan.status == PlanStatus.ACTIVE.value, Plan.reference == "JP-NATO-ITPP"
            )
        ).one()
        codes = {o.id: o.code for o in session.scalars(select(Organisation))}
        exchanges = list(session.scalars(select(Exchange)))
    assert exchanges
    assert {e.plan_id for e in exchanges} == {current.id}
    assert all(e.is_example for e in exchanges)
    for exchange in exchanges:
        if exchange.status == "held":
            assert exchange.start_date <= today(), exchange.reference
        if exchange.end_date is not None:
            assert exchange.end_date >= exchange.start_date, exchange.reference

    def hosted_at(code: str) -> list[Exchange]:
        return [
            e
            for e in exchanges
            if e.host_organisation_id is not None and codes[e.host_organisation_id] == code
        ]

    nato_hq = [e.title["en"] for e in hosted_at("NATO_HQ") if e.kind == "placement"]
    assert any("Voluntary National Contribution" in t or "VNC" in t for t in nato_hq), nato_hq
    assert any("Partnership Staff Position" in t or "PSP" in t for t in nato_hq), nato_hq
    for code in ("SHAPE", "MARCOM"):
        titles = [e.title["en"] for e in hosted_at(code) if e.kind == "placement"]
        assert any("Liaison officer" in t for t in titles), (code, titles)
    assert hosted_at("CCDCOE"), "no expert at the CCDCOE"
    for exchange in hosted_at("CCDCOE") + hosted_at("NATO_HQ"):
        assert exchange.post_title, exchange.reference
    dialogues = [
        e for e in exchanges if e.kind == "dialogue" and "high-level" in e.title["en"].casefold()
    ]
    assert len(dialogues) >= 3
    assert len({e.title["en"] for e in dialogues}) == 1
    assert len({e.start_date for e in dialogues}) == len(dialogues)


def test_the_sample_exchanges_are_readable_through_the_api(
    client: TestClient, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    load_sample()
    with transaction(write=False) as session:
        plan_id = session.scalars(
            select(Plan.id).where(
                Plan.status == PlanStatus.ACTIVE.value, Plan.reference == "JP-NATO-ITPP"
            )
        ).one()
        total = session.execute(select(func.count()).select_from(Exchange)).scalar_one()

    items = walk(client, plan_id, limit=5)

    assert len(items) == total
    assert all(item["is_example"] for item in items)
    placements = client.get(exchanges_url(plan_id), params={"kind": "placement"}).json()["items"]
    assert {p["end_date"] is None for p in placements} == {True, False}
