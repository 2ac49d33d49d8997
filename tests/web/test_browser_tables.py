"""The commitments table's filter bar in a real headless Chromium, by keyboard alone: a
checkbox dropdown opened with Enter and ticked with Space makes one request after the
debounce and no history entry; the column's order and the sort control stay one state across
a filter change; the saved views menu is reachable; axe finds no serious or critical
violation; at 390 px the page is no wider than the window."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, htmx_settled, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def japanese(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "ja-JP")
    yield ctx
    ctx.close()


def _focus(page: Any, selector: str, limit: int = 60) -> None:
    """Tab from the top of the page until `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} is not reachable by Tab")


def test_the_filter_bar_by_keyboard(japanese: Any, stack: Stack, active_plan_id: str) -> None:
    page = japanese.new_page()
    sign_in(page, stack, "JP", "editor")
    base = f"/plans/{active_plan_id}/commitments"
    page.goto(base)
    assert_accessible(page, "commitments table")
    history = page.evaluate("history.length")
    requests: list[str] = []
    page.on(
        "request",
        lambda request: requests.append(request.url) if "/commitments?" in request.url else None,
    )

    # Open the status dropdown with Enter, tick two statuses with Space.
    _focus(page, "#f-status summary")
    page.keyboard.press("Enter")
    assert page.locator("#f-status").get_attribute("open") is not None
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    with page.expect_response(re.compile(r".*/commitments\?.*status=.*")):
        page.keyboard.press("Space")
    htmx_settled(page)
    page.wait_for_url(re.compile(r".*status=.*status=.*"))
    assert len(requests) == 1, requests  # the two ticks: one request, after the debounce
    assert page.evaluate("history.length") == history  # replaced, not a new entry
    assert "=&" not in page.url and not page.url.endswith("=")
    assert page.locator("#result-count").inner_text().startswith("全 ")
    assert_accessible(page, "commitments filtered")
    page.keyboard.press("Escape")  # closes the dropdown, the focus back on its summary
    assert page.locator("#f-status").get_attribute("open") is None
    assert page.evaluate("document.activeElement.matches('#f-status summary')")

    # Sort by the due date column: the sort control follows; a filter change keeps it.
    with page.expect_response(re.compile(r".*sort=due_date.*")):
        page.locator("th.col-date a").click()
    htmx_settled(page)
    assert page.locator("#f-sort").input_value() == "due_date"
    page.click("#f-health summary")
    with page.expect_response(re.compile(r".*health=on_track.*")):
        page.check("#f-health input[value=on_track]")
    htmx_settled(page)
    page.wait_for_url(re.compile(r".*health=on_track.*"))
    assert "sort=due_date" in page.url
    assert page.locator("#f-sort").input_value() == "due_date"
    assert page.locator("th.col-date").get_attribute("aria-sort") == "ascending"

    # The saved views menu and the save form are reachable by keyboard.
    _focus(page, "#saved-views summary")
    page.keyboard.press("Enter")
    assert page.locator("#saved-views").get_attribute("open") is not None


def test_the_table_fits_a_phone(browser: Any, stack: Stack, active_plan_id: str) -> None:
    ctx = new_browser_context(browser, stack, "ja-JP")
    try:
        page = ctx.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, stack, "JP", "editor")
        for path in (f"/plans/{active_plan_id}/commitments", f"/plans/{active_plan_id}/exchanges"):
            page.goto(path)
            page.click("#f-status summary")  # an open dropdown fits too
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.evaluate("window.innerWidth"), (path, width)
            assert_accessible(page, path)
    finally:
        ctx.close()
