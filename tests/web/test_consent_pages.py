"""The joint-work pages over HTTP, as a browser without JavaScript receives them: the review
workspace, amendments with each party's decision, the proposal form with its preview, the
refusal of any attempt to act for the other party, and the live stream of a plan's changes."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from itpp_web import security
from itpp_web.i18n import Formatter
from tests.live_api import start_served, stop, wait_until_up
from tests.web.conftest import (
    CSRF_INPUT,
    Stack,
    WebSession,
    active_plan_of_our_own,
)

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
# The interface follows the user's profile: Japan's sample users read Japanese, NATO's English.
JA = Formatter("ja").gettext


def _token(session: WebSession) -> str:
    token = session.client.cookies.get(security.SESSION_COOKIE)
    assert token
    return str(token)


def _csrf(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def approvers(stack: Stack) -> Iterator[dict[str, WebSession]]:
    """Japan's and NATO's approvers, signed in once for the module (a code counts once)."""
    sessions = {party: WebSession(stack) for party in ("JP", "NATO")}
    for party, session in sessions.items():
        session.sign_in(party, "approver")
    yield sessions
    for session in sessions.values():
        session.client.close()


@pytest.fixture(scope="module")
def own_plan(stack: Stack) -> str:
    return active_plan_of_our_own(stack)


def _api(stack: Stack, session: WebSession) -> httpx.Client:
    return stack.api_client(_token(session))


def test_plan_pages_link_to_reviews_and_amendments(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}", headers=EN)
    assert f'href="/plans/{active_plan_id}/reviews"' in page.text
    assert f'href="/plans/{active_plan_id}/amendments"' in page.text
    reviews = web_session.get(f"/plans/{active_plan_id}/reviews", headers=EN)
    assert reviews.status_code == 200
    assert JA("Review %(number)s", number=1) in reviews.text
    assert "badge-concluded" in reviews.text
    assert f'aria-current="page">{JA("Reviews")}' in reviews.text


def test_concluded_review_shows_both_assessments_and_the_disagreement(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        review = api.get(f"/plans/{active_plan_id}/reviews").json()["items"][0]
    page = web_session.get(f"/reviews/{review['id']}", headers=EN)
    assert page.status_code == 200
    html = page.text
    # OTH-03: Japan off track, NATO at risk — flagged, with both ratings side by side.
    item = re.search(r'<tr class="matrix-row disagreement".*?</tr>', html, re.S)
    assert item and "OTH-03" in item.group(0)
    assert JA("The parties disagree") in item.group(0)
    assert "badge-off_track" in item.group(0) and "badge-at_risk" in item.group(0)
    assert 'id="sign-off-JP"' in html and 'data-signed="yes"' in html
    # A concluded review offers no form at all, and a viewer never gets one.
    assert '<form method="post" action="/reviews/' not in html
    # htmx gets the workspace alone, the same content.
    fragment = web_session.get(f"/reviews/{review['id']}", headers={**EN, **HTMX})
    assert "<html" not in fragment.text and "OTH-03" in fragment.text


def test_approver_signs_for_their_own_party_only_and_a_forged_form_is_refused(
    stack: Stack, approvers: dict[str, WebSession], own_plan: str
) -> None:
    jp = approvers["JP"]
    with _api(stack, jp) as api:
        review_id = api.get(f"/plans/{own_plan}/reviews").json()["items"][0]["id"]
        nato_id = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
    page = jp.get(f"/reviews/{review_id}", headers=EN)
    assert JA("Open the review") in page.text
    opened = jp.post(f"/reviews/{review_id}/open", data={"csrf_token": _csrf(page.text)})
    assert opened.status_code == 303
    # Open but incomplete: there is nothing to sign yet, only what the review still needs.
    page = jp.get(f"/reviews/{review_id}", headers=EN)
    assert 'id="sign-off-form"' not in page.text
    assert JA("Before the review can be concluded") in page.text
    _complete_review(stack, review_id)
    page = jp.get(f"/reviews/{review_id}", headers=EN)
    assert JA("Sign off for %(party)s", party="JP") in page.text
    assert JA("Sign off for %(party)s", party="NATO") not in page.text
    etag = re.search(r'id="sign-off-form".*?name="etag" value="([^"]+)"', page.text, re.S)
    assert etag is not None
    # A form altered to sign for NATO: the API refuses it, the page says so readably.
    forged = jp.post(
        f"/reviews/{review_id}/sign-off",
        data={
            "csrf_token": _csrf(page.text),
            "party_id": nato_id,
            "etag": html.unescape(etag.group(1)),
        },
        headers=EN,
    )
    assert forged.status_code == 403
    assert JA("You are not allowed to do this.") in forged.text
    assert 'id="review-problem"' in forged.text
    assert "Traceback" not in forged.text
    with _api(stack, jp) as api:
        review = api.get(f"/reviews/{review_id}").json()
    assert not any(state["signed"] for state in review["sign_offs"])
    # A form without the review's ETag signs nothing either (the text read is unknown).
    unread = jp.post(
        f"/reviews/{review_id}/sign-off", data={"csrf_token": _csrf(page.text)}, headers=EN
    )
    assert unread.status_code == 412 and 'id="review-problem"' in unread.text
    signed = jp.post(
        f"/reviews/{review_id}/sign-off",
        data={"csrf_token": _csrf(page.text), "etag": html.unescape(etag.group(1))},
    )
    assert signed.status_code == 303
    page = jp.get(f"/reviews/{review_id}", headers=EN)
    assert 'id="sign-off-JP"' in page.text and 'id="sign-off-form"' not in page.text


def _complete_review(stack: Stack, review_id: str) -> None:
    """Japan's editor records every agreed rating, the summary and the outcome (API)."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        review = api.get(f"/reviews/{review_id}").json()
        for item in review["items"]:
            agreed = api.patch(
                f"/reviews/{review_id}/items/{item['id']}",
                json={"agreed_rating": "on_track"},
                headers={"If-Match": item["etag"]},
            )
            assert agreed.status_code == 200, agreed.text
        etag = api.get(f"/reviews/{review_id}").json()["etag"]
        written = api.patch(
            f"/reviews/{review_id}",
            json={"summary": {"en": "On track."}, "outcome": "continue"},
            headers={"If-Match": etag},
        )
        assert written.status_code == 200, written.text


