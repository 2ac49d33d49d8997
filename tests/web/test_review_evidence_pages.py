"""Files and comment threads on the review page, on a review item's own page and on the
amendment page (issue 20, items 1, 2 and 4), over HTTP as a browser without JavaScript receives
them, in Japanese (Japan's users) and English (NATO's): the same partials and routes as the
commitment and exchange pages, each form coming back to the page it was posted from; an item
of Japan's internal commitment is not there for NATO (404, like an unknown one), and neither
are Japan's internal comments and files.

A real API process and a real web process on loopback (tests/web/conftest.py), the API on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import CSRF_INPUT, Stack, WebSession, active_plan_of_our_own

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
JA = {"Accept-Language": "ja"}
EN = {"Accept-Language": "en"}
COMMENT_ID = re.compile(r'id="comment-([0-9a-f-]{36})"')


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture(scope="module", params=["stack", "postgres_stack"])
def engine_stack(request: pytest.FixtureRequest) -> Stack:
    """The stack on SQLite, then one whose API runs on PostgreSQL."""
    stack: Stack = request.getfixturevalue(request.param)
    return stack


@pytest.fixture(scope="module")
def sessions(engine_stack: Stack) -> Iterator[dict[str, WebSession]]:
    """Japan's editor (reads Japanese) and NATO's editor (English)."""
    stack = engine_stack
    made = {}
    for party in ("JP", "NATO"):
        made[party] = WebSession(stack)
        made[party].sign_in(party, "editor")
    yield made
    for session in made.values():
        session.client.close()


@pytest.fixture(scope="module")
def scene(engine_stack: Stack) -> dict[str, Any]:
    """A plan in force with one shared commitment and one internal to Japan, its first review
    opened (an item each), and an amendment proposed."""
    stack = engine_stack
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
        internal = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area["id"],
                "title": {"ja": "日本の内部作業", "en": "Japan's own follow-up"},
                "modality": "other",
                "lead_party_id": japan,
                "visibility": "internal",
            },
        )
        assert internal.status_code == 201, internal.text
        review_id = api.get(f"/plans/{plan_id}/reviews").json()["items"][0]["id"]
        opened = api.post(f"/reviews/{review_id}/open")
        assert opened.status_code == 200, opened.text
        items = opened.json()["items"]
        amendment = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"ja": "見直し間隔の変更", "en": "Review interval"},
                "rationale": {"ja": "第1回見直しの勧告", "en": "Recommended by the review."},
                "changes": [{"op": "change_review_interval", "review_interval_months": 6}],
            },
        )
        assert amendment.status_code == 201, amendment.text
    shared = next(i for i in items if i["commitment"]["visibility"] == "shared")
    own = next(i for i in items if i["commitment"]["visibility"] == "internal")
    return {
        "plan_id": plan_id,
        "review_id": review_id,
        "shared_item": shared,
        "internal_item": own,
        "amendment_id": amendment.json()["id"],
    }


def _item_page(scene: dict[str, Any], key: str) -> str:
    return f"/reviews/{scene['review_id']}/items/{scene[key]['id']}/discussion"


def test_a_review_items_page_takes_files_and_a_thread_both_parties_read(
    scene: dict[str, Any], sessions: dict[str, WebSession]
) -> None:
    jp, nato = sessions["JP"], sessions["NATO"]
    item, path = scene["shared_item"], _item_page(scene, "shared_item")
    # The matrix's row links to the item's page.
    review = jp.get(f"/reviews/{scene['review_id']}", headers=JA)
    assert review.status_code == 200, review.text
    assert f'href="{path}"' in review.text and "ファイルとコメント" in review.text

    page = jp.get(path, headers=JA)
    assert page.status_code == 200, page.text
    assert item["commitment"]["reference"] in page.text
    assert "まだファイルは添付されていません" in page.text
    assert "コメントはまだありません" in page.text
    assert "data-live-events=" in page.text  # the threads and files update live
    form = page.text[page.text.index('class="attachment-form"') :]
    assert f'name="review_id" value="{scene["review_id"]}"' in form
    assert f"review_id={scene['review_id']}" in form  # the streamed upload's address too
    posted = jp.post(
        "/attachments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review_item",
            "parent_id": item["id"],
            "review_id": scene["review_id"],
            "visibility": "shared",
        },
        files={"file": ("演習報告書.pdf", PDF, "application/pdf")},
        headers=JA,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"{path}#attachments"
    commented = jp.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review_item",
            "parent_id": item["id"],
            "review_id": scene["review_id"],
            "body": "報告書を添付しました。評価の根拠です。",
            "visibility": "shared",
        },
        headers=JA,
    )
    assert commented.status_code == 303, commented.text
    assert commented.headers["location"].startswith(f"{path}#comment-")
    page = jp.get(path, headers=JA)
    assert "演習報告書.pdf" in page.text and "報告書を添付しました" in page.text
    (comment_id,) = COMMENT_ID.findall(page.text)

    # NATO's editor reads both in English and replies in the thread.
    theirs = nato.get(path, headers=EN)
    assert theirs.status_code == 200, theirs.text
    assert "Files" in theirs.text and "Comments" in theirs.text
    assert "演習報告書.pdf" in theirs.text and "報告書を添付しました" in theirs.text
    replied = nato.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(theirs.text),
            "parent_type": "review_item",
            "parent_id": item["id"],
            "review_id": scene["review_id"],
            "reply_to": comment_id,
            "body": "Thank you: the report supports *on track*.",
        },
        headers=EN,
    )
    assert replied.status_code == 303, replied.text
    assert replied.headers["location"].startswith(f"{path}#comment-")
    page = jp.get(path, headers=JA)
    replies = page.text[page.text.index('class="replies"') :]
    assert "<em>on track</em>" in replies

    # Editing one's own comment comes back to the item's page (its review looked up).
    edit = jp.get(f"/comments/{comment_id}/edit", headers=JA)
    assert edit.status_code == 200, edit.text
    assert f'href="{path}"' in edit.text
    etag = re.search(r'name="etag" value="([^"]+)"', edit.text)
    assert etag
    saved = jp.post(
        f"/comments/{comment_id}/edit",
        data={
            "csrf_token": _csrf(edit.text),
            "etag": etag.group(1).replace("&#34;", '"'),
            "body": "報告書（最終版）を添付しました。",
        },
        headers=JA,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{path}#comment-{comment_id}"

    # Deleting the file asks first, then comes back to the item's page.
    page = jp.get(path, headers=JA)
    link = re.search(r'action="/attachments/([0-9a-f-]+)/delete"', page.text)
    assert link
    at = page.text[page.text.index(link.group(0)) :]
    file_etag = re.search(r'name="etag" value="([^"]+)"', at)
    assert file_etag
    fields = {"csrf_token": _csrf(page.text), "etag": file_etag.group(1).replace("&#34;", '"')}
    asked = jp.post(f"/attachments/{link.group(1)}/delete", data=fields, headers=JA)
    assert asked.status_code == 200 and "このファイルを削除しますか" in asked.text
    assert f'href="{path}"' in asked.text
    deleted = jp.post(
        f"/attachments/{link.group(1)}/delete", data={**fields, "confirm": "yes"}, headers=JA
    )
    assert deleted.status_code == 303, deleted.text
    assert deleted.headers["location"] == f"{path}#attachments"
    assert "演習報告書.pdf" not in jp.get(path, headers=JA).text


def test_the_other_partys_internal_item_and_internal_words_are_not_there(
    scene: dict[str, Any], sessions: dict[str, WebSession]
) -> None:
    jp, nato = sessions["JP"], sessions["NATO"]
    own = _item_page(scene, "internal_item")
    page = jp.get(own, headers=JA)
    assert page.status_code == 200, page.text
    # An internal record's files and comments are internal: no choice offered.
    assert "内部限りの記録のファイルは、自らの当事者のみが閲覧できます。" in page.text
    assert "内部限りの記録へのコメントは、自らの当事者のみが閲覧できます。" in page.text
    assert 'name="visibility" value="shared"' not in page.text
    commented = jp.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review_item",
            "parent_id": scene["internal_item"]["id"],
            "review_id": scene["review_id"],
            "body": "日本側の内部検討メモ",
        },
    )
    assert commented.status_code == 303, commented.text
    # NATO: the item is not in its review, and its page answers like an unknown item.
    review = nato.get(f"/reviews/{scene['review_id']}", headers=EN)
    assert scene["internal_item"]["id"] not in review.text
    assert nato.get(own, headers=EN).status_code == 404
    unknown = f"/reviews/{scene['review_id']}/items/{'0' * 8}-0000-4000-8000-{'0' * 12}/discussion"
    assert nato.get(unknown, headers=EN).status_code == 404

    # On the shared item, Japan's internal comment stays with Japan.
    shared = _item_page(scene, "shared_item")
    page = jp.get(shared, headers=JA)
    posted = jp.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review_item",
            "parent_id": scene["shared_item"]["id"],
            "review_id": scene["review_id"],
            "body": "内部のみ：NATO案への対応方針",
            "visibility": "internal",
        },
    )
    assert posted.status_code == 303, posted.text
    assert "NATO案への対応方針" in jp.get(shared, headers=JA).text
    assert "NATO案への対応方針" not in nato.get(shared, headers=EN).text


def test_the_review_itself_has_a_thread(
    scene: dict[str, Any], sessions: dict[str, WebSession]
) -> None:
    nato = sessions["NATO"]
    path = f"/reviews/{scene['review_id']}"
    page = nato.get(path, headers=EN)
    assert page.status_code == 200, page.text
    assert 'id="comments"' in page.text and 'name="parent_type" value="review"' in page.text
    posted = nato.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review",
            "parent_id": scene["review_id"],
            "body": "Shall we meet on the summary next week?",
        },
        headers=EN,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith(f"{path}#comment-")
    shown = sessions["JP"].get(path, headers=JA)
    assert "Shall we meet on the summary next week?" in shown.text
    assert "コメント" in shown.text


def test_the_amendment_page_takes_files_and_a_thread(
    scene: dict[str, Any], sessions: dict[str, WebSession]
) -> None:
    jp, nato = sessions["JP"], sessions["NATO"]
    path = f"/amendments/{scene['amendment_id']}"
    page = jp.get(path, headers=JA)
    assert page.status_code == 200, page.text
    assert "ファイル" in page.text and 'name="parent_type" value="amendment"' in page.text
    attached = jp.post(
        "/attachments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "amendment",
            "parent_id": scene["amendment_id"],
            "visibility": "shared",
        },
        files={"file": ("改定理由書.pdf", PDF, "application/pdf")},
        headers=JA,
    )
    assert attached.status_code == 303, attached.text
    assert attached.headers["location"] == f"{path}#attachments"
    commented = jp.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "amendment",
            "parent_id": scene["amendment_id"],
            "body": "改定理由書を添付しました。",
        },
        headers=JA,
    )
    assert commented.status_code == 303, commented.text
    assert commented.headers["location"].startswith(f"{path}#comment-")
    theirs = nato.get(path, headers=EN)
    assert "改定理由書.pdf" in theirs.text and "改定理由書を添付しました。" in theirs.text
    # A review item without its review is no record the forms know: back to the plans.
    lost = jp.post(
        "/comments/new",
        data={
            "csrf_token": _csrf(page.text),
            "parent_type": "review_item",
            "parent_id": scene["shared_item"]["id"],
            "body": "?",
        },
    )
    assert lost.status_code == 303 and lost.headers["location"] == "/plans"


def test_deleting_an_updates_evidence_comes_back_to_its_commitment(
    engine_stack: Stack, scene: dict[str, Any], sessions: dict[str, WebSession]
) -> None:
    commitment_id = scene["shared_item"]["commitment"]["id"]
    with engine_stack.api_client(engine_stack.api_token("JP", "editor")) as api:
        etag = api.get(f"/commitments/{commitment_id}").headers["etag"]
        update = api.post(
            f"/commitments/{commitment_id}/updates",
            json={"status": "in_progress", "progress": 30, "narrative": {"ja": "協議を開催した。"}},
            headers={"If-Match": etag},
        )
        assert update.status_code == 201, update.text
        file = api.post(
            f"/updates/{update.json()['id']}/attachments",
            files={"file": ("議事録.pdf", PDF, "application/pdf")},
        )
        assert file.status_code == 201, file.text
    jp = sessions["JP"]
    page = jp.get(f"/commitments/{commitment_id}", headers=JA)
    # The timeline offers its evidence's deletion to the party that attached it, and only there.
    delete_form = f'action="/attachments/{file.json()["id"]}/delete"'
    assert delete_form in page.text
    assert delete_form not in sessions["NATO"].get(f"/commitments/{commitment_id}").text
    deleted = jp.post(
        f"/attachments/{file.json()['id']}/delete",
        data={"csrf_token": _csrf(page.text), "etag": file.json()["etag"], "confirm": "yes"},
        headers=JA,
    )
    assert deleted.status_code == 303, deleted.text
    assert deleted.headers["location"] == f"/commitments/{commitment_id}#attachments"
    assert delete_form not in jp.get(f"/commitments/{commitment_id}", headers=JA).text
