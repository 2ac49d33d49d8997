"""Joint work in a real headless Chromium, with two browser contexts side by side: Japan's
approver and NATO's approver, each signed in with their one-time code.

They open a review, each records its own assessments (disagreeing on one commitment), agree
the ratings and the summary, both sign off — Japan's page shows NATO's sign-off within two
seconds, without a reload — and conclude. Then Japan proposes an amendment from the form with
its preview, approves it for Japan, NATO approves it for NATO (Japan's page sees it applied
live), and the new version is shown with its diff. Japan's approver never gets a way to act
for NATO: no button, and a forged form is refused by the API with a readable message.

On the sample plan, in force, Japan's editor moves the due date of a shared commitment: the
change needs NATO's consent, so the edit is offered as the amendment that makes it (the progress
typed with it is saved at once); the editor proposes it in one step, NATO's approver approves
it, then Japan's, and the commitment and the plan's versions show the agreed change. axe-core
finds no serious or critical violation on these pages, at desktop width and at 390 px; the
review and amendment screenshots for the README are taken here (with ITPP_SCREENSHOTS_DIR set).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, htmx_settled, screenshot, sign_in

pytestmark = pytest.mark.slow

JA = Formatter("ja").gettext
EN = Formatter("en").gettext
LIVE_SECONDS = 2.0


@pytest.fixture(scope="module")
def two_parties(browser: Any, stack: Stack) -> Iterator[dict[str, Any]]:
    """A page for Japan's approver and one for NATO's, each in its own browser context."""
    contexts = {
        "JP": new_browser_context(browser, stack, "ja-JP"),
        "NATO": new_browser_context(browser, stack, "en-GB"),
    }
    pages = {}
    for party, ctx in contexts.items():
        page = ctx.new_page()
        sign_in(page, stack, party, "approver")
        pages[party] = page
    yield pages
    for ctx in contexts.values():
        ctx.close()


@pytest.fixture(scope="module")
def plan_id(stack: Stack) -> str:
    return active_plan_of_our_own(stack)


def _mark_page(page: Any) -> None:
    """A marker that a reload would wipe out."""
    page.evaluate("window.__noReload = true")


def _not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def _assess(page: Any, item: Any, rating: str, note: str) -> None:
    # A row of the matrix shows values until its Edit link opens its forms.
    item.locator("a.edit-row").click()
    form = item.locator("form.item-form").first
    form.locator("select[name=rating]").select_option(rating)
    # The note is behind its disclosure in the matrix's cell.
    form.locator("details summary").click()
    form.locator("textarea[name=note]").fill(note)
    # The save's answer, not its "Saved." line: the other party's assessment arriving live may
    # draw the item again between the two, and take the line with it.
    with page.expect_response(lambda response: response.request.method == "POST") as saved:
        form.locator("button[type=submit]").click()
    htmx_settled(page)
    assert saved.value.ok, saved.value.status


def test_review_two_parties_assess_disagree_sign_off_live_and_conclude(
    two_parties: dict[str, Any], stack: Stack, plan_id: str
) -> None:
    jp, nato = two_parties["JP"], two_parties["NATO"]

    # Japan opens the first review of the plan.
    jp.goto(f"/plans/{plan_id}")
    jp.get_by_role("navigation", name=JA("This plan")).get_by_role(
        "link", name=JA("Reviews")
    ).click()
    jp.get_by_role("link", name=JA("Review %(number)s", number=1)).click()
    review_url = jp.url
    jp.locator("#open-form button").click()
    jp.wait_for_url(re.compile(r".*/reviews/[0-9a-f-]+$"))
    items = jp.locator("tr.matrix-row")
    assert items.count() == 3

    # Each party records its own assessments; they disagree on the third commitment.
    for index, rating in enumerate(("on_track", "on_track", "off_track")):
        _assess(jp, items.nth(index), rating, f"日本の所見 {index + 1}")
    nato.goto(review_url)
    assert nato.locator("html").get_attribute("lang") == "en"
    nato_items = nato.locator("tr.matrix-row")
    for index, rating in enumerate(("on_track", "on_track", "at_risk")):
        _assess(nato, nato_items.nth(index), rating, f"NATO view {index + 1}")

    # Japan's page hears of NATO's assessments without a reload: the disagreement shows.
    third = items.nth(2)
    third.locator(".flag-disagreement").wait_for(timeout=5_000)
    assert third.locator(".assessment.other .badge-at_risk").count() == 1
    assert items.nth(0).locator(".flag-disagreement").count() == 0

    # Japan records the agreed ratings and the joint summary with the outcome.
    for index, rating in enumerate(("on_track", "on_track", "off_track")):
        item = items.nth(index)
        item.locator("a.edit-row").click()
        form = item.locator("form.item-form").nth(1)
        form.locator("select[name=agreed_rating]").select_option(rating)
        form.locator("button[type=submit]").click()
        item.locator(".saved").wait_for()
    # The agreed ratings changed the review's version: the open page follows it by itself.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        current = api.get(review_url.replace(stack.web_url, "")).headers["etag"]
    jp.wait_for_function(
        "etag => document.querySelector('#summary-form input[name=etag]').value === etag",
        arg=current,
        timeout=5_000,
    )
    jp.fill("#summary-ja", "おおむね順調。第 3 項目は評価が分かれ、遅延と合意した。")
    jp.fill(
        "#summary-en",
        "Broadly on track; the third item was assessed differently, agreed off track.",
    )
    jp.select_option("#outcome", "continue")
    jp.locator("#summary-form button[type=submit]").click()
    jp.wait_for_url(re.compile(r".*#summary$"))

    # Japan's approver has no way to act for NATO: no button, and a forged form is refused.
    assert jp.get_by_role("button", name=re.compile("NATO")).count() == 0
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        nato_id = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
    jp.locator("#sign-off-form input[name=party_id]").evaluate(
        "(input, party) => { input.value = party; }", nato_id
    )
    jp.locator("#sign-off-form button[type=submit]").click()
    problem = jp.locator("#review-problem")
    problem.wait_for()
    assert JA("You are not allowed to do this.") in problem.inner_text()
    assert jp.locator("#sign-off-NATO").get_attribute("data-signed") == "no"

    # Japan signs off for Japan.
    jp.goto(review_url)
    jp.locator("#sign-off-form button[type=submit]").click()
    jp.locator("#sign-off-JP[data-signed=yes]").wait_for()
    assert_accessible(jp, "review workspace (Japan)")

    # NATO signs off for NATO; Japan's open page shows it within two seconds, not reloaded.
    nato.goto(review_url)
    assert nato.get_by_role("button", name=re.compile("JP")).count() == 0
    _mark_page(jp)
    nato.locator("#sign-off-form button[type=submit]").click()
    began = time.monotonic()
    jp.locator("#sign-off-NATO[data-signed=yes]").wait_for(timeout=LIVE_SECONDS * 1000)
    assert time.monotonic() - began < LIVE_SECONDS
    assert _not_reloaded(jp)
    assert JA("Signed off") in jp.locator("#sign-off-NATO").inner_text()
    jp.evaluate("window.scrollTo(0, document.querySelector('#sign-offs').offsetTop - 16)")
    screenshot(jp, "review.png")
    assert_accessible(nato, "review workspace (NATO)")

    # Every party has signed: the review is concluded.
    jp.locator("#conclude-form button").wait_for(timeout=5_000)
    jp.locator("#conclude-form button").click()
    # Concluding is final: a dialog asks first.
    jp.locator("#confirm-dialog[open] [data-answer=yes]").click()
    jp.locator("#review-state .badge-concluded").wait_for()
    assert jp.locator("form.item-form").count() == 0
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        review = api.get(review_url.replace(stack.web_url, "")).json()
    assert review["status"] == "concluded"
    assert [d["ratings"] for d in review["disagreements"]] == [
        {"JP": "off_track", "NATO": "at_risk"}
    ]


def test_amendment_proposed_approved_by_each_party_applied_live_with_its_new_version(
    two_parties: dict[str, Any], stack: Stack, plan_id: str
) -> None:
    jp, nato = two_parties["JP"], two_parties["NATO"]

    # Japan proposes from the form: a longer term and a new commitment, previewed first.
    jp.goto(f"/plans/{plan_id}/amendments")
    jp.locator(f'a[href="/plans/{plan_id}/amendments/new"]').click()
    jp.fill("#title-ja", "期間延長と演習の追加")
    jp.fill("#title-en", "Longer term and one more exercise")
    jp.fill("#rationale-ja", "第 1 回見直しの結果による。")
    jp.fill("#rationale-en", "As the first review found.")
    jp.locator("#op-change_term summary").click()
    jp.fill("#change_term-term_months", "30")
    # Each "Add this change" posts the whole form and loads the page again: wait for that
    # page before filling the next change, or its fields are typed into the page going away.
    with jp.expect_navigation():
        jp.click("#add-change_term")
    assert jp.locator("ol.change-list > li").count() == 1
    jp.locator("#op-add_commitment summary").click()
    jp.select_option("#add_commitment-priority_area_id", index=1)
    jp.fill("#add_commitment-title-ja", "机上演習")
    jp.fill("#add_commitment-title-en", "Tabletop exercise")
    jp.select_option("#add_commitment-modality", "exercise_participation")
    jp.select_option("#add_commitment-lead_party_id", label="NATO")
    with jp.expect_navigation():
        jp.click("#add-add_commitment")
    assert jp.locator("ol.change-list > li").count() == 2
    with jp.expect_navigation():
        jp.click("#preview-button")
    preview = jp.locator("#amendment-compose")
    sent_nothing = "This is what the parties will be asked to approve. Nothing has been sent yet."
    assert JA(sent_nothing) in preview.inner_text()
    assert "机上演習" in preview.inner_text() and "Tabletop exercise" in preview.inner_text()
    jp.click("#propose-button")
    jp.wait_for_url(re.compile(r".*/amendments/[0-9a-f-]+$"))
    amendment_url = jp.url

    # Pending: neither party has decided; Japan's page has Japan's buttons only.
    assert jp.locator("#amendment-status .badge-proposed").count() == 1
    assert jp.locator("#decision-JP").get_attribute("data-decision") == "pending"
    assert jp.locator("#decision-NATO").get_attribute("data-decision") == "pending"
    assert jp.get_by_role("button", name=re.compile("NATO")).count() == 0
    assert jp.locator("#approve-button").inner_text() == JA("Approve for %(party)s", party="JP")

    # Japan approves for Japan: Japan has agreed, NATO has not.
    jp.click("#approve-button")
    jp.locator("#decision-JP[data-decision=approved]").wait_for()
    assert jp.locator("#decision-NATO").get_attribute("data-decision") == "pending"
    # Japan's approval is not offered twice; until NATO decides, Japan may still reject.
    assert jp.locator("#approve-button").count() == 0
    assert jp.locator("#reject-button").count() == 1
    screenshot(jp, "amendment.png")
    assert_accessible(jp, "amendment (Japan)")

    # NATO approves for NATO; Japan's open page sees it applied within two seconds.
    nato.goto(amendment_url)
    assert nato.get_by_role("button", name=re.compile("JP")).count() == 0
    assert_accessible(nato, "amendment (NATO)")
    _mark_page(jp)
    nato.click("#approve-button")
    began = time.monotonic()
    jp.locator("#amendment-status .badge-applied").wait_for(timeout=LIVE_SECONDS * 1000)
    assert time.monotonic() - began < LIVE_SECONDS
    assert _not_reloaded(jp)

    # The applied result: version 2 and its diff (term 24 → 30 months, the new commitment).
    nato.locator("#applied-version").wait_for()
    assert (
        EN("Applied as version %(number)s of the plan", number=2)
        in nato.locator("#applied-version").inner_text()
    )
    changes = nato.locator("#changes").inner_text()
    assert "Tabletop exercise" in changes and "机上演習" in changes
    assert "24 months" in changes and "30 months" in changes
    nato.goto(f"/plans/{plan_id}/amendments")
    row = nato.locator("tbody tr").first
    assert EN("version %(number)s", number=2) in row.inner_text()
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        versions = api.get(f"/plans/{plan_id}/versions").json()["items"]
        plan = api.get(f"/plans/{plan_id}").json()
    assert [v["number"] for v in versions][:1] == [2]
    assert plan["term_months"] == 30


# A shared commitment of the sample plan that no sample amendment touches (those name CYB-02
# and MAR-02: an amendment applied to another record does not outdate them).
SAMPLE_COMMITMENT = "HADR-03"
PHONE_WIDTH = 390


def _fits_the_width(page: Any) -> bool:
    """Nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_editor_moves_a_due_date_proposes_it_in_one_step_and_both_approvers_agree(
    browser: Any, two_parties: dict[str, Any], stack: Stack, active_plan_id: str
) -> None:
    jp_approver, nato = two_parties["JP"], two_parties["NATO"]
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        commitment = next(
            c
            for c in api.get(
                f"/plans/{active_plan_id}/commitments", params={"q": SAMPLE_COMMITMENT}
            ).json()["items"]
            if c["reference"] == SAMPLE_COMMITMENT
        )
        versions_before = api.get(f"/plans/{active_plan_id}/versions").json()["items"]
    assert commitment["visibility"] == "shared"
    new_due = dt.date.fromisoformat(commitment["due_date"]) + dt.timedelta(days=61)
    progress = (int(commitment["progress"]) + 5) % 100

    # Japan's editor changes the due date (agreed) and the progress (delivery) in one edit.
    editor_context = new_browser_context(browser, stack, "ja-JP")
    try:
        editor = editor_context.new_page()
        sign_in(editor, stack, "JP", "editor")
        editor.goto(f"/commitments/{commitment['id']}")
        editor.click(f"a[href='/commitments/{commitment['id']}/edit']")
        editor.wait_for_selector("#commitment-form")
        assert editor.locator("#agreed-note").is_visible()
        editor.fill("#due_date", new_due.isoformat())
        editor.fill("#progress", str(progress))
        editor.click("#commitment-form button[type=submit]")

        # Not an error: the proposal, naming NATO, with the change as the parties will see it.
        proposal = editor.locator("#proposal")
        proposal.wait_for()
        text = proposal.inner_text()
        assert (
            JA(
                "This plan is in force: this change needs the consent of %(parties)s. Propose it?",
                parties="NATO",
            )
            in text
        )
        assert commitment["due_date"].replace("-", "/") in text
        assert new_due.isoformat().replace("-", "/") in text
        # The progress was saved at once; the due date was not.
        assert JA("Progress") in editor.locator("#proposal-saved").inner_text()
        with stack.api_client(stack.api_token("JP", "viewer")) as api:
            now = api.get(f"/commitments/{commitment['id']}").json()
        assert now["progress"] == progress and now["due_date"] == commitment["due_date"]
        button = editor.locator("#propose-button")
        assert button.inner_text() == JA("Propose this change to %(parties)s", parties="NATO")
        assert editor.locator("#proposal-title-en").input_value()  # the suggested title
        assert_accessible(editor, "proposal (Japan's editor)")
        screenshot(editor, "proposal.png")
        editor.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        assert _fits_the_width(editor)
        assert button.is_visible()
        assert_accessible(editor, "proposal at 390 px")
        editor.set_viewport_size({"width": 1280, "height": 900})

        # Proposed in one step: the amendment's page, awaiting both parties.
        editor.fill("#proposal-rationale-ja", "MARCOM の演習日程に合わせるため。")
        button.click()
        editor.wait_for_url(re.compile(r".*/amendments/[0-9a-f-]+$"))
        amendment_url = editor.url.replace(stack.web_url, "")
        assert editor.locator("#amendment-kind").inner_text() == JA("Amendment")
        assert editor.locator("#decision-JP").get_attribute("data-decision") == "pending"
        assert editor.locator("#decision-NATO").get_attribute("data-decision") == "pending"
        assert editor.locator("#decision-form").count() == 0  # an editor decides nothing
    finally:
        editor_context.close()

    # NATO's approver finds it among the plan's amendments and approves it for NATO.
    nato.goto(f"/plans/{active_plan_id}/amendments")
    nato.locator(f"a[href='{amendment_url}']").click()
    nato.wait_for_url(re.compile(r".*/amendments/[0-9a-f-]+$"))
    changes = nato.locator("#changes").inner_text()
    assert SAMPLE_COMMITMENT in changes
    assert new_due.strftime("%b %-d, %Y") in changes  # the English reader's date
    assert nato.get_by_role("button", name=re.compile("JP")).count() == 0
    nato.click("#approve-button")
    nato.locator("#decision-NATO[data-decision=approved]").wait_for()
    assert nato.locator("#amendment-status .badge-proposed").count() == 1

    # Japan's approver approves for Japan: every party has consented, the change applies.
    jp_approver.goto(amendment_url)
    assert jp_approver.locator("#decision-NATO").get_attribute("data-decision") == "approved"
    jp_approver.click("#approve-button")
    jp_approver.locator("#amendment-status .badge-applied").wait_for()
    new_version = versions_before[0]["number"] + 1
    assert (
        JA("Applied as version %(number)s of the plan", number=new_version)
        in jp_approver.locator("#applied-version").inner_text()
    )

    # The commitment shows the agreed due date; the plan, its new version and who agreed it.
    jp_approver.goto(f"/commitments/{commitment['id']}")
    assert new_due.isoformat().replace("-", "/") in jp_approver.locator("dl.facts").inner_text()
    jp_approver.goto(f"/plans/{active_plan_id}/versions")
    newest = jp_approver.locator("table.versions tbody tr").first
    assert newest.locator("th").inner_text() == str(new_version)
    assert dt.date.today().isoformat().replace("-", "/") in newest.inner_text()
    assert_accessible(jp_approver, "versions with their consents")
    newest.locator(".version-consent a").click()
    jp_approver.wait_for_url(re.compile(r".*/consents#consent-[0-9a-f-]+$"))
    entry = jp_approver.locator(f"#consent-{amendment_url.rsplit('/', 1)[-1]}")
    assert entry.locator("[data-party=JP]").count() == 1
    assert entry.locator("[data-party=NATO]").count() == 1
    assert_accessible(jp_approver, "record of consent")
    screenshot(jp_approver, "consents.png")
    jp_approver.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    assert _fits_the_width(jp_approver)
    assert_accessible(jp_approver, "record of consent at 390 px")
    jp_approver.set_viewport_size({"width": 1280, "height": 900})
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        agreed = api.get(f"/commitments/{commitment['id']}").json()
        versions = api.get(f"/plans/{active_plan_id}/versions").json()["items"]
    assert agreed["due_date"] == new_due.isoformat() and agreed["progress"] == progress
    assert versions[0]["number"] == new_version
    assert versions[0]["amendment_id"] == amendment_url.rsplit("/", 1)[-1]
