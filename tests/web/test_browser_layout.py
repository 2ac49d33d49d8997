"""Every page of the web at a phone's width (390 px) and a desktop's (1366 px), in Japanese and
in English: nothing is wider than the window (`scrollWidth <= innerWidth`: tables and the plan
navigation scroll or wrap inside their own boxes), the header never squeezes a Japanese label
to one character a line, and the language switch is on screen. Printing the dashboard, a list,
the review and the plan document hides the site's controls.

With ITPP_SCREENSHOTS_DIR set (`make screenshots`), each page's first screen is written to
`layout/<language>-<width>-<page>.png` there (and a list's results to `…-results.png`), for
the README's gallery.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context, run_axe
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.slow

WIDTHS = {"phone": 390, "desktop": 1366}
LOCALES = {"ja": "ja-JP", "en": "en-GB"}


def _first(api: Any, path: str) -> str:
    items = api.get(path).json()["items"]
    assert items, f"the sample has nothing at {path}"
    return str(items[0]["id"])


@pytest.fixture(scope="module")
def pages(stack: Stack, active_plan_id: str) -> dict[str, str]:
    """Every page of the app (by name), on the sample plan's records."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        commitment = _first(api, f"/plans/{active_plan_id}/commitments?limit=1")
        exchange = _first(api, f"/plans/{active_plan_id}/exchanges?limit=1")
        amendment = _first(api, f"/plans/{active_plan_id}/amendments")
        review = _first(api, f"/plans/{active_plan_id}/reviews")
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        draft = api.post(
            "/plans",
            json={
                "reference": f"LAYOUT-{uuid.uuid4().hex[:6].upper()}",
                "title": {"ja": "レイアウト確認用の草案", "en": "A draft to measure"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert draft.status_code == 201, draft.text
        area = api.post(
            f"/plans/{draft.json()['id']}/priority-areas",
            json={"code": "3.1.1", "short_code": "CYB", "title": {"ja": "サイバー防衛"}},
        )
        assert area.status_code == 201, area.text
    plan = f"/plans/{active_plan_id}"
    return {
        "plans": "/plans",
        "dashboard": plan,
        "commitments": f"{plan}/commitments",
        "commitment": f"/commitments/{commitment}",
        "commitment-edit": f"/commitments/{commitment}/edit",
        "commitment-new": f"{plan}/commitments/new",
        "exchanges": f"{plan}/exchanges",
        "exchange": f"/exchanges/{exchange}",
        "exchange-edit": f"/exchanges/{exchange}/edit",
        "exchange-new": f"{plan}/exchanges/new",
        "placements": f"{plan}/placements",
        "amendments": f"{plan}/amendments",
        "amendment": f"/amendments/{amendment}",
        "amendment-new": f"{plan}/amendments/new",
        "reviews": f"{plan}/reviews",
        "review": f"/reviews/{review}",
        "versions": f"{plan}/versions",
        "consents": f"{plan}/consents",
        "document": f"{plan}/document",
        "inbox": "/me/inbox",
        "calendar": "/me/calendar",
        "profile": "/me",
        "webhooks": "/me/webhooks",
        "plan-new": "/plans/new",
        "plan-import": "/plans/import",
        "plan-draft": f"/plans/{draft.json()['id']}/draft",
        "not-found": f"/plans/{uuid.UUID(int=0)}",
    }


@pytest.fixture(params=sorted(LOCALES), scope="module")
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def signed_in(browser: Any, stack: Stack, language: str) -> Iterator[Any]:
    """One signed-in page per language (Japan's admin: every page, webhooks too)."""
    context = new_browser_context(browser, stack, LOCALES[language])
    page = context.new_page()
    sign_in(page, stack, "JP", "admin")
    if page.locator("html").get_attribute("lang") != language:
        page.click(".language-switch button")
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    yield page
    context.close()


def overflow(page: Any) -> dict[str, Any]:
    """How much wider than the window the page is, and the widest culprits."""
    result: dict[str, Any] = page.evaluate(
        """() => {
          const width = window.innerWidth;
          const wide = [];
          for (const el of document.querySelectorAll("body *")) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1) {
              let inside = false;
              for (let up = el.parentElement; up; up = up.parentElement) {
                const style = getComputedStyle(up);
                if (["auto", "scroll", "hidden"].includes(style.overflowX) && up !== document.body
                    && up !== document.documentElement) { inside = true; break; }
              }
              const classes = typeof el.className === "string" ? el.className : "";
              if (!inside) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (classes ? "." + classes.split(" ").join(".") : "")
                + " " + Math.round(box.right));
            }
          }
          const scroll = document.documentElement.scrollWidth;
          return {scroll: scroll, inner: width, wide: wide.slice(0, 6)};
        }"""
    )
    return result


def keep_screenshot(page: Any, name: str) -> None:
    """The page's first screen; for a list, also the screen where its results start."""
    keep = os.environ.get("ITPP_SCREENSHOTS_DIR")
    if keep:
        folder = Path(keep) / "layout"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
        results = page.locator("#results")
        if results.count():
            results.evaluate("element => element.scrollIntoView()")
            page.screenshot(path=str(folder / f"{name}-results.png"), full_page=False)
            page.evaluate("window.scrollTo(0, 0)")


def test_no_page_is_wider_than_the_window(
    signed_in: Any, pages: dict[str, str], language: str
) -> None:
    """Each page is loaded once and measured at both widths (the window resized, as a phone
    turned on its side would): a phone's first, then a desktop's."""
    page = signed_in
    too_wide: dict[str, dict[str, Any]] = {}
    for name, path in pages.items():
        page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
        page.goto(path)
        page.wait_for_load_state()
        for width in ("phone", "desktop"):
            if width == "desktop":
                page.set_viewport_size({"width": WIDTHS[width], "height": 900})
            measured = overflow(page)
            if measured["scroll"] > measured["inner"]:
                too_wide[f"{name} at {WIDTHS[width]} px"] = measured
            # The language switch is always on screen, in reach without scrolling sideways.
            switch = page.locator(".language-switch button").bounding_box()
            assert switch and switch["x"] >= 0 and switch["x"] + switch["width"] <= WIDTHS[width], (
                name,
                width,
            )
            # No header link is squeezed to one character a line (Japanese wraps anywhere).
            squeezed = page.evaluate(
                """() => Array.from(document.querySelectorAll('.site-header nav a, .plan-nav a'))
                     .filter(a => a.getClientRects().length > 2).map(a => a.textContent.trim())"""
            )
            assert not squeezed, (name, width, squeezed)
            keep_screenshot(page, f"{language}-{WIDTHS[width]}-{name}")
    assert not too_wide, too_wide


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "commitments",
        "exchanges",
        "review",
        "versions",
        "placements",
        "plan-new",
        "plan-import",
        "plan-draft",
    ],
)
def test_phone_layout_stays_accessible(
    signed_in: Any, pages: dict[str, str], language: str, name: str
) -> None:
    """At a phone's width tables scroll in their own boxes: axe-core still finds no serious or
    critical violation (a scrolling box a keyboard cannot reach would be one)."""
    page = signed_in
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
    page.goto(pages[name])
    violations = run_axe(page)
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not violations, f"{name}: {summary}"


def test_the_sign_in_page_fits_a_phone(browser: Any, stack: Stack, language: str) -> None:
    context = new_browser_context(browser, stack, LOCALES[language])
    page = context.new_page()
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 844})
        page.goto("/sign-in")
        measured = overflow(page)
        assert measured["scroll"] <= measured["inner"], measured
        keep_screenshot(page, f"{page.locator('html').get_attribute('lang')}-{width}-sign-in")
    context.close()


@pytest.mark.parametrize("name", ["dashboard", "commitments", "review", "document"])
def test_print_shows_the_content_without_the_controls(
    signed_in: Any, pages: dict[str, str], language: str, name: str
) -> None:
    page = signed_in
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(pages[name])
    page.emulate_media(media="print")
    try:
        hidden = page.evaluate(
            """() => ['.site-header', '.site-footer', '.plan-nav', '.skip-link',
                      'form.filters', '.progress-form button']
                 .flatMap(s => Array.from(document.querySelectorAll(s)))
                 .filter(el => getComputedStyle(el).display !== 'none')
                 .map(el => el.className || el.tagName)"""
        )
        assert not hidden, hidden
        assert page.locator("main h1").first.is_visible()
        measured = overflow(page)
        assert measured["scroll"] <= measured["inner"], measured
    finally:
        page.emulate_media(media="screen")
