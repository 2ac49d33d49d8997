"""The commitment page's progress updates (issue 20, items 3, 4 and 6): a Japanese editor posts
an update with a PDF through the plain form; the timeline shows it with its evidence; where the
plan asks for confirmation, the lead party's approver sees the confirm button and the other
party's does not; the review page shows the updates beside each item."""

import re
from typing import Any

from tests.web.conftest import CSRF_INPUT, Stack, WebSession, active_plan_of_our_own

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JA = {"Accept-Language": "ja"}


def _commitments(stack: Stack, plan_id: str) -> list[dict[str, Any]]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        return list(api.get(f"/plans/{plan_id}/commitments").json()["items"])


def _form_values(page: str) -> dict[str, str]:
    form = page[page.index('id="update-form"') :]
    csrf = CSRF_INPUT.search(form)
    etag = re.search(r'name="etag" value="([^"]+)"', form)
    assert csrf and etag
    return {"csrf_token": csrf.group(1), "etag": etag.group(1).replace("&#34;", '"')}


def test_a_japanese_editor_posts_an_update_with_a_pdf(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitments(stack, plan_id)[0]  # led by Japan
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert page.status_code == 200, page.text
    assert "進捗報告" in page.text
    assert "まだ進捗報告はありません" in page.text
    posted = web_session.post(
        f"/commitments/{commitment['id']}/updates",
        data={
            **_form_values(page.text),
            "status": "in_progress",
            "progress": "60",
            "narrative": "第2回共同演習を実施し、報告書を添付した。",
        },
        files={"evidence": ("演習報告.pdf", PDF, "application/pdf")},
        headers=JA,
    )
    assert posted.status_code == 303, posted.text
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert "進捗報告を投稿しました" in page.text
    assert "第2回共同演習を実施し、報告書を添付した。" in page.text
    assert "演習報告.pdf" in page.text
    link = re.search(r'href="(/attachments/[0-9a-f-]+/content)"', page.text)
    assert link
    download = web_session.get(link.group(1))
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # The update counted: the commitment's progress moved.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        now = api.get(f"/commitments/{commitment['id']}").json()
    assert (now["status"], now["progress"]) == ("in_progress", 60)
    # The narrative is recorded in the author's language.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        updates = api.get(f"/commitments/{commitment['id']}/updates").json()["items"]
    assert updates[0]["narrative"] == {"ja": "第2回共同演習を実施し、報告書を添付した。"}


def test_a_bad_progress_keeps_the_form_and_says_why(stack: Stack, web_session: WebSession) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitments(stack, plan_id)[0]
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    refused = web_session.post(
        f"/commitments/{commitment['id']}/updates",
        data={
            **_form_values(page.text),
            "status": "completed",
            "progress": "80",
            "narrative": "完了した。",
        },
        headers=JA,
    )
    assert refused.status_code == 422, refused.text
    assert 'id="update-problem"' in refused.text
    assert "完了した。" in refused.text


def test_the_lead_partys_approver_confirms_a_pending_update(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitments(stack, plan_id)[0]  # led by Japan
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        proposed = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"en": "Updates need confirmation"},
                "rationale": {"en": "Agreed at the review."},
                "changes": [
                    {
                        "op": "change_progress_updates_confirmation",
                        "progress_updates_need_confirmation": True,
                    }
                ],
            },
        )
        assert proposed.status_code == 201, proposed.text
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{proposed.json()['id']}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        etag = api.get(f"/commitments/{commitment['id']}").headers["etag"]
        pending = api.post(
            f"/commitments/{commitment['id']}/updates",
            json={"status": "in_progress", "progress": 30, "narrative": {"en": "Seminar held."}},
            headers={"If-Match": etag},
        )
        assert pending.status_code == 201, pending.text
        assert pending.json()["state"] == "pending"

    nato = WebSession(stack)
    nato.sign_in("NATO", "approver")
    seen = nato.get(f"/commitments/{commitment['id']}", headers={"Accept-Language": "en"})
    assert "Seminar held." in seen.text
    assert "Awaiting confirmation" in seen.text
    assert "Confirm this update" not in seen.text
    nato.client.close()

    web_session.sign_in("JP", "approver")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert "確認待ち" in page.text
    form = page.text[page.text.index(f'action="/updates/{pending.json()["id"]}/confirm"') :]
    csrf = CSRF_INPUT.search(form)
    assert csrf
    confirmed = web_session.post(
        f"/updates/{pending.json()['id']}/confirm",
        data={
            "csrf_token": csrf.group(1),
            "etag": pending.json()["etag"],
            "commitment_id": commitment["id"],
        },
        headers=JA,
    )
    assert confirmed.status_code == 303, confirmed.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/commitments/{commitment['id']}").json()["progress"] == 30


def test_the_review_page_shows_the_updates_beside_each_item(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitments(stack, plan_id)[0]
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        etag = api.get(f"/commitments/{commitment['id']}").headers["etag"]
        posted = api.post(
            f"/commitments/{commitment['id']}/updates",
            json={"status": "in_progress", "progress": 45, "narrative": {"ja": "協議を実施した。"}},
            headers={"If-Match": etag},
        )
        assert posted.status_code == 201, posted.text
        review = api.get(f"/plans/{plan_id}/reviews").json()["items"][0]
        opened = api.post(f"/reviews/{review['id']}/open")
        assert opened.status_code == 200, opened.text
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/reviews/{review['id']}", headers=JA)
    assert page.status_code == 200, page.text
    assert "協議を実施した。" in page.text
    assert "前回の見直し以降の進捗報告" in page.text
