"""The portfolio in a real headless Chromium (issue 19): NATO's approver lands on it after
signing in, narrows it to one partner with the form, and the page passes axe-core's checks and
fits a phone's width; from it, "/" and "cyber" in the header's search box find records of both
of NATO's plans, each linking to its record, while Japan's approver finds only Japan's plan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def context(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "en-GB")
    yield ctx
    ctx.close()


def test_natos_approver_lands_on_the_portfolio_and_narrows_it(context: Any, stack: Stack) -> None:
    page = context.new_page()
    sign_in(page, stack, "NATO", "approver")

    table = page.locator("#portfolio")
    assert table.is_visible()
    references = table.locator("tbody td:first-child").all_inner_texts()
    assert "AU-NATO-ITPP-EXAMPLE" in references and "JP-NATO-ITPP" in references
    assert page.locator("svg.area-chart").is_visible()
    assert_accessible(page, "portfolio")

    page.select_option("select[name=partner]", "AU")
    page.click("#portfolio-filters button[type=submit]")
    page.wait_for_url(re.compile(r".*partner=AU.*"))
    assert table.locator("tbody td:first-child").all_inner_texts() == ["AU-NATO-ITPP-EXAMPLE"]

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _search_results(page: Any) -> list[dict[str, str]]:
    """Every result of the search shown, following the pages: its plan and its link."""
    found: list[dict[str, str]] = []
    while True:
        for item in page.locator(".search-results li").all():
            found.append(
                {
                    "plan": item.locator("footer").inner_text(),
                    "href": item.locator("header a").get_attribute("href") or "",
                    "text": item.inner_text(),
                }
            )
        following = page.locator(".pager a[rel=next]")
        if not following.count():
            return found
        page.goto(following.get_attribute("href"))


def test_natos_approver_searches_both_plans_from_the_portfolio(
    browser: Any, context: Any, stack: Stack
) -> None:
    page = context.new_page()
    sign_in(page, stack, "NATO", "approver")
    assert page.locator("#portfolio").is_visible()

    # "/" from the portfolio goes to the header's search box.
    page.locator("body").press("/")
    box = page.locator("#header-search")
    assert box.evaluate("element => element === document.activeElement")
    box.fill("cyber")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=cyber$"))
    assert page.locator(".search-results li").count() > 0
    assert_accessible(page, "search from the portfolio")

    results = _search_results(page)
    plans = " ".join(result["plan"] for result in results)
    assert "AU-NATO-ITPP-EXAMPLE" in plans and "JP-NATO-ITPP" in plans
    # Each result links to its record's page, which opens.
    assert all(
        re.match(r"/(plans|commitments|exchanges|reviews|amendments)/[0-9a-f-]{36}", r["href"])
        for r in results
    )
    australian = next(r for r in results if "AU-NATO-ITPP-EXAMPLE" in r["plan"])
    japanese = next(r for r in results if "JP-NATO-ITPP" in r["plan"])
    for result in (australian, japanese):
        response = page.goto(result["href"])
        assert response is not None and response.status == 200, result

    # Japan's users search the same words and never see Australia's plan.
    japan = new_browser_context(browser, stack, "en-GB")
    try:
        jp_page = japan.new_page()
        sign_in(jp_page, stack, "JP", "approver")
        jp_page.locator("body").press("/")
        jp_page.locator("#header-search").fill("cyber")
        jp_page.locator("#header-search").press("Enter")
        jp_page.wait_for_url(re.compile(r".*/search\?q=cyber$"))
        jp_results = _search_results(jp_page)
        # (Other tests' plans of Japan's may match too: Australia's never does.)
        assert any("JP-NATO-ITPP" in r["plan"] for r in jp_results)
        assert not any("AU-NATO-ITPP-EXAMPLE" in r["plan"] + r["text"] for r in jp_results)
    finally:
        japan.close()