def test_editor_sees_no_sign_off_button_and_the_api_refuses_a_posted_one(
    stack: Stack, web_session: WebSession, approvers: dict[str, WebSession], own_plan: str
) -> None:
    web_session.sign_in("JP", "editor")
    with _api(stack, approvers["JP"]) as api:
        review_id = api.get(f"/plans/{own_plan}/reviews").json()["items"][0]["id"]
    page = web_session.get(f"/reviews/{review_id}", headers=EN)
    assert 'id="sign-off-form"' not in page.text
    refused = web_session.post(
        f"/reviews/{review_id}/sign-off", data={"csrf_token": _csrf(page.text)}, headers=EN
    )
    assert refused.status_code == 403
    assert JA("You are not allowed to do this.") in refused.text


def test_assessment_is_saved_in_place_and_a_stale_one_is_a_conflict(
    stack: Stack, web_session: WebSession, approvers: dict[str, WebSession], own_plan: str
) -> None:
    web_session.sign_in("NATO", "editor")
    with _api(stack, approvers["JP"]) as api:
        review = api.get(f"/plans/{own_plan}/reviews").json()["items"][0]
        if review["status"] == "scheduled":
            assert api.post(f"/reviews/{review['id']}/open").status_code == 200
        review = api.get(f"/reviews/{review['id']}").json()
    item = review["items"][0]
    page = web_session.get(f"/reviews/{review['id']}", headers=EN)
    csrf = _csrf(page.text)
    url = f"/reviews/{review['id']}/items/{item['id']}/assessment"
    saved = web_session.post(
        url,
        data={"csrf_token": csrf, "etag": item["etag"], "rating": "at_risk", "note": "Late."},
        headers={**EN, **HTMX},
    )
    assert saved.status_code == 200, saved.text
    assert "<html" not in saved.text and "Saved." in saved.text
    assert f'id="item-{item["id"]}"' in saved.text
    # The same, older ETag again: someone (here: we) changed the item meanwhile.
    stale = web_session.post(
        url,
        data={"csrf_token": csrf, "etag": item["etag"], "rating": "off_track"},
        headers={**EN, **HTMX},
    )
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert 'value="off_track" selected' in stale.text  # what was typed is kept
    with _api(stack, approvers["JP"]) as api:
        fresh = api.get(f"/reviews/{review['id']}").json()
    nato = [
        a
        for i in fresh["items"]
        if i["id"] == item["id"]
        for a in i["assessments"]
        if a["party_code"] == "NATO"
    ]
    assert [a["rating"] for a in nato] == ["at_risk"]
    # Without JavaScript the form posts and the browser returns to the item.
    plain = web_session.post(
        url,
        data={"csrf_token": csrf, "etag": fresh["items"][0]["etag"], "rating": "on_track"},
    )
    assert plain.status_code == 303
    assert plain.headers["location"].endswith(f"#item-{item['id']}")


