"""The profile page's notification settings and the page of a mail's one-click unsubscribe
link (issue 17), over real API and web processes, in the reader's language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from itpp_api.config import Settings
from itpp_api.notifications import unsubscribe
from itpp_api.notifications.kinds import NotificationKind
from itpp_web.i18n import Formatter
from tests.web.conftest import Stack, WebSession, new_browser_context

HTMX = {"HX-Request": "true"}
JA = Formatter("ja").gettext
ETAG_INPUT = re.compile(r'name="etag" value="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
DEFAULTS = dict.fromkeys((kind.value for kind in NotificationKind), "immediately")


def preferences_of(stack: Stack, party: str, role: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token(party, role)) as api:
        body: dict[str, Any] = api.get("/users/me/notification-preferences").json()
        return body


def restore(stack: Stack, party: str, role: str) -> None:
    """The sample user's preferences back to the defaults (the stack is shared)."""
    with stack.api_client(stack.api_token(party, role)) as api:
        current = api.get("/users/me/notification-preferences")
        api.patch(
            "/users/me/notification-preferences",
            json={"preferences": DEFAULTS},
            headers={"If-Match": current.headers["ETag"]},
        ).raise_for_status()


@pytest.fixture
def nato_editor(stack: Stack) -> Iterator[None]:
    yield
    restore(stack, "NATO", "editor")


@pytest.fixture
def jp_editor(stack: Stack) -> Iterator[None]:
    yield
    restore(stack, "JP", "editor")


def link_for(stack: Stack, party: str, role: str, kinds: list[str]) -> str:
    """The path of the unsubscribe link the worker would put in this user's mail."""
    with stack.api_client(stack.api_token(party, role)) as api:
        user_id = uuid.UUID(api.get("/users/me").json()["id"])
    key = unsubscribe.secret_key(Settings(var_dir=stack.root / "var"))
    return f"/unsubscribe/{unsubscribe.token_for(key, user_id, kinds)}"


def test_the_profile_page_changes_notification_settings_and_refuses_a_stale_form(
    web_session: WebSession, stack: Stack, nato_editor: None
) -> None:
    web_session.sign_in("NATO", "editor")
    page = web_session.get("/me")
    assert page.status_code == 200, page.text
    assert "Notification mails" in page.text and 'href="/me"' in page.text
    assert 'id="kind-review_signed-daily_digest"' in page.text
    etag = ETAG_INPUT.search(page.text)
    csrf = CSRF_INPUT.search(page.text)
    assert etag and csrf

    form = {
        "csrf_token": csrf.group(1),
        "etag": etag.group(1).replace("&#34;", '"'),
        "kind.review_signed": "off",
        "kind.amendment_proposed": "daily_digest",
    }
    saved = web_session.post("/me/notifications", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/me?saved=1"
    assert preferences_of(stack, "NATO", "editor")["preferences"] == {
        **DEFAULTS,
        "review_signed": "off",
        "amendment_proposed": "daily_digest",
    }
    shown = web_session.get("/me?saved=1").text
    assert "Your notification settings are saved." in shown
    assert re.search(r'id="kind-review_signed-off"[^>]*checked', shown)

    # The same form again: the settings changed since it was read.
    stale = web_session.post(
        "/me/notifications", data={**form, "kind.review_signed": "immediately"}, headers=HTMX
    )
    assert stale.status_code == 409
    assert "were changed meanwhile" in stale.text and "<html" not in stale.text
    assert preferences_of(stack, "NATO", "editor")["preferences"]["review_signed"] == "off"

    # A value that is not one of the options is a readable message, not a 500.
    fresh = ETAG_INPUT.search(stale.text)
    assert fresh
    odd = web_session.post(
        "/me/notifications",
        data={**form, "etag": fresh.group(1).replace("&#34;", '"'), "kind.review_signed": "weekly"},
    )
    assert odd.status_code == 422 and "Choose one of the options" in odd.text
    no_token = web_session.post(
        "/me/notifications", data={k: v for k, v in form.items() if k != "csrf_token"}
    )
    assert no_token.status_code == 403


def test_japans_editor_reads_the_profile_page_in_japanese(
    web_session: WebSession,
) -> None:
    web_session.sign_in("JP", "editor")
    page = web_session.get("/me")
    assert page.status_code == 200
    for words in ("Notification mails", "In one daily digest", "A review opens"):
        assert JA(words) in page.text and JA(words) != words


def test_the_unsubscribe_link_shows_a_button_and_only_a_post_turns_the_mails_off(
    stack: Stack, jp_editor: None
) -> None:
    path = link_for(stack, "JP", "editor", ["review_opened"])
    # No session, no cookie, an English browser: the page speaks its recipient's Japanese.
    with httpx.Client(base_url=stack.web_url, headers={"Accept-Language": "en"}) as anonymous:
        for _ in range(2):  # what a mail scanner does
            shown = anonymous.get(path)
            assert shown.status_code == 200, shown.text
            assert JA("Stop these mails") in shown.text
            assert JA("A review opens") in shown.text
            assert f'action="{path}"' in shown.text
            assert shown.headers["cache-control"] == "no-store"
        assert preferences_of(stack, "JP", "editor")["preferences"] == DEFAULTS

        # RFC 8058: the mail client's POST, no session, no CSRF token.
        done = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200, done.text
        assert JA("Done: you will receive no more mails of these kinds.") in done.text
    assert preferences_of(stack, "JP", "editor")["preferences"] == {
        **DEFAULTS,
        "review_opened": "off",
    }


INVALID = (
    "This unsubscribe link is not valid: it may be incomplete (copy the whole address from the "
    "mail) or out of date. Sign in and choose which mails you receive on your profile page."
)


def test_a_broken_unsubscribe_link_gets_a_readable_page(stack: Stack) -> None:
    good = link_for(stack, "NATO", "viewer", ["review_opened"])
    with httpx.Client(base_url=stack.web_url, headers={"Accept-Language": "ja"}) as anonymous:
        for path in (good[:-3], "/unsubscribe/nonsense", "/unsubscribe/" + "x" * 700):
            for method in ("GET", "POST"):
                page = anonymous.request(method, path)
                assert page.status_code == 404, (path, page.status_code)
                assert JA(INVALID) in page.text and JA(INVALID) != INVALID
    assert preferences_of(stack, "NATO", "viewer")["preferences"] == DEFAULTS


PHONE_WIDTH = 390


@pytest.mark.slow
def test_the_notification_settings_work_on_a_phone(
    browser: Any, stack: Stack, nato_editor: None
) -> None:
    from tests.web.test_browser import assert_accessible, sign_in

    context = new_browser_context(browser, stack, "en-GB")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        sign_in(page, stack, "NATO", "editor")
        page.goto("/me")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.check("#kind-review_opened-daily_digest")
        page.click("#notifications button[type=submit]")
        page.wait_for_selector("#notifications .notice")
        assert preferences_of(stack, "NATO", "editor")["preferences"]["review_opened"] == (
            "daily_digest"
        )
        assert_accessible(page, "profile at 390 px")
        page.goto(link_for(stack, "NATO", "editor", ["review_opened", "review_signed"]))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert_accessible(page, "unsubscribe page at 390 px")
    finally:
        context.close()
