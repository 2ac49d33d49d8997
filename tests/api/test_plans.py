"""Plans, their priority areas and their versions, through the HTTP API."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.clock import today
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.parties.models import Party
from itpp_api.plans.schemas import PlanPublic, PriorityAreaPublic
from tests.conftest import Database
from tests.factories import (
    World,
    agree,
    auth_headers,
    bring_into_force,
    commitment_body,
    make_commitment,
    make_world,
    record_as_operator,
)

PROBLEM = "application/problem+json"
PLANS = "/api/v1/plans"


# --- helpers --------------------------------------------------------------------------------


def assert_problem(response: Any, status: int, problem_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type
    assert body["status"] == status
    return body


def make_parties(*codes: str) -> list[uuid.UUID]:
    with transaction(write=True) as session:
        parties = [Party(code=code, name={"en": code}) for code in codes]
        session.add_all(parties)
        session.flush()
        return [party.id for party in parties]


def plan_body(party_ids: list[uuid.UUID], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "JP-NATO-ITPP",
        "title": {"ja": "日NATO国別パートナーシップ協力計画", "en": "Japan–NATO ITPP"},
        "party_ids": [str(p) for p in party_ids],
        "objectives": [{"ja": "ハイレベル対話の強化", "en": "Strengthening high-level dialogue"}],
        "sections": [
            {"number": "4.1", "heading": {"en": "Review"}, "body": {"en": "Runs two years."}}
        ],
    }
    body.update(overrides)
    return body


def create(client: TestClient, party_ids: list[uuid.UUID], **overrides: Any) -> dict[str, Any]:
    response = client.post(PLANS, json=plan_body(party_ids, **overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


def patch(client: TestClient, url: str, body: dict[str, Any]) -> Any:
    """PATCH a record with its current ETag."""
    return client.patch(url, json=body, headers={"If-Match": client.get(url).headers["ETag"]})


def patch_plan(client: TestClient, plan_id: uuid.UUID | str, body: dict[str, Any]) -> Any:
    """PATCH a plan with its current ETag."""
    return patch(client, f"{PLANS}/{plan_id}", body)


def areas_url(plan_id: uuid.UUID | str) -> str:
    return f"{PLANS}/{plan_id}/priority-areas"


def area_codes(client: TestClient, plan_id: uuid.UUID | str) -> list[tuple[str, int]]:
    items = client.get(areas_url(plan_id)).json()["items"]
    return [(item["code"], item["position"]) for item in items]


def area_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "3.1.3",
        "short_code": "HAD",
        "title": {"ja": "人道支援・災害救援", "en": "Humanitarian assistance"},
    }
    body.update(overrides)
    return body


def plan_in_force() -> uuid.UUID:
    """TEST-PLAN (two parties, two priority areas), brought into force by every party's
    consent; its id."""
    world = make_world(status=PlanStatus.DRAFT)
    bring_into_force(world.plan)
    return world.plan


def end_by_consent(plan_id: uuid.UUID, status: str) -> None:
    """End a plan in force as the parties end one: terminated, or superseded by its renewal."""
    changes = {
        "terminated": [{"op": "terminate"}],
        "superseded": [{"op": "renew", "reference": "NEXT-PLAN"}],
    }[status]
    agree(plan_id, changes, title=f"Plan {status}")


def consent_to(client: TestClient, proposal: dict[str, Any]) -> dict[str, Any]:
    """Post a change set (a refusal's `proposal`, as it came) as an amendment and have the
    approver of each party, JP then NATO, approve it; the amendment as the last approval left
    it."""
    posted = client.post(
        f"{PLANS}/{proposal['plan_id']}/amendments",
        json={
            "title": proposal["title"],
            "rationale": {"en": "Agreed by both parties.", "ja": "両当事者が合意。"},
            "changes": proposal["changes"],
        },
    )
    assert posted.status_code == 201, posted.text
    amendment: dict[str, Any] = posted.json()
    for code in ("JP", "NATO"):
        approver = auth_headers(
            code, "approver", email=f"{code.lower()}-{uuid.uuid4().hex[:8]}@approver.example"
        )
        decided = client.post(
            f"/api/v1/amendments/{amendment['id']}/approvals",
            json={"decision": "approve"},
            headers=approver,
        )
        assert decided.status_code == 200, decided.text
        amendment = decided.json()
    assert amendment["status"] == "applied", amendment
    return amendment


# --- create, get, list ----------------------------------------------------------------------


def test_create_plan_returns_201_with_location_etag_and_a_draft(
    client: TestClient, db: Database
) -> None:
    japan, nato = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body([japan, nato]))
    assert response.status_code == 201, response.text
    body = response.json()
    PlanPublic.model_validate(body)
    assert response.headers["Location"] == f"/api/v1/plans/{body['id']}"
    assert response.headers["ETag"] == body["etag"]
    assert body["status"] == "draft"
    assert body["approval_date"] is None
    assert body["expiry_date"] is None
    assert body["term_months"] == 24
    assert body["review_interval_months"] == 12
    assert [p["code"] for p in body["parties"]] == ["JP", "NATO"]
    assert body["title"]["ja"] == "日NATO国別パートナーシップ協力計画"
    assert body["sections"][0]["number"] == "4.1"


def test_get_plan_returns_what_was_created_with_the_same_etag(
    client: TestClient, db: Database
) -> None:
    japan, nato = make_parties("JP", "NATO")
    created = client.post(PLANS, json=plan_body([japan, nato]))
    response = client.get(created.headers["Location"])
    assert response.status_code == 200
    assert response.json() == created.json()
    assert response.headers["ETag"] == created.headers["ETag"]


def test_get_unknown_plan_is_404_problem(client: TestClient, db: Database) -> None:
    assert_problem(client.get(f"{PLANS}/{uuid.uuid4()}"), 404, "/problems/not-found")


def test_get_plan_with_malformed_id_is_422_problem(client: TestClient, db: Database) -> None:
    assert_problem(client.get(f"{PLANS}/42"), 422, "/problems/validation-error")


def test_list_plans_walks_every_plan_once_in_reference_order(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    for reference in ("PLAN-C", "PLAN-A", "PLAN-E", "PLAN-B", "PLAN-D"):
        create(client, parties, reference=reference)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get(PLANS, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert 1 <= len(page["items"]) <= 2
        seen.extend(item["reference"] for item in page["items"])
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
        assert pages < 10
    assert seen == ["PLAN-A", "PLAN-B", "PLAN-C", "PLAN-D", "PLAN-E"]
    assert pages == 3


def test_list_plans_refuses_a_garbage_cursor_and_a_limit_over_the_cap(
    client: TestClient, db: Database
) -> None:
    assert_problem(client.get(PLANS, params={"cursor": "nope"}), 400, "/problems/invalid-cursor")
    assert_problem(client.get(PLANS, params={"limit": 201}), 422, "/problems/validation-error")


# --- expiry and effective status ------------------------------------------------------------


@pytest.mark.parametrize(
    ("approval", "term", "expiry"),
    [
        ("2024-03-15", 24, "2026-03-15"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-08-31", 1, "2024-09-30"),
        ("2023-08-31", 18, "2025-02-28"),
    ],
)
def test_expiry_date_is_approval_date_plus_term_clamped_to_the_months_last_day(
    client: TestClient, db: Database, approval: str, term: int, expiry: str
) -> None:
    # On a draft, where the parties set the approval date and the term directly.
    parties = make_parties("JP", "NATO")
    plan = create(client, parties, term_months=term, review_interval_months=1)
    response = patch_plan(client, plan["id"], {"approval_date": approval})
    assert response.status_code == 200, response.text
    assert response.json()["approval_date"] == approval
    assert response.json()["expiry_date"] == expiry
    assert client.get(f"{PLANS}/{plan['id']}").json()["expiry_date"] == expiry


def test_expiry_date_follows_a_change_of_term(client: TestClient, db: Database) -> None:
    # On a draft; an active plan's term changes by amendment (tests/api/test_amendments.py).
    parties = make_parties("JP", "NATO")
    plan = create(client, parties, approval_date="2030-01-31")
    response = patch_plan(client, plan["id"], {"term_months": 13})
    assert response.status_code == 200, response.text
    assert response.json()["expiry_date"] == "2031-02-28"
    assert client.post(areas_url(plan["id"]), json=area_body()).status_code == 201
    bring_into_force(uuid.UUID(plan["id"]), date(2030, 1, 31))
    in_force = client.get(f"{PLANS}/{plan['id']}").json()
    assert (in_force["status"], in_force["expiry_date"]) == ("active", "2031-02-28")


def test_active_plan_past_its_expiry_date_reads_expired(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    bring_into_force(world.plan)
    old = create(client, [world.japan, world.nato], reference="OLD-PLAN")
    # Agreed outside the system long ago: the operator records it in force since then.
    record_as_operator(
        uuid.UUID(old["id"]), status=PlanStatus.ACTIVE, approval_date=date(2000, 1, 1)
    )
    recorded = client.get(f"{PLANS}/{old['id']}").json()
    assert (recorded["status"], recorded["expiry_date"]) == ("expired", "2002-01-01")
    expired = client.get(PLANS, params={"status": "expired"}).json()["items"]
    assert [p["reference"] for p in expired] == ["OLD-PLAN"]
    active = client.get(PLANS, params={"status": "active"}).json()["items"]
    assert [p["reference"] for p in active] == ["TEST-PLAN"]


# --- status: a plan comes into force and ends by every party's consent -----------------------


def test_a_draft_is_abandoned_directly_by_terminating_it(client: TestClient, db: Database) -> None:
    # The parties never agreed a draft: dropping it needs no consent.
    parties = make_parties("JP", "NATO")
    plan = create(client, parties, approval_date="2030-01-01")
    response = patch_plan(client, plan["id"], {"status": "terminated"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "terminated"
    assert client.get(f"{PLANS}/{plan['id']}").json()["status"] == "terminated"


def test_draft_cannot_become_active_without_an_approval_date(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties)
    response = patch_plan(client, plan["id"], {"status": "active"})
    assert_problem(response, 422, "/problems/rule-violation")
    assert client.get(f"{PLANS}/{plan['id']}").json()["status"] == "draft"


def test_a_draft_made_active_directly_gets_the_amendment_bringing_it_into_force_on_that_date(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties)
    assert client.post(areas_url(plan["id"]), json=area_body()).status_code == 201
    url = f"{PLANS}/{plan['id']}"
    before = client.get(url).json()
    approval = (today() - timedelta(days=30)).isoformat()

    response = patch_plan(client, plan["id"], {"status": "active", "approval_date": approval})

    body = assert_problem(response, 409, "/problems/amendment-required")
    assert body["agreed_fields"] == ["status"]
    assert body["proposal"]["plan_id"] == plan["id"]
    assert body["proposal"]["changes"] == [{"op": "bring_into_force", "approval_date": approval}]
    # Nothing changed, not even the approval date that came with the status.
    assert client.get(url).json() == before
    assert client.get(f"{url}/versions").json()["items"] == []

    amendment = consent_to(client, body["proposal"])

    assert amendment["kind"] == "entry_into_force"
    in_force = client.get(url).json()
    assert (in_force["status"], in_force["approval_date"]) == ("active", approval)
    (version,) = client.get(f"{url}/versions").json()["items"]
    assert (version["number"], version["agreed_on"], version["amendment_id"]) == (
        1,
        approval,
        amendment["id"],
    )


@pytest.mark.parametrize("end", ["terminated", "superseded"])
def test_a_plan_in_force_ends_only_when_every_party_consents(
    client: TestClient, db: Database, end: str
) -> None:
    plan_id = plan_in_force()
    url = f"{PLANS}/{plan_id}"
    before = client.get(url).json()

    response = patch_plan(client, plan_id, {"status": end})

    body = assert_problem(response, 409, "/problems/amendment-required")
    assert body["agreed_fields"] == ["status"]
    assert client.get(url).json() == before
    if end == "terminated":
        assert body["proposal"]["changes"] == [{"op": "terminate"}]
        amendment = consent_to(client, body["proposal"])
        assert amendment["kind"] == "termination"
        assert client.get(url).json()["termination_date"] == today().isoformat()
    else:
        # A plan is superseded by its renewal, whose successor the parties name: no ready
        # change set, the detail says how.
        assert body.get("proposal") is None
        assert "renew" in body["detail"]
        renewal = [{"op": "renew", "reference": "NEXT-PLAN"}]
        amendment = consent_to(
            client, {"plan_id": str(plan_id), "title": {"en": "Renewal"}, "changes": renewal}
        )
        assert amendment["kind"] == "renewal"
        successor = client.get(f"{PLANS}/{amendment['successor_plan_id']}").json()
        assert (successor["status"], successor["predecessor_id"]) == ("active", str(plan_id))
    assert client.get(url).json()["status"] == end


def test_active_plan_cannot_go_back_to_draft(client: TestClient, db: Database) -> None:
    plan_id = plan_in_force()
    response = patch_plan(client, plan_id, {"status": "draft"})
    assert_problem(response, 422, "/problems/rule-violation")
    assert client.get(f"{PLANS}/{plan_id}").json()["status"] == "active"


def test_active_plan_cannot_lose_its_approval_date(client: TestClient, db: Database) -> None:
    plan_id = plan_in_force()
    response = patch_plan(client, plan_id, {"approval_date": None})
    assert_problem(response, 422, "/problems/rule-violation")
    assert client.get(f"{PLANS}/{plan_id}").json()["approval_date"] is not None


@pytest.mark.parametrize("start", ["draft", "active"])
def test_expired_cannot_be_set(client: TestClient, db: Database, start: str) -> None:
    plan_id = plan_in_force() if start == "active" else make_world(status=PlanStatus.DRAFT).plan
    response = patch_plan(client, plan_id, {"status": "expired"})
    body = assert_problem(response, 422, "/problems/rule-violation")
    assert "expired" in body["detail"]
    assert client.get(f"{PLANS}/{plan_id}").json()["status"] == start


@pytest.mark.parametrize(
    ("closed", "target"),
    [
        ("superseded", "active"),
        ("terminated", "active"),
        ("superseded", "terminated"),
        ("terminated", "draft"),
    ],
)
def test_superseded_or_terminated_plan_cannot_change_status(
    client: TestClient, db: Database, closed: str, target: str
) -> None:
    plan_id = plan_in_force()
    end_by_consent(plan_id, closed)
    response = patch_plan(client, plan_id, {"status": target})
    assert_problem(response, 422, "/problems/rule-violation")
    assert client.get(f"{PLANS}/{plan_id}").json()["status"] == closed


def test_patch_plan_without_if_match_is_428_and_with_a_stale_one_412(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties)
    url = f"{PLANS}/{plan['id']}"
    change = {"title": {"en": "Renamed"}}
    assert_problem(client.patch(url, json=change), 428, "/problems/precondition-required")
    fresh = client.patch(url, json=change, headers={"If-Match": plan["etag"]})
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["ETag"] != plan["etag"]
    stale = client.patch(url, json={"title": {"en": "Again"}}, headers={"If-Match": plan["etag"]})
    assert_problem(stale, 412, "/problems/precondition-failed")
    assert client.get(url).json()["title"] == {"en": "Renamed"}


# --- validation and rules on create and update ----------------------------------------------


def test_review_interval_longer_than_term_is_refused_on_create(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body(parties, term_months=6, review_interval_months=12))
    assert_problem(response, 422, "/problems/validation-error")
    assert client.get(PLANS).json()["items"] == []


def test_review_interval_longer_than_term_is_refused_on_update(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties, term_months=24, review_interval_months=12)
    assert_problem(
        patch_plan(client, plan["id"], {"term_months": 6}), 422, "/problems/rule-violation"
    )
    assert_problem(
        patch_plan(client, plan["id"], {"review_interval_months": 25}),
        422,
        "/problems/rule-violation",
    )
    assert client.get(f"{PLANS}/{plan['id']}").json()["term_months"] == 24


def test_unknown_predecessor_is_refused_with_422(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body(parties, predecessor_id=str(uuid.uuid4())))
    assert_problem(response, 422, "/problems/rule-violation")


def test_known_predecessor_is_recorded(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    first = create(client, parties, reference="IPCP-2014")
    second = create(client, parties, reference="IPCP-2018", predecessor_id=first["id"])
    assert second["predecessor_id"] == first["id"]


def test_plan_cannot_be_its_own_predecessor(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties)
    response = patch_plan(client, plan["id"], {"predecessor_id": plan["id"]})
    assert_problem(response, 422, "/problems/rule-violation")


def test_predecessor_cycle_is_refused(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    oldest = create(client, parties, reference="IPCP-2014")
    middle = create(client, parties, reference="IPCP-2018", predecessor_id=oldest["id"])
    newest = create(client, parties, reference="ITPP-2023", predecessor_id=middle["id"])
    for successor in (middle, newest):
        response = patch_plan(client, oldest["id"], {"predecessor_id": successor["id"]})
        assert_problem(response, 422, "/problems/rule-violation")
    assert client.get(f"{PLANS}/{oldest['id']}").json()["predecessor_id"] is None


def test_duplicate_plan_reference_is_409(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    create(client, parties, reference="JP-NATO-2023")
    response = client.post(PLANS, json=plan_body(parties, reference="JP-NATO-2023"))
    assert_problem(response, 409, "/problems/conflict")


@pytest.mark.parametrize("count", [0, 1])
def test_plan_with_fewer_than_two_parties_is_refused_with_422(
    client: TestClient, db: Database, count: int
) -> None:
    parties = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body(parties[:count]))
    assert_problem(response, 422, "/problems/validation-error")


def test_plan_naming_the_same_party_twice_is_refused_with_422(
    client: TestClient, db: Database
) -> None:
    japan, _ = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body([japan, japan]))
    assert_problem(response, 422, "/problems/validation-error")


def test_plan_with_an_unknown_party_is_refused_with_422(client: TestClient, db: Database) -> None:
    japan, _ = make_parties("JP", "NATO")
    unknown = uuid.uuid4()
    response = client.post(PLANS, json=plan_body([japan, unknown]))
    body = assert_problem(response, 422, "/problems/rule-violation")
    assert body["errors"][0]["loc"] == ["body", "party_ids", 1]
    assert client.get(PLANS).json()["items"] == []


def test_duplicate_section_numbers_are_refused_with_422(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    sections = [
        {"number": "1.1", "body": {"en": "One"}},
        {"number": "1.1", "body": {"en": "Again"}},
    ]
    response = client.post(PLANS, json=plan_body(parties, sections=sections))
    assert_problem(response, 422, "/problems/validation-error")
    plan = create(client, parties)
    assert_problem(
        patch_plan(client, plan["id"], {"sections": sections}), 422, "/problems/validation-error"
    )


@pytest.mark.parametrize("text", [{}, {"en": "  "}, {"en": "Fine", "ja": ""}], ids=str)
@pytest.mark.parametrize("field", ["title", "objectives", "section body"])
def test_empty_localized_text_is_refused_with_422(
    client: TestClient, db: Database, text: dict[str, str], field: str
) -> None:
    parties = make_parties("JP", "NATO")
    overrides: dict[str, Any] = {
        "title": {"title": text},
        "objectives": {"objectives": [text]},
        "section body": {"sections": [{"number": "1.1", "body": text}]},
    }[field]
    response = client.post(PLANS, json=plan_body(parties, **overrides))
    assert_problem(response, 422, "/problems/validation-error")


@pytest.mark.parametrize("tag", ["english", "en_GB", "e", "12", ""])
def test_invalid_language_tag_is_refused_with_422(
    client: TestClient, db: Database, tag: str
) -> None:
    parties = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body(parties, title={tag: "Title"}))
    assert_problem(response, 422, "/problems/validation-error")


def test_valid_language_tags_are_accepted_in_canonical_case(
    client: TestClient, db: Database
) -> None:
    parties = make_parties("JP", "NATO")
    plan = create(client, parties, title={"EN-gb": "Programme", "zh-hant": "計劃"})
    assert plan["title"] == {"en-GB": "Programme", "zh-Hant": "計劃"}


def test_unknown_fields_in_a_plan_are_refused_with_422(client: TestClient, db: Database) -> None:
    parties = make_parties("JP", "NATO")
    response = client.post(PLANS, json=plan_body(parties, colour="blue"))
    assert_problem(response, 422, "/problems/validation-error")


# --- versions -------------------------------------------------------------------------------


def make_approvable_draft() -> tuple[World, list[uuid.UUID]]:
    """A draft plan (with an approval date) with two areas and three commitments."""
    world = make_world(status=PlanStatus.DRAFT)
    commitments = [
        make_commitment(
            world,
            milestones=[{"title": {"en": "Team formed"}, "due_date": "2026-02-28"}],
        ),
        make_commitment(world),
        make_commitment(world, priority_area_id=world.maritime),
    ]
    return world, commitments


def test_draft_plan_has_no_versions(client: TestClient, db: Database) -> None:
    world, _ = make_approvable_draft()
    response = client.get(f"{PLANS}/{world.plan}/versions")
    assert response.status_code == 200
    assert response.json() == {"items": []}


def test_coming_into_force_records_version_1_with_the_agreed_areas_and_commitments(
    client: TestClient, db: Database
) -> None:
    world, commitment_ids = make_approvable_draft()
    assert client.get(f"{PLANS}/{world.plan}").json()["status"] == "draft"
    approval = today() - timedelta(days=200)
    amendment_id = bring_into_force(world.plan, approval)

    listed = client.get(f"{PLANS}/{world.plan}/versions")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(v["number"], v["plan_id"]) for v in items] == [(1, str(world.plan))]
    assert items[0]["agreed_on"] == approval.isoformat()
    assert items[0]["amendment_id"] == str(amendment_id)
    assert "snapshot" not in items[0]

    version = client.get(f"{PLANS}/{world.plan}/versions/1")
    assert version.status_code == 200
    body = version.json()
    assert body["number"] == 1
    assert body["id"] == items[0]["id"]
    snapshot = body["snapshot"]
    assert snapshot["plan"]["id"] == str(world.plan)
    assert snapshot["plan"]["status"] == "active"
    assert [(a["code"], a["short_code"], a["position"]) for a in snapshot["priority_areas"]] == [
        ("3.1.1", "CYB", 0),
        ("3.1.2", "MAR", 1),
    ]
    commitments = snapshot["commitments"]
    assert sorted(c["id"] for c in commitments) == sorted(str(i) for i in commitment_ids)
    assert [c["reference"] for c in commitments] == ["CYB-01", "CYB-02", "MAR-01"]
    # What the parties agreed to do, not how its delivery stands.
    assert [c["retired"] for c in commitments] == [False, False, False]
    for field in ("status", "progress", "health", "milestones"):
        assert field not in commitments[0], field


def test_version_snapshot_does_not_change_when_the_plan_changes_later(
    client: TestClient, db: Database
) -> None:
    world, commitment_ids = make_approvable_draft()
    bring_into_force(world.plan)
    before = client.get(f"{PLANS}/{world.plan}/versions/1").json()
    delivered = patch(client, f"/api/v1/commitments/{commitment_ids[0]}", {"progress": 50})
    assert delivered.status_code == 200, delivered.text
    later = {"op": "add_commitment", "commitment": commitment_body(world, title={"en": "Later"})}
    agree(world.plan, [later], title="A later commitment")
    after = client.get(f"{PLANS}/{world.plan}/versions/1").json()
    assert after == before
    assert len(after["snapshot"]["commitments"]) == 3
    newest = client.get(f"{PLANS}/{world.plan}/versions/2").json()
    assert len(newest["snapshot"]["commitments"]) == 4


def test_unknown_version_is_404_problem(client: TestClient, db: Database) -> None:
    world, _ = make_approvable_draft()
    bring_into_force(world.plan)
    assert_problem(client.get(f"{PLANS}/{world.plan}/versions/2"), 404, "/problems/not-found")
    assert_problem(client.get(f"{PLANS}/{uuid.uuid4()}/versions/1"), 404, "/problems/not-found")
    assert_problem(client.get(f"{PLANS}/{uuid.uuid4()}/versions"), 404, "/problems/not-found")


def test_version_number_below_one_is_422(client: TestClient, db: Database) -> None:
    world, _ = make_approvable_draft()
    response = client.get(f"{PLANS}/{world.plan}/versions/0")
    assert_problem(response, 422, "/problems/validation-error")


# --- priority areas -------------------------------------------------------------------------


def test_create_priority_area_appends_it_at_the_end(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    response = client.post(areas_url(world.plan), json=area_body())
    assert response.status_code == 201, response.text
    body = response.json()
    PriorityAreaPublic.model_validate(body)
    assert body["position"] == 2
    assert body["plan_id"] == str(world.plan)
    assert response.headers["ETag"] == body["etag"]
    assert response.headers["Location"] == f"/api/v1/priority-areas/{body['id']}"
    assert client.get(response.headers["Location"]).json() == body
    assert area_codes(client, world.plan) == [("3.1.1", 0), ("3.1.2", 1), ("3.1.3", 2)]


def test_create_priority_area_after_a_reorder_still_appends_at_the_end(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    reordered = client.post(
        f"{areas_url(world.plan)}/order",
        json={"priority_area_ids": [str(world.maritime), str(world.cyber)]},
    )
    assert reordered.status_code == 200, reordered.text
    assert client.post(areas_url(world.plan), json=area_body()).status_code == 201
    assert area_codes(client, world.plan) == [("3.1.2", 0), ("3.1.1", 1), ("3.1.3", 2)]


@pytest.mark.parametrize(
    "duplicate",
    [{"code": "3.1.1"}, {"short_code": "CYB"}],
    ids=["code", "short_code"],
)
def test_duplicate_area_code_or_short_code_in_the_same_plan_is_409(
    client: TestClient, db: Database, duplicate: dict[str, str]
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    response = client.post(areas_url(world.plan), json=area_body(**duplicate))
    body = assert_problem(response, 409, "/problems/conflict")
    assert next(iter(duplicate.values())) in body["detail"]
    assert len(client.get(areas_url(world.plan)).json()["items"]) == 2


def test_same_area_code_in_another_plan_is_fine(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    other = create(client, [world.japan, world.nato], reference="OTHER-PLAN")
    response = client.post(areas_url(other["id"]), json=area_body(code="3.1.1", short_code="CYB"))
    assert response.status_code == 201, response.text
    assert response.json()["position"] == 0
    assert area_codes(client, other["id"]) == [("3.1.1", 0)]
    assert area_codes(client, world.plan) == [("3.1.1", 0), ("3.1.2", 1)]


def test_create_area_in_an_unknown_plan_is_404(client: TestClient, db: Database) -> None:
    make_world()
    response = client.post(areas_url(uuid.uuid4()), json=area_body())
    assert_problem(response, 404, "/problems/not-found")


def test_update_priority_area_with_if_match(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"/api/v1/priority-areas/{world.maritime}"
    etag = client.get(url).headers["ETag"]
    change = {"title": {"ja": "海洋安全保障協力", "en": "Maritime security cooperation"}}
    response = client.patch(url, json=change, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == change["title"]
    assert response.headers["ETag"] == response.json()["etag"] != etag
    assert client.get(url).json()["title"] == change["title"]


def test_update_priority_area_without_if_match_is_428_and_stale_is_412(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"/api/v1/priority-areas/{world.maritime}"
    etag = client.get(url).headers["ETag"]
    assert_problem(
        client.patch(url, json={"short_code": "SEA"}), 428, "/problems/precondition-required"
    )
    assert client.patch(url, json={"short_code": "SEA"}, headers={"If-Match": etag}).is_success
    stale = client.patch(url, json={"short_code": "OCN"}, headers={"If-Match": etag})
    assert_problem(stale, 412, "/problems/precondition-failed")
    assert client.get(url).json()["short_code"] == "SEA"


def test_update_priority_area_to_a_code_taken_in_the_plan_is_409(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"/api/v1/priority-areas/{world.maritime}"
    etag = client.get(url).headers["ETag"]
    response = client.patch(url, json={"code": "3.1.1"}, headers={"If-Match": etag})
    assert_problem(response, 409, "/problems/conflict")
    same = client.patch(url, json={"code": "3.1.2"}, headers={"If-Match": etag})
    assert same.status_code == 200, same.text


def test_reorder_priority_areas_with_a_permutation_moves_positions(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    third = client.post(areas_url(world.plan), json=area_body()).json()
    order = [third["id"], str(world.cyber), str(world.maritime)]
    response = client.post(f"{areas_url(world.plan)}/order", json={"priority_area_ids": order})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["id"], i["position"]) for i in items] == [
        (order[0], 0),
        (order[1], 1),
        (order[2], 2),
    ]
    assert area_codes(client, world.plan) == [("3.1.3", 0), ("3.1.1", 1), ("3.1.2", 2)]
    assert client.get(f"/api/v1/priority-areas/{world.maritime}").json()["position"] == 2


def test_reorder_moves_the_etag_of_areas_whose_position_changed(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    before = client.get(f"/api/v1/priority-areas/{world.cyber}").headers["ETag"]
    client.post(
        f"{areas_url(world.plan)}/order",
        json={"priority_area_ids": [str(world.maritime), str(world.cyber)]},
    )
    assert client.get(f"/api/v1/priority-areas/{world.cyber}").headers["ETag"] != before


def test_reorder_refusals(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    other = create(client, [world.japan, world.nato], reference="OTHER-PLAN")
    foreign = client.post(areas_url(other["id"]), json=area_body()).json()["id"]
    cyber, maritime = str(world.cyber), str(world.maritime)
    for ids in (
        [cyber],  # one missing
        [cyber, maritime, cyber],  # an id twice
        [cyber, cyber],  # an id twice, one missing
        [cyber, maritime, foreign],  # an area of another plan
        [foreign, maritime],  # another plan's area instead of one of ours
        [cyber, str(uuid.uuid4())],  # an unknown id
    ):
        response = client.post(f"{areas_url(world.plan)}/order", json={"priority_area_ids": ids})
        assert_problem(response, 422, "/problems/rule-violation")
    assert area_codes(client, world.plan) == [("3.1.1", 0), ("3.1.2", 1)]
    assert area_codes(client, other["id"]) == [("3.1.3", 0)]


def test_reorder_with_an_empty_list_is_422(client: TestClient, db: Database) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    response = client.post(f"{areas_url(world.plan)}/order", json={"priority_area_ids": []})
    assert_problem(response, 422, "/problems/validation-error")


# --- closed plans ---------------------------------------------------------------------------

CLOSING: dict[str, Callable[[uuid.UUID], None]] = {
    "superseded": lambda plan_id: end_by_consent(plan_id, "superseded"),
    "terminated": lambda plan_id: end_by_consent(plan_id, "terminated"),
    # A term runs out by itself: the plan is recorded as approved a whole term ago.
    "expired": lambda plan_id: record_as_operator(plan_id, approval_date=date(2000, 1, 1)),
}


def closed_world(client: TestClient, closed: str) -> tuple[World, dict[str, Any]]:
    """A plan with a commitment (with a milestone), brought into force and then closed as
    asked."""
    world = make_world(status=PlanStatus.DRAFT)
    commitment_id = make_commitment(world, milestones=[{"title": {"en": "Step"}}])
    bring_into_force(world.plan)
    CLOSING[closed](world.plan)
    assert client.get(f"{PLANS}/{world.plan}").json()["status"] == closed
    commitment = client.get(f"/api/v1/commitments/{commitment_id}").json()
    return world, commitment


def write_attempts(client: TestClient, world: World, commitment: dict[str, Any]) -> dict[str, Any]:
    area_url = f"/api/v1/priority-areas/{world.cyber}"
    area_etag = client.get(area_url).headers["ETag"]
    commitment_url = f"/api/v1/commitments/{commitment['id']}"
    milestone = commitment["milestones"][0]
    return {
        "create area": lambda: client.post(areas_url(world.plan), json=area_body()),
        "update area": lambda: client.patch(
            area_url, json={"title": {"en": "New"}}, headers={"If-Match": area_etag}
        ),
        "reorder areas": lambda: client.post(
            f"{areas_url(world.plan)}/order",
            json={"priority_area_ids": [str(world.maritime), str(world.cyber)]},
        ),
        "create commitment": lambda: client.post(
            f"{PLANS}/{world.plan}/commitments", json=commitment_body(world)
        ),
        "update commitment": lambda: client.patch(
            commitment_url, json={"progress": 50}, headers={"If-Match": commitment["etag"]}
        ),
        "cancel commitment": lambda: client.delete(
            commitment_url, headers={"If-Match": commitment["etag"]}
        ),
        "add milestone": lambda: client.post(
            f"{commitment_url}/milestones", json={"title": {"en": "Another"}}
        ),
        "update milestone": lambda: client.patch(
            f"/api/v1/milestones/{milestone['id']}",
            json={"done_on": "2026-01-01"},
            headers={"If-Match": milestone["etag"]},
        ),
        "delete milestone": lambda: client.delete(
            f"/api/v1/milestones/{milestone['id']}", headers={"If-Match": milestone["etag"]}
        ),
        "update plan text": lambda: patch_plan(client, world.plan, {"title": {"en": "New"}}),
    }


@pytest.mark.parametrize("closed", list(CLOSING))
def test_writes_to_a_closed_plans_areas_and_commitments_are_409_saying_why(
    client: TestClient, db: Database, closed: str
) -> None:
    world, commitment = closed_world(client, closed)
    for name, attempt in write_attempts(client, world, commitment).items():
        response = attempt()
        assert response.status_code == 409, f"{name}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith(PROBLEM), name
        body = response.json()
        assert body["type"] == "/problems/plan-closed", name
        assert f"is {closed}" in body["detail"], f"{name}: {body['detail']}"
    # Nothing changed.
    assert area_codes(client, world.plan) == [("3.1.1", 0), ("3.1.2", 1)]
    after = client.get(f"/api/v1/commitments/{commitment['id']}").json()
    assert after == commitment
    items = client.get(f"{PLANS}/{world.plan}/commitments").json()["items"]
    assert [c["id"] for c in items] == [commitment["id"]]


def agreed_content(client: TestClient, plan_id: uuid.UUID) -> dict[str, Any]:
    """The plan and its priority areas as the API shows them."""
    return {
        "plan": client.get(f"{PLANS}/{plan_id}").json(),
        "areas": client.get(areas_url(plan_id)).json(),
    }


# The writes of write_attempts, in the order they are tried on an open plan; on a plan in force
# those that change what the parties agreed are refused with the fields they would change and
# the operation of the amendment that would make the change.
OPEN_PLAN_WRITES = (
    "reorder areas",
    "create area",
    "update area",
    "update plan text",
    "create commitment",
    "update commitment",
    "add milestone",
    "update milestone",
    "delete milestone",
    "cancel commitment",
)
AGREED_CONTENT_WRITES = {
    "reorder areas": (["position"], "reorder_priority_areas"),
    "create area": (["existence"], "add_priority_area"),
    "update area": (["title"], "modify_priority_area"),
    "update plan text": (["title"], "change_text"),
    "create commitment": (["existence"], "add_commitment"),
    "cancel commitment": (["existence"], "retire_commitment"),
}


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.ACTIVE])
def test_the_same_writes_on_an_open_plan(
    client: TestClient, db: Database, status: PlanStatus
) -> None:
    # The counterpart of the closed-plan test: every attempt is a valid write on a draft; on a
    # plan in force the agreed content (plan text, areas, the existence of a shared commitment)
    # changes only by amendment (409), while delivery tracking stays direct.
    world = make_world(status=PlanStatus.DRAFT)
    commitment_id = make_commitment(world, milestones=[{"title": {"en": "Step"}}])
    if status is PlanStatus.ACTIVE:
        bring_into_force(world.plan)
    agreed_before = agreed_content(client, world.plan)
    proposals: dict[str, dict[str, Any]] = {}
    for name in OPEN_PLAN_WRITES:
        commitment = client.get(f"/api/v1/commitments/{commitment_id}").json()
        response = write_attempts(client, world, commitment)[name]()
        if status is PlanStatus.ACTIVE and name in AGREED_CONTENT_WRITES:
            fields, operation = AGREED_CONTENT_WRITES[name]
            body = assert_problem(response, 409, "/problems/amendment-required")
            assert body["agreed_fields"] == fields, name
            assert [op["op"] for op in body["proposal"]["changes"]] == [operation], name
            proposals[name] = body["proposal"]
        else:
            assert response.is_success, f"{name}: {response.status_code} {response.text}"
    if status is PlanStatus.ACTIVE:
        # None of the agreed content changed ...
        assert agreed_content(client, world.plan) == agreed_before
        items = client.get(f"{PLANS}/{world.plan}/commitments").json()["items"]
        assert [(c["id"], c["status"]) for c in items] == [(str(commitment_id), "planned")]
        # ... until every party approves the amendment the refusal proposed.
        consent_to(client, proposals["cancel commitment"])
    assert client.get(f"/api/v1/commitments/{commitment_id}").json()["status"] == "cancelled"
