"""The exchange, placement, version and calendar pages in a real headless Chromium.

An editor records an exchange through the form, linked to a commitment, and finds it on the
commitment's page; the placements timeline shows the gap between two rotations; the versions
page compares two versions and shows the plan as of a date; a calendar feed is created,
copied and revoked. axe-core checks each page for serious or critical violations. With
ITPP_SCREENSHOTS_DIR set, the placements timeline and the versions diff are saved for the
README.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_browser import assert_accessible, htmx_settled, screenshot, sign_in
from tests.web.test_commitment_picker import crowded_plan
from tests.web.test_exchanges_pages import exchange_plan, versioned_plan

pytestmark = pytest.mark.slow


@pytest.fixture
def english(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "en-GB")
    yield ctx
    ctx.close()


@pytest.fixture
def japanese(browser: Any, stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, stack, "ja-JP")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    yield ctx
    ctx.close()


def test_editor_records_an_exchange_for_a_commitment_and_finds_it_there(
    english: Any, stack: Stack
) -> None:
    plan = exchange_plan(stack)
    page = english.new_page()
    sign_in(page, stack, "NATO", "editor")
    page.goto(f"/commitments/{plan['commitment_id']}")
    page.get_by_role("button", name="Record an exchange for this commitment").click()
    page.wait_for_url(re.compile(r".*/exchanges/new\?commitment_id=.*"))
    assert page.locator(f"#commitment_ids option[value='{plan['commitment_id']}']").evaluate(
        "o => o.selected"
    )
    assert_accessible(page, "new exchange")

    # A mistake first: the form comes back in place with the message beside the field.
    page.fill("#title-en", "Staff talks on maritime domain awareness")
    page.select_option("#kind", "consultation")
    page.fill("#start_date", "2027-02-10")
    page.fill("#end_date", "2027-02-01")
    page.fill("#location", "Northwood")
    page.fill("#participants", "Staff officer, MARCOM\nLiaison officer | Cdr. Ito")
    page.click("#exchange-form button[type=submit]")
    page.locator("#end_date-error").wait_for()
    assert page.locator("#location").input_value() == "Northwood"
    # The form drawn again by htmx has no Search button either (it is there without JavaScript;
    # htmx's load event, once the swap has settled, takes it out).
    page.wait_for_function(
        "document.querySelectorAll('#exchange-form button[type=submit]').length === 1"
    )
    assert_accessible(page, "exchange form with errors")

    page.fill("#end_date", "2027-02-11")
    page.fill("#outcome-en", "Agreed to exchange maritime pictures monthly.")
    page.click("#exchange-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/exchanges/[0-9a-f-]{36}$"))
    heading = page.locator("#exchange-title").inner_text()
    assert "Staff talks on maritime domain awareness" in heading
    assert "Agreed to exchange maritime pictures monthly." in page.locator("#exchange").inner_text()
    assert_accessible(page, "exchange detail")
    exchange_url = page.url

    page.get_by_role("link", name=plan["commitment_reference"]).first.click()
    page.wait_for_url(re.compile(rf".*/commitments/{plan['commitment_id']}$"))
    linked = page.locator("section[aria-labelledby=exchanges-h]")
    assert "Staff talks on maritime domain awareness" in linked.inner_text()
    linked.get_by_role("link").first.click()
    page.wait_for_url(exchange_url)


def test_exchange_list_filters_in_place_and_the_address_follows(
    english: Any, stack: Stack, active_plan_id: str
) -> None:
    page = english.new_page()
    sign_in(page, stack, "NATO", "viewer")
    page.goto(f"/plans/{active_plan_id}/exchanges")
    everything = page.locator("#results tbody tr").count()
    page.click("#f-kind summary")
    with page.expect_response(re.compile(r".*/exchanges\?.*kind=placement.*")):
        page.check("#f-kind input[value=placement]")
    htmx_settled(page)
    page.wait_for_url(re.compile(r".*kind=placement.*"))
    placements = page.locator("#results tbody tr").count()
    assert 0 < placements < everything
    kinds = page.locator("#results tbody tr td:nth-child(3)").all_inner_texts()
    assert set(kinds) == {"Placement"}
    assert_accessible(page, "exchanges")
    shared = english.new_page()
    shared.goto(page.url)
    assert shared.locator("#results tbody tr").count() == placements
    shared.close()


def test_placements_timeline_shows_the_gap_between_rotations(
    japanese: Any, stack: Stack, active_plan_id: str
) -> None:
    page = japanese.new_page()
    sign_in(page, stack, "JP", "viewer")
    page.goto(f"/plans/{active_plan_id}/placements")
    timeline = page.locator("svg.timeline")
    assert timeline.get_attribute("role") == "group"  # its bars are links
    gap = timeline.locator("rect.timeline-gap")
    assert gap.count() >= 1
    box = gap.first.bounding_box()
    assert box and box["width"] > 0  # drawn, not only listed
    label = timeline.locator("text.timeline-gap-label").first.text_content() or ""
    assert re.search(r"空白 \d+ 日", label)
    # The table says the same for screen readers: the gap, in days, before the next tenure.
    assert page.locator("table.placements .gap-note").first.inner_text().endswith("日間の空白")
    # Each bar is a link to its placement.
    bar = timeline.locator("a.timeline-link").first
    href = bar.get_attribute("href")
    assert href and href.startswith("/exchanges/")
    assert_accessible(page, "placements timeline")
    screenshot(page, "placements.png")


def test_versions_page_compares_two_versions_and_shows_the_plan_as_of_a_date(
    english: Any, stack: Stack
) -> None:
    plan = versioned_plan(stack)
    page = english.new_page()
    sign_in(page, stack, "NATO", "editor")
    page.goto(f"/plans/{plan['plan_id']}")
    page.locator("nav.plan-nav").get_by_role("link", name="Versions").click()
    page.wait_for_url(re.compile(r".*/versions$"))
    diff = page.locator("#diff")
    assert "From version 1 to version 2" in diff.inner_text()
    # The other language of a changed title is one click away.
    title_row = diff.locator("tr", has=page.locator("th", has_text="Title")).first
    title_row.locator("details summary").last.click()
    assert title_row.locator("p[lang=ja]").last.is_visible()
    assert "改訂交流計画" in title_row.inner_text()
    assert_accessible(page, "versions")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "versions.png")

    # Swap the versions: the diff changes in place and the address follows.
    page.select_option("#from", "2")
    page.select_option("#to", "1")
    page.locator("form[hx-target='#diff'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*from=2.*to=1.*"))
    page.locator("#diff", has_text="From version 2 to version 1").wait_for()

    page.fill("#as_of", dt.date.today().isoformat())
    page.locator("form[hx-target='#as-of'] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*as_of=.*"))
    as_of = page.locator("#as-of")
    as_of.locator("table.as-of").wait_for()
    assert "Version 2" in as_of.inner_text()
    row = as_of.locator("tr", has=page.get_by_role("link", name=plan["commitment_reference"]))
    assert "40%" in row.inner_text()
    assert re.search(r"from=2.*to=1", page.url)  # the diff's choice stays in the address
    assert_accessible(page, "versions with as-of")


def test_calendar_feed_is_created_copied_and_revoked(japanese: Any, stack: Stack) -> None:
    page = japanese.new_page()
    sign_in(page, stack, "JP", "editor")
    page.get_by_role("link", name="カレンダー配信").click()
    page.wait_for_url(re.compile(r".*/me/calendar$"))
    assert_accessible(page, "calendar feeds")
    name = "browser feed"
    page.fill("#feed-name", name)
    page.click("#feed-form button[type=submit]")
    address = page.locator("#new-feed-url")
    address.wait_for()
    url = address.inner_text().strip()
    assert "/calendar-feeds/" in url and url.endswith(".ics")
    # The copy button exists only with JavaScript (shown once htmx has settled the new
    # content), and copies the address.
    copy = page.locator("button[data-copy-target=new-feed-url]")
    copy.wait_for(state="visible", timeout=5000)
    copy.click()
    page.locator(".copy-status", has_text="コピーしました").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert_accessible(page, "calendar feed created")
    row = page.locator("tr", has_text=name)
    assert row.count() == 1
    row.get_by_role("button").click()
    # Revoking asks first, in a dialog; going back keeps the feed.
    dialog = page.locator("#confirm-dialog[open]")
    dialog.locator("[data-answer=no]").click()
    dialog.wait_for(state="detached")
    assert page.locator("tr", has_text=name).count() == 1
    row.get_by_role("button").click()
    page.locator("#confirm-dialog[open] [data-answer=yes]").click()
    page.locator("tr", has_text=name).wait_for(state="detached")
    assert "browser feed" not in page.locator("#feeds").inner_text()
    # The status region says it, and focus is not lost to the page's top.
    page.locator("#notice", has_text="無効にしました").wait_for()
    # The notice comes with the answer (HX-Trigger), focus moves once the swap has settled.
    page.wait_for_function(
        "document.activeElement && document.activeElement !== document.body", timeout=5000
    )


def test_the_commitment_picker_finds_a_commitment_as_the_user_types_by_keyboard(
    english: Any, stack: Stack
) -> None:
    plan = crowded_plan(stack)
    page = english.new_page()
    sign_in(page, stack, "NATO", "editor")
    page.goto(f"/plans/{plan['id']}/exchanges/new")
    assert page.locator("#commitment_ids option").count() == 50
    # With JavaScript the Search button is not there: Enter in a field sends the form itself.
    assert page.locator("button[name=search_commitments]").count() == 0
    page.fill("#title-en", "Submarine rescue exercise")
    page.select_option("#kind", "exercise")
    page.fill("#start_date", "2027-05-10")

    page.focus("#commitment_ids-search")
    page.keyboard.type("submarine")
    page.wait_for_function("document.querySelectorAll('#commitment_ids option').length === 1")
    assert page.locator("#commitment_ids-status").inner_text() == "1 commitment matches."
    assert page.locator("#commitment_ids option").inner_text().endswith("Submarine rescue")
    # The list is the next stop of the keyboard; an arrow key chooses the match.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "commitment_ids"
    page.keyboard.press("ArrowDown")
    assert page.locator("#commitment_ids").evaluate(
        "s => [...s.selectedOptions].map(o => o.value)"
    ) == [plan["needle"]]
    assert_accessible(page, "exchange form after a search")
    # A second search keeps the chosen commitment chosen.
    page.fill("#commitment_ids-search", "port call 0")
    page.wait_for_function("document.querySelectorAll('#commitment_ids option').length === 10")
    assert page.locator("#commitment_ids").evaluate(
        "s => [...s.selectedOptions].map(o => o.value)"
    ) == [plan["needle"]]
    page.click("#exchange-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/exchanges/[0-9a-f-]{36}$"))
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        exchange = api.get(page.url.replace(stack.web_url, "")).json()
    assert [c["id"] for c in exchange["commitments"]] == [plan["needle"]]
