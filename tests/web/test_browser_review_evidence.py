"""A review item's files and thread in a real headless Chromium, on a 390 px phone: Japan's
editor follows the matrix row's link to the item's page, drops the exercise report on the drop
zone (streamed to the item, the list replaced in place) and comments; NATO's editor, whose page
is open on the same item in English, sees the comment appear without a reload. The review
page, the item page and the amendment page fit the phone's width, and axe-core finds no
serious or critical violation on them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in
from tests.web.test_browser_evidence import DROP

pytestmark = pytest.mark.slow

LIVE_SECONDS = 3.0
PHONE = {"width": 390, "height": 844}


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_review_items_evidence_and_thread_on_a_phone(browser: Any, stack: Stack) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        review_id = api.get(f"/plans/{plan_id}/reviews").json()["items"][0]["id"]
        opened = api.post(f"/reviews/{review_id}/open")
        assert opened.status_code == 200, opened.text
        (item,) = opened.json()["items"]
        amendment = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"ja": "見直し間隔の変更", "en": "Review interval"},
                "rationale": {"ja": "見直しの勧告", "en": "Recommended by the review."},
                "changes": [{"op": "change_review_interval", "review_interval_months": 6}],
            },
        )
        assert amendment.status_code == 201, amendment.text
    path = f"/reviews/{review_id}/items/{item['id']}/discussion"
    contexts = {
        "JP": new_browser_context(browser, stack, "ja-JP"),
        "NATO": new_browser_context(browser, stack, "en-GB"),
    }
    try:
        jp, nato = contexts["JP"].new_page(), contexts["NATO"].new_page()
        jp.set_viewport_size(PHONE)
        sign_in(jp, stack, "JP", "editor")
        sign_in(nato, stack, "NATO", "editor")

        jp.goto(f"/reviews/{review_id}")
        assert _fits(jp)
        assert_accessible(jp, "review page with its thread at 390 px")
        jp.locator(f"a.item-discussion[href='{path}']").click()
        jp.wait_for_url(f"**{path}")
        nato.goto(path)
        nato.wait_for_function("document.querySelector('[data-live-events]') !== null")
        nato.evaluate("window.__noReload = true")
        time.sleep(0.5)  # the live stream connects (no event marks it)

        jp.locator("[data-drop-zone]").wait_for()
        jp.evaluate("window.__noReload = true")
        jp.evaluate(DROP, ["演習報告書.pdf", 256 * 1024])
        jp.locator(".attachment-list", has_text="演習報告書.pdf").wait_for()
        assert jp.evaluate("window.__noReload === true")
        assert "ファイルを添付しました" in jp.locator("[data-upload-status]").inner_text()

        jp.fill("#comment-body", "**報告書**を添付しました。")
        jp.locator("#new-comment button[type=submit]").click()
        jp.locator("#comments .comment-body strong", has_text="報告書").wait_for()
        began = time.monotonic()
        nato.locator("#comments .comment-body strong", has_text="報告書").wait_for(
            timeout=LIVE_SECONDS * 1000
        )
        assert time.monotonic() - began < LIVE_SECONDS
        assert nato.evaluate("window.__noReload === true")
        nato.locator(".attachment-list", has_text="演習報告書.pdf").wait_for()

        jp.goto(path)
        assert _fits(jp)
        assert_accessible(jp, "review item page with a file and a comment at 390 px")
        assert_accessible(nato, "review item page in English")
        nato.set_viewport_size(PHONE)
        nato.goto(f"/amendments/{amendment.json()['id']}")
        nato.locator("#comments").wait_for()
        assert _fits(nato)
        assert_accessible(nato, "amendment page with files and a thread at 390 px")
    finally:
        for context in contexts.values():
            context.close()
