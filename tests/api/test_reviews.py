"""Review cycles (issue 5 §2): /api/v1/plans/{plan_id}/reviews and /api/v1/reviews/{id}.

The schedule materialized on approval and moved when the term or interval change; the
lifecycle `scheduled → open → concluded` and its order; each party's own assessment beside
the snapshot, the agreed rating apart from it and the disagreements it leaves visible; the
joint summary and outcome; one sign-off per party by that party's approver, withdrawn when the
signed text changes; concluding only with every part, the commitments' health following the
agreed ratings; overdue reviews; visibility of internal commitments; closed plans; the audit
trail; review dates in the calendar; and the sample plan's reviews."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select
from sqlmodel import col

from itpp_api.auth.actor import Actor
from itpp_api.clock import add_months, today
from itpp_api.commitments.models import Commitment
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role, TokenKind, TokenScope
from itpp_api.plans.changes import update_plan
from itpp_api.plans.models import Plan
from itpp_api.plans.schemas import PlanCreate, PlanUpdate
from itpp_api.plans.service import create_plan, get_plan
from itpp_api.reviews.models import ReviewCycle, ReviewSignOff
from itpp_api.reviews.schemas import ReviewItemPublic, ReviewList, ReviewPublic
from itpp_api.reviews.service import reschedule
from tests.api.test_conventions import assert_problem, row_counts
from tests.conftest import Database, load_sample
from tests.factories import (
    World,
    auth_headers,
    bring_into_force,
    make_commitment,
    make_user,
    make_world,
)
from tests.factories import agree as agree_by_every_party

API = "/api/v1"
SYSTEM = Actor.system()
SUMMARY = {"ja": "協力は概ね順調に進展している。", "en": "Cooperation is broadly on track."}


# --- helpers --------------------------------------------------------------------------------


def reviews_url(plan_id: uuid.UUID | str) -> str:
    return f"{API}/plans/{plan_id}/reviews"


def review_url(review_id: uuid.UUID | str) -> str:
    return f"{API}/reviews/{review_id}"


def item_url(review_id: uuid.UUID | str, item_id: uuid.UUID | str) -> str:
    return f"{API}/reviews/{review_id}/items/{item_id}"


@dataclass(frozen=True)
class Scene:
    """TEST-PLAN with four commitments and a user of each kind the rules speak of.

    CYB-01  shared, led by Japan
    MAR-01  shared, led by NATO
    MAR-NATO-01  internal to NATO (its own series of references)
    CYB-02  cancelled (never reviewed)
    """

    world: World
    commitments: dict[str, uuid.UUID]
    jp_editor: dict[str, str]
    nato_editor: dict[str, str]
    jp_approver: dict[str, str]
    nato_approver: dict[str, str]
    jp_viewer: dict[str, str]


def make_scene(*, approval: date | None = None) -> Scene:
    world = make_world(approval=approval)
    commitments = {
        "CYB-01": make_commitment(
            world, reference="CYB-01", status="in_progress", progress=40, due_date=today()
        ),
        "MAR-01": make_commitment(
            world,
            reference="MAR-01",
            priority_area_id=world.maritime,
            lead_party_id=world.nato,
            title={"en": "NATO shared commitment"},
        ),
        "MAR-NATO-01": make_commitment(
            world,
            reference="MAR-NATO-01",
            priority_area_id=world.maritime,
            lead_party_id=world.nato,
            title={"en": "NATO internal commitment"},
            visibility="internal",
        ),
        "CYB-02": make_commitment(world, reference="CYB-02", status="cancelled"),
    }
    return Scene(
        world=world,
        commitments=commitments,
        jp_editor=auth_headers("JP", "editor"),
        nato_editor=auth_headers("NATO", "editor"),
        jp_approver=auth_headers("JP", "approver"),
        nato_approver=auth_headers("NATO", "approver"),
        jp_viewer=auth_headers("JP", "viewer"),
    )


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def reviews(client: TestClient, plan_id: uuid.UUID, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(client.get(reviews_url(plan_id), **kwargs))["items"]
    return items


def first_review(client: TestClient, scene: Scene) -> dict[str, Any]:
    return reviews(client, scene.world.plan)[0]


def get(client: TestClient, review_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return ok(client.get(review_url(review_id), headers=headers))


def open_first(client: TestClient, scene: Scene) -> dict[str, Any]:
    review = first_review(client, scene)
    return ok(client.post(f"{review_url(review['id'])}/open", headers=scene.jp_editor))


def item_of(review: dict[str, Any], reference: str) -> dict[str, Any]:
    (item,) = [i for i in review["items"] if i["commitment"]["reference"] == reference]
    return item


def assess(
    client: TestClient,
    review_id: str,
    reference: str,
    headers: dict[str, str],
    rating: str,
    **extra: Any,
) -> dict[str, Any]:
    item = item_of(get(client, review_id, headers), reference)
    return ok(
        client.put(
            f"{item_url(review_id, item['id'])}/assessment",
            json={"rating": rating, **extra},
            headers={**headers, "If-Match": item["etag"]},
        )
    )


def agree(
    client: TestClient,
    review_id: str,
    reference: str,
    headers: dict[str, str],
    rating: str | None,
    note: str | None = None,
) -> dict[str, Any]:
    item = item_of(get(client, review_id, headers), reference)
    body: dict[str, Any] = {"agreed_rating": rating}
    if note is not None:
        body["agreed_note"] = note
    return ok(
        client.patch(
            item_url(review_id, item["id"]),
            json=body,
            headers={**headers, "If-Match": item["etag"]},
        )
    )


def write_review(
    client: TestClient, review_id: str, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    etag = get(client, review_id, headers)["etag"]
    return ok(client.patch(review_url(review_id), json=body, headers={**headers, "If-Match": etag}))


def sign(client: TestClient, review_id: str, headers: dict[str, str], **kwargs: Any) -> Any:
    """Sign off as the caller, with the review's ETag as the caller reads it now (unless the
    test sends its own If-Match)."""
    if "If-Match" not in headers:
        current = client.get(review_url(review_id), headers=headers)
        if current.status_code == 200:
            headers = {**headers, "If-Match": current.json()["etag"]}
    return client.post(f"{review_url(review_id)}/sign-offs", headers=headers, **kwargs)


def conclude(client: TestClient, review_id: str, headers: dict[str, str]) -> Any:
    return client.post(f"{review_url(review_id)}/conclude", headers=headers)


def make_ready(client: TestClient, scene: Scene) -> str:
    """Open review 1 and complete it: assessments (a disagreement on MAR-01), agreed ratings,
    summary and outcome. Nobody has signed yet."""
    review_id: str = open_first(client, scene)["id"]
    complete(client, scene, review_id)
    return review_id


def complete(client: TestClient, scene: Scene, review_id: str) -> None:
    """Both parties' assessments, the agreed ratings, the summary and the outcome."""
    assess(client, review_id, "CYB-01", scene.jp_editor, "on_track", note="Going well.")
    assess(client, review_id, "CYB-01", scene.nato_editor, "on_track")
    assess(client, review_id, "MAR-01", scene.jp_editor, "at_risk", note="Dates slipping.")
    assess(client, review_id, "MAR-01", scene.nato_editor, "on_track", note="Fine.")
    assess(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    agree(client, review_id, "CYB-01", scene.jp_editor, "on_track")
    agree(client, review_id, "MAR-01", scene.jp_editor, "at_risk", note="Dates to fix in June.")
    agree(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    write_review(client, review_id, scene.jp_editor, summary=SUMMARY, outcome="continue")


def sign_both(client: TestClient, scene: Scene, review_id: str) -> None:
    ok(sign(client, review_id, scene.jp_approver), 201)
    ok(sign(client, review_id, scene.nato_approver), 201)


def health(commitment_id: uuid.UUID) -> str | None:
    with transaction(write=False) as session:
        commitment = session.get(Commitment, commitment_id)
        assert commitment is not None
        return commitment.health


def audit_events(client: TestClient, headers: dict[str, str], **params: Any) -> list[Any]:
    items: list[Any] = ok(
        client.get(f"{API}/audit-events", params={"limit": 200, **params}, headers=headers)
    )["items"]
    return items


def new_plan(
    reference: str, world: World, *, term: int, interval: int, approval: date
) -> uuid.UUID:
    """An approved plan of JP and NATO with this term and review interval."""
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference=reference,
                title={"en": reference},
                party_ids=[world.japan, world.nato],
                approval_date=approval,
                term_months=term,
                review_interval_months=interval,
            ),
        )
        update_plan(
            session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(status=PlanStatus.ACTIVE)
        )
        return plan.id


