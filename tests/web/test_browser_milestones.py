"""Milestones in the commitment form, and the one-time-code step without retyping the
password, in a real browser (issue 18 §7); axe-core finds no serious or critical violation on
the form with its milestone rows, nor on the code step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def japanese(browser: Any, stack: Stack) -> Iterator[Any]:
    context = new_browser_context(browser, stack, "ja-JP")
    yield context
    context.close()


def test_milestones_are_removed_and_added_in_the_edit_form(japanese: Any, stack: Stack) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
        commitment = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area["id"],
                "title": {"en": "Browser milestones"},
                "modality": "other",
                "lead_party_id": japan,
                "visibility": "internal",
                "milestones": [{"title": {"en": "Old step"}}],
            },
        ).json()
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
