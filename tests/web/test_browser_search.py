"""The search in a real headless Chromium (issue 19): "/" moves to the header's search box
from anywhere on a page, Enter opens the results with the matches marked, typing on the
results page changes them in place, and the page passes axe-core's checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, htmx_settled, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def context(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "en-GB")
    yield ctx
    ctx.close()


def test_slash_opens_the_search_and_results_follow_the_typing(context: Any, stack: Stack) -> None:
    page = context.new_page()
    sign_in(page, stack, "NATO", "viewer")

    page.locator("body").press("/")
    box = page.locator("#header-search")
    assert box.evaluate("element => element === document.activeElement")
    box.fill("cyber")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=cyber$"))
    results = page.locator(".search-results li")
    assert results.count() > 0
    assert page.locator(".search-results mark").first.inner_text().lower() == "cyber"
    assert_accessible(page, "search")

    # "/" typed in a field is just a character.
    field = page.locator("#search-q")
    field.fill("")
    with page.expect_response(re.compile(r".*/search\?q=maritime.*")):
        field.type("maritime")
    htmx_settled(page)
    page.wait_for_url(re.compile(r".*/search\?q=maritime.*"))
    assert page.locator(".search-results mark").first.inner_text().lower() == "maritime"
    field.press("/")
    assert field.input_value() == "maritime/"