# --- the schedule -----------------------------------------------------------------------------


def test_approval_schedules_the_reviews_from_approval_date_and_interval(
    client: TestClient,
) -> None:
    approval = today() - timedelta(days=200)
    world = make_world(approval=approval)
    listed = reviews(client, world.plan)
    assert [r["number"] for r in listed] == [1, 2]
    assert [r["due_date"] for r in listed] == [
        add_months(approval, 12).isoformat(),
        add_months(approval, 23).isoformat(),
    ]
    assert [r["is_final"] for r in listed] == [False, True]
    assert [r["period_start"] for r in listed] == [
        approval.isoformat(),
        add_months(approval, 12).isoformat(),
    ]
    assert {r["status"] for r in listed} == {"scheduled"}
    assert not any(r["is_overdue"] for r in listed)


def test_a_draft_plan_has_no_reviews_until_it_is_approved(client: TestClient) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    assert reviews(client, world.plan) == []
    bring_into_force(world.plan)
    assert len(reviews(client, world.plan)) == 2


@pytest.mark.parametrize(
    ("term", "interval", "months"),
    [(18, 12, [12, 17]), (24, 7, [7, 14, 21, 23]), (36, 12, [12, 24, 35]), (6, 6, [5])],
)
def test_a_term_that_is_not_a_multiple_of_the_interval_still_ends_with_a_final_review(
    client: TestClient, term: int, interval: int, months: list[int]
) -> None:
    world = make_world()
    approval = date(2026, 3, 31)
    plan_id = new_plan("ODD-TERM", world, term=term, interval=interval, approval=approval)
    listed = reviews(client, plan_id)
    assert [r["due_date"] for r in listed] == [add_months(approval, m).isoformat() for m in months]
    assert [r["is_final"] for r in listed] == [False] * (len(months) - 1) + [True]


def test_changing_the_interval_reschedules_the_reviews_not_yet_opened(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    ok(conclude(client, review_id, scene.jp_editor))
    before = reviews(client, scene.world.plan)
    plan = ok(client.get(f"{API}/plans/{scene.world.plan}"))
    approval = date.fromisoformat(plan["approval_date"])

    # An active plan's interval changes by amendment, with both parties' consent.
    amendment = ok(
        client.post(
            f"{API}/plans/{scene.world.plan}/amendments",
            json={
                "title": {"en": "Review more often"},
                "rationale": {"en": "The first review found much to follow up."},
                "changes": [{"op": "change_review_interval", "review_interval_months": 5}],
            },
            headers=scene.jp_editor,
        ),
        201,
    )
    for approver in (scene.jp_approver, scene.nato_approver):
        ok(
            client.post(
                f"{API}/amendments/{amendment['id']}/approvals",
                json={"decision": "approve"},
                headers=approver,
            )
        )
    assert plan["review_interval_months"] == 12

    after = reviews(client, scene.world.plan)
    # Review 1 (concluded) stays; then 15 and 20 months, and the final review at 23.
    assert after[0] == before[0]
    assert [r["due_date"] for r in after[1:]] == [
        add_months(approval, m).isoformat() for m in (15, 20, 23)
    ]
    assert [r["number"] for r in after] == [1, 2, 3, 4]
    # The scheduled review keeps its id (calendar entries move, not duplicate).
    assert after[1]["id"] == before[1]["id"]
    assert after[1]["period_start"] == before[0]["due_date"]
    assert [r["is_final"] for r in after] == [False, False, False, True]
    actions = [
        (e["action"], e["entity_id"])
        for e in audit_events(client, scene.jp_editor, entity_type="review_cycle")
    ]
    assert ("reschedule", before[1]["id"]) in actions
    assert sum(1 for a, _ in actions if a == "schedule") == 2 + 2


def test_reschedule_removes_reviews_a_shorter_term_no_longer_needs(db: Database) -> None:
    world = make_world(approval=date(2026, 1, 10))
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=SYSTEM)
        plan.term_months, plan.review_interval_months = 36, 6
        reschedule(session=session, actor=SYSTEM, plan=plan)
    with transaction(write=False) as session:
        dues = list(
            session.scalars(
                select(ReviewCycle.due_date)
                .where(ReviewCycle.plan_id == world.plan)
                .order_by(col(ReviewCycle.number))
            )
        )
    assert dues == [add_months(date(2026, 1, 10), m) for m in (6, 12, 18, 24, 30, 35)]
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=SYSTEM)
        plan.term_months, plan.review_interval_months = 12, 12
        reschedule(session=session, actor=SYSTEM, plan=plan)
        # Running it again changes nothing.
        reschedule(session=session, actor=SYSTEM, plan=plan)
    with transaction(write=False) as session:
        remaining = list(
            session.scalars(select(ReviewCycle).where(ReviewCycle.plan_id == world.plan))
        )
    assert [(r.number, r.due_date, r.is_final) for r in remaining] == [
        (1, date(2026, 12, 10), True)
    ]


