"""Administration in a real headless Chromium (issue 19): a Japanese admin invites a user, who
sets a password through the mailed link and signs in; the users page and the audit log pass
axe-core's checks and fit a phone's width."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.web.conftest import Stack, new_browser_context
from tests.web.test_admin_pages import invitation_token
from tests.web.test_browser import assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.slow
PHONE_WIDTH = 390


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_japanese_admin_invites_a_user_who_sets_a_password_and_signs_in(
    browser: Any, stack: Stack
) -> None:
    email = f"jp-browser-{uuid.uuid4().hex[:8]}@sample.itpp.example"
    admin = new_browser_context(browser, stack, "ja-JP")
    try:
        page = admin.new_page()
        sign_in(page, stack, "JP", "admin")
        page.click("header a[href='/admin/users']")
        page.wait_for_url(re.compile(r".*/admin/users$"))
        assert page.locator("h2#users-h").inner_text() == "自らの当事者のユーザー"
        page.fill("#email", email)
        page.fill("#display_name", "ブラウザ 太郎")
        page.select_option("#role", "editor")
        page.click("#invite-form button[type=submit]")
        page.wait_for_selector("#notice .notice")
        assert "招待を送りました" in page.locator("#notice").inner_text()
        assert page.locator("tr", has_text="ブラウザ 太郎").is_visible()
        assert_accessible(page, "users page")
        screenshot(page, "admin-users.png")

        page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        assert fits(page), "the users page is wider than a phone"
        page.goto("/audit?action=invite")
        assert "ユーザー を招待しました" in page.locator("main").inner_text()
        assert fits(page), "the audit log is wider than a phone"
        page.click("text=連鎖を検証")
        page.wait_for_selector("#verification p")
        assert "連鎖は正常です" in page.locator("#verification").inner_text()
        assert_accessible(page, "audit log at 390 px")
        screenshot(page, "admin-audit-phone.png")
    finally:
        admin.close()

    invitee = new_browser_context(browser, stack, "ja-JP")
    try:
        page = invitee.new_page()
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        page.goto(f"/invitation/{invitation_token(stack, email)}")
        assert page.locator("h1").inner_text() == "パスワードの設定"
        assert fits(page)
        assert_accessible(page, "set-password page at 390 px")
        password = "copper lantern violet harbour 9"
        page.fill("#password", password)
        page.fill("#password_again", password)
        page.click("#invitation-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/sign-in$"))
        assert "パスワードを設定しました" in page.locator("#notice").inner_text()
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/plans$"))
        assert page.locator("header a[href='/admin/users']").count() == 0
    finally:
        invitee.close()


def test_an_admin_edits_an_organisation_of_their_party_in_place(browser: Any, stack: Stack) -> None:
    # An organisation of its own: the sample's keep their names for the other tests.
    code = f"B{uuid.uuid4().hex[:6].upper()}"
    with stack.api_client(stack.api_token("JP", "admin")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        created = api.post(
            f"/parties/{parties['JP']}/organisations",
            json={"code": code, "name": {"ja": "試験機関", "en": "Test body"}},
        )
        assert created.status_code == 201, created.text
    item = f"#organisation-{created.json()['id']}"
    context = new_browser_context(browser, stack, "en-GB")
    try:
        page = context.new_page()
        sign_in(page, stack, "JP", "admin")
        page.goto("/admin/organisations")
        page.locator(f"{item} details.organisation-edit summary").click()
        form = page.locator(f"{item} form")
        assert form.is_visible()
        assert_accessible(page, "organisations with an edit form open")
        name = f"Renamed in the browser {uuid.uuid4().hex[:4]}"
        form.locator("input[name=name_en]").fill(name)
        form.locator("input[name=code]").fill(code + "X")
        form.locator("button[type=submit]").click()
        # Japan's admin reads Japanese (their profile's language).
        page.wait_for_selector("#notice .notice")
        assert "機関を変更しました。" in page.locator("#notice").inner_text()
        assert page.locator(f"{item} strong").first.inner_text() == code + "X"
        assert page.locator(f"{item} input[name=name_en]").input_value() == name
        page.set_viewport_size({"width": 360, "height": 800})
        page.locator(f"{item} details.organisation-edit summary").click()
        assert fits(page)
    finally:
        context.close()