def test_amendment_shows_each_partys_decision_and_only_ones_own_buttons(
    stack: Stack, approvers: dict[str, WebSession], active_plan_id: str
) -> None:
    """The sample's example amendment: Japan has approved, NATO has not yet (nothing is
    changed)."""
    with _api(stack, approvers["JP"]) as api:
        amendment = next(
            a
            for a in api.get(f"/plans/{active_plan_id}/amendments").json()["items"]
            if a["status"] == "proposed"
            and [d["decision"] for d in a["decisions"]] == ["approved", "pending"]
        )
    listing = approvers["JP"].get(f"/plans/{active_plan_id}/amendments", headers=EN)
    assert f"JP: {JA('Approved')}" in listing.text
    assert f"NATO: {JA('Not decided yet')}" in listing.text
    jp_page = approvers["JP"].get(f"/amendments/{amendment['id']}", headers=EN).text
    assert 'data-party="JP" data-decision="approved"' in jp_page
    assert 'data-party="NATO" data-decision="pending"' in jp_page
    # Japan has approved: it is not offered again (a rejection still is, as the API allows
    # while the amendment is proposed), and never NATO's buttons.
    assert 'id="approve-button"' not in jp_page and 'id="reject-button"' in jp_page
    assert "for NATO" not in jp_page
    nato_page = approvers["NATO"].get(f"/amendments/{amendment['id']}", headers=EN).text
    assert "Approve for NATO" in nato_page and "Reject for NATO" in nato_page
    assert "for JP" not in nato_page
    # The readable diff: CYB-02's due date from its current value to the proposed one.
    assert "What will change" in nato_page
    assert "Change a commitment" in nato_page and "CYB-02" in nato_page
    assert "Add a commitment" in nato_page
    assert '<span lang="ja">【見本】サイバーレンジ演習の共同実施</span>' in nato_page
    assert '<span lang="en">[Example] Joint cyber range exercise</span>' in nato_page


def test_proposal_form_builds_previews_and_sends_a_change_set(
    stack: Stack, web_session: WebSession, own_plan: str
) -> None:
    web_session.sign_in("JP", "editor")
    url = f"/plans/{own_plan}/amendments/new"
    page = web_session.get(url, headers=EN)
    assert page.status_code == 200
    form: dict[str, str] = {
        "csrf_token": _csrf(page.text),
        "title.ja": "期間の延長",
        "title.en": "Extend the term",
        "rationale.en": "More time for the exercises.",
        "changes_json": "[]",
    }
    # An incomplete change comes back with its message, nothing added.
    incomplete = web_session.post(
        url, data={**form, "add": "change_term", "change_term.term_months": "0"}, headers=EN
    )
    assert incomplete.status_code == 422
    assert JA("Enter a whole number of months from 1 to 240.") in incomplete.text
    added = web_session.post(
        url, data={**form, "add": "change_term", "change_term.term_months": "30"}, headers=EN
    )
    assert added.status_code == 200
    changes = re.search(r'name="changes_json" value="([^"]*)"', added.text)
    assert changes
    draft = changes.group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert '"term_months": 30' in draft
    months = Formatter("ja").ngettext
    assert months("%(num)s month", "%(num)s months", 24) in added.text
    assert months("%(num)s month", "%(num)s months", 30) in added.text
    assert 'class="diff-new"' in added.text
    preview = web_session.post(
        url, data={**form, "changes_json": draft, "action": "preview"}, headers=EN
    )
    assert preview.status_code == 200
    assert (
        JA("This is what the parties will be asked to approve. Nothing has been sent yet.")
        in preview.text
    )
    assert 'id="propose-button"' in preview.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', preview.text)
    assert key
    sent = web_session.post(
        url,
        data={**form, "changes_json": draft, "action": "propose", "idempotency_key": key.group(1)},
    )
    assert sent.status_code == 303, sent.text
    amendment_url = sent.headers["location"]
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        amendment = api.get(amendment_url).json()
    assert amendment["changes"] == [{"op": "change_term", "term_months": 30}]
    assert amendment["title"] == {"ja": "期間の延長", "en": "Extend the term"}
    shown = web_session.get(amendment_url, headers=EN).text
    assert "badge-proposed" in shown and 'id="withdraw-form"' in shown
    # An editor decides nothing: no approval buttons.
    assert 'id="decision-form"' not in shown
    # Asked first (no JavaScript: a page of its own); only the confirmed form withdraws it.
    asked = web_session.post(f"{amendment_url}/withdraw", data={"csrf_token": _csrf(shown)})
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.text
    assert f'action="{amendment_url}/withdraw"' in asked.text
    assert "badge-proposed" in web_session.get(amendment_url, headers=EN).text
    withdrawn = web_session.post(
        f"{amendment_url}/withdraw", data={"csrf_token": _csrf(asked.text), "confirm": "yes"}
    )
    assert withdrawn.status_code == 303
    assert "badge-withdrawn" in web_session.get(amendment_url, headers=EN).text


