"""Comment threads on the commitment and exchange pages over HTTP, without JavaScript: posting
in Japanese, replying in English, the internal badge and what the other party does not see,
editing one's own comment, deleting with a confirmation, the sanitised Markdown, and a closed
plan's threads (read, never written, the refusals in the reader's language).

A real API process and a real web process on loopback (tests/web/conftest.py).
"""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

import httpx

from itpp_web.sanitise import comment_html
from tests.web.conftest import (
    CSRF_INPUT,
    SAMPLE_PLAN,
    Stack,
    WebSession,
    active_plan_of_our_own,
    terminate_plan,
)
from tests.web.test_exchanges_pages import exchange_plan

COMMENT_ID = re.compile(r'id="comment-([0-9a-f-]{36})"')


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _post(session: WebSession, page_path: str, **fields: Any) -> httpx.Response:
    page = session.get(page_path)
    assert page.status_code == 200, page.text
    return session.post("/comments/new", data={"csrf_token": _csrf(page.text), **fields})


def test_a_comment_posted_in_japanese_gets_an_english_reply(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    path = f"/commitments/{plan['commitment_id']}"
    web_session.sign_in("JP", "editor")
    page = web_session.get(path)
    assert page.status_code == 200
    assert "コメント" in page.text and 'action="/comments/new"' in page.text
    assert "data-live-events=" in page.text  # the thread updates live

    body = (
        "**議事録**を添付しました。\n\n- 第1回会合\n- 第2回会合\n\n"
        '<script>alert(1)</script> [詳細](https://evil.example/x) <a href="https://evil.example">x</a>'
    )
    posted = _post(
        web_session,
        path,
        parent_type="commitment",
        parent_id=plan["commitment_id"],
        body=body,
        visibility="shared",
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith(f"{path}#comment-")
    shown = web_session.get(path)
    assert "コメントを投稿しました。" in shown.text  # the success notice, in Japanese
    assert "<strong>議事録</strong>" in shown.text
    assert "<li>第1回会合</li>" in shown.text
    # The sanitiser leaves no script and no link: both are shown as text.
    assert "<script>alert(1)</script>" not in shown.text
    assert "evil.example" in html.unescape(shown.text)
    assert not re.search(r"<a\s[^>]*evil\.example", shown.text)
    (comment_id,) = COMMENT_ID.findall(shown.text)

    nato = WebSession(stack)
    try:
        nato.sign_in("NATO", "editor")
        their_page = nato.get(path)
        assert their_page.status_code == 200
        assert "Comments" in their_page.text and "<strong>議事録</strong>" in their_page.text
        replied = _post(
            nato,
            path,
            parent_type="commitment",
            parent_id=plan["commitment_id"],
            reply_to=comment_id,
            body="Received, thank you. *Will confirm* at the next meeting.",
        )
        assert replied.status_code == 303, replied.text
        after = nato.get(path)
        assert "Your comment was posted." in after.text
        assert "<em>Will confirm</em>" in after.text
        # The reply sits in the thread's list of replies.
        thread = after.text[after.text.index(f'id="comment-{comment_id}"') :]
        replies = thread[thread.index('class="replies"') :]
        assert "Received, thank you." in replies[: replies.index("</ol>")]
        # Japan's comment is not NATO's to edit or delete; NATO's own reply is.
        assert f'href="/comments/{comment_id}/edit"' not in after.text
        assert after.text.count('/edit" class="secondary"') == 1
    finally:
        nato.client.close()
    # Japan reads the reply in its thread, in a Japanese page.
    mine = web_session.get(path)
    assert "返信" in mine.text and "Received, thank you." in mine.text


def test_an_internal_comment_is_badged_and_never_shown_to_the_other_party(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    path = f"/commitments/{plan['commitment_id']}"
    web_session.sign_in("JP", "editor")
    posted = _post(
        web_session,
        path,
        parent_type="commitment",
        parent_id=plan["commitment_id"],
        body="内部の検討メモ",
        visibility="internal",
    )
    assert posted.status_code == 303, posted.text
    mine = web_session.get(path).text
    assert "内部の検討メモ" in mine and 'class="comment-badge"' in mine and "内部" in mine
    nato = WebSession(stack)
    try:
        nato.sign_in("NATO", "editor")
        theirs = nato.get(path).text
        assert "内部の検討メモ" not in theirs
        assert 'Comments <small class="muted">(0)</small>' in theirs
        assert "No comments yet." in theirs
    finally:
        nato.client.close()


def test_an_own_comment_is_edited_and_deleted_after_confirmation(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    path = f"/commitments/{plan['commitment_id']}"
    web_session.sign_in("JP", "editor")
    _post(
        web_session,
        path,
        parent_type="commitment",
        parent_id=plan["commitment_id"],
        body="最初の文面",
    )
    (comment_id,) = COMMENT_ID.findall(web_session.get(path).text)
    form = web_session.get(f"/comments/{comment_id}/edit")
    assert form.status_code == 200
    assert "最初の文面" in form.text
    etag = re.search(r'name="etag" value="([^"]+)"', form.text)
    assert etag
    saved = web_session.post(
        f"/comments/{comment_id}/edit",
        data={
            "csrf_token": _csrf(form.text),
            "etag": html.unescape(etag.group(1)),
            "body": "直した文面",
        },
    )
    assert saved.status_code == 303, saved.text
    page = web_session.get(path).text
    assert "直した文面" in page and "最初の文面" not in page
    assert "編集済み" in page  # the edit is shown, with the earlier version kept
    # A stale edit keeps the words typed and says the comment changed meanwhile.
    stale = web_session.post(
        f"/comments/{comment_id}/edit",
        data={
            "csrf_token": _csrf(page),
            "etag": html.unescape(etag.group(1)),
            "body": "古い版から",
        },
    )
    assert stale.status_code == 409
    assert "古い版から" in stale.text and "直した文面" in stale.text

    delete_etag = re.search(
        rf'action="/comments/{comment_id}/delete"[^>]*>\s*<input[^>]*>\s*'
        r'<input type="hidden" name="etag" value="([^"]+)"',
        page,
    )
    assert delete_etag, "no delete form"
    assert 'data-confirm="' in page
    fields = {"csrf_token": _csrf(page), "etag": html.unescape(delete_etag.group(1))}
    asked = web_session.post(f"/comments/{comment_id}/delete", data=fields)
    assert asked.status_code == 200 and "このコメントを削除しますか？" in asked.text
    assert "直した文面" in web_session.get(path).text  # nothing deleted before the answer
    deleted = web_session.post(f"/comments/{comment_id}/delete", data={**fields, "confirm": "yes"})
    assert deleted.status_code == 303, deleted.text
    after = web_session.get(path).text
    assert "直した文面" not in after and "コメントを削除しました。" in after


def test_a_closed_plans_threads_are_read_but_not_written(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        commitment = api.get(f"/plans/{plan_id}/commitments").json()["items"][0]
    path = f"/commitments/{commitment['id']}"
    web_session.sign_in("JP", "editor")  # reads the site in Japanese
    fields = {"parent_type": "commitment", "parent_id": commitment["id"]}
    posted = _post(web_session, path, **fields, body="終了前の所見")
    assert posted.status_code == 303, posted.text
    page = web_session.get(path).text
    (comment_id,) = COMMENT_ID.findall(page)
    etag = re.search(
        rf'action="/comments/{comment_id}/delete"[^>]*>\s*<input[^>]*>\s*'
        r'<input type="hidden" name="etag" value="([^"]+)"',
        page,
    )
    assert etag and f'href="/comments/{comment_id}/edit"' in page
    terminate_plan(stack, plan_id)

    # The thread is read; no form, no edit link, no delete button.
    closed = web_session.get(path).text
    assert "終了前の所見" in closed
    assert 'action="/comments/new"' not in closed
    assert f"/comments/{comment_id}/edit" not in closed
    assert f'action="/comments/{comment_id}/delete"' not in closed
    # Forms drawn before the end are refused in the reader's language; the words are kept.
    csrf = _csrf(page)
    late = web_session.post(
        "/comments/new", data={"csrf_token": csrf, **fields, "body": "遅い返信"}
    )
    assert late.status_code == 409
    assert "コメントは投稿されませんでした" in late.text
    assert "この計画はすでに効力を失っており、変更は受け付けられません。" in late.text
    assert "遅い返信" in late.text and 'action="/comments/new"' not in late.text
    edited = web_session.post(
        f"/comments/{comment_id}/edit",
        data={"csrf_token": csrf, "etag": html.unescape(etag.group(1)), "body": "直した所見"},
    )
    assert edited.status_code == 409
    assert "編集は保存されませんでした" in edited.text and "直した所見" in edited.text
    assert f'action="/comments/{comment_id}/edit"' not in edited.text
    deleted = web_session.post(
        f"/comments/{comment_id}/delete",
        data={"csrf_token": csrf, "etag": html.unescape(etag.group(1)), "confirm": "yes"},
    )
    assert deleted.status_code == 409
    assert "この計画はすでに効力を失っており" in deleted.text
    # NATO's editor reads the site in English: the refusal too.
    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")
    theirs = nato.post(
        "/comments/new", data={"csrf_token": nato.csrf(path), **fields, "body": "Too late."}
    )
    assert theirs.status_code == 409
    assert "Your comment was not posted" in theirs.text
    assert "This plan is no longer in force: it takes no more changes." in theirs.text
    assert "終了前の所見" in web_session.get(path).text  # nothing changed


def test_an_empty_comment_is_refused_readably_and_the_exchange_page_has_threads(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        exchange = api.post(
            f"/plans/{plan['plan_id']}/exchanges",
            json={
                "kind": "seminar",
                "title": {"ja": "海洋安全保障セミナー", "en": "Maritime security seminar"},
                "from_party_id": plan["JP"],
                "to_party_id": plan["NATO"],
                "start_date": "2027-03-01",
            },
        )
        assert exchange.status_code == 201, exchange.text
    path = f"/exchanges/{exchange.json()['id']}"
    web_session.sign_in("JP", "editor")
    refused = _post(
        web_session, path, parent_type="exchange", parent_id=exchange.json()["id"], body="   "
    )
    assert refused.status_code == 422
    assert "コメントは投稿されませんでした" in refused.text
    assert 'href="/exchanges/' in refused.text  # back to the exchange
    posted = _post(
        web_session,
        path,
        parent_type="exchange",
        parent_id=exchange.json()["id"],
        body="セミナーの資料を共有します。",
    )
    assert posted.status_code == 303
    assert posted.headers["location"].startswith(f"{path}#comment-")
    assert "セミナーの資料を共有します。" in web_session.get(path).text


def test_a_damaged_page_of_threads_in_the_address_is_a_readable_400_in_the_readers_language(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        plans = api.get("/plans", params={"status": "active"}).json()["items"]
        sample = next(p["id"] for p in plans if p["reference"] == SAMPLE_PLAN)
        review_id = api.get(f"/plans/{sample}/reviews").json()["items"][0]["id"]
    web_session.sign_in("JP", "editor")
    pages = (f"/commitments/{plan['commitment_id']}", f"/reviews/{review_id}")
    # One the API cannot read, and one longer than any it gives (the web's own check).
    for path, cursor in itertools.product(pages, ("not-a-cursor", "x" * 513)):
        page = web_session.get(f"{path}?comments={cursor}")
        assert page.status_code == 400, (path, cursor[:20], page.status_code)
        assert "最初のページ" in page.text  # said in Japanese, the user's language
        # No API slug, no English words of the API's or of the web's.
        assert "invalid-cursor" not in page.text and "This address points" not in page.text
        assert web_session.get(path).status_code == 200  # the page itself is fine


def test_the_markdown_subset_passes_the_one_sanitiser() -> None:
    """The Markdown of comments is rendered without raw HTML, links or images, then sanitised
    like the plan document: whatever is typed, no element but the subset's reaches the page."""
    rendered = str(
        comment_html(
            "*a* **b** `c`\n\n> quoted\n\n1. one\n\n"
            "<script>alert(1)</script><img src=x onerror=alert(1)>\n"
            "[click](javascript:alert(1)) <https://evil.example> ![i](https://evil.example/i.png)\n"
            "# not a heading"
        )
    )
    assert "<em>a</em>" in rendered and "<strong>b</strong>" in rendered
    assert "<code>c</code>" in rendered and "<blockquote>" in rendered and "<ol>" in rendered
    tags = set(re.findall(r"<\s*([a-zA-Z0-9]+)", rendered))
    assert tags <= {"p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote"}
    assert not re.search(r"<[a-z]+\s[^>]*=", rendered)  # no attribute at all
    assert "&lt;script&gt;" in rendered  # shown as the text typed
    assert str(comment_html(None)) == ""
