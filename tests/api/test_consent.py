"""Mutual consent by construction (issue 13): nothing the parties agreed changes, comes into
force or ends without every party's approval.

The classification of every field is declared once in `itpp_api.agreement`; these tests hold
it to the issue's table (a field added without being classified fails here), then walk every
direct write of every record type on a plan in every status and check which are written
directly and which are refused with 409 `/problems/amendment-required` — carrying the change set
that makes the change, which applies once every party has approved it.
"""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel, select

from itpp_api import agreement
from itpp_api.agreement import Part
from itpp_api.amendments.schemas import CommitmentDefinitionChanges
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.commitments.schemas import (
    CommitmentCreate,
    CommitmentUpdate,
    MilestoneCreate,
    MilestoneUpdate,
)
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role
from itpp_api.plans.models import Plan, PlanVersion, PriorityArea
from itpp_api.plans.schemas import (
    PlanCreate,
    PlanUpdate,
    PriorityAreaCreate,
    PriorityAreaUpdate,
)
from itpp_api.plans.service import create_plan
from tests.conftest import Database, load_sample
from tests.factories import (
    SYSTEM,
    World,
    approve_as_every_party,
    auth_headers,
    bring_into_force,
    make_commitment,
    make_user,
    make_world,
    record_as_operator,
    sample_headers,
    token_for,
)

PROBLEM = "application/problem+json"
A, D, S = Part.AGREED, Part.DELIVERY, Part.SYSTEM

# The issue's table, written out here a second time on purpose: the module must say the same.
EXPECTED: dict[str, dict[str, Part]] = {
    "plan": {
        **dict.fromkeys(
            (
                "reference",
                "title",
                "sections",
                "objectives",
                # The signed words around the lists and chapters (issue 21).
                "lead_texts",
                "party_ids",
                "status",
                "approval_date",
                "term_months",
                "review_interval_months",
                "predecessor_id",
                # How delivery is reported: whether updates count only once confirmed (issue 20).
                "progress_updates_need_confirmation",
                "termination_date",
            ),
            A,
        ),
        **dict.fromkeys(
            (
                "id",
                "expiry_date",
                "translations",
                "source_languages",
                "reviewed_translations",
                "deleted_at",
                "row_version",
                "created_at",
                "updated_at",
            ),
            S,
        ),
    },
    "priority_area": {
        **dict.fromkeys(
            ("code", "short_code", "position", "title", "description", "retired_at"), A
        ),
        **dict.fromkeys(
            (
                "id",
                "plan_id",
                "translations",
                "source_languages",
                "reviewed_translations",
                "row_version",
                "created_at",
                "updated_at",
            ),
            S,
        ),
    },
    "commitment": {
        **dict.fromkeys(
            (
                "reference",
                "priority_area_id",
                "title",
                "description",
                "modality",
                "lead_party_id",
                "lead_organisation_id",
                "supporting_organisation_ids",
                "start_date",
                "due_date",
                "pcm_activity_ref",
                "visibility",
            ),
            A,
        ),
        **dict.fromkeys(("status", "progress", "health", "milestones"), D),
        **dict.fromkeys(
            (
                "id",
                "plan_id",
                "is_example",
                "search_text",
                "translations",
                "source_languages",
                "reviewed_translations",
                "row_version",
                "created_at",
                "updated_at",
            ),
            S,
        ),
    },
    "milestone": {
        **dict.fromkeys(("position", "title", "due_date", "done_on"), D),
        **dict.fromkeys(
            (
                "id",
                "commitment_id",
                "translations",
                "source_languages",
                "reviewed_translations",
                "row_version",
                "created_at",
                "updated_at",
            ),
            S,
        ),
    },
}
RECORDS: dict[str, tuple[type[SQLModel], tuple[type[Any], ...]]] = {
    "plan": (Plan, (PlanCreate, PlanUpdate)),
    "priority_area": (PriorityArea, (PriorityAreaCreate, PriorityAreaUpdate)),
    "commitment": (Commitment, (CommitmentCreate, CommitmentUpdate)),
    "milestone": (Milestone, (MilestoneCreate, MilestoneUpdate)),
}


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}", body
    return body


# --- the declaration ------------------------------------------------------------------------


