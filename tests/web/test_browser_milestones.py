"""Milestones in the commitment form, and the one-time-code step without retyping the
password, in a real browser (issue 18 §7); axe-core finds no serious or critical violation on
the form with its milestone rows, nor on the code step. At a phone's width (issue 18 §1) the
form with its milestone rows, the removal's confirmation dialog and the progress update form
with its evidence file fit the window."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in
from tests.web.test_browser_layout import WIDTHS, overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def japanese(browser: Any, stack: Stack) -> Iterator[Any]:
    context = new_browser_context(browser, stack, "ja-JP")
    yield context
    context.close()


def _commitment_with_a_milestone(stack: Stack, title: str) -> dict[str, Any]:
    """A commitment of a fresh active plan of Japan's, with one milestone ("Old step")."""
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
        commitment = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area["id"],
                "title": {"en": title},
                "modality": "other",
                "lead_party_id": japan,
                "visibility": "internal",
                "milestones": [{"title": {"en": "Old step"}}],
            },
        ).json()
    assert isinstance(commitment, dict)
    return commitment


def test_milestones_are_removed_and_added_in_the_edit_form(japanese: Any, stack: Stack) -> None:
    commitment = _commitment_with_a_milestone(stack, "Browser milestones")
    (old,) = commitment["milestones"]
    page = japanese.new_page()
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/commitments/{commitment['id']}/edit")
    assert_accessible(page, "commitment form with milestones")
    page.check(f"input[name='ms.{old['id']}.remove']")
    page.fill("#ms-new0-title-en", "New step")
    page.fill("#ms-new0-due", "2026-11-30")
    page.click("#commitment-form button[type=submit]")
    # The removal is asked first, in a dialog; going back keeps the form as it was.
    dialog = page.locator("#confirm-dialog[open]")
    dialog.wait_for()
    assert "マイルストーンを削除しますか" in dialog.inner_text()
    dialog.locator("[data-answer=no]").click()
    assert page.locator("#confirm-dialog[open]").count() == 0
    assert page.is_checked(f"input[name='ms.{old['id']}.remove']")
    page.click("#commitment-form button[type=submit]")
    page.locator("#confirm-dialog[open] [data-answer=yes]").click()
    page.wait_for_url(re.compile(rf".*/commitments/{commitment['id']}$"))
    milestones = page.locator("#milestones")
    milestones.get_by_text("New step").wait_for()
    assert milestones.get_by_text("Old step").count() == 0


def test_an_approver_gives_the_code_without_retyping_the_password(
    japanese: Any, stack: Stack
) -> None:
    login = stack.login("JP", "approver")
    page = japanese.new_page()
    page.goto("/sign-in")
    page.fill("#email", login["email"])
    page.fill("#password", login["password"])
    page.click("#sign-in-form button[type=submit]")
    page.locator("#password-kept").wait_for()
    assert login["password"] not in page.content()
    assert page.evaluate("document.activeElement.id") == "otp"
    assert_accessible(page, "one-time-code step")
    page.fill("#otp", stack.otp(login))
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/plans$"))


def _fits(page: Any, what: str) -> None:
    measured = overflow(page)
    assert measured["scroll"] <= measured["inner"], (what, measured)


def _on_screen(page: Any, selector: str) -> None:
    """The element is wholly within the window's width (reachable without scrolling sideways)."""
    box = page.locator(selector).bounding_box()
    width = page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)


def test_the_milestone_form_its_dialog_and_the_evidence_file_fit_a_phone(
    japanese: Any, stack: Stack
) -> None:
    commitment = _commitment_with_a_milestone(stack, "Milestones on a phone")
    (old,) = commitment["milestones"]
    page = japanese.new_page()
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
    sign_in(page, stack, "JP", "editor")

    # The edit form with an existing milestone row and the empty row for a new one.
    page.goto(f"/commitments/{commitment['id']}/edit")
    _fits(page, "commitment form with milestones")
    for field in (f"input[name='ms.{old['id']}.remove']", "#ms-new0-title-en", "#ms-new0-due"):
        _on_screen(page, field)

    # The removal's confirmation: the dialog and both its answers are on screen.
    page.check(f"input[name='ms.{old['id']}.remove']")
    page.click("#commitment-form button[type=submit]")
    page.locator("#confirm-dialog[open]").wait_for()
    _on_screen(page, "#confirm-dialog[open]")
    for answer in ("yes", "no"):
        _on_screen(page, f"#confirm-dialog[open] [data-answer={answer}]")
    page.locator("#confirm-dialog[open] [data-answer=no]").click()

    # The commitment's page: the progress update form (opened) with its evidence file input,
    # and the files' drop zone, the button that also opens the file picker.
    page.goto(f"/commitments/{commitment['id']}")
    page.locator("details:has(#update-evidence) > summary").click()
    page.locator("#update-evidence").wait_for()
    _fits(page, "commitment page with the update form open")
    _on_screen(page, "#update-evidence")
    _on_screen(page, "label[for=update-evidence]")
    page.locator("[data-drop-zone]:visible").wait_for()
    _on_screen(page, "[data-drop-zone]")
