"""Focus, confirmations and success messages in a real browser.

A keyboard-only save of a commitment's progress keeps focus at its row (on the row's "Saved."
message, from where Tab goes on to the next row), never at the page's top. Cancelling an
exchange asks first: with JavaScript in a modal <dialog> (going back changes nothing), without
JavaScript on a page of its own; both then say what happened. axe-core finds no serious or
critical violation on the dialog, the confirmation page or the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in
from tests.web.test_exchanges_pages import _new_exchange, exchange_plan

pytestmark = pytest.mark.slow


@pytest.fixture
def japanese(browser: Any, stack: Stack) -> Iterator[Any]:
    context = new_browser_context(browser, stack, "ja-JP")
    yield context
    context.close()


def active_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def test_a_keyboard_save_keeps_focus_at_the_row(
    japanese: Any, stack: Stack, active_plan_id: str
) -> None:
    page = japanese.new_page()
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/plans/{active_plan_id}/commitments")
    # Rows Japan's editor may update, in progress (where any percentage is allowed).
    rows = page.locator(
        "#results tbody tr:has(select[name=status] option[value=in_progress][selected])"
    )
    assert rows.count() >= 2
    first = rows.nth(0).get_attribute("id").removeprefix("row-")
    second = rows.nth(1).get_attribute("id").removeprefix("row-")
    # Keyboard only: into the progress field, type, Enter.
    page.focus(f"#progress-value-{first}")
    page.keyboard.press("Control+A")
    page.keyboard.type("37")
    page.keyboard.press("Enter")
    saved = page.locator(f"#progress-{first} .saved")
    saved.wait_for()
    # Focus is on the row's status message, not on <body> at the top of the page.
    page.wait_for_function(
        f"document.activeElement && document.activeElement.closest('#progress-{first}') !== null"
    )
    assert page.evaluate("document.activeElement.classList.contains('saved')")
    # From there, Tab goes on through the table: the next row's status is reached before
    # anything outside the table.
    for _ in range(12):
        page.keyboard.press("Tab")
        if active_id(page) == f"status-{second}":
            break
        assert page.evaluate("document.activeElement.closest('#results') !== null")
    assert active_id(page) == f"status-{second}"
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/commitments/{first}").json()["progress"] == 37
    # An error is focused the same way: the refused value's message, at the row.
    page.focus(f"#progress-value-{first}")
    page.keyboard.press("Control+A")
    page.keyboard.type("250")
    page.evaluate(f"document.getElementById('progress-value-{first}').removeAttribute('max')")
    page.keyboard.press("Enter")
    page.locator(f"#progress-problem-{first}").wait_for()
    # htmx first gives the focus back to the swapped-in field of the same id (still in the row),
    # then the page's script moves it to the message: wait for the message itself.
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'progress-problem-{first}'"
    )
    assert page.evaluate(f"document.activeElement.closest('#progress-{first}') !== null")


def test_cancelling_an_exchange_asks_first_in_a_dialog(japanese: Any, stack: Stack) -> None:
    plan = exchange_plan(stack)
    exchange = _new_exchange(stack, plan)
    page = japanese.new_page()
    sign_in(page, stack, "NATO", "editor")
    page.goto(f"/exchanges/{exchange['id']}")
    cancel = page.locator(f"form[action='/exchanges/{exchange['id']}/cancel'] button")
    cancel.click()
    dialog = page.locator("#confirm-dialog[open]")
    dialog.wait_for()
    # In NATO's editor's language (English, from the profile).
    assert dialog.locator("h2").inner_text() == "Cancel this exchange?"
    # The safe answer has focus.
    assert page.evaluate("document.activeElement.dataset.answer") == "no"
    assert_accessible(page, "confirmation dialog")
    # Escape (or "Go back") changes nothing and returns focus to the button.
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.evaluate("document.activeElement.closest('form') !== null")
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] == "held"
    # A form sent without the dialog's answer (here: the mark removed) gets the server's
    # question in place of the page's content; going back from there changes nothing either.
    page.evaluate(
        f"document.querySelector(\"form[action='/exchanges/{exchange['id']}/cancel']\")"
        ".removeAttribute('data-confirm')"
    )
    cancel.click()
    page.locator("#main #confirm-form").wait_for()
    assert page.locator("#main h1").inner_text() == "Cancel this exchange?"
    assert_accessible(page, "confirmation page")
    page.click("#confirm-form a[role=button]")
    page.locator("#exchange").wait_for()
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] == "held"
    # Confirmed: cancelled, and the page says so.
    cancel.click()
    dialog.locator("[data-answer=yes]").click()
    page.locator("#notice .notice").wait_for()
    assert page.locator("#notice").inner_text() == "The exchange was cancelled."
    assert page.locator("#exchange .badge-cancelled").count() == 1
    page.wait_for_function("document.activeElement && document.activeElement.id === 'notice'")
    assert_accessible(page, "cancelled, with its message")
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] == "cancelled"


def test_without_javascript_a_page_asks_first(browser: Any, stack: Stack) -> None:
    plan = exchange_plan(stack)
    exchange = _new_exchange(stack, plan)
    context = browser.new_context(
        base_url=stack.web_url, java_script_enabled=False, locale="en-GB", bypass_csp=True
    )
    try:
        page = context.new_page()
        sign_in(page, stack, "NATO", "editor")
        page.goto(f"/exchanges/{exchange['id']}")
        page.locator(f"form[action='/exchanges/{exchange['id']}/cancel'] button").click()
        page.wait_for_selector("#confirm-form")
        assert page.locator("h1").inner_text() == "Cancel this exchange?"
        # "Go back" leaves the exchange as it was.
        page.click("#confirm-form a[role=button]")
        page.wait_for_url(re.compile(rf".*/exchanges/{exchange['id']}$"))
        assert page.locator("#exchange .badge-cancelled").count() == 0
        page.locator(f"form[action='/exchanges/{exchange['id']}/cancel'] button").click()
        page.wait_for_selector("#confirm-form")
        page.click("#confirm-form button[type=submit]")
        page.wait_for_url(re.compile(rf".*/exchanges/{exchange['id']}$"))
        assert page.locator("#notice").inner_text() == "The exchange was cancelled."
        assert page.locator("#exchange .badge-cancelled").count() == 1
        # The message is shown once.
        page.reload()
        assert page.locator("#notice").inner_text() == ""
    finally:
        context.close()