@pytest.mark.parametrize("record", sorted(RECORDS))
def test_every_column_and_request_field_of_each_record_is_classified(record: str) -> None:
    table, schemas = RECORDS[record]
    declared = agreement.RECORDS[record]
    columns = set(table.__table__.columns.keys())  # type: ignore[attr-defined]
    fields = {name for schema in schemas for name in schema.model_fields}
    assert columns | fields <= set(declared), (
        f"classify {sorted((columns | fields) - set(declared))} in itpp_api.agreement"
    )
    assert set(declared) <= columns | fields, "the declaration names fields that do not exist"


@pytest.mark.parametrize("record", sorted(EXPECTED))
def test_the_declaration_says_what_the_issue_says_is_agreed_and_what_is_delivery(
    record: str,
) -> None:
    assert dict(agreement.RECORDS[record]) == EXPECTED[record]


def test_an_amendment_can_change_every_agreed_field_of_a_commitments_definition() -> None:
    modifiable = set(CommitmentDefinitionChanges.model_fields) - {"source_languages"}
    assert modifiable == set(agreement.COMMITMENT_DEFINITION)


# --- the seven cases of the issue, on the sample plan -----------------------------------------


def test_the_japanese_editor_alone_cannot_change_what_the_parties_agreed_on_the_sample_plan(
    anonymous_client: TestClient, db: Database
) -> None:
    load_sample()
    client = anonymous_client
    jp = sample_headers("JP", Role.EDITOR)
    plans = client.get("/api/v1/plans?status=active", headers=jp).json()["items"]
    (plan,) = [p for p in plans if p["reference"] == "JP-NATO-ITPP"]
    nato = next(p for p in plan["parties"] if p["code"] == "NATO")
    url = f"/api/v1/plans/{plan['id']}"
    cyb02 = client.get(f"{url}/commitments?q=CYB-02", headers=jp).json()["items"][0]
    etag = {"If-Match": cyb02["etag"]}

    # 1. moving the due date of a shared commitment: the very change the sample amendment is for
    moved = problem(
        client.patch(
            f"/api/v1/commitments/{cyb02['id']}",
            json={"due_date": "2028-03-31", "progress": 70},
            headers={**jp, **etag},
        ),
        409,
        "amendment-required",
    )
    assert moved["agreed_fields"] == ["due_date"]
    assert moved["proposal"]["changes"] == [
        {
            "op": "modify_commitment",
            "commitment_id": cyb02["id"],
            "changes": {"due_date": "2028-03-31"},
        }
    ]
    # 2. handing it to the other party
    handed = problem(
        client.patch(
            f"/api/v1/commitments/{cyb02['id']}",
            json={"lead_party_id": nato["id"]},
            headers={**jp, **etag},
        ),
        409,
        "amendment-required",
    )
    assert "lead_party_id" in handed["agreed_fields"]
    # 3. retiring it
    retired = problem(
        client.delete(f"/api/v1/commitments/{cyb02['id']}", headers={**jp, **etag}),
        409,
        "amendment-required",
    )
    assert retired["proposal"]["changes"] == [
        {"op": "retire_commitment", "commitment_id": cyb02["id"]}
    ]
    after = client.get(f"/api/v1/commitments/{cyb02['id']}", headers=jp).json()
    assert (after["due_date"], after["progress"], after["status"], after["etag"]) == (
        cyb02["due_date"],
        cyb02["progress"],
        cyb02["status"],
        cyb02["etag"],
    )
    # 4. one editor ending the plan
    plan_etag = client.get(url, headers=jp).headers["ETag"]
    ended = problem(
        client.patch(url, json={"status": "terminated"}, headers={**jp, "If-Match": plan_etag}),
        409,
        "amendment-required",
    )
    assert ended["proposal"]["changes"] == [{"op": "terminate"}]
    assert client.get(url, headers=jp).json()["status"] == "active"
    # 5. one editor bringing a new draft into force
    draft = client.post(
        "/api/v1/plans",
        json={
            "reference": "JP-NATO-NEXT",
            "title": {"en": "Next programme", "ja": "次期計画"},
            "party_ids": [p["id"] for p in plan["parties"]],
            "approval_date": today().isoformat(),
        },
        headers=jp,
    )
    assert draft.status_code == 201, draft.text
    area = client.post(
        f"/api/v1/plans/{draft.json()['id']}/priority-areas",
        json={"code": "3.1.1", "short_code": "CYB", "title": {"en": "Cyber defence"}},
        headers=jp,
    )
    assert area.status_code == 201, area.text
    in_force = problem(
        client.patch(
            f"/api/v1/plans/{draft.json()['id']}",
            json={"status": "active"},
            headers={
                **jp,
                "If-Match": client.get(f"/api/v1/plans/{draft.json()['id']}", headers=jp).headers[
                    "ETag"
                ],
            },
        ),
        409,
        "amendment-required",
    )
    assert in_force["proposal"]["changes"] == [
        {"op": "bring_into_force", "approval_date": today().isoformat()}
    ]
    assert client.get(f"/api/v1/plans/{draft.json()['id']}", headers=jp).json()["status"] == (
        "draft"
    )
    # 6. a shared commitment created directly on the plan in force
    created = problem(
        client.post(
            f"{url}/commitments",
            json={
                "priority_area_id": cyb02["priority_area_id"],
                "title": {"en": "Unilateral addition", "ja": "一方的な追加"},
                "modality": "other",
                "lead_party_id": cyb02["lead_party_id"],
            },
            headers=jp,
        ),
        409,
        "amendment-required",
    )
    assert created["proposal"]["changes"][0]["op"] == "add_commitment"
    found = client.get(f"{url}/commitments?q=unilateral", headers=jp).json()["items"]
    assert found == []
    # 7. as of yesterday, the plan in force for months answers
    yesterday = (today() - timedelta(days=1)).isoformat()
    as_of = client.get(f"{url}/as-of?date={yesterday}", headers=jp)
    assert as_of.status_code == 200, as_of.text
    assert as_of.json()["status"] == "active"
    assert as_of.json()["version"]["number"] == 1
    before_approval = (date.fromisoformat(plan["approval_date"]) - timedelta(days=1)).isoformat()
    problem(client.get(f"{url}/as-of?date={before_approval}", headers=jp), 404, "not-found")


