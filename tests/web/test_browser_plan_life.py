"""A plan's life in a real headless Chromium: Japan's editor imports a plan document in the
web, reads the lines the import left out beside the text, edits the draft (its term, a new
priority area) and proposes its coming into force; then Japan's and NATO's approvers, each in
a browser context of their own, approve it and the plan is in force. The import's report and
the draft's page fit a 390 px phone."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import sign_in
from tests.web.test_plan_life_pages import PLAN_TEXT

pytestmark = pytest.mark.slow

JA = Formatter("ja").gettext
PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def three_officials(browser: Any, stack: Stack) -> Iterator[dict[str, Any]]:
    """Japan's editor and approver (Japanese) and NATO's approver (English), each signed in
    in a browser context of their own."""
    roles = {
        "editor": ("JP", "editor", "ja-JP"),
        "JP": ("JP", "approver", "ja-JP"),
        "NATO": ("NATO", "approver", "en-GB"),
    }
    contexts = []
    pages = {}
    for name, (party, role, locale) in roles.items():
        ctx = new_browser_context(browser, stack, locale)
        contexts.append(ctx)
        page = ctx.new_page()
        sign_in(page, stack, party, role)
        pages[name] = page
    yield pages
    for ctx in contexts:
        ctx.close()


def _fits_a_phone(page: Any) -> bool:
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    fits = bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
    page.set_viewport_size({"width": 1280, "height": 900})
    return fits


def test_a_document_imported_edited_proposed_and_brought_into_force_by_both_approvers(
    three_officials: dict[str, Any], stack: Stack
) -> None:
    editor, jp, nato = three_officials["editor"], three_officials["JP"], three_officials["NATO"]
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}

    # Import: the document, both parties, a reference.
    editor.goto("/plans")
    editor.click("#import-plan")
    editor.set_input_files(
        "#file",
        files=[{"name": "plan.md", "mimeType": "text/markdown", "buffer": PLAN_TEXT.encode()}],
    )
    editor.check(f"#party-{parties['NATO']}")
    reference = f"LIFE-{uuid.uuid4().hex[:6].upper()}"
    editor.fill("#reference", reference)
    editor.click("#import-document")
    editor.locator("#unmapped-lines").wait_for()
    left_out = editor.locator("#unmapped-3").inner_text()
    assert "A stray line between the title and chapter 1." in left_out
    assert JA("Text between the title and chapter 1.") in left_out
    assert editor.locator("#line-3.unmapped").count() == 1
    assert _fits_a_phone(editor)

    # Edit the draft: a longer term, and a second priority area.
    editor.click("#edit-draft")
    editor.wait_for_url(re.compile(r".*/plans/[0-9a-f-]+/draft$"))
    plan_id = editor.url.rsplit("/", 2)[-2]
    editor.fill("#term_months", "36")
    editor.click("#save-draft")
    editor.wait_for_url(re.compile(r".*/draft$"))
    editor.fill("#new-area-code", "3.1.2")
    editor.fill("#new-area-short_code", "MAR")
    editor.fill("#new-area-title-ja", "海洋安全保障")
    editor.fill("#new-area-title-en", "Maritime security")
    editor.click("#add-area")
    editor.locator("text=" + JA("The priority area was added.")).wait_for()
    assert editor.locator(".draft-area").count() == 2
    assert _fits_a_phone(editor)

    # Propose coming into force, from the draft's page.
    editor.click("#propose-entry-into-force")
    editor.fill("#title-ja", "発効")
    editor.fill("#title-en", "Coming into force")
    editor.fill("#rationale-en", "Negotiated by both parties.")
    # A draft's form offers this one change, already open.
    if editor.locator("#op-bring_into_force[open]").count() == 0:
        editor.locator("#op-bring_into_force summary").click()
    editor.fill("#bring_into_force-approval_date", dt.date.today().isoformat())
    editor.click("#add-bring_into_force")
    editor.click("#preview-button")
    editor.click("#propose-button")
    editor.wait_for_url(re.compile(r".*/amendments/[0-9a-f-]+$"))
    amendment_url = editor.url
    # The plan page follows each party's decision; no deletion while it awaits approval.
    editor.goto(f"/plans/{plan_id}")
    assert editor.locator("#entry-into-force-link").count() == 1
    editor.goto(f"/plans/{plan_id}/draft")
    assert editor.locator("#delete-plan").count() == 0

    # Japan's approver approves for Japan; NATO's, in its own context, for NATO.
    jp.goto(amendment_url)
    jp.click("#approve-button")
    jp.locator("#decision-JP[data-decision=approved]").wait_for()
    assert jp.locator("#decision-NATO").get_attribute("data-decision") == "pending"
    nato.goto(amendment_url)
    assert nato.locator("#decision-JP").get_attribute("data-decision") == "approved"
    nato.click("#approve-button")
    nato.locator("#amendment-status .badge-applied").wait_for()

    # In force, with what the editor made of the document.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        plan = api.get(f"/plans/{plan_id}").json()
        areas = api.get(f"/plans/{plan_id}/priority-areas").json()["items"]
    assert plan["status"] == "active" and plan["reference"] == reference
    assert plan["term_months"] == 36
    assert [a["short_code"] for a in areas][-1] == "MAR"
    editor.goto(f"/plans/{plan_id}")
    assert editor.locator("#edit-draft-link").count() == 0
    assert editor.locator(".badge-active").count() >= 1