def test_the_live_stream_tells_a_page_of_another_officials_change(
    stack: Stack, web_session: WebSession, own_plan: str
) -> None:
    web_session.sign_in("NATO", "viewer")
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        start = api.get(f"/plans/{own_plan}/events").json()["last_seq"]
        commitment = api.get(f"/plans/{own_plan}/commitments").json()["items"][0]
        received: list[str] = []
        began = time.monotonic()
        with web_session.client.stream(
            "GET", f"/plans/{own_plan}/live", params={"after": start, "lang": "en"}, timeout=20
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            changed = api.patch(
                f"/commitments/{commitment['id']}",
                json={"progress": 40},
                headers={"If-Match": commitment["etag"]},
            )
            assert changed.status_code == 200
            for line in stream.iter_lines():
                received.append(line)
                if line.startswith("data:") and "event: change" in received:
                    break
        assert time.monotonic() - began < 5
    assert "event: change" in received
    assert any(line.startswith("id: ") and int(line[4:]) > start for line in received)
    assert any("a commitment" in line for line in received if line.startswith("data:"))


def test_the_live_stream_needs_a_session(stack: Stack, own_plan: str) -> None:
    anonymous = httpx.get(f"{stack.web_url}/plans/{own_plan}/live", timeout=10)
    assert anonymous.status_code == 204  # an EventSource stops trying


def test_a_stopping_web_process_ends_its_live_streams_and_exits(
    stack: Stack, web_session: WebSession, own_plan: str, tmp_path: Path
) -> None:
    """A web service run as production runs it (`itpp serve web`, two workers; uvicorn waits
    for every request in flight when asked to stop): an open page's live stream ends as soon as
    the service is stopping, and it exits, instead of holding the stop for the stream's 10
    minutes. The browser reconnects after `retry`, to a process that is not stopping."""
    web_session.sign_in("NATO", "viewer")
    cookie = _token(web_session)
    web = start_served(
        "web",
        tmp_path / "web.log",
        env={"ITPP_WEB_VAR_DIR": str(stack.root / "var")},
        options=("--workers", "2", "--api-url", stack.api_url),
    )
    try:
        wait_until_up(web, "/healthz")
        client = httpx.Client(
            base_url=web.base_url, cookies={security.SESSION_COOKIE: cookie}, timeout=30
        )
        with (
            client,
            client.stream("GET", f"/plans/{own_plan}/live", params={"lang": "en"}) as stream,
        ):
            lines = stream.iter_lines()
            assert "event: ready" in (line for line in lines)  # watching, waiting on the API
            asked = time.monotonic()
            web.process.terminate()
            for _ in lines:  # until the process ends the stream
                assert time.monotonic() - asked < 20, web.output()
        assert time.monotonic() - asked < 12, web.output()
        assert web.process.wait(timeout=60) == 0  # uvicorn's supervisor, once its workers stopped
    finally:
        stop(web)