def test_a_refused_direct_change_is_proposed_in_one_step_and_applies_when_both_approve(
    anonymous_client: TestClient, db: Database
) -> None:
    load_sample()
    client = anonymous_client
    jp, nato_approver, jp_approver = (
        sample_headers("JP", Role.EDITOR),
        sample_headers("NATO", Role.APPROVER),
        sample_headers("JP", Role.APPROVER),
    )
    plans = client.get("/api/v1/plans?status=active", headers=jp).json()["items"]
    (plan,) = [p for p in plans if p["reference"] == "JP-NATO-ITPP"]
    url = f"/api/v1/plans/{plan['id']}"
    mar03 = client.get(f"{url}/commitments?q=MAR-03", headers=jp).json()["items"][0]
    refused = client.patch(
        f"/api/v1/commitments/{mar03['id']}",
        json={"due_date": "2028-06-30"},
        headers={**jp, "If-Match": mar03["etag"]},
    ).json()
    proposal = refused["proposal"]
    proposed = client.post(
        f"{url}/amendments",
        json={
            "title": proposal["title"],
            "rationale": {"en": "Agreed at the staff talks.", "ja": "スタッフ協議で合意。"},
            "changes": proposal["changes"],
        },
        headers=jp,
    )
    assert proposed.status_code == 201, proposed.text
    amendment = proposed.json()
    assert amendment["kind"] == "amendment"
    for approver in (nato_approver, jp_approver):
        decided = client.post(
            f"/api/v1/amendments/{amendment['id']}/approvals",
            json={"decision": "approve"},
            headers=approver,
        )
        assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "applied"
    after = client.get(f"/api/v1/commitments/{mar03['id']}", headers=jp).json()
    assert after["due_date"] == "2028-06-30"
    version = decided.json()["applied_version"]
    diff = client.get(f"{url}/versions/diff?from={version - 1}&to={version}", headers=jp).json()
    assert diff["plan"] == {}
    assert diff["priority_areas"] == {"added": [], "changed": [], "retired": []}
    assert diff["commitments"]["added"] == [] and diff["commitments"]["retired"] == []
    assert [(c["label"], list(c["fields"])) for c in diff["commitments"]["changed"]] == [
        ("MAR-03", ["due_date"])
    ]
    consents = client.get(f"{url}/consents", headers=jp).json()["items"]
    last = consents[-1]
    assert (last["amendment_id"], last["version"]) == (amendment["id"], version)
    assert sorted(a["party_code"] for a in last["approvals"]) == ["JP", "NATO"]


