"""Progress updates (issue 20, items 3 and 4): dated reports that set a commitment's status and
progress through its own update path, held pending where the plan asks for the lead party's
confirmation (a setting the parties agree), visible as their commitment is, carrying evidence,
and shown on the review items since the previous review."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.clock import today
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.enums import ReviewStatus
from itpp_api.reviews.models import ReviewCycle
from tests.api.test_conventions import assert_problem, row_counts
from tests.api.test_reviews import Scene, make_scene, review_url, reviews
from tests.conftest import Database
from tests.factories import agree, record_as_operator

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def scene(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_ATTACHMENT_DIR", str(tmp_path_factory.mktemp("attachments")))
        get_settings.cache_clear()
        yield make_scene()
    get_settings.cache_clear()


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def commitment(client: TestClient, commitment_id: uuid.UUID, headers: dict[str, str]) -> Any:
    return client.get(f"{API}/commitments/{commitment_id}", headers=headers)


def post_update(
    client: TestClient,
    commitment_id: uuid.UUID,
    headers: dict[str, str],
    *,
    status: str = "in_progress",
    progress: int = 70,
    narrative: dict[str, str] | None = None,
    **extra: Any,
) -> Any:
    etag = commitment(client, commitment_id, headers).headers.get("etag", '"x"')
    return client.post(
        f"{API}/commitments/{commitment_id}/updates",
        json={
            "status": status,
            "progress": progress,
            "narrative": narrative or {"ja": "第2回共同協議を開催した。"},
            **extra,
        },
        headers={**headers, "If-Match": etag},
    )


def dashboard(client: TestClient, scene: Scene) -> dict[str, Any]:
    return ok(client.get(f"{API}/plans/{scene.world.plan}/dashboard", headers=scene.jp_editor))


def need_confirmation(scene: Scene) -> None:
    agree(
        scene.world.plan,
        [
            {
                "op": "change_progress_updates_confirmation",
                "progress_updates_need_confirmation": True,
            }
        ],
    )


def test_posting_an_update_moves_status_progress_and_the_dashboard(
    client: TestClient, scene: Scene
) -> None:
    cyb = scene.commitments["CYB-01"]
    before = dashboard(client, scene)
    assert before["by_status"]["completed"] == 0
    body = ok(post_update(client, cyb, scene.jp_editor, status="completed", progress=100), 201)
    assert body["state"] == "recorded"
    assert body["counts"] is True
    assert body["narrative"] == {"ja": "第2回共同協議を開催した。"}
    assert body["translations"] == {"narrative": {"source": "ja", "stale": []}}
    assert body["as_of_date"] == today().isoformat()
    now = ok(commitment(client, cyb, scene.jp_editor))
    assert (now["status"], now["progress"]) == ("completed", 100)
    after = dashboard(client, scene)
    assert after["by_status"]["completed"] == 1
    assert after["average_progress"] != before["average_progress"]

    # The other party reads the shared commitment's timeline, newest first, page by page.
    ok(
        post_update(
            client,
            cyb,
            scene.nato_editor,
            status="completed",
            progress=100,
            as_of_date=(today() - timedelta(days=3)).isoformat(),
        ),
        201,
    )
    page = ok(client.get(f"{API}/commitments/{cyb}/updates?limit=1", headers=scene.nato_editor))
    assert [u["as_of_date"] for u in page["items"]] == [today().isoformat()]
    rest = ok(
        client.get(
            f"{API}/commitments/{cyb}/updates",
            params={"limit": 1, "cursor": page["next_cursor"]},
            headers=scene.nato_editor,
        )
    )
    assert [u["as_of_date"] for u in rest["items"]] == [(today() - timedelta(days=3)).isoformat()]
    assert rest["next_cursor"] is None


def test_an_update_dated_before_the_latest_does_not_turn_the_commitment_back(
    client: TestClient, scene: Scene
) -> None:
    cyb = scene.commitments["CYB-01"]
    ok(post_update(client, cyb, scene.jp_editor, progress=80), 201)
    ok(
        post_update(
            client,
            cyb,
            scene.jp_editor,
            progress=50,
            as_of_date=(today() - timedelta(days=10)).isoformat(),
        ),
        201,
    )
    assert ok(commitment(client, cyb, scene.jp_editor))["progress"] == 80


def test_posting_needs_the_commitments_etag_and_valid_bounds(
    client: TestClient, scene: Scene, db: Database
) -> None:
    cyb = scene.commitments["CYB-01"]
    url = f"{API}/commitments/{cyb}/updates"
    body = {"status": "in_progress", "progress": 10, "narrative": {"en": "Report"}}
    counts = row_counts(db)
    assert_problem(
        client.post(url, json=body, headers=scene.jp_editor), 428, "precondition-required"
    )
    assert_problem(
        client.post(url, json=body, headers={**scene.jp_editor, "If-Match": '"0-0"'}),
        412,
        "precondition-failed",
    )
    for bad in (
        {"progress": 101},
        {"status": "completed", "progress": 90},
        {"status": "cancelled"},
        {"as_of_date": (today() + timedelta(days=1)).isoformat()},
        {"as_of_date": (today() - timedelta(days=400)).isoformat()},
        {"as_of_date": (today() - timedelta(days=300)).isoformat()},  # before the approval
        {"narrative": {"en": "  "}},
    ):
        response = post_update(client, cyb, scene.jp_editor, **{**body, **bad})
        assert response.status_code == 422, (bad, response.text)
    # Viewers read but do not report.
    assert_problem(post_update(client, cyb, scene.jp_viewer), 403, "forbidden")
    assert row_counts(db) == counts


def test_a_pending_update_moves_nothing_until_the_lead_partys_approver_confirms_it(
    client: TestClient, scene: Scene
) -> None:
    need_confirmation(scene)
    cyb = scene.commitments["CYB-01"]  # led by Japan
    before = dashboard(client, scene)
    pending = ok(post_update(client, cyb, scene.nato_editor, status="completed", progress=100), 201)
    assert (pending["state"], pending["counts"]) == ("pending", False)
    now = ok(commitment(client, cyb, scene.jp_editor))
    assert (now["status"], now["progress"]) == ("in_progress", 40)
    assert dashboard(client, scene)["by_status"] == before["by_status"]
    assert dashboard(client, scene)["average_progress"] == before["average_progress"]

    # Who may confirm is said on the record: Japan's approver only.
    def actions(headers: dict[str, str]) -> list[str]:
        return ok(client.get(f"{API}/updates/{pending['id']}", headers=headers))["allowed_actions"]

    assert actions(scene.jp_approver) == ["reject", "confirm"]
    assert actions(scene.nato_approver) == []
    assert actions(scene.jp_editor) == []

    confirm = f"{API}/updates/{pending['id']}/confirm"
    etag = {"If-Match": pending["etag"]}
    assert_problem(client.post(confirm, headers={**scene.nato_approver, **etag}), 403, "forbidden")
    assert_problem(client.post(confirm, headers={**scene.jp_editor, **etag}), 403, "forbidden")
    assert_problem(client.post(confirm, headers=scene.jp_approver), 428, "precondition-required")
    assert ok(commitment(client, cyb, scene.jp_editor))["progress"] == 40

    confirmed = ok(client.post(confirm, headers={**scene.jp_approver, **etag}))
    assert (confirmed["state"], confirmed["counts"]) == ("confirmed", True)
    now = ok(commitment(client, cyb, scene.jp_editor))
    assert (now["status"], now["progress"]) == ("completed", 100)
    assert (
        dashboard(client, scene)["by_status"]["completed"] == before["by_status"]["completed"] + 1
    )
    # Decided once.
    assert_problem(
        client.post(confirm, headers={**scene.jp_approver, "If-Match": confirmed["etag"]}),
        409,
        "conflict",
    )


def test_a_rejected_update_never_counts(client: TestClient, scene: Scene) -> None:
    need_confirmation(scene)
    cyb = scene.commitments["CYB-01"]
    pending = ok(post_update(client, cyb, scene.jp_editor, progress=90), 201)
    rejected = ok(
        client.post(
            f"{API}/updates/{pending['id']}/reject",
            headers={**scene.jp_approver, "If-Match": pending["etag"]},
        )
    )
    assert rejected["state"] == "rejected"
    assert ok(commitment(client, cyb, scene.jp_editor))["progress"] == 40


def test_the_lead_partys_approver_confirms_by_posting(client: TestClient, scene: Scene) -> None:
    need_confirmation(scene)
    cyb = scene.commitments["CYB-01"]
    body = ok(post_update(client, cyb, scene.jp_approver, progress=55), 201)
    assert body["state"] == "confirmed"
    assert ok(commitment(client, cyb, scene.jp_editor))["progress"] == 55


def test_the_confirmation_setting_is_agreed_content(client: TestClient, scene: Scene) -> None:
    plan_url = f"{API}/plans/{scene.world.plan}"
    plan = ok(client.get(plan_url, headers=scene.jp_editor))
    assert plan["progress_updates_need_confirmation"] is False
    refused = assert_problem(
        client.patch(
            plan_url,
            json={"progress_updates_need_confirmation": True},
            headers={**scene.jp_editor, "If-Match": plan["etag"]},
        ),
        409,
        "amendment-required",
    )
    assert refused["agreed_fields"] == ["progress_updates_need_confirmation"]
    assert refused["proposal"]["changes"] == [
        {"op": "change_progress_updates_confirmation", "progress_updates_need_confirmation": True}
    ]
    assert (
        ok(client.get(plan_url, headers=scene.jp_editor))["progress_updates_need_confirmation"]
        is False
    )

    # Proposed as the refusal suggests and approved by every party, it applies.
    proposed = ok(
        client.post(
            f"{plan_url}/amendments",
            json={
                "title": refused["proposal"]["title"],
                "rationale": {"en": "Updates count once the lead party confirms them."},
                "changes": refused["proposal"]["changes"],
            },
            headers=scene.jp_editor,
        ),
        201,
    )
    for approver in (scene.jp_approver, scene.nato_approver):
        decided = client.post(
            f"{API}/amendments/{proposed['id']}/approvals",
            json={"decision": "approve"},
            headers=approver,
        )
        assert decided.status_code in (200, 201), decided.text
    assert (
        ok(client.get(plan_url, headers=scene.jp_editor))["progress_updates_need_confirmation"]
        is True
    )


def test_on_a_draft_the_setting_is_a_direct_edit(client: TestClient, scene: Scene) -> None:
    created = ok(
        client.post(
            f"{API}/plans",
            json={
                "reference": "DRAFT-UPDATES",
                "title": {"en": "Draft"},
                "party_ids": [str(scene.world.japan), str(scene.world.nato)],
            },
            headers=scene.jp_editor,
        ),
        201,
    )
    changed = ok(
        client.patch(
            f"{API}/plans/{created['id']}",
            json={"progress_updates_need_confirmation": True},
            headers={**scene.jp_editor, "If-Match": created["etag"]},
        )
    )
    assert changed["progress_updates_need_confirmation"] is True


def test_the_other_party_cannot_see_updates_of_an_internal_commitment(
    client: TestClient, scene: Scene, db: Database
) -> None:
    internal = scene.commitments["MAR-NATO-01"]
    update = ok(post_update(client, internal, scene.nato_editor, progress=30), 201)
    evidence = ok(
        client.post(
            f"{API}/updates/{update['id']}/attachments",
            files={"file": ("minutes.pdf", PDF, "application/pdf")},
            headers=scene.nato_editor,
        ),
        201,
    )
    assert evidence["visibility"] == "internal"
    listed = ok(client.get(f"{API}/commitments/{internal}/updates", headers=scene.nato_editor))
    assert [u["id"] for u in listed["items"]] == [update["id"]]
    assert [a["id"] for a in listed["items"][0]["attachments"]] == [evidence["id"]]

    unknown = uuid.uuid4()
    for path in (
        f"/commitments/{internal}/updates",
        f"/updates/{update['id']}",
        f"/updates/{update['id']}/attachments",
        f"/attachments/{evidence['id']}",
    ):
        hidden = assert_problem(
            client.get(f"{API}{path}", headers=scene.jp_editor), 404, "not-found"
        )
        assert str(update["id"]) not in hidden["detail"] or path.startswith("/updates")
    missing = assert_problem(
        client.get(f"{API}/updates/{unknown}", headers=scene.jp_editor), 404, "not-found"
    )
    seen = assert_problem(
        client.get(f"{API}/updates/{update['id']}", headers=scene.jp_editor), 404, "not-found"
    )
    assert seen["title"] == missing["title"]
    assert seen["detail"].replace(update["id"], "X") == missing["detail"].replace(str(unknown), "X")
    counts = row_counts(db)
    assert_problem(
        client.post(
            f"{API}/updates/{update['id']}/confirm",
            headers={**scene.jp_approver, "If-Match": update["etag"]},
        ),
        404,
        "not-found",
    )
    assert_problem(post_update(client, internal, scene.jp_editor), 404, "not-found")
    assert row_counts(db) == counts
    # Nor does the audit log give it away.
    events = ok(
        client.get(
            f"{API}/audit-events",
            params={"entity_type": "progress_update"},
            headers=scene.jp_editor,
        )
    )
    assert events["items"] == []


def _conclude(review_id: str) -> None:
    with transaction(write=True) as session:
        review = session.get(ReviewCycle, uuid.UUID(review_id))
        assert review is not None
        review.status = ReviewStatus.CONCLUDED.value
        review.opened_at = review.concluded_at = utcnow()
        session.add(review)


def test_review_items_list_the_updates_since_the_previous_review(
    client: TestClient, scene: Scene
) -> None:
    cyb = scene.commitments["CYB-01"]
    old = ok(post_update(client, cyb, scene.jp_editor, progress=50), 201)
    first, second = reviews(client, scene.world.plan, headers=scene.jp_editor)[:2]
    # The first review shows every update since the plan came into force, with its evidence.
    opened = ok(client.post(f"{review_url(first['id'])}/open", headers=scene.jp_editor))
    evidence = ok(
        client.post(
            f"{API}/updates/{old['id']}/attachments",
            files={"file": ("report.pdf", PDF, "application/pdf")},
            headers=scene.jp_editor,
        ),
        201,
    )
    items = {
        i["commitment"]["reference"]: i
        for i in ok(client.get(review_url(opened["id"]), headers=scene.nato_editor))["items"]
    }
    assert [u["id"] for u in items["CYB-01"]["updates"]] == [old["id"]]
    assert [a["sha256"] for a in items["CYB-01"]["updates"][0]["attachments"]] == [
        evidence["sha256"]
    ]
    assert items["MAR-01"]["updates"] == []
    _conclude(first["id"])

    # The second review shows only what came after the first.
    new = ok(post_update(client, cyb, scene.jp_editor, progress=75), 201)
    ok(client.post(f"{review_url(second['id'])}/open", headers=scene.jp_editor))
    body = ok(client.get(review_url(second["id"]), headers=scene.jp_editor))
    cyb_item = next(i for i in body["items"] if i["commitment"]["reference"] == "CYB-01")
    assert [u["id"] for u in cyb_item["updates"]] == [new["id"]]


def test_a_cancelled_commitment_takes_no_updates(client: TestClient, scene: Scene) -> None:
    assert_problem(
        post_update(client, scene.commitments["CYB-02"], scene.jp_editor), 409, "conflict"
    )


def test_a_closed_plan_takes_no_updates(client: TestClient, scene: Scene) -> None:
    commitment = scene.commitments["CYB-01"]
    update = ok(post_update(client, commitment, scene.jp_editor), 201)
    evidence = ok(
        client.post(
            f"{API}/updates/{update['id']}/attachments",
            files={"file": ("minutes.pdf", PDF, "application/pdf")},
            headers=scene.jp_editor,
        ),
        201,
    )
    assert evidence["allowed_actions"] == ["delete"]
    record_as_operator(scene.world.plan, status="terminated")
    response = post_update(client, commitment, scene.jp_editor)
    assert response.status_code == 409, response.text
    # Its evidence is read, and offers no deletion (the API would refuse it: 409).
    listed = ok(client.get(f"{API}/commitments/{commitment}/updates", headers=scene.jp_editor))
    (shown,) = [u for u in listed["items"] if u["id"] == update["id"]]
    assert [(a["id"], a["allowed_actions"]) for a in shown["attachments"]] == [(evidence["id"], [])]