# --- opening ----------------------------------------------------------------------------------


def test_opening_snapshots_every_live_commitment(client: TestClient) -> None:
    scene = make_scene()
    review = open_first(client, scene)
    assert review["status"] == "open"
    assert review["opened_at"] is not None
    # Japan sees the shared ones; the cancelled commitment is not reviewed.
    assert [i["commitment"]["reference"] for i in review["items"]] == ["CYB-01", "MAR-01"]
    cyb = item_of(review, "CYB-01")
    assert cyb["snapshot"] == {
        "status": "in_progress",
        "progress": 40,
        "health": None,
        "due_date": today().isoformat(),
    }
    assert cyb["assessments"] == []
    assert cyb["agreed_rating"] is None
    # NATO also sees its internal commitment.
    nato_view = get(client, review["id"], scene.nato_editor)
    assert [i["commitment"]["reference"] for i in nato_view["items"]] == [
        "CYB-01",
        "MAR-01",
        "MAR-NATO-01",
    ]


def test_the_snapshot_keeps_the_state_at_opening(client: TestClient) -> None:
    scene = make_scene()
    review = open_first(client, scene)
    commitment = ok(client.get(f"{API}/commitments/{scene.commitments['CYB-01']}"))
    ok(
        client.patch(
            f"{API}/commitments/{scene.commitments['CYB-01']}",
            json={"progress": 90},
            headers={"If-Match": commitment["etag"]},
        )
    )
    assert (
        item_of(get(client, review["id"], scene.jp_editor), "CYB-01")["snapshot"]["progress"] == 40
    )


def test_a_review_opens_once_and_only_after_the_one_before_is_concluded(
    client: TestClient,
) -> None:
    scene = make_scene()
    first, second = reviews(client, scene.world.plan)
    body = assert_problem(
        client.post(f"{review_url(second['id'])}/open", headers=scene.jp_editor), 409, "conflict"
    )
    assert "Review 1" in body["detail"] and "in order" in body["detail"]
    ok(client.post(f"{review_url(first['id'])}/open", headers=scene.jp_editor))
    assert_problem(
        client.post(f"{review_url(first['id'])}/open", headers=scene.jp_editor), 409, "conflict"
    )
    # One open at a time: the second still waits for the first to be concluded.
    assert_problem(
        client.post(f"{review_url(second['id'])}/open", headers=scene.jp_editor), 409, "conflict"
    )