def test_the_sample_plan_came_into_force_by_both_approvers_and_shows_its_record_of_consent(
    anonymous_client: TestClient, db: Database
) -> None:
    load_sample()
    client = anonymous_client
    jp = sample_headers("JP", Role.VIEWER)
    plans = client.get("/api/v1/plans?status=active", headers=jp).json()["items"]
    (plan,) = [p for p in plans if p["reference"] == "JP-NATO-ITPP"]
    url = f"/api/v1/plans/{plan['id']}"
    (entry,) = client.get(f"{url}/consents", headers=jp).json()["items"]
    assert (entry["kind"], entry["brought_into_force"], entry["version"]) == (
        "entry_into_force",
        True,
        1,
    )
    assert sorted(a["party_code"] for a in entry["approvals"]) == ["JP", "NATO"]
    assert all(a["decided_by_name"] for a in entry["approvals"])
    (version,) = client.get(f"{url}/versions", headers=jp).json()["items"]
    assert version["amendment_id"] == entry["amendment_id"]
    assert version["agreed_on"] == plan["approval_date"]
    amendments = client.get(f"{url}/amendments", headers=jp).json()["items"]
    pending = {a["number"]: a for a in amendments if a["status"] == "proposed"}
    assert {n: [d["decision"] for d in a["decisions"]] for n, a in pending.items()} == {
        2: ["approved", "pending"],
        3: ["pending", "pending"],
    }
    assert pending[3]["changes"][0]["op"] == "modify_commitment"
    for document in ("md", "html"):
        for lang in ("ja", "en"):
            text = client.get(f"{url}/document?format={document}&lang={lang}", headers=jp).text
            names = [a["decided_by_name"] for a in entry["approvals"]]
            assert all(name in text for name in names), (document, lang)
            assert ("同意の記録" if lang == "ja" else "record of consent") in text


# --- every field × every plan status ------------------------------------------------------------

STATUSES = ("draft", "active", "expired", "superseded", "terminated")


def world_in(status: str) -> World:
    """The test world's plan in `status`, with its records made while it was a draft."""
    approval = today() - timedelta(days=40 * 30 if status == "expired" else 200)
    return make_world(approval=approval, status=PlanStatus.DRAFT)


def close(world: World, status: str) -> None:
    if status == "draft":
        return
    record_as_operator(world.plan, status=PlanStatus.ACTIVE)
    if status in ("superseded", "terminated"):
        record_as_operator(world.plan, status=PlanStatus(status))


def commitment_changes(world: World) -> dict[str, Any]:
    """A valid new value for each field of a commitment made by make_commitment (JP-led)."""
    return {
        "priority_area_id": str(world.maritime),
        "title": {"ja": "新しい表題", "en": "New title"},
        "description": {"ja": "説明", "en": "Description"},
        "modality": "seminar_symposium",
        "lead_party_id": str(world.nato),
        "lead_organisation_id": str(world.mofa),
        "supporting_organisation_ids": [str(world.shape)],
        "start_date": (today() + timedelta(days=10)).isoformat(),
        "due_date": (today() + timedelta(days=400)).isoformat(),
        "pcm_activity_ref": "PCM-2027-1",
        "visibility": "internal",
        "status": "in_progress",
        "progress": 40,
    }


def expected_outcome(status: str, part: Part) -> tuple[int, str | None]:
    """(HTTP status, problem type) of a direct write of a field of this part."""
    if status in ("expired", "superseded", "terminated"):
        return 409, "plan-closed"
    if status == "active" and part is A:
        return 409, "amendment-required"
    return 200, None


def _check(response: Any, status: str, part: Part, field: str) -> None:
    code, kind = expected_outcome(status, part)
    if kind is None:
        assert response.status_code in (200, 201, 204), (status, field, response.text)
        return
    body = problem(response, code, kind)
    if kind == "amendment-required":
        assert field in body["agreed_fields"] or body["agreed_fields"] == ["existence"], body


