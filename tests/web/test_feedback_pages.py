"""Confirmations and success messages over HTTP (what a browser without JavaScript, or htmx,
receives): a destructive action sent without `confirm=yes` changes nothing and is answered by
a page asking first, carrying the same fields; htmx gets that page in place of the content;
a write answered in place sends its message, in the reader's language, as an htmx event."""

from __future__ import annotations

import html
import json
import re

from itpp_web.feedback import CONFIRMATIONS, NOTICES
from itpp_web.i18n import Formatter
from tests.web.conftest import Stack, WebSession
from tests.web.test_exchanges_pages import _csrf, _new_exchange, exchange_plan

HTMX = {"HX-Request": "true"}
JA = Formatter("ja").gettext


def test_every_question_and_message_is_translated() -> None:
    for entry in CONFIRMATIONS.values():
        for text in (entry.question, entry.consequence, entry.button):
            assert JA(text) != text, text
    for text in NOTICES.values():
        assert JA(text) != text, text


def test_htmx_without_the_answer_gets_the_question_in_place_of_the_content(
    stack: Stack, web_session: WebSession
) -> None:
    exchange = _new_exchange(stack, exchange_plan(stack))
    web_session.sign_in("NATO", "editor")
    page = web_session.get(f"/exchanges/{exchange['id']}").text
    asked = web_session.post(
        f"/exchanges/{exchange['id']}/cancel",
        data={"csrf_token": _csrf(page), "etag": exchange["etag"]},
        headers=HTMX,
    )
    assert asked.status_code == 200
    assert asked.headers["hx-retarget"] == "#main"
    assert asked.headers["hx-reswap"] == "innerHTML"
    assert 'id="confirm-form"' in asked.text and "<html" not in asked.text
    # The same fields go back, with the answer; the CSRF token is the page's own.
    etag = re.search(r'name="etag" value="([^"]*)"', asked.text)
    assert etag and html.unescape(etag.group(1)) == exchange["etag"]
    assert asked.text.count('name="csrf_token"') == 1
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] == "held"


def test_rejecting_asks_first_and_keeps_the_note(stack: Stack, web_session: WebSession) -> None:
    web_session.sign_in("NATO", "approver")
    inbox = web_session.get("/me/inbox").text
    amendment = re.search(r'href="(/amendments/[0-9a-f-]{36})"', inbox)
    assert amendment
    url = amendment.group(1)
    page = web_session.get(url).text
    assert 'data-confirm="' in page and 'id="reject-button"' in page
    asked = web_session.post(
        f"{url}/decision",
        data={"csrf_token": _csrf(page), "decision": "reject", "note": "Not <yet>"},
    )
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.text
    assert 'name="decision" value="reject"' in asked.text
    assert 'name="note" value="Not &lt;yet&gt;"' in asked.text  # kept, escaped
    # Nothing was decided.
    assert "badge-proposed" in web_session.get(url).text


def test_an_htmx_revoke_sends_its_message_in_the_readers_language(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "editor")
    page = web_session.get("/me/calendar").text
    created = web_session.post(
        "/me/calendar", data={"csrf_token": _csrf(page), "name": "feedback feed"}
    )
    assert created.status_code == 201
    feed_id = re.search(r'id="feed-([0-9a-f-]{36})">\s*<td>feedback feed</td>', created.text)
    assert feed_id
    revoked = web_session.post(
        f"/me/calendar/{feed_id.group(1)}/revoke",
        data={"csrf_token": _csrf(page), "confirm": "yes"},
        headers=HTMX,
    )
    assert revoked.status_code == 200
    event = json.loads(revoked.headers["hx-trigger"])
    assert event == {"itpp-notice": JA("The calendar feed was revoked.")}
    assert revoked.headers["hx-trigger"].isascii()
    assert "feedback feed" not in revoked.text
