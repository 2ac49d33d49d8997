"""A session that ends mid-edit keeps the typed values through sign-in, and the password
survives the one-time-code step (issue 18 §7). Real HTTP against the running stack, no
JavaScript."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx
import pyotp

from tests.web.conftest import SAMPLE_PLAN, Stack, WebSession

# The sample's Japan officials read Japanese.
KEPT_NOTICE = "このフォームを送信する前にセッションが終了しました。"


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


def _csrf(page: str) -> str:
    return _value(page, "csrf_token")


def _a_commitment(stack: Stack) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        plan = next(
            p
            for p in api.get("/plans", params={"limit": 100}).json()["items"]
            if p["reference"] == SAMPLE_PLAN
        )
        items = api.get(f"/plans/{plan['id']}/commitments", params={"limit": 5}).json()["items"]
        return dict(api.get(f"/commitments/{items[0]['id']}").json())


def test_a_form_sent_after_the_session_ended_comes_back_filled_after_sign_in(
    stack: Stack,
) -> None:
    session = WebSession(stack)
    session.sign_in("JP", "editor")
    commitment = _a_commitment(stack)
    edit = f"/commitments/{commitment['id']}/edit"
    form_page = session.get(edit).text
    # The session ends while the form is open (revoked at the API, as by another sign-out).
    token = session.client.cookies.get("itpp_session")
    assert httpx.post(
        f"{stack.api_url}/api/v1/auth/logout",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).status_code in (200, 204)
    typed = {
        "csrf_token": _csrf(form_page),
        "etag": _value(form_page, "etag"),
        "seen": _value(form_page, "seen"),
        "title.ja": _value(form_page, "title.ja"),
        "title.en": "Typed before the session ended <kept>",
        "description.en": "A long explanation typed over ten minutes.",
        "progress": "37",
        "status": commitment["status"],
        "visibility": commitment["visibility"],
    }
    sent = session.post(edit, data=typed)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/sign-in?next={edit.replace('/', '%2F')}"
    # Never in the address, never readable in the cookie.
    assert "Typed" not in sent.headers["location"]
    kept_cookie = session.client.cookies.get("itpp_kept_form")
    assert kept_cookie and "Typed" not in kept_cookie and typed["csrf_token"] not in kept_cookie

    sign_in_page = session.get(sent.headers["location"]).text
    login = stack.login("JP", "editor")
    signed_in = session.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(sign_in_page),
            "email": login["email"],
            "password": login["password"],
            "next": edit,
        },
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == edit
    again = session.get(edit)
    assert again.status_code == 200
    assert KEPT_NOTICE in again.text
    assert _value(again.text, "title.en") == typed["title.en"]
    assert _value(again.text, "progress") == "37"
    assert typed["description.en"] in again.text
    assert _value(again.text, "etag") == typed["etag"]
    # Shown once: the next visit shows the record as it is.
    later = session.get(edit).text
    assert KEPT_NOTICE not in later
    assert _value(later, "title.en") != typed["title.en"]
    session.client.close()


def test_a_kept_form_is_forgotten_when_the_user_signs_out(stack: Stack) -> None:
    session = WebSession(stack)
    session.sign_in("JP", "editor")
    commitment = _a_commitment(stack)
    edit = f"/commitments/{commitment['id']}/edit"
    form_page = session.get(edit).text
    token = session.client.cookies.get("itpp_session")
    httpx.post(
        f"{stack.api_url}/api/v1/auth/logout",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    session.post(
        edit,
        data={"csrf_token": _csrf(form_page), "title.en": "Should be forgotten"},
    )
    assert session.client.cookies.get("itpp_kept_form")
    session.sign_in("JP", "editor")
    out = session.post("/sign-out", data={"csrf_token": _csrf(session.get("/plans").text)})
    assert out.status_code == 303
    session.sign_in("JP", "editor")
    assert "Should be forgotten" not in session.get(edit).text
    session.client.close()


def _a_wrong_code(login: dict[str, Any]) -> str:
    """A code the API refuses now (none of the three time steps it accepts), worked out without
    spending one of the stack's codes."""
    totp = pyotp.TOTP(login["totp_secret"])
    now = time.time()
    accepted = {totp.at(now + 30 * offset) for offset in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def test_the_password_survives_the_one_time_code_step(stack: Stack) -> None:
    session = WebSession(stack)
    login = stack.login("JP", "approver")
    first = session.post(
        "/sign-in",
        data={
            "csrf_token": session.csrf(),
            "email": login["email"],
            "password": login["password"],
            "next": "/plans",
        },
    )
    assert first.status_code == 401
    assert 'id="otp"' in first.text and "required autofocus" in first.text
    assert "この手順の間、パスワードは保持されています。" in first.text
    # Never echoed into the page, nor readable in the cookie.
    assert login["password"] not in first.text
    attempt = session.client.cookies.get("itpp_sign_in")
    assert attempt and login["password"] not in attempt and login["email"] not in attempt
    assert re.search(r'<input id="password"[^>]*>', first.text)
    assert "value=" not in re.search(r'<input id="password"[^>]*>', first.text).group(0)  # type: ignore[union-attr]

    wrong = session.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(first.text),
            "email": login["email"],
            "password": "",
            "otp": _a_wrong_code(login),
            "next": "/plans",
        },
    )
    assert wrong.status_code == 401
    assert "この手順の間、パスワードは保持されています。" in wrong.text

    done = session.post(
        "/sign-in",
        data={
            "csrf_token": _csrf(wrong.text),
            "email": login["email"],
            "password": "",
            "otp": stack.otp(login),
            "next": "/plans",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/plans"
    assert session.get("/plans").status_code == 200
    # Used up: the kept attempt is gone.
    assert not session.client.cookies.get("itpp_sign_in")
    session.client.close()


def test_an_empty_password_without_a_kept_attempt_is_still_refused(stack: Stack) -> None:
    session = WebSession(stack)
    login = stack.login("JP", "approver")
    refused = session.post(
        "/sign-in",
        data={
            "csrf_token": session.csrf(),
            "email": login["email"],
            "password": "",
            # Refused by the web before the API sees it: a code the API would accept is not
            # spent on it (each time step signs in once).
            "otp": _a_wrong_code(login),
        },
    )
    assert refused.status_code == 422
    session.client.close()