@pytest.mark.parametrize("status", STATUSES)
def test_each_commitment_field_is_written_directly_or_needs_consent_as_declared(
    client: TestClient, db: Database, status: str
) -> None:
    world = world_in(status)
    changes = commitment_changes(world)
    shared = {name: make_commitment(world) for name in changes}
    internal = make_commitment(world, visibility="internal")
    milestone = make_commitment(world, milestones=[{"title": {"en": "Step"}}])
    close(world, status)
    editor = auth_headers("JP", Role.EDITOR, email=f"editor-{status}@test.example")

    def write(commitment_id: uuid.UUID, body: dict[str, Any]) -> Any:
        current = client.get(f"/api/v1/commitments/{commitment_id}", headers=editor)
        return client.patch(
            f"/api/v1/commitments/{commitment_id}",
            json=body,
            headers={**editor, "If-Match": current.json()["etag"]},
        )

    for name, value in changes.items():
        before = client.get(f"/api/v1/commitments/{shared[name]}", headers=editor).json()
        response = write(shared[name], {name: value})
        _check(response, status, EXPECTED["commitment"][name], name)
        if response.status_code >= 400:
            after = client.get(f"/api/v1/commitments/{shared[name]}", headers=editor).json()
            assert after == before, (status, name, "a refused write changed the commitment")
    # Retiring (cancelling) is a change of existence; so is adding a shared commitment.
    cancel = client.delete(
        f"/api/v1/commitments/{shared['title']}",
        headers={
            **editor,
            "If-Match": client.get(f"/api/v1/commitments/{shared['title']}", headers=editor).json()[
                "etag"
            ],
        },
    )
    _check(cancel, status, A, "existence")
    created = client.post(
        f"/api/v1/plans/{world.plan}/commitments",
        json={
            "priority_area_id": str(world.cyber),
            "title": {"en": "Added"},
            "modality": "other",
            "lead_party_id": str(world.japan),
        },
        headers=editor,
    )
    _check(created, status, A, "existence")
    # An internal commitment is the party's own business, but sharing it adds to the agreement.
    for name, value in changes.items():
        if name in ("visibility", "lead_party_id", "lead_organisation_id"):
            continue
        _check(write(internal, {name: value}), status, D, name)
    _check(write(internal, {"visibility": "shared"}), status, A, "visibility")
    # Milestones are delivery.
    (step,) = client.get(f"/api/v1/commitments/{milestone}/milestones", headers=editor).json()[
        "items"
    ]
    done = client.patch(
        f"/api/v1/milestones/{step['id']}",
        json={"done_on": today().isoformat()},
        headers={**editor, "If-Match": step["etag"]},
    )
    _check(done, status, D, "done_on")
    added = client.post(
        f"/api/v1/commitments/{milestone}/milestones",
        json={"title": {"en": "Next"}},
        headers=editor,
    )
    _check(added, status, D, "milestones")


