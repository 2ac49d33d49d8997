"""A comment thread in a real headless Chromium, two parties side by side: Japan's editor posts
a comment on a commitment, NATO's editor — whose page is open on the same commitment — sees it
appear without a reload, replies with a mention of Japan's editor, and Japan's page shows the
reply live. Japan then deletes its own comment through the confirmation dialog: the reply keeps
its place under "deleted". The thread fits a 390 px phone, and axe-core finds no serious or
critical violation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in
from tests.web.test_exchanges_pages import exchange_plan

pytestmark = pytest.mark.slow

JA = Formatter("ja").gettext
EN = Formatter("en").gettext
LIVE_SECONDS = 3.0


@pytest.fixture(scope="module")
def two_editors(browser: Any, stack: Stack) -> Iterator[dict[str, Any]]:
    contexts = {
        "JP": new_browser_context(browser, stack, "ja-JP"),
        "NATO": new_browser_context(browser, stack, "en-GB"),
    }
    pages = {}
    for party, ctx in contexts.items():
        page = ctx.new_page()
        sign_in(page, stack, party, "editor")
        pages[party] = page
    yield pages
    for ctx in contexts.values():
        ctx.close()


def test_a_thread_is_followed_live_by_the_other_party(
    stack: Stack, two_editors: dict[str, Any]
) -> None:
    plan = exchange_plan(stack)
    path = f"/commitments/{plan['commitment_id']}"
    jp, nato = two_editors["JP"], two_editors["NATO"]
    jp.goto(path)
    nato.goto(path)
    nato.evaluate("window.__noReload = true")
    # Both pages listen before anything is posted.
    nato.wait_for_function("document.querySelector('[data-live-events]') !== null")
    time.sleep(0.5)

    jp.fill("#comment-body", "**議事録**を共有します。")
    jp.locator("#new-comment button[type=submit]").click()
    jp.locator(".comment-body strong").wait_for()
    began = time.monotonic()
    nato.locator("#comments .comment-body strong", has_text="議事録").wait_for(
        timeout=LIVE_SECONDS * 1000
    )
    assert time.monotonic() - began < LIVE_SECONDS
    assert nato.evaluate("window.__noReload === true")

    # NATO replies, mentioning Japan's editor by login name; Japan's page follows live.
    login = stack.login("JP", "editor")["email"].split("@")[0]
    jp.evaluate("window.__noReload = true")
    nato.locator("details.comment-reply summary").first.click()
    nato.locator("details.comment-reply textarea").first.fill(f"Thank you, @{login}.")
    nato.locator("details.comment-reply button[type=submit]").first.click()
    nato.locator("ol.replies .comment-body", has_text="Thank you").wait_for()
    jp.locator("ol.replies .comment-body", has_text="Thank you").wait_for(
        timeout=LIVE_SECONDS * 1000
    )
    assert jp.evaluate("window.__noReload === true")
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        threads = api.get(f"/commitments/{plan['commitment_id']}/comments").json()
    (reply,) = threads["items"][0]["replies"]
    assert [m["id"] for m in reply["mentions"]] == [api_user_id(stack)]

    # Japan deletes its comment through the dialog; the reply stays in place.
    jp.locator("#comments .comment-actions button[type=submit]").first.click()
    jp.locator("#confirm-dialog[open] [data-answer=yes]").click()
    jp.locator(".comment-deleted").wait_for()
    assert "Thank you" in jp.locator("ol.replies").inner_text()

    # A phone: the thread fits 390 px without scrolling sideways.
    jp.set_viewport_size({"width": 390, "height": 844})
    jp.goto(path + "#comments")
    assert jp.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(jp, "commitment page with comments at 390 px")
    jp.set_viewport_size({"width": 1280, "height": 900})
    assert_accessible(nato, "commitment page with comments")


def api_user_id(stack: Stack) -> str:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        return str(api.get("/users/me").json()["id"])
