"""A Japanese editor posts a progress update with a PDF from a phone (390 px): the form is in
reach without sideways scrolling, the update and its evidence join the timeline, and the page
stays within the window and accessible."""

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Stack, active_plan_of_our_own, new_browser_context
from tests.web.test_browser import assert_accessible, sign_in
from tests.web.test_browser_layout import overflow

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_japanese_editor_posts_an_update_with_a_pdf_on_a_phone(
    browser: Any, stack: Stack, tmp_path: Path
) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        commitment = api.get(f"/plans/{plan_id}/commitments").json()["items"][0]
    report = tmp_path / "演習報告.pdf"
    report.write_bytes(PDF)
    context = new_browser_context(browser, stack, "ja-JP")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 390, "height": 844})
        sign_in(page, stack, "JP", "editor")
        page.goto(f"/commitments/{commitment['id']}")
        if page.locator("html").get_attribute("lang") != "ja":
            page.click(".language-switch button")
            page.wait_for_load_state()
        page.click("#updates summary")
        page.select_option("#update-status", "in_progress")
        page.fill("#update-progress", "35")
        page.fill("#update-narrative", "連絡官の着任命令を受領した。")
        page.set_input_files("#update-evidence", str(report))
        page.click("#update-form button[type=submit]")
        page.wait_for_selector(".update-timeline")
        timeline = page.locator(".update-timeline").inner_text()
        assert "連絡官の着任命令を受領した。" in timeline
        assert "演習報告.pdf" in timeline
        assert "進捗報告を投稿しました" in page.content()
        measured = overflow(page)
        assert measured["scroll"] <= measured["inner"], measured
        assert_accessible(page, "commitment with updates")
    finally:
        context.close()