@pytest.mark.parametrize("status", STATUSES)
def test_each_plan_and_priority_area_field_is_written_directly_or_needs_consent_as_declared(
    client: TestClient, db: Database, status: str
) -> None:
    world = world_in(status)
    with transaction(write=True) as session:
        predecessor = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference="EARLIER",
                title={"en": "Earlier plan"},
                party_ids=[world.japan, world.nato],
            ),
        ).id
    close(world, status)
    editor = auth_headers("JP", Role.EDITOR, email=f"editor-{status}@test.example")
    url = f"/api/v1/plans/{world.plan}"
    plan_changes: dict[str, Any] = {
        "title": {"ja": "改題", "en": "Retitled"},
        "sections": [{"number": "1.1", "body": {"en": "New text", "ja": "新しい本文"}}],
        "objectives": [{"en": "New objective", "ja": "新しい目的"}],
        "lead_texts": {"areas": {"en": "We cooperate as follows.", "ja": "次の分野で協力する。"}},
        "term_months": 36,
        "review_interval_months": 6,
        "approval_date": (today() - timedelta(days=100)).isoformat(),
        "predecessor_id": str(predecessor),
        "source_languages": {"title": "en"},
    }
    for name, value in plan_changes.items():
        before = client.get(url, headers=editor)
        response = client.patch(
            url, json={name: value}, headers={**editor, "If-Match": before.headers["ETag"]}
        )
        _check(response, status, EXPECTED["plan"][name], name)
        if response.status_code >= 400:
            assert client.get(url, headers=editor).json() == before.json(), (status, name)

    areas = client.get(f"{url}/priority-areas", headers=editor).json()["items"]
    area_changes: dict[str, Any] = {
        "code": "3.1.9",
        "short_code": "NEWC",
        "title": {"ja": "新分野名", "en": "New name"},
        "description": {"en": "New description"},
        "source_languages": {"title": "en"},
    }
    for name, value in area_changes.items():
        area = client.get(f"/api/v1/priority-areas/{areas[0]['id']}", headers=editor).json()
        response = client.patch(
            f"/api/v1/priority-areas/{area['id']}",
            json={name: value},
            headers={**editor, "If-Match": area["etag"]},
        )
        _check(response, status, EXPECTED["priority_area"][name], name)
    reordered = client.post(
        f"{url}/priority-areas/order",
        json={"priority_area_ids": [a["id"] for a in reversed(areas)]},
        headers=editor,
    )
    _check(reordered, status, A, "position")
    added = client.post(
        f"{url}/priority-areas",
        json={"code": "3.1.5", "short_code": "DST", "title": {"en": "Science"}},
        headers=editor,
    )
    _check(added, status, A, "existence")


