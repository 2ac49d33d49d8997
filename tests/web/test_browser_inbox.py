"""The inbox count in the header changes live, in a real headless Chromium (issue 17): Japan's
editor has a page open; NATO proposes an amendment through the API (real HTTP, another
process); the badge in Japan's header shows one more item at its next poll, with no reload.

The web under test polls every second (ITPP_WEB_INBOX_POLL_SECONDS=1), a web process of its
own on the session's API, so the test waits seconds, not the default minute.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.live_api import start_web, stop, wait_until_up
from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.slow

JA = Formatter("ja").gettext
POLL_SECONDS = 1


@pytest.fixture(scope="module")
def fast_polling(stack: Stack) -> Iterator[Stack]:
    """The session's stack, seen through a web process that polls the inbox count every second."""
    web = start_web(
        stack.api_url,
        stack.root / "web-fast-poll.log",
        env={
            "ITPP_WEB_VAR_DIR": str(stack.root / "var"),
            "ITPP_WEB_INBOX_POLL_SECONDS": str(POLL_SECONDS),
        },
    )
    try:
        wait_until_up(web, "/healthz")
        yield dataclasses.replace(stack, web=web)
    finally:
        stop(web)


def badge(page: Any) -> int:
    """The count the header shows (no badge: nothing waits)."""
    shown = page.locator("#inbox-count .badge")
    return int(shown.inner_text()) if shown.count() else 0


def test_the_header_count_grows_when_the_other_party_proposes_an_amendment(
    browser: Any, fast_polling: Stack
) -> None:
    stack = fast_polling
    plan_id = active_plan_of_our_own(stack, commitments=1)
    context = new_browser_context(browser, stack, "ja-JP")
    try:
        page = context.new_page()
        sign_in(page, stack, "JP", "editor")
        page.goto(f"/plans/{plan_id}")
        # The header asked for the count as the page loaded; it polls at the configured pace.
        trigger = page.locator("#inbox-count").get_attribute("hx-trigger")
        assert trigger == f"load, every {POLL_SECONDS}s"
        page.wait_for_function(
            "() => document.querySelector('#inbox-count .badge') !== null", timeout=15_000
        )
        before = badge(page)
        page.evaluate("window.__noReload = true")

        with stack.api_client(stack.api_token("NATO", "editor")) as api:
            proposed = api.post(
                f"/plans/{plan_id}/amendments",
                json={
                    "title": {"en": "A longer term"},
                    "rationale": {"en": "NATO proposes three years."},
                    "changes": [{"op": "change_term", "term_months": 36}],
                },
            )
            assert proposed.status_code == 201, proposed.text

        page.wait_for_function(
            "expected => Number(document.querySelector('#inbox-count .badge')?.textContent)"
            " === expected",
            arg=before + 1,
            timeout=15_000,
        )
        assert page.evaluate("window.__noReload === true")  # the count came in place

        # The item is the proposal, in Japanese, waiting on Japan's approver.
        page.click("a[href='/me/inbox']")
        page.wait_for_url(re.compile(r".*/me/inbox$"))
        assert JA("Waiting on your approver") in page.content()
        assert f"/amendments/{proposed.json()['id']}" in page.content()
    finally:
        context.close()
