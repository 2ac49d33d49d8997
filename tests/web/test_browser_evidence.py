"""Evidence and conversation in a real headless Chromium (issue 20's browser test): Japan's
editor posts a progress update with a PDF; NATO's editor, whose page is open on the same
commitment, sees the update and its evidence appear without a reload, and replies in the
comment thread with a mention of Japan's editor; the review item then shows the update and its
evidence. And the commitment page's drop zone: a file dropped on it uploads with a progress bar
and joins the list in place; the zone is a button (it opens the file picker), and a file of a
kind not accepted chosen there is refused in the reader's language. axe-core finds no serious
or critical violation.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
LIVE_SECONDS = 5.0


def _commitment(stack: Stack, plan_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        return dict(api.get(f"/plans/{plan_id}/commitments").json()["items"][0])  # Japan leads


def _in_japanese(page: Any) -> None:
    if page.locator("html").get_attribute("lang") != "ja":
        page.click(".language-switch button")
        page.wait_for_load_state()


def test_an_update_with_evidence_is_seen_live_discussed_and_reviewed(
    browser: Any, stack: Stack, tmp_path: Path
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitment(stack, plan_id)
    path = f"/commitments/{commitment['id']}"
    report = tmp_path / "演習報告.pdf"
    report.write_bytes(PDF)
    contexts = {
        "JP": new_browser_context(browser, stack, "ja-JP"),
        "NATO": new_browser_context(browser, stack, "en-GB"),
    }
    try:
        jp, nato = (contexts[p].new_page() for p in ("JP", "NATO"))
        sign_in(jp, stack, "JP", "editor")
        sign_in(nato, stack, "NATO", "editor")
        jp.goto(path)
        _in_japanese(jp)
        nato.goto(path)
        nato.evaluate("window.__noReload = true")
        nato.wait_for_function("document.querySelector('[data-live-events]') !== null")
        time.sleep(0.5)  # the live stream is open before anything is posted

        # Japan posts the update with its PDF (the update form's plain file field).
        jp.click("#updates summary")
        jp.select_option("#update-status", "in_progress")
        jp.fill("#update-progress", "60")
        jp.fill("#update-narrative", "第2回共同演習を実施し、報告書を添付した。")
        jp.set_input_files("#update-evidence", str(report))
        jp.click("#update-form button[type=submit]")
        jp.locator(".update-timeline", has_text="演習報告.pdf").wait_for()

        # NATO's page shows the update and its evidence without a reload.
        began = time.monotonic()
        nato.locator(".update-timeline", has_text="演習報告.pdf").wait_for(
            timeout=LIVE_SECONDS * 1000
        )
        assert time.monotonic() - began < LIVE_SECONDS
        timeline = nato.locator(".update-timeline").inner_text()
        assert "第2回共同演習を実施し、報告書を添付した。" in timeline
        assert nato.evaluate("window.__noReload === true")

        # Japan says so in the thread; NATO replies with a mention of Japan's editor.
        jp.fill("#comment-body", "演習報告書を添付しました。ご確認ください。")
        jp.locator("#new-comment button[type=submit]").click()
        jp.locator("#comments .comment-body", has_text="演習報告書").wait_for()
        nato.locator("#comments .comment-body", has_text="演習報告書").wait_for(
            timeout=LIVE_SECONDS * 1000
        )
        login = stack.login("JP", "editor")["email"].split("@")[0]
        nato.locator("details.comment-reply summary").first.click()
        nato.locator("details.comment-reply textarea").first.fill(
            f"Received, thank you @{login}. We will rate it at the review."
        )
        nato.locator("details.comment-reply button[type=submit]").first.click()
        nato.locator("ol.replies .comment-body", has_text="Received").wait_for()
        jp.locator("ol.replies .comment-body", has_text="Received").wait_for(
            timeout=LIVE_SECONDS * 1000
        )
        with stack.api_client(stack.api_token("JP", "editor")) as api:
            me = api.get("/users/me").json()["id"]
            threads = api.get(f"/commitments/{commitment['id']}/comments").json()
            (reply,) = threads["items"][0]["replies"]
            assert [m["id"] for m in reply["mentions"]] == [me]
            # The review of this plan: its item shows the update and the evidence.
            review = api.get(f"/plans/{plan_id}/reviews").json()["items"][0]
            opened = api.post(f"/reviews/{review['id']}/open")
            assert opened.status_code == 200, opened.text
        assert_accessible(nato, "commitment page with an update, its evidence and a thread")

        jp.goto(f"/reviews/{review['id']}")
        item = jp.locator(".update-timeline", has_text="第2回共同演習を実施し")
        item.wait_for()
        assert "演習報告.pdf" in item.inner_text()
        assert "前回の見直し以降の進捗報告" in jp.content()
        download = jp.locator(".update-timeline a", has_text="演習報告.pdf").get_attribute("href")
        assert download and download.startswith("/attachments/")
        assert_accessible(jp, "review page with an update and its evidence")
    finally:
        for context in contexts.values():
            context.close()


# A File made in the page and dropped on the zone, with the progress bar's values recorded.
DROP = """([name, size]) => {
  const bar = document.querySelector("[data-upload-progress]");
  const own = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
  window.__progress = [];
  window.__barShown = false;
  Object.defineProperty(bar, "value", {
    get() { return own.get.call(bar); },
    set(v) { window.__progress.push(v); window.__barShown ||= !bar.hidden; own.set.call(bar, v); },
  });
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("%PDF-1.4\\n"));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: "application/pdf" }));
  const zone = document.querySelector("[data-drop-zone]");
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { dataTransfer: data, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_a_dropped_file_uploads_with_progress_and_joins_the_list(
    browser: Any, stack: Stack, tmp_path: Path
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    commitment = _commitment(stack, plan_id)
    context = new_browser_context(browser, stack, "ja-JP")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, stack, "JP", "editor")
        page.goto(f"/commitments/{commitment['id']}#attachments")
        _in_japanese(page)
        zone = page.locator("[data-drop-zone]")
        zone.wait_for()
        assert zone.is_visible()
        # With JavaScript the plain field and its button give way to the zone.
        assert not page.locator("label[for=attachment-file]").is_visible()
        page.evaluate("window.__noReload = true")

        page.evaluate(DROP, ["出席者名簿.pdf", 3 * 1024 * 1024])
        page.locator(".attachment-list", has_text="出席者名簿.pdf").wait_for()
        assert page.evaluate("window.__noReload === true")
        assert page.evaluate("window.__barShown === true")
        assert page.evaluate("Math.max(...window.__progress)") == 100
        assert "ファイルを添付しました" in page.locator("[data-upload-status]").inner_text()
        listed = page.locator(".attachment-list li", has_text="出席者名簿.pdf").inner_text()
        assert "3.0 MB" in listed and "PDF" in listed
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page, "commitment page with a dropped file at 390 px")

        # The zone is a button (keyboard: Tab to it, Enter or Space opens the picker); a file
        # chosen there of a kind not accepted is refused, in Japanese, where the reader is.
        assert page.evaluate(
            "(() => { const z = document.querySelector('[data-drop-zone]');"
            " return z.tagName === 'BUTTON' && z.type === 'button' && z.tabIndex === 0; })()"
        )
        tool = tmp_path / "tool.exe"
        tool.write_bytes(b"MZ\x90\x00" * 64)
        page.set_input_files("#attachment-file", str(tool))
        problem = page.locator("[data-upload-error]")
        problem.wait_for()
        page.wait_for_function(
            "document.querySelector('[data-upload-error]').textContent.trim() !== ''"
        )
        assert "この種類のファイルは添付できません" in problem.inner_text()
        assert "tool.exe" not in page.locator(".attachment-list").inner_text()
        assert_accessible(page, "commitment page with a refused file")
    finally:
        context.close()