def test_coming_into_force_and_termination_are_consents_and_abandoning_a_draft_is_not(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"/api/v1/plans/{world.plan}"
    draft = client.get(url)
    refused = problem(
        client.patch(url, json={"status": "active"}, headers={"If-Match": draft.headers["ETag"]}),
        409,
        "amendment-required",
    )
    proposed = client.post(
        f"{url}/amendments",
        json={
            "title": refused["proposal"]["title"],
            "rationale": {"en": "Signed at the summit."},
            "changes": refused["proposal"]["changes"],
        },
    )
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["kind"] == "entry_into_force"
    approve_as_every_party(uuid.UUID(proposed.json()["id"]))
    plan = client.get(url).json()
    assert plan["status"] == "active"
    (version,) = client.get(f"{url}/versions").json()["items"]
    assert version["amendment_id"] == proposed.json()["id"]
    assert version["agreed_on"] == plan["approval_date"]
    assert client.get(f"{url}/reviews").json()["items"], "coming into force schedules reviews"

    ending = client.post(
        f"{url}/amendments",
        json={
            "title": {"en": "Termination"},
            "rationale": {"en": "Superseded by a new framework."},
            "changes": [{"op": "terminate", "termination_date": today().isoformat()}],
        },
    )
    assert ending.status_code == 201, ending.text
    assert ending.json()["kind"] == "termination"
    approve_as_every_party(uuid.UUID(ending.json()["id"]))
    plan = client.get(url).json()
    assert (plan["status"], plan["termination_date"]) == ("terminated", today().isoformat())
    versions = client.get(f"{url}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["amendment_id"] == ending.json()["id"]
    kinds = [c["kind"] for c in client.get(f"{url}/consents").json()["items"]]
    assert kinds == ["entry_into_force", "termination"]

    other = make_user("NATO", Role.EDITOR)
    abandoned_world = client.post(
        "/api/v1/plans",
        json={
            "reference": "ABANDONED",
            "title": {"en": "Abandoned draft"},
            "party_ids": [str(world.japan), str(world.nato)],
        },
    )
    assert abandoned_world.status_code == 201
    nato = {"Authorization": f"Bearer {token_for(other)}"}
    abandoned = client.patch(
        f"/api/v1/plans/{abandoned_world.json()['id']}",
        json={"status": "terminated"},
        headers={**nato, "If-Match": abandoned_world.headers["ETag"]},
    )
    assert abandoned.status_code == 200, abandoned.text
    assert client.get(f"/api/v1/plans/{abandoned_world.json()['id']}/versions").json() == {
        "items": []
    }


def test_a_termination_cannot_take_effect_in_the_future_or_before_the_plan_was_agreed(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    url = f"/api/v1/plans/{world.plan}/amendments"
    for day, kind in (
        (today() + timedelta(days=1), "termination_in_future"),
        (today() - timedelta(days=400), "termination_before_agreement"),
    ):
        refused = problem(
            client.post(
                url,
                json={
                    "title": {"en": "End"},
                    "rationale": {"en": "Why"},
                    "changes": [{"op": "terminate", "termination_date": day.isoformat()}],
                },
            ),
            422,
            "rule-violation",
        )
        assert refused["errors"][0]["type"] == kind


def test_operations_that_are_one_act_are_alone_and_a_draft_takes_only_its_coming_into_force(
    client: TestClient, db: Database
) -> None:
    active, body = make_world(), {"title": {"en": "X"}, "rationale": {"en": "Y"}}
    mixed = problem(
        client.post(
            f"/api/v1/plans/{active.plan}/amendments",
            json={
                **body,
                "changes": [{"op": "terminate"}, {"op": "change_term", "term_months": 30}],
            },
        ),
        422,
        "rule-violation",
    )
    assert mixed["errors"][0]["type"] == "operation_not_alone"
    problem(
        client.post(
            f"/api/v1/plans/{active.plan}/amendments",
            json={**body, "changes": [{"op": "bring_into_force", "approval_date": "2026-01-01"}]},
        ),
        422,
        "rule-violation",
    )
    draft = client.post(
        "/api/v1/plans",
        json={
            "reference": "DRAFT-TWO",
            "title": {"en": "Draft"},
            "party_ids": [str(active.japan), str(active.nato)],
        },
    ).json()
    on_draft = problem(
        client.post(
            f"/api/v1/plans/{draft['id']}/amendments",
            json={**body, "changes": [{"op": "change_term", "term_months": 30}]},
        ),
        422,
        "rule-violation",
    )
    assert on_draft["errors"][0]["type"] == "draft_plan"


def test_an_approval_is_refused_once_the_draft_it_was_given_to_has_changed(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"/api/v1/plans/{world.plan}"
    proposed = client.post(
        f"{url}/amendments",
        json={
            "title": {"en": "In force"},
            "rationale": {"en": "Signed."},
            "changes": [{"op": "bring_into_force", "approval_date": (today()).isoformat()}],
        },
    ).json()
    area = client.get(f"{url}/priority-areas").json()["items"][0]
    edited = client.patch(
        f"/api/v1/priority-areas/{area['id']}",
        json={"title": {"en": "Changed after the proposal", "ja": "提案後に変更"}},
        headers={"If-Match": area["etag"]},
    )
    assert edited.status_code == 200, edited.text
    assert client.get(f"/api/v1/amendments/{proposed['id']}").json()["is_outdated"] is True
    approver = auth_headers("JP", Role.APPROVER)
    problem(
        client.post(
            f"/api/v1/amendments/{proposed['id']}/approvals",
            json={"decision": "approve"},
            headers=approver,
        ),
        409,
        "amendment-outdated",
    )
    assert client.get(url).json()["status"] == "draft"


def test_amendments_on_different_records_do_not_outdate_each_other_but_on_the_same_do(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    first, second = make_commitment(world), make_commitment(world)
    bring_into_force(world.plan)
    url = f"/api/v1/plans/{world.plan}/amendments"

    def propose(commitment_id: uuid.UUID, due: str) -> str:
        response = client.post(
            url,
            json={
                "title": {"en": f"Move to {due}"},
                "rationale": {"en": "Rescheduled."},
                "changes": [
                    {
                        "op": "modify_commitment",
                        "commitment_id": str(commitment_id),
                        "changes": {"due_date": due},
                    }
                ],
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    a, b, c = (
        propose(first, "2028-01-31"),
        propose(second, "2028-02-29"),
        propose(first, "2029-01-01"),
    )
    approve_as_every_party(uuid.UUID(a))
    assert client.get(f"/api/v1/amendments/{b}").json()["is_outdated"] is False
    assert client.get(f"/api/v1/amendments/{c}").json()["is_outdated"] is True
    approve_as_every_party(uuid.UUID(b))
    assert client.get(f"/api/v1/commitments/{second}").json()["due_date"] == "2028-02-29"
    with transaction(write=False) as session:
        numbers = session.scalars(
            select(PlanVersion.number).where(PlanVersion.plan_id == world.plan)
        ).all()
    assert sorted(numbers) == [1, 2, 3]
