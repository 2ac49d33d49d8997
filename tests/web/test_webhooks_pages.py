"""The webhooks page, over HTTP (no JavaScript) and in Chromium at desktop and phone width:
a party's admin registers an endpoint and sees its secret once, a refused address is a
readable message, disabling and removing work; anyone else is told that only admins manage
webhooks (the API's 403, not a rule of the web)."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from tests.web.conftest import CSRF_INPUT, Stack, WebSession, new_browser_context
from tests.web.test_browser import assert_accessible, screenshot, sign_in

HTMX = {"HX-Request": "true"}


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_only_an_admin_manages_webhooks(stack: Stack, web_session: WebSession) -> None:
    web_session.sign_in("NATO", "viewer")  # reads English
    page = web_session.get("/me/webhooks")
    assert page.status_code == 403
    assert "Only your party&#39;s admins manage webhooks." in page.text
    assert 'id="endpoint-form"' not in page.text
    assert 'href="/me/webhooks"' in page.text  # the footer link, for everyone
    japanese = WebSession(stack)
    try:
        japanese.sign_in("JP", "viewer")  # reads Japanese
        page = japanese.get("/me/webhooks")
    finally:
        japanese.client.close()
    assert page.status_code == 403
    assert "ウェブフックを管理できるのは自らの当事者の管理者のみです。" in page.text


def test_an_admin_registers_sees_the_secret_once_disables_and_removes_an_endpoint(
    web_session: WebSession,
) -> None:
    web_session.sign_in("JP", "admin")  # the sample's only admin; reads Japanese
    page = web_session.get("/me/webhooks")
    assert page.status_code == 200 and "送信先を登録" in page.text
    token = _csrf(page.text)

    private = web_session.post(
        "/me/webhooks",
        data={"csrf_token": token, "url": "https://10.0.0.1/hook", "event_kinds": "review_opened"},
    )
    assert private.status_code == 422
    assert 'id="endpoint-problem"' in private.text and "公開サーバー" in private.text
    nothing = web_session.post(
        "/me/webhooks", data={"csrf_token": token, "url": "https://hooks.example.org/x"}
    )
    assert nothing.status_code == 422 and 'id="endpoint-problem"' in nothing.text

    url = f"https://hooks.example.org/itpp-{uuid.uuid4().hex[:8]}"
    created = web_session.post(
        "/me/webhooks",
        data={
            "csrf_token": token,
            "url": url,
            "description": "Cabinet <b>office</b>",
            "event_kinds": ["amendment_proposed", "review_opened"],
        },
        headers=HTMX,
    )
    assert created.status_code == 201, created.text
    assert created.text.lstrip().startswith('<div id="webhooks"')
    secret = re.search(r'<code id="new-secret" class="feed-url">(whsec_[^<]+)</code>', created.text)
    assert secret
    assert "Cabinet &lt;b&gt;office&lt;/b&gt;" in created.text  # text, never markup

    listing = web_session.get("/me/webhooks").text
    assert html.escape(url) in listing and secret.group(1) not in listing
    assert "この送信先にはまだ何も送信されていません。" in listing
    endpoint = re.search(r'id="endpoint-([0-9a-f-]{36})"', listing)
    assert endpoint
    endpoint_id = endpoint.group(1)
    block = listing[listing.index(f'id="endpoint-{endpoint_id}"') :]
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', block).group(1))  # type: ignore[union-attr]

    disabled = web_session.post(
        f"/me/webhooks/{endpoint_id}/enabled",
        data={"csrf_token": token, "etag": etag, "is_enabled": "false"},
    )
    assert disabled.status_code == 303 and disabled.headers["location"] == "/me/webhooks"
    japanese = web_session.get("/me/webhooks").text
    assert "停止中" in japanese and "ウェブフック" in japanese

    block = japanese[japanese.index(f'id="endpoint-{endpoint_id}"') :]
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', block).group(1))  # type: ignore[union-attr]
    removed = web_session.post(
        f"/me/webhooks/{endpoint_id}/delete",
        data={"csrf_token": token, "etag": etag, "confirm": "yes"},
    )
    assert removed.status_code == 303
    assert html.escape(url) not in web_session.get("/me/webhooks").text


def test_the_webhooks_page_in_the_browser_on_a_desktop_and_a_phone(
    browser: Any, stack: Stack
) -> None:
    context = new_browser_context(browser, stack, "ja-JP")
    try:
        page = context.new_page()
        sign_in(page, stack, "JP", "admin")
        page.click("a[href='/me/webhooks']")
        page.wait_for_selector("#endpoint-form")
        url = f"https://hooks.example.org/browser-{uuid.uuid4().hex[:8]}"
        page.fill("#endpoint-url", url)
        page.fill("#endpoint-description", "内閣官房の連携システム")
        page.click("#endpoint-form button[type=submit]")
        secret = page.locator("#new-secret")
        secret.wait_for()
        assert secret.inner_text().startswith("whsec_")
        assert url in page.locator("#webhooks").inner_text()
        assert_accessible(page, "webhooks (desktop)")
        screenshot(page, "webhooks.png")
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#endpoint-form button[type=submit]").is_visible()
        assert_accessible(page, "webhooks at 390 px")
        screenshot(page, "webhooks-phone.png")
    finally:
        context.close()
