"""The review matrix in a real headless Chromium (issue 18 §5): Japan's approver filters the
matrix by link (the URL follows, clean; no reload; one request per choice, none per key), edits
its own assessment with the keyboard alone and keeps the focus in the row it saved, agrees
where the parties agree after a confirmation dialog, and reads the matrix as cards on a 390 px
phone without the page growing wider than the window; a live re-read of the page begun before
a save never puts the saved row back as it was. axe-core finds no serious or critical
violation, at desktop width and on the phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.web.conftest import (
    Stack,
    active_plan_of_our_own,
    assess,
    new_browser_context,
    open_review_rated,
)
from tests.web.test_browser import assert_accessible, htmx_settled, sign_in, wait_for_htmx
from tests.web.test_browser_layout import overflow

pytestmark = pytest.mark.slow

JA = Formatter("ja")


@pytest.fixture(scope="module")
def review_id(stack: Stack) -> str:
    """An open review of a plan of its own with four commitments: NATO rated them all on
    track; Japan rated the first two on track and the third off track (a disagreement)."""
    plan_id = active_plan_of_our_own(stack, commitments=4)
    ratings: dict[str, list[str | None]] = {
        "NATO": ["on_track"] * 4,
        "JP": ["on_track", "on_track", "off_track", None],
    }
    return open_review_rated(stack, plan_id, ratings)


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "ja-JP")
    page = ctx.new_page()
    sign_in(page, stack, "JP", "approver")
    yield page
    ctx.close()


def test_the_matrix_filters_by_link_and_a_keyboard_save_keeps_the_focus_in_its_row(
    page: Any, review_id: str
) -> None:
    page.goto(f"/reviews/{review_id}")
    rows = page.locator("tr.matrix-row")
    assert rows.count() == 4
    assert_accessible(page, "review matrix (Japan, desktop)")
    page.evaluate("window.__noReload = true")

    # Disagreements: one row; the URL is the filter's clean one; the page was not reloaded and
    # the focus stays on the filter chosen.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.locator("#filter-disagreements").click()
    page.wait_for_url(re.compile(rf".*/reviews/{review_id}\?show=disagreements$"))
    page.wait_for_function("document.querySelectorAll('tr.matrix-row').length === 1")
    assert page.locator("#filter-disagreements").get_attribute("aria-current") == "true"
    assert page.evaluate("window.__noReload === true")
    assert page.evaluate("document.activeElement && document.activeElement.id") == (
        "filter-disagreements"
    )
    # Not assessed by Japan: the fourth commitment only.
    page.locator("#filter-unassessed").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?show=unassessed$"))
    page.wait_for_function("document.querySelectorAll('tr.matrix-row').length === 1")
    assert len([u for u in requests if "/reviews/" in u and "show=" in u]) == 2
    # All again: a URL without parameters.
    page.locator("#filter-all").click()
    page.wait_for_url(re.compile(rf".*/reviews/{review_id}$"))
    page.wait_for_function("document.querySelectorAll('tr.matrix-row').length === 4")

    # Keyboard only: Japan rates the fourth commitment; after the save the focus is in its row.
    row = rows.nth(3)
    row_id = row.get_attribute("id")
    wait_for_htmx(row.locator("a.edit-row"))  # the rows were just swapped in by the filter
    row.locator("a.edit-row").focus()
    page.keyboard.press("Enter")  # opens the row's forms, the focus on the rating
    select = row.locator("select[name=rating]")
    select.wait_for()
    # htmx binds the swapped-in form a moment after it appears: Enter before that submits it
    # as a plain form (a full page load, 303), not through htmx.
    wait_for_htmx(row.locator("form.item-form").first)
    page.wait_for_function("document.activeElement && document.activeElement.name === 'rating'")
    select.select_option("at_risk")
    page.keyboard.press("Tab")  # the note's disclosure
    page.keyboard.press("Tab")  # the row's Save button
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.keyboard.press("Enter")
    htmx_settled(page)
    assert saved.value.ok, saved.value.status
    page.locator(f"#{row_id} .saved").wait_for()
    page.wait_for_function(
        "id => document.activeElement && document.activeElement !== document.body"
        " && document.activeElement.closest('#' + id) !== null",
        arg=row_id,
    )
    assert JA.gettext("Saved.") in page.locator(f"#{row_id}").inner_text()
    counter = page.locator("#review-counter").inner_text()
    assert "4 件中 4 件を JP が評価済み" in counter


def test_agree_where_the_parties_agree_asks_first_then_records_them(
    page: Any, review_id: str
) -> None:
    page.goto(f"/reviews/{review_id}")
    form = page.locator("#agree-all-form")
    button = form.locator("button[type=submit]")
    # The first two commitments (both parties on track).
    assert "2" in button.inner_text()
    button.click()
    dialog = page.locator("#confirm-dialog[open]")
    dialog.wait_for()
    assert JA.gettext("Agree every rating the parties gave alike?") in dialog.inner_text()
    dialog.locator("[data-answer=yes]").click()
    page.wait_for_url(re.compile(r".*#items$"))
    assert page.locator("#agree-all-form").count() == 0
    agreed = page.locator("tr.matrix-row td.agreed")
    assert [agreed.nth(i).locator(".badge-on_track").count() for i in range(3)] == [1, 1, 0]
    assert_accessible(page, "review matrix after agreeing (Japan)")


def test_the_matrix_is_cards_on_a_phone_without_widening_the_page(
    page: Any, review_id: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/reviews/{review_id}")
    measured = overflow(page)
    assert measured["scroll"] <= measured["inner"], measured
    display = page.locator("tr.matrix-row").first.evaluate("row => getComputedStyle(row).display")
    assert display == "block"
    assert_accessible(page, "review matrix (Japan, phone)")


def test_a_live_reread_begun_before_a_save_does_not_put_the_saved_row_back(
    page: Any, review_id: str, stack: Stack
) -> None:
    """NATO changes the review, so Japan's page re-reads itself; that read is answered only
    after Japan has saved its assessment of the first commitment in place. The page read is
    older than the row the save brought back: the row keeps its new rating and its "Saved."
    line, and the page reads itself again rather than put the older row back."""
    page.goto(f"/reviews/{review_id}")
    page.evaluate(
        "window.__rereads = 0;"
        " document.addEventListener('live:refreshed', () => { window.__rereads += 1; })"
    )
    held: list[tuple[Any, Any]] = []

    def hold_the_first_reread(route: Any) -> None:
        # The page's own re-read (the live script's fetch): read now, answered later.
        if not held and route.request.method == "GET" and route.request.headers.get("hx-request"):
            held.append((route, route.fetch()))
        else:
            route.continue_()

    page.route(re.compile(rf".*/reviews/{review_id}$"), hold_the_first_reread)
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        second = api.get(f"/reviews/{review_id}").json()["items"][1]
    assess(stack, "NATO", review_id, second, "on_track", "NATO: a note added while Japan works")
    for _ in range(150):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the page did not re-read itself after NATO's change"

    row = page.locator("tr.matrix-row").first
    row_id = row.get_attribute("id")
    row.locator("a.edit-row").click()
    form = row.locator("form.item-form").first
    form.locator("select[name=rating]").select_option("at_risk")
    with page.expect_response(lambda response: response.request.method == "POST") as saved:
        form.locator("button[type=submit]").click()
    htmx_settled(page)
    assert saved.value.ok, saved.value.status
    page.locator(f"#{row_id} .saved").wait_for()

    route, older = held[0]
    route.fulfill(response=older)
    # The held read, then the read again (the save's own event asks for one too).
    page.wait_for_function("window.__rereads >= 2")
    htmx_settled(page)
    shown = page.locator(f"#{row_id}")
    assert shown.locator(".saved").count() == 1, shown.inner_html()
    assert shown.locator(".assessment.own .badge-at_risk").count() == 1, shown.inner_html()
