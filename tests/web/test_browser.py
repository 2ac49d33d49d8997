"""The pages in a real headless Chromium against real API and web processes on loopback.

Japan's editor signs in, filters the commitments and shares the address, updates progress,
meets a concurrent edit and resolves it, switches language and signs out; the old cookie is
then refused. axe-core (from the npm registry) checks the main pages for serious or critical
accessibility violations. With ITPP_SCREENSHOTS_DIR set (`make screenshots`), the dashboard
screenshot for the README is written there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import (
    ARTIFACTS,
    SAMPLE_PLAN,
    SESSION_COOKIE,
    Stack,
    draft_plan_with_markup,
    new_browser_context,
    run_axe,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def context(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "ja-JP")
    yield ctx
    ctx.close()


def sign_in(page: Any, stack: Stack, party: str, role: str) -> None:
    """Signs the user in through the form; an approver's working session is reused instead
    (`Stack.reused_session`: a new one-time code can take 30 s)."""
    reused = stack.reused_session(party, role)
    if reused:
        page.context.add_cookies([{"name": SESSION_COOKIE, "value": reused, "url": stack.web_url}])
        page.goto("/plans")
        page.wait_for_url(re.compile(r".*/plans$"))
        return
    login = stack.login(party, role)
    page.goto("/sign-in")
    page.fill("#email", login["email"])
    page.fill("#password", login["password"])
    if login.get("totp_secret"):
        page.fill("#otp", stack.otp(login))
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/plans$"))


def assert_accessible(page: Any, name: str) -> None:
    violations = run_axe(page)
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, f"{name}: {summary}"


def htmx_settled(page: Any) -> None:
    """Wait until htmx has no request in flight and has settled its last swap.

    Playwright reports a response when its headers arrive; htmx swaps the body in a moment
    later and settles after that (`htmx-request`, then `htmx-swapping`, then `htmx-settling`
    and `htmx-added` mark the steps). A check made in between reads the old page.
    """
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def wait_for_htmx(locator: Any) -> None:
    """Wait until htmx has bound the element's hx- attributes.

    htmx processes swapped-in content in its settle step, a moment after the nodes appear; a
    key pressed on a link in between follows its plain href (a full page load) instead.
    """
    locator.page.wait_for_function(
        "el => Boolean(el['htmx-internal-data'] && el['htmx-internal-data'].initHash)",
        arg=locator.element_handle(),
    )


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    keep = os.environ.get("ITPP_SCREENSHOTS_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 1400})
        page.screenshot(path=str(Path(keep) / name), full_page=False)
        page.set_viewport_size({"width": 1280, "height": 900})


def references(page: Any) -> list[str]:
    return [
        text.strip()
        for text in page.locator("#results tbody tr td:first-child a").all_inner_texts()
    ]


def test_japan_editor_journey(context: Any, stack: Stack, active_plan_id: str) -> None:
    page = context.new_page()
    sign_in(page, stack, "JP", "editor")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert_accessible(page, "plans")

    # The dashboard of the plan in force.
    page.goto(f"/plans/{active_plan_id}")
    assert page.locator("svg.area-chart g rect.chart-progress").count() == 9
    assert page.locator("table.matrix tbody tr").count() == 9
    assert_accessible(page, "dashboard")
    screenshot(page, "dashboard.png")

    # Filter the commitments: the table changes in place and the address follows.
    page.goto(f"/plans/{active_plan_id}/commitments")
    everything = references(page)
    page.click("#f-status summary")
    with page.expect_response(re.compile(r".*/commitments\?.*status=in_progress.*")):
        page.check("#f-status input[value=in_progress]")
    htmx_settled(page)
    page.wait_for_url(re.compile(r".*status=in_progress.*"))
    page.keyboard.press("Escape")  # the dropdown closes, uncovering the table
    filtered = references(page)
    assert filtered and len(filtered) < len(everything)
    assert_accessible(page, "commitments")
    screenshot(page, "commitments.png")

    # The address is shareable: opened elsewhere it shows the same rows.
    shared = context.new_page()
    shared.goto(page.url)
    assert references(shared) == filtered
    assert shared.locator("#f-status input[value=in_progress]").is_checked()
    shared.close()

    # Update progress in place.
    row = page.locator("#results tbody tr").first
    commitment_id = row.get_attribute("id").removeprefix("row-")
    row.locator("input[name=progress]").fill("61")
    row.locator("button[type=submit]").click()
    form = page.locator(f"#progress-{commitment_id}")
    form.locator(".saved").wait_for()
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/commitments/{commitment_id}").json()["progress"] == 61

    # Someone else changes it meanwhile: the save meets the conflict, says who and what.
    with stack.api_client(stack.api_token("JP", "approver")) as api:
        current = api.get(f"/commitments/{commitment_id}")
        changed = api.patch(
            f"/commitments/{commitment_id}",
            json={"progress": 70},
            headers={"If-Match": current.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
    form.locator("input[name=progress]").fill("65")
    form.locator("button[type=submit]").click()
    conflict = form.locator(".conflict")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "承認 次郎（見本）" in text  # the other user's name
    assert "61%" in text and "70%" in text  # what they changed
    assert form.locator("input[name=progress]").input_value() == "65"  # mine is kept
    # Reload shows the current values; saving then works.
    conflict.locator("[role=button]").click()
    page.wait_for_function(
        f"document.querySelector('#progress-{commitment_id} input[name=progress]').value === '70'"
    )
    form.locator("input[name=progress]").fill("72")
    form.locator("button[type=submit]").click()
    form.locator(".saved").wait_for()
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/commitments/{commitment_id}").json()["progress"] == 72

    # Switch language: the whole interface follows.
    page.click(".language-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text() == "Commitments"
    page.click(".language-switch button")  # back to Japanese for the other tests
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ja"

    # Sign out: the old cookie no longer opens anything.
    old_cookie = next(c for c in context.cookies() if c["name"] == "itpp_session")
    page.click("form[action='/sign-out'] button")
    page.wait_for_url(re.compile(r".*/sign-in$"))
    thief = context.browser.new_context(base_url=stack.web_url)
    thief.add_cookies([old_cookie])
    stolen = thief.new_page()
    stolen.goto("/plans")
    assert "/sign-in" in stolen.url
    thief.close()


def test_commitment_detail_milestones_and_edit_form(
    context: Any, stack: Stack, active_plan_id: str
) -> None:
    page = context.new_page()
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/plans/{active_plan_id}/commitments?priority_area=3.1.2")
    page.locator("#results tbody tr td:first-child a").first.click()
    page.wait_for_selector("#commitment")
    assert_accessible(page, "commitment detail")
    milestones = page.locator("#milestones tbody tr")
    if milestones.count():
        first = milestones.first
        done_before = first.locator("td").nth(2).inner_text()
        first.locator("button[name=action]").last.click()
        page.wait_for_function(
            "([id, before]) => document.querySelector('#' + id + ' td:nth-child(3)')"
            ".innerText !== before",
            arg=[first.get_attribute("id"), done_before],
        )
    page.click("a[href$='/edit']")
    page.wait_for_selector("#commitment-form")
    assert_accessible(page, "edit form")
    # An empty title is refused before anything is sent, and the form keeps the rest.
    page.fill("#title-ja", "")
    page.fill("#title-en", "")
    page.fill("#pcm_activity_ref", "PCM-KEEP")
    page.click("#commitment-form button[type=submit]")
    page.locator("#title-error").wait_for()
    assert page.locator("#pcm_activity_ref").input_value() == "PCM-KEEP"


def test_markup_renders_inert_in_the_browser(context: Any, stack: Stack) -> None:
    plan_id, commitment_id = draft_plan_with_markup(stack)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/plans/{plan_id}")
    assert page.locator("#plan-title").inner_text().startswith("<script>alert('ja')</script>")
    page.goto(f"/commitments/{commitment_id}")
    assert "<script>alert(document.cookie)</script>" in page.locator("h1").inner_text()
    page.goto(f"/plans/{plan_id}/commitments")
    assert not dialogs
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0


def test_pages_work_with_javascript_off(browser: Any, stack: Stack, active_plan_id: str) -> None:
    ctx = browser.new_context(base_url=stack.web_url, java_script_enabled=False, locale="en-GB")
    page = ctx.new_page()
    sign_in(page, stack, "NATO", "editor")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"/plans/{active_plan_id}/commitments")
    page.click("#f-party summary")
    page.check("#f-party input[value=NATO]")
    page.click("#f-party summary")  # closed again (a dropdown opens over what follows)
    page.click("#f-status summary")
    page.check("#f-status input[value=in_progress]")
    page.click("#f-status summary")
    page.click(".filter-actions button[type=submit]")
    page.wait_for_url(re.compile(r".*lead_party=NATO.*"))
    row = page.locator("#results tbody tr").first
    commitment_id = row.get_attribute("id").removeprefix("row-")
    row.locator("input[name=progress]").fill("42")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "lead_party=NATO" in page.url, (
        page.url,
        page.locator(".conflict").all_inner_texts(),
    )  # back to the list
    assert page.locator(f"#progress-value-{commitment_id}").input_value() == "42"
    ctx.close()


def test_the_plan_pages_lineage_fits_a_phone_and_its_links_lead_along_the_line(
    browser: Any, stack: Stack, active_plan_id: str
) -> None:
    ctx = new_browser_context(browser, stack, "en-GB")
    try:
        page = ctx.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, stack, "NATO", "viewer")
        page.goto(f"/plans/{active_plan_id}")
        lineage = page.locator("#plan-lineage")
        assert lineage.locator("li").all_inner_texts() == [
            "JP-NATO-IPCP-2014 2014 · Superseded",
            "JP-NATO-IPCP-2018 2018 · Superseded",
            f"{SAMPLE_PLAN} {page.locator('#plan-lineage [aria-current=page] small').inner_text()}",
        ]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # Each entry stays inside the page's width (the line wraps instead).
        assert page.evaluate(
            "[...document.querySelectorAll('#plan-lineage li')]"
            ".every(li => li.getBoundingClientRect().right <= window.innerWidth)"
        )
        assert_accessible(page, "plan page at 390 px")
        page.get_by_role("link", name=re.compile("JP-NATO-IPCP-2018")).click()
        page.wait_for_url(re.compile(r".*/plans/[0-9a-f-]{36}$"))
        assert "JP-NATO-IPCP-2018" in page.locator("#plan-lineage [aria-current=page]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("#plan-lineage").get_by_role("link", name=re.compile(SAMPLE_PLAN)).click()
        page.wait_for_url(re.compile(rf".*/plans/{active_plan_id}$"))
    finally:
        ctx.close()


def test_the_amendment_form_with_every_kind_of_change_open_is_accessible(
    context: Any, stack: Stack, active_plan_id: str
) -> None:
    page = context.new_page()
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/plans/{active_plan_id}/amendments/new")
    page.evaluate("document.querySelectorAll('details.op').forEach(d => d.open = true)")
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert_accessible(page, "amendment form, every change open")