def test_either_partys_writers_open_a_review_but_a_viewer_cannot(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review = first_review(client, scene)
    counts = row_counts(db)
    assert_problem(
        client.post(f"{review_url(review['id'])}/open", headers=scene.jp_viewer), 403, "forbidden"
    )
    assert row_counts(db) == counts
    opened = ok(client.post(f"{review_url(review['id'])}/open", headers=scene.nato_editor))
    assert opened["status"] == "open"


def test_a_review_of_another_partys_plan_does_not_exist_for_the_caller(
    client: TestClient,
) -> None:
    scene = make_scene()
    review = first_review(client, scene)
    with transaction(write=True) as session:
        from itpp_api.parties.models import Party

        session.add(Party(code="AUS", name={"en": "Australia"}))
    outsider = auth_headers("AUS", "approver")
    assert_problem(client.get(review_url(review["id"]), headers=outsider), 404, "not-found")
    assert_problem(client.get(reviews_url(scene.world.plan), headers=outsider), 404, "not-found")
    assert_problem(
        client.post(f"{review_url(review['id'])}/open", headers=outsider), 404, "not-found"
    )
    assert_problem(sign(client, review["id"], outsider), 404, "not-found")
    assert_problem(client.get(review_url(uuid.uuid4())), 404, "not-found")


# --- assessments ------------------------------------------------------------------------------


def test_each_party_records_its_own_assessment_and_sees_the_others(client: TestClient) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    jp = assess(
        client,
        review_id,
        "MAR-01",
        scene.jp_editor,
        "at_risk",
        note="  Dates slipping.  ",
        recommended_action="Fix the dates at the staff talks.",
    )
    assert [(a["party_code"], a["rating"], a["editable"]) for a in jp["assessments"]] == [
        ("JP", "at_risk", True)
    ]
    assert jp["assessments"][0]["note"] == "Dates slipping."
    assert jp["assessments"][0]["updated_by_name"] == "JP editor"
    nato = assess(client, review_id, "MAR-01", scene.nato_editor, "on_track", note="Fine.")
    assert [(a["party_code"], a["rating"], a["editable"]) for a in nato["assessments"]] == [
        ("JP", "at_risk", False),
        ("NATO", "on_track", True),
    ]
    assert nato["disagreement"] is True
    # Replacing one's own assessment leaves the other party's alone.
    again = assess(client, review_id, "MAR-01", scene.jp_editor, "on_track")
    assert [(a["party_code"], a["rating"]) for a in again["assessments"]] == [
        ("JP", "on_track"),
        ("NATO", "on_track"),
    ]
    assert again["assessments"][0]["note"] is None
    assert again["disagreement"] is False
    assert again["agreed_rating"] is None


def test_there_is_no_way_to_write_the_other_partys_assessment(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    assess(client, review_id, "MAR-01", scene.nato_editor, "on_track")
    item = item_of(get(client, review_id, scene.jp_editor), "MAR-01")
    counts = row_counts(db)
    for extra in ({"party_id": str(scene.world.nato)}, {"party": "NATO"}):
        response = client.put(
            f"{item_url(review_id, item['id'])}/assessment",
            json={"rating": "off_track", **extra},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        )
        assert_problem(response, 422, "validation-error")
    assert row_counts(db) == counts
    nato = item_of(get(client, review_id, scene.nato_editor), "MAR-01")["assessments"]
    assert [(a["party_code"], a["rating"]) for a in nato] == [("NATO", "on_track")]


def test_an_assessment_needs_the_items_current_etag_and_a_writer(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    item = item_of(get(client, review_id, scene.jp_editor), "CYB-01")
    url = f"{item_url(review_id, item['id'])}/assessment"
    assert_problem(
        client.put(url, json={"rating": "on_track"}, headers=scene.jp_editor),
        428,
        "precondition-required",
    )
    assess(client, review_id, "CYB-01", scene.nato_editor, "at_risk")
    # NATO's assessment moved the item's ETag: Japan must read it first.
    assert_problem(
        client.put(
            url, json={"rating": "on_track"}, headers={**scene.jp_editor, "If-Match": item["etag"]}
        ),
        412,
        "precondition-failed",
    )
    fresh = item_of(get(client, review_id, scene.jp_editor), "CYB-01")
    counts = row_counts(db)
    assert_problem(
        client.put(
            url,
            json={"rating": "on_track"},
            headers={**scene.jp_viewer, "If-Match": fresh["etag"]},
        ),
        403,
        "forbidden",
    )
    assert_problem(
        client.put(
            url, json={"rating": "great"}, headers={**scene.jp_editor, "If-Match": fresh["etag"]}
        ),
        422,
        "validation-error",
    )
    assert row_counts(db) == counts


def test_a_scheduled_review_cannot_be_assessed_or_written(client: TestClient) -> None:
    scene = make_scene()
    review = first_review(client, scene)
    response = client.patch(
        review_url(review["id"]),
        json={"summary": SUMMARY},
        headers={**scene.jp_editor, "If-Match": review["etag"]},
    )
    body = assert_problem(response, 409, "conflict")
    assert "not open yet" in body["detail"]
    assert_problem(sign(client, review["id"], scene.jp_approver), 409, "conflict")
    assert_problem(conclude(client, review["id"], scene.jp_editor), 409, "conflict")


# --- agreed ratings and disagreements ---------------------------------------------------------


def test_the_agreed_rating_is_recorded_apart_and_disagreements_stay_visible(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    review = get(client, review_id, scene.jp_editor)
    mar = item_of(review, "MAR-01")
    assert mar["agreed_rating"] == "at_risk"
    assert mar["agreed_note"] == "Dates to fix in June."
    assert mar["disagreement"] is True
    assert [(a["party_code"], a["rating"]) for a in mar["assessments"]] == [
        ("JP", "at_risk"),
        ("NATO", "on_track"),
    ]
    assert review["disagreements"] == [
        {
            "item_id": mar["id"],
            "commitment_id": str(scene.commitments["MAR-01"]),
            "reference": "MAR-01",
            "ratings": {"JP": "at_risk", "NATO": "on_track"},
            "agreed_rating": "at_risk",
        }
    ]
    assert item_of(review, "CYB-01")["disagreement"] is False


def test_responses_match_the_documented_schemas(client: TestClient) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    ReviewList.model_validate(ok(client.get(reviews_url(scene.world.plan))))
    ReviewPublic.model_validate(get(client, review_id, scene.jp_editor))
    ReviewItemPublic.model_validate(assess(client, review_id, "MAR-01", scene.jp_editor, "at_risk"))
    ReviewItemPublic.model_validate(agree(client, review_id, "MAR-01", scene.jp_editor, "at_risk"))
    ReviewPublic.model_validate(ok(sign(client, review_id, scene.jp_approver), 201))


def test_the_agreed_rating_needs_if_match(client: TestClient) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    item = item_of(get(client, review_id, scene.jp_editor), "CYB-01")
    url = item_url(review_id, item["id"])
    assert_problem(
        client.patch(url, json={"agreed_rating": "on_track"}, headers=scene.jp_editor),
        428,
        "precondition-required",
    )
    assert_problem(
        client.patch(
            url,
            json={"agreed_rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": '"000000000000-1"'},
        ),
        412,
        "precondition-failed",
    )
    assert_problem(
        client.patch(url, json={}, headers={**scene.jp_editor, "If-Match": item["etag"]}),
        422,
        "validation-error",
    )


def test_the_summary_is_localized_text_and_the_outcome_a_known_one(client: TestClient) -> None:
    scene = make_scene()
    review = open_first(client, scene)
    headers = {**scene.jp_editor, "If-Match": review["etag"]}
    for body in ({"summary": {}}, {"summary": {"xx-!!": "x"}}, {"outcome": "abandon"}, {}):
        assert_problem(
            client.patch(review_url(review["id"]), json=body, headers=headers),
            422,
            "validation-error",
        )
    written = ok(client.patch(review_url(review["id"]), json={"summary": SUMMARY}, headers=headers))
    assert written["summary"] == SUMMARY
    assert written["outcome"] is None
    assert written["etag"] != review["etag"]
    # The old ETag is stale now.
    assert_problem(
        client.patch(review_url(review["id"]), json={"outcome": "amend"}, headers=headers),
        412,
        "precondition-failed",
    )


# --- sign-offs --------------------------------------------------------------------------------


def test_each_partys_approver_signs_for_that_party_and_signing_again_changes_nothing(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    signed = ok(sign(client, review_id, scene.jp_approver), 201)
    assert [(s["party_code"], s["signed"]) for s in signed["sign_offs"]] == [
        ("JP", True),
        ("NATO", False),
    ]
    assert signed["sign_offs"][0]["signed_by_name"] == "JP approver"
    assert signed["missing"] == ["the sign-off of NATO (by an approver of NATO)"]
    counts = row_counts(db)
    again = ok(sign(client, review_id, scene.jp_approver), 200)
    assert again["sign_offs"] == signed["sign_offs"]
    # Another approver of Japan: Japan has signed already.
    ok(sign(client, review_id, auth_headers("JP", "approver", email="second@jp.example")), 200)
    assert row_counts(db) == counts
    both = ok(sign(client, review_id, scene.nato_approver), 201)
    assert all(s["signed"] for s in both["sign_offs"])
    assert both["missing"] == []


def test_no_one_signs_for_another_party_by_any_route(client: TestClient, db: Database) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    counts = row_counts(db)
    # Naming the other party is refused, not quietly turned into one's own sign-off.
    body = assert_problem(
        sign(client, review_id, scene.jp_approver, json={"party_id": str(scene.world.nato)}),
        403,
        "forbidden",
    )
    assert "own party" in body["detail"]
    assert_problem(
        sign(client, review_id, scene.nato_approver, json={"party_id": str(scene.world.japan)}),
        403,
        "forbidden",
    )
    assert_problem(
        sign(client, review_id, scene.jp_approver, json={"party_code": "NATO"}),
        422,
        "validation-error",
    )
    assert row_counts(db) == counts
    # Naming one's own party is the same as naming none.
    signed = ok(
        sign(client, review_id, scene.nato_approver, json={"party_id": str(scene.world.nato)}), 201
    )
    assert [(s["party_code"], s["signed"]) for s in signed["sign_offs"]] == [
        ("JP", False),
        ("NATO", True),
    ]
    # No other operation of the API takes a party for a review.
    document = client.get(f"{API}/openapi.json").json()
    bodies: dict[str, set[str]] = {}
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/reviews"):
            continue
        for operation in item.values():
            schema = operation.get("requestBody", {}).get("content", {})
            schema = schema.get("application/json", {}).get("schema", {})
            refs = [schema, *schema.get("anyOf", [])]
            names = [r["$ref"].rsplit("/", 1)[-1] for r in refs if "$ref" in r]
            for name in names:
                properties = document["components"]["schemas"][name]["properties"]
                bodies[operation["operationId"]] = set(properties)
    assert set(bodies) == {
        "updateReview",
        "putReviewAssessment",
        "updateReviewItem",
        "agreeWherePartiesAgree",
        "signOffReview",
        "createReviewComment",
        "createReviewItemComment",
    }
    assert bodies.pop("signOffReview") == {"party_id"}
    for operation_id, fields in bodies.items():
        assert not fields & {"party_id", "party", "party_code"}, operation_id


@pytest.mark.parametrize("who", ["editor", "admin", "viewer", "read-only approver token"])
def test_only_an_approver_with_a_read_write_token_signs(
    client: TestClient, db: Database, who: str
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    if who == "read-only approver token":
        from itpp_api.auth.models import User
        from itpp_api.auth.service import issue_token

        user_id = make_user("JP", Role.APPROVER, email="automation@jp.example")
        with transaction(write=True) as session:
            user = session.get(User, user_id)
            assert user is not None
            _, secret = issue_token(
                session=session,
                user=user,
                kind=TokenKind.API,
                scope=TokenScope.READ,
                name="reports",
                lifetime=timedelta(days=1),
                idle=timedelta(days=1),
            )
        headers = {"Authorization": f"Bearer {secret}"}
    else:
        headers = auth_headers("JP", who, email=f"{who}@jp.example")
    counts = row_counts(db)
    assert_problem(sign(client, review_id, headers), 403, "forbidden")
    assert row_counts(db) == counts


def test_signing_needs_the_text_complete(client: TestClient) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    body = assert_problem(sign(client, review_id, scene.jp_approver), 409, "conflict")
    # Japan signs what Japan sees: NATO's internal commitment is neither named nor counted.
    assert body["detail"] == (
        "Review 1 is not ready to sign: it still needs a joint summary; an outcome (continue, "
        "amend, renew or terminate); an agreed rating of CYB-01, MAR-01."
    )
    missing = get(client, review_id, scene.jp_approver)["missing"]
    assert missing == [
        "a joint summary",
        "an outcome (continue, amend, renew or terminate)",
        "an agreed rating of CYB-01, MAR-01",
        "the sign-off of JP (by an approver of JP)",
        "the sign-off of NATO (by an approver of NATO)",
    ]
    # NATO sees its own internal commitment, and is told to rate it.
    nato = assert_problem(sign(client, review_id, scene.nato_approver), 409, "conflict")
    assert "an agreed rating of CYB-01, MAR-01, MAR-NATO-01." in nato["detail"]


def test_messages_about_a_review_never_tell_of_the_other_partys_internal_commitments(
    client: TestClient,
) -> None:
    """What Japan is told about a review (its `missing` list, its sign-offs, the refusal to
    conclude) is what it would be if NATO had no internal commitment under review, whatever
    state NATO's rating of it is in."""

    def japan_sees(scene: Scene, review_id: str) -> list[Any]:
        review = get(client, review_id, scene.jp_editor)
        return [
            review["missing"],
            [(s["party_code"], s["signed"]) for s in review["sign_offs"]],
            assert_problem(conclude(client, review_id, scene.jp_editor), 409, "conflict")["detail"],
        ]

    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    for reference in ("CYB-01", "MAR-01"):
        agree(client, review_id, reference, scene.jp_editor, "on_track")
    write_review(client, review_id, scene.jp_editor, summary=SUMMARY, outcome="continue")
    ok(sign(client, review_id, scene.jp_approver), 201)
    unrated = japan_sees(scene, review_id)
    # NATO rates its internal commitment, then takes the rating back: nothing Japan reads moves,
    # and Japan's sign-off (given to what Japan sees) stands.
    agree(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    assert japan_sees(scene, review_id) == unrated
    item = agree(client, review_id, "MAR-NATO-01", scene.nato_editor, None)
    assert item["sign_offs_withdrawn"] == []
    assert japan_sees(scene, review_id) == unrated
    assert unrated == [
        ["the sign-off of NATO (by an approver of NATO)"],
        [("JP", True), ("NATO", False)],
        "Review 1 cannot be concluded yet: it still needs the sign-off of NATO (by an approver "
        "of NATO).",
    ]
    # Exactly what Japan would read if NATO had no internal commitment at all.


def test_signing_with_if_match_refuses_a_text_changed_since_it_was_read(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    review = get(client, review_id, scene.jp_approver)
    agree(client, review_id, "CYB-01", scene.jp_editor, "at_risk")
    assert_problem(
        sign(client, review_id, {**scene.jp_approver, "If-Match": review["etag"]}),
        412,
        "precondition-failed",
    )
    fresh = get(client, review_id, scene.jp_approver)
    assert fresh["etag"] != review["etag"]
    nato = get(client, review_id, scene.nato_approver)
    ok(sign(client, review_id, {**scene.jp_approver, "If-Match": fresh["etag"]}), 201)
    # A sign-off does not move the ETag: the other party signs the text it read before.
    ok(sign(client, review_id, {**scene.nato_approver, "If-Match": nato["etag"]}), 201)


def test_a_sign_off_without_if_match_is_refused_with_428_and_changes_nothing(
    client: TestClient, db: Database
) -> None:
    """An approver signs the text they read: without the review's ETag nothing says which."""
    scene = make_scene()
    review_id = make_ready(client, scene)
    counts = row_counts(db)
    for headers in (scene.jp_approver, {**scene.jp_approver, "If-Match": "*"}):
        assert_problem(
            client.post(f"{review_url(review_id)}/sign-offs", headers=headers),
            428,
            "precondition-required",
        )
    assert row_counts(db) == counts
    assert not any(s["signed"] for s in get(client, review_id, scene.jp_approver)["sign_offs"])
    # The refusal is the policy's first: a viewer is refused (403) whatever it sends.
    assert_problem(
        client.post(f"{review_url(review_id)}/sign-offs", headers=scene.jp_viewer), 403, "forbidden"
    )
    document = client.get(f"{API}/openapi.json").json()
    operation = document["paths"]["/api/v1/reviews/{review_id}/sign-offs"]["post"]
    (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
    assert if_match["required"] is True and "428" in if_match["description"]
    assert {"412", "428"} <= set(operation["responses"])


def test_changing_the_signed_text_withdraws_the_sign_offs_and_says_so(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)

    changed = write_review(client, review_id, scene.jp_editor, outcome="amend")

    assert changed["sign_offs_withdrawn"] == ["JP", "NATO"]
    assert "withdrawn" in changed["notice"]
    assert not any(s["signed"] for s in changed["sign_offs"])
    assert get(client, review_id, scene.jp_editor)["notice"] is None
    # An agreed rating is part of the signed text too.
    ok(sign(client, review_id, scene.nato_approver), 201)
    item = agree(client, review_id, "CYB-01", scene.jp_editor, "at_risk")
    assert item["sign_offs_withdrawn"] == ["NATO"]
    assert "NATO" in item["notice"]
    # And its note.
    ok(sign(client, review_id, scene.nato_approver), 201)
    item = agree(client, review_id, "CYB-01", scene.jp_editor, "at_risk", note="Slower.")
    assert item["sign_offs_withdrawn"] == ["NATO"]
    # A party's own assessment is not part of it; nor is a write that changes nothing.
    ok(sign(client, review_id, scene.nato_approver), 201)
    assert (
        assess(client, review_id, "CYB-01", scene.jp_editor, "at_risk")["sign_offs_withdrawn"] == []
    )
    unchanged = write_review(client, review_id, scene.jp_editor, outcome="amend")
    assert unchanged["sign_offs_withdrawn"] == []
    assert [s["signed"] for s in unchanged["sign_offs"]] == [False, True]


# --- concluding -------------------------------------------------------------------------------


def test_concluding_needs_every_part_and_every_partys_sign_off(client: TestClient) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    body = assert_problem(conclude(client, review_id, scene.jp_editor), 409, "conflict")
    for part in ("a joint summary", "an outcome", "an agreed rating", "sign-off of JP"):
        assert part in body["detail"], part
    complete(client, scene, review_id)
    body = assert_problem(conclude(client, review_id, scene.jp_editor), 409, "conflict")
    assert "sign-off of JP" in body["detail"] and "sign-off of NATO" in body["detail"]
    ok(sign(client, review_id, scene.jp_approver), 201)
    body = assert_problem(conclude(client, review_id, scene.jp_editor), 409, "conflict")
    assert "sign-off of NATO" in body["detail"] and "sign-off of JP" not in body["detail"]
    assert_problem(conclude(client, review_id, scene.jp_viewer), 403, "forbidden")
    ok(sign(client, review_id, scene.nato_approver), 201)

    concluded = ok(conclude(client, review_id, scene.nato_editor))

    assert concluded["status"] == "concluded"
    assert concluded["concluded_at"] is not None
    assert concluded["missing"] == []
    assert concluded["outcome"] == "continue"
    assert [s["signed"] for s in concluded["sign_offs"]] == [True, True]


def test_a_missing_agreed_rating_of_an_internal_commitment_is_for_its_owner_to_give(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    ok(sign(client, review_id, scene.jp_approver), 201)
    agree(client, review_id, "MAR-NATO-01", scene.nato_editor, None)
    body = assert_problem(conclude(client, review_id, scene.jp_editor), 409, "conflict")
    # To Japan, NATO is simply not ready: its sign-off is what is missing.
    assert body["detail"].endswith("it still needs the sign-off of NATO (by an approver of NATO).")
    assert "MAR-NATO-01" not in body["detail"] and "can see" not in body["detail"]
    nato = assert_problem(conclude(client, review_id, scene.nato_editor), 409, "conflict")
    assert "an agreed rating of MAR-NATO-01" in nato["detail"]
    refused = assert_problem(sign(client, review_id, scene.nato_approver), 409, "conflict")
    assert "an agreed rating of MAR-NATO-01" in refused["detail"]
    agree(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    ok(sign(client, review_id, scene.nato_approver), 201)
    assert ok(conclude(client, review_id, scene.jp_editor))["status"] == "concluded"


def test_the_other_partys_internal_ratings_leave_no_trace_in_the_review_it_reads(
    client: TestClient,
) -> None:
    """Japan's whole view of the review — ETag and time of change included — stays the same
    while NATO rates, rerates and clears its internal commitment; NATO's own ETag follows
    each change, so NATO's approver never signs a rating changed since it was read."""
    scene = make_scene()
    review_id = make_ready(client, scene)
    japan = client.get(review_url(review_id), headers=scene.jp_editor)
    nato_before = get(client, review_id, scene.nato_approver)
    for rating in ("at_risk", None, "on_track"):
        agree(client, review_id, "MAR-NATO-01", scene.nato_editor, rating)
        again = client.get(review_url(review_id), headers=scene.jp_editor)
        assert again.json() == japan.json()
        assert again.headers["etag"] == japan.headers["etag"]
    listed = reviews(client, scene.world.plan, headers=scene.jp_editor)[0]
    assert listed["etag"] == japan.json()["etag"]
    nato_now = get(client, review_id, scene.nato_approver)
    assert nato_now["etag"] != nato_before["etag"]
    assert_problem(
        sign(client, review_id, {**scene.nato_approver, "If-Match": nato_before["etag"]}),
        412,
        "precondition-failed",
    )
    ok(sign(client, review_id, {**scene.nato_approver, "If-Match": nato_now["etag"]}), 201)
    # Japan signs the text it read, untouched by NATO's internal changes.
    ok(sign(client, review_id, {**scene.jp_approver, "If-Match": japan.json()["etag"]}), 201)


def test_changing_an_internal_commitments_agreed_rating_withdraws_only_its_owners_sign_off(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    item = agree(client, review_id, "MAR-NATO-01", scene.nato_editor, "at_risk")
    # NATO signed its own internal rating, Japan never saw it: Japan's sign-off stands.
    assert item["sign_offs_withdrawn"] == ["NATO"]
    assert [
        (s["party_code"], s["signed"]) for s in get(client, review_id, scene.jp_editor)["sign_offs"]
    ] == [("JP", True), ("NATO", False)]


def test_concluding_sets_each_commitments_health_to_its_agreed_rating(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    ok(conclude(client, review_id, scene.jp_editor))
    assert health(scene.commitments["CYB-01"]) == "on_track"
    # The agreed rating, not either party's own.
    assert health(scene.commitments["MAR-01"]) == "at_risk"
    assert health(scene.commitments["MAR-NATO-01"]) == "off_track"
    assert health(scene.commitments["CYB-02"]) is None
    listed = ok(
        client.get(f"{API}/plans/{scene.world.plan}/commitments", params={"health": "at_risk"})
    )
    assert [c["reference"] for c in listed["items"]] == ["MAR-01"]


def test_a_concluded_review_no_longer_changes_and_the_next_one_can_open(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    concluded = ok(conclude(client, review_id, scene.jp_editor))
    item = item_of(concluded, "CYB-01")
    for response in (
        client.patch(
            review_url(review_id),
            json={"outcome": "amend"},
            headers={**scene.jp_editor, "If-Match": concluded["etag"]},
        ),
        client.patch(
            item_url(review_id, item["id"]),
            json={"agreed_rating": "off_track"},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        ),
        client.put(
            f"{item_url(review_id, item['id'])}/assessment",
            json={"rating": "off_track"},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        ),
        conclude(client, review_id, scene.jp_editor),
        sign(client, review_id, scene.jp_approver),
        client.post(f"{review_url(review_id)}/open", headers=scene.jp_editor),
    ):
        assert_problem(response, 409, "conflict")
    second = reviews(client, scene.world.plan)[1]
    opened = ok(client.post(f"{review_url(second['id'])}/open", headers=scene.jp_editor))
    # The new review's snapshot carries the health the first one set.
    assert item_of(opened, "MAR-01")["snapshot"]["health"] == "at_risk"


# --- overdue ----------------------------------------------------------------------------------


def test_a_review_past_its_due_date_is_overdue_until_concluded(client: TestClient) -> None:
    scene = make_scene(approval=today() - timedelta(days=400))
    first, second = reviews(client, scene.world.plan)
    assert first["is_overdue"] is True
    assert second["is_overdue"] is False
    assert get(client, first["id"], scene.jp_editor)["is_overdue"] is True
    review_id = make_ready(client, scene)
    assert get(client, review_id, scene.jp_editor)["is_overdue"] is True
    sign_both(client, scene, review_id)
    concluded = ok(conclude(client, review_id, scene.jp_editor))
    assert concluded["is_overdue"] is False
    assert reviews(client, scene.world.plan)[0]["is_overdue"] is False


def test_the_reviews_of_a_closed_plan_are_not_overdue_and_cannot_be_written(
    client: TestClient, db: Database
) -> None:
    scene = make_scene(approval=today() - timedelta(days=400))
    review = open_first(client, scene)
    agree_by_every_party(scene.world.plan, [{"op": "terminate"}], title="Termination")
    listed = reviews(client, scene.world.plan)
    assert not any(r["is_overdue"] for r in listed)
    # The open review was held; the scheduled ones after it never will be.
    assert [(r["status"], r["will_be_held"]) for r in listed] == [("open", True)] + [
        ("scheduled", False)
    ] * (len(listed) - 1)
    assert get(client, listed[-1]["id"], scene.jp_editor)["will_be_held"] is False
    item = item_of(get(client, review["id"], scene.jp_editor), "CYB-01")
    counts = row_counts(db)
    for response in (
        client.put(
            f"{item_url(review['id'], item['id'])}/assessment",
            json={"rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        ),
        client.patch(
            review_url(review["id"]),
            json={"summary": SUMMARY},
            headers={**scene.jp_editor, "If-Match": review["etag"]},
        ),
        conclude(client, review["id"], scene.jp_editor),
        sign(client, review["id"], scene.jp_approver),
    ):
        body = assert_problem(response, 409, "plan-closed")
        assert "terminated" in body["detail"]
    assert row_counts(db) == counts


def test_an_expired_plans_reviews_cannot_be_opened(client: TestClient) -> None:
    world = make_world(approval=today() - timedelta(days=800))
    review = reviews(client, world.plan)[0]
    assert review["is_overdue"] is False
    assert not any(r["will_be_held"] for r in reviews(client, world.plan))
    body = assert_problem(client.post(f"{review_url(review['id'])}/open"), 409, "plan-closed")
    assert "expired" in body["detail"]


# --- visibility -------------------------------------------------------------------------------


def test_items_of_the_other_partys_internal_commitments_do_not_exist_for_the_caller(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    nato_view = get(client, review_id, scene.nato_editor)
    hidden = item_of(nato_view, "MAR-NATO-01")
    jp_view = get(client, review_id, scene.jp_editor)
    assert "MAR-NATO-01" not in str(jp_view)
    assert hidden["id"] not in str(jp_view)
    counts = row_counts(db)
    assert_problem(
        client.put(
            f"{item_url(review_id, hidden['id'])}/assessment",
            json={"rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": hidden["etag"]},
        ),
        404,
        "not-found",
    )
    assert_problem(
        client.patch(
            item_url(review_id, hidden["id"]),
            json={"agreed_rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": hidden["etag"]},
        ),
        404,
        "not-found",
    )
    assert row_counts(db) == counts
    # Concluding (by Japan) still sets the health of NATO's internal commitment.
    sign_both(client, scene, review_id)
    ok(conclude(client, review_id, scene.jp_editor))
    assert health(scene.commitments["MAR-NATO-01"]) == "off_track"


def test_an_item_of_another_review_is_not_found_under_this_one(client: TestClient) -> None:
    scene = make_scene()
    review_id = open_first(client, scene)["id"]
    item = item_of(get(client, review_id, scene.jp_editor), "CYB-01")
    other = reviews(client, scene.world.plan)[1]["id"]
    assert_problem(
        client.patch(
            item_url(other, item["id"]),
            json={"agreed_rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        ),
        404,
        "not-found",
    )


# --- audit ------------------------------------------------------------------------------------


def test_every_review_write_is_audited_and_internal_items_only_for_their_owner(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    write_review(client, review_id, scene.jp_editor, outcome="amend")
    sign_both(client, scene, review_id)
    ok(conclude(client, review_id, scene.jp_editor))

    def kinds(headers: dict[str, str]) -> list[tuple[str, str]]:
        events = audit_events(client, headers, plan_id=str(scene.world.plan))
        return [
            (e["entity_type"], e["action"])
            for e in reversed(events)
            if e["entity_type"].startswith("review_")
        ]

    nato = kinds(scene.nato_editor)
    assert nato == [
        ("review_cycle", "schedule"),
        ("review_cycle", "schedule"),
        ("review_item", "create"),  # CYB-01
        ("review_item", "create"),  # MAR-01
        ("review_item", "create"),  # MAR-NATO-01 (internal to NATO)
        ("review_cycle", "open"),
        *[("review_assessment", "create")] * 5,
        *[("review_item", "update")] * 3,
        ("review_cycle", "update"),
        ("review_sign_off", "create"),
        ("review_sign_off", "create"),
        ("review_cycle", "update"),
        ("review_sign_off", "withdraw"),
        ("review_sign_off", "withdraw"),
        ("review_sign_off", "create"),
        ("review_sign_off", "create"),
        ("review_cycle", "conclude"),
    ]
    # Japan sees the same trail but for what concerns NATO's internal commitment.
    japan = kinds(scene.jp_editor)
    assert len(japan) == len(nato) - 3
    health_events = [
        e
        for e in audit_events(client, scene.nato_editor, entity_type="commitment")
        if e["action"] == "update" and e["after"] and "health" in e["after"]
    ]
    assert {e["entity_id"] for e in health_events} == {
        str(scene.commitments[r]) for r in ("CYB-01", "MAR-01", "MAR-NATO-01")
    }
    assert all(e["after"]["review_id"] == review_id for e in health_events)
    signers = [
        e["actor_party_id"]
        for e in audit_events(client, scene.jp_editor, entity_type="review_sign_off")
        if e["action"] == "create"
    ]
    assert sorted(signers) == sorted([str(scene.world.japan), str(scene.world.nato)] * 2)


# --- calendar ---------------------------------------------------------------------------------


def calendar_events(client: TestClient, plan_id: uuid.UUID, headers: dict[str, str]) -> Any:
    response = client.get(f"{API}/plans/{plan_id}/calendar.ics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        str(e["UID"]): (str(e["SUMMARY"]), e.decoded("DTSTART"))
        for e in Calendar.from_ical(response.content).walk("VEVENT")
    }


def test_review_due_dates_are_in_the_plan_calendar(client: TestClient) -> None:
    scene = make_scene()
    first, second = reviews(client, scene.world.plan)
    english = calendar_events(client, scene.world.plan, scene.nato_editor)
    assert english[f"review-{first['id']}@itpp-tracker"] == (
        "Review 1 due: Test plan",
        date.fromisoformat(first["due_date"]),
    )
    assert english[f"review-{second['id']}@itpp-tracker"][0] == "Final review (2) due: Test plan"
    japanese = calendar_events(client, scene.world.plan, scene.jp_editor)
    assert japanese[f"review-{first['id']}@itpp-tracker"][0] == "第1回レビュー期限: 試験計画"
    review_id = make_ready(client, scene)
    sign_both(client, scene, review_id)
    ok(conclude(client, review_id, scene.jp_editor))
    english = calendar_events(client, scene.world.plan, scene.nato_editor)
    assert english[f"review-{first['id']}@itpp-tracker"][0] == "Review 1 due (concluded): Test plan"


def test_reviews_of_a_superseded_plan_that_never_took_place_leave_the_calendar(
    client: TestClient,
) -> None:
    scene = make_scene()
    first = first_review(client, scene)
    agree_by_every_party(
        scene.world.plan, [{"op": "renew", "reference": "NEXT-PLAN"}], title="Renewal"
    )
    assert ok(client.get(f"{API}/plans/{scene.world.plan}"))["status"] == "superseded"
    events = calendar_events(client, scene.world.plan, scene.jp_editor)
    assert not any(uid.startswith("review-") for uid in events)
    assert f"review-{first['id']}@itpp-tracker" not in events


# --- the sample plan --------------------------------------------------------------------------


def test_the_sample_plan_has_a_concluded_first_review_and_the_next_one_scheduled(
    client: TestClient,
) -> None:
    load_sample()
    with transaction(write=False) as session:
        plan = session.scalars(select(Plan).where(Plan.reference == "JP-NATO-ITPP")).one()
        signed = list(session.scalars(select(ReviewSignOff)))
    jp = auth_headers("JP", "viewer", email="sample-viewer@jp.example")
    first, second = reviews(client, plan.id, headers=jp)
    assert (first["status"], first["outcome"]) == ("concluded", "amend")
    assert second["status"] == "scheduled"
    assert second["is_final"] is True
    assert not second["is_overdue"]
    review = get(client, first["id"], jp)
    assert all(s["signed"] for s in review["sign_offs"])
    assert {s["party_code"] for s in review["sign_offs"]} == {"JP", "NATO"}
    assert len(signed) == 2
    assert review["summary"]["ja"] and review["summary"]["en"]
    # Exactly one visible disagreement, with both parties' ratings and the agreed one.
    (disagreement,) = review["disagreements"]
    assert set(disagreement["ratings"]) == {"JP", "NATO"}
    assert len(set(disagreement["ratings"].values())) == 2
    assert disagreement["agreed_rating"] in disagreement["ratings"].values()
    # Every reviewed commitment's health is its agreed rating.
    with transaction(write=False) as session:
        healths = {
            c.id: c.health
            for c in session.scalars(select(Commitment).where(Commitment.plan_id == plan.id))
        }
    for item in review["items"]:
        assert item["agreed_rating"] is not None
        assert healths[uuid.UUID(item["commitment"]["id"])] == item["agreed_rating"]
    assert len({i["agreed_rating"] for i in review["items"]}) == 3
    # Japan sees its own internal commitment's item, not NATO's.
    refs = {i["commitment"]["reference"] for i in review["items"]}
    assert "ACD-JP-01" in refs and "OTH-NATO-01" not in refs and "PD-03" not in refs
