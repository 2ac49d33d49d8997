"""The administration pages over HTTP (no JavaScript): the Administration entry and pages only
for whom the API lets manage users (a viewer or an editor gets none, and 403), the users page
(invite, role, deactivate, a second factor reset with the admin's own proof), organisations,
the audit log with its filters and chain verification, each user's API tokens, and the public
page where an invited user chooses a password — in Japanese and in English."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator

import httpx
import pyotp
import pytest
import sqlalchemy

from tests.web.conftest import CSRF_INPUT, Stack, WebSession

ADMIN_LINK = 'href="/admin/users"'


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def invitation_token(stack: Stack, email: str) -> str:
    """The token of the link the worker mails (the API's key, the invitation's id)."""
    from itpp_api.users.invitations import token_for
    from itpp_common.config import secret_key

    engine = sqlalchemy.create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            raw = connection.execute(
                sqlalchemy.text(
                    "SELECT i.id FROM user_invitation i JOIN user_account u ON u.id = i.user_id "
                    "WHERE u.email = :email"
                ),
                {"email": email},
            ).scalar_one()
    finally:
        engine.dispose()
    key = secret_key(None, stack.root / "var" / "unsubscribe-secret-key")
    return token_for(key, uuid.UUID(str(raw)))


@pytest.fixture
def admin_in_english(stack: Stack) -> Iterator[None]:
    """Japan's admin (the sample's only one) reads English for the test, then Japanese again."""

    def language(tag: str) -> None:
        with stack.api_client(stack.api_token("JP", "admin")) as api:
            me = api.get("/users/me")
            api.patch(
                "/users/me",
                json={"preferred_language": tag},
                headers={"If-Match": me.headers["ETag"]},
            ).raise_for_status()
        # The web may hold the profile as read with this token a moment ago.
        stack.forget_session("JP", "admin")

    language("en")
    try:
        yield
    finally:
        language("ja")


@pytest.mark.parametrize(("party", "role"), [("JP", "editor"), ("NATO", "viewer")])
def test_a_viewer_or_editor_gets_no_administration(
    web_session: WebSession, party: str, role: str
) -> None:
    web_session.sign_in(party, role)
    plans = web_session.get("/plans")
    assert plans.status_code == 200 and ADMIN_LINK not in plans.text

    for path in ("/admin/users", "/admin/organisations"):
        page = web_session.get(path)
        assert page.status_code == 403, path
        assert (
            "この操作を行う権限がありません。"
            if party == "JP"
            else "You are not allowed to do this."
        ) in page.text
        assert 'id="invite-form"' not in page.text and 'id="organisation-form"' not in page.text
    token = _csrf(plans.text)
    refused = web_session.post(
        "/admin/users",
        data={"csrf_token": token, "email": "x@sample.itpp.example", "display_name": "X"},
    )
    assert refused.status_code == 403
    # The audit log is every reader's (what their party may see); its verification is not.
    audit = web_session.get("/audit")
    assert audit.status_code == 200
    assert "/audit?verify=1" not in audit.text and 'name="verify"' not in audit.text
    assert web_session.get("/audit?verify=1").status_code == 200


def test_a_japanese_admin_invites_a_user_who_sets_a_password_and_signs_in(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "admin")
    plans = web_session.get("/plans")
    assert ADMIN_LINK in plans.text and ">管理</a>" in plans.text
    page = web_session.get("/admin/users")
    assert page.status_code == 200
    assert "自らの当事者のユーザー" in page.text and "ユーザーを招待" in page.text
    # The admin's own row offers no control (the API lists no action on oneself).
    admin_email = stack.login("JP", "admin")["email"]
    own_row = page.text.split(admin_email, 1)[1].split("</tr>", 1)[0]
    assert "/role" not in own_row and "/active" not in own_row
    token = _csrf(page.text)

    email = f"jp-invitee-{uuid.uuid4().hex[:8]}@sample.itpp.example"
    missing = web_session.post(
        "/admin/users", data={"csrf_token": token, "email": email, "display_name": ""}
    )
    assert missing.status_code == 422 and 'id="display_name-error"' in missing.text
    invited = web_session.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": email,
            "display_name": "招待 花子",
            "role": "editor",
            "preferred_language": "ja",
        },
    )
    assert invited.status_code == 303, invited.text
    listing = web_session.get("/admin/users").text
    assert "招待を送りました。" in listing
    assert "招待済み（パスワード未設定）" in listing and "招待 花子" in listing
    taken = web_session.post(
        "/admin/users",
        data={"csrf_token": token, "email": email, "display_name": "Again", "role": "viewer"},
    )
    assert taken.status_code == 409
    assert "このアドレスは自らの当事者のユーザーがすでに使っています。" in taken.text

    link = f"/invitation/{invitation_token(stack, email)}"
    invitee = WebSession(stack)
    try:
        form = invitee.get(link)
        assert form.status_code == 200
        assert "パスワードの設定" in form.text and email in form.text
        assert form.headers["cache-control"] == "no-store"
        csrf = _csrf(form.text)
        mismatch = invitee.post(
            link,
            data={"csrf_token": csrf, "password": "amber kettle orbit 7", "password_again": "x"},
        )
        assert (
            mismatch.status_code == 422 and "同じパスワードを2回入力してください。" in mismatch.text
        )
        weak = invitee.post(
            link,
            data={"csrf_token": csrf, "password": "password1234", "password_again": "password1234"},
        )
        assert weak.status_code == 422 and 'id="password-error"' in weak.text
        chosen = "amber kettle orbit mosaic 7"
        done = invitee.post(
            link, data={"csrf_token": csrf, "password": chosen, "password_again": chosen}
        )
        assert done.status_code == 303 and done.headers["location"] == "/sign-in"
        assert "パスワードを設定しました。" in invitee.get("/sign-in").text
        signed_in = invitee.post(
            "/sign-in",
            data={
                "csrf_token": _csrf(invitee.get("/sign-in").text),
                "email": email,
                "password": chosen,
                "next": "/plans",
            },
        )
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/plans"
        assert ADMIN_LINK not in invitee.get("/plans").text
        spent = invitee.get(link)
        assert spent.status_code == 404 and "このリンクは無効です" in spent.text
    finally:
        invitee.client.close()

    # The admin changes the new user's role, then deactivates them (after a confirmation).
    listing = web_session.get("/admin/users").text
    row = listing.split("招待 花子", 1)[1].split("</tr>", 1)[0]
    user_id = re.search(r"/admin/users/([0-9a-f-]{36})/role", row)
    etag = re.search(r'name="etag" value="([^"]+)"', row)
    assert user_id and etag
    changed = web_session.post(
        f"/admin/users/{user_id.group(1)}/role",
        data={"csrf_token": token, "role": "viewer", "etag": html.unescape(etag.group(1))},
    )
    assert changed.status_code == 303
    listing = web_session.get("/admin/users").text
    assert "役割を変更しました。" in listing
    row = listing.split("招待 花子", 1)[1].split("</tr>", 1)[0]
    etag = re.search(r'name="etag" value="([^"]+)"', row)
    assert etag and 'value="viewer" selected' in row
    asked = web_session.post(
        f"/admin/users/{user_id.group(1)}/active",
        data={"csrf_token": token, "is_active": "false", "etag": html.unescape(etag.group(1))},
    )
    assert asked.status_code == 200 and "このユーザーを無効にしますか？" in asked.text
    deactivated = web_session.post(
        f"/admin/users/{user_id.group(1)}/active",
        data={
            "csrf_token": token,
            "is_active": "false",
            "etag": html.unescape(etag.group(1)),
            "confirm": "yes",
        },
    )
    assert deactivated.status_code == 303
    assert "ユーザーを無効にしました。" in web_session.get("/admin/users").text

    # The audit log shows the invitation in Japanese, and the chain verifies.
    audit = web_session.get("/audit?action=invite&actor_user_id=")
    assert audit.status_code == 200
    assert "ユーザー を招待しました" in audit.text and "招待の有効期限" in audit.text
    verified = web_session.get("/audit?verify=1")
    assert "連鎖は正常です" in verified.text
    organisations = web_session.get("/admin/organisations")
    assert organisations.status_code == 200
    assert "当事者と機関" in organisations.text and "自らの当事者に機関を追加" in organisations.text


def test_an_admin_resets_a_second_factor_with_their_own_password_and_code(
    stack: Stack, web_session: WebSession, admin_in_english: None
) -> None:
    # A user of Japan with a second factor of their own (an editor may set one up).
    email = f"jp-phone-{uuid.uuid4().hex[:8]}@sample.itpp.example"
    password = "copper lantern violet harbour 9"
    admin_api = stack.api_client(stack.api_token("JP", "admin"))
    with admin_api:
        created = admin_api.post(
            "/users",
            json={
                "email": email,
                "display_name": "Lost Phone",
                "role": "editor",
                "preferred_language": "en",
                "password": password,
            },
        )
        assert created.status_code == 201, created.text
    user_token = httpx.post(
        f"{stack.api_url}/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
        timeout=10,
    ).json()["access_token"]
    with stack.api_client(user_token) as own:
        secret = own.post("/users/me/totp", json={"current_password": password}).json()["secret"]
        own.post(
            "/users/me/totp/confirm", json={"code": pyotp.TOTP(secret).now()}
        ).raise_for_status()

    web_session.sign_in("JP", "admin")
    page = web_session.get("/admin/users")
    assert page.status_code == 200
    assert "Users of your party" in page.text and ">Administration</a>" in page.text
    row = page.text.split("Lost Phone", 1)[1].split("</tr>", 1)[0]
    assert "Reset the second factor" in row
    user_id = created.json()["id"]
    token = _csrf(page.text)
    wrong = web_session.post(
        f"/admin/users/{user_id}/second-factor",
        data={
            "csrf_token": token,
            "current_password": "not my password at all",
            "current_code": "000000",
        },
    )
    assert wrong.status_code == 422
    assert "Confirm it is you" in wrong.text and "This password is wrong." in wrong.text

    admin = stack.login("JP", "admin")
    reset = web_session.post(
        f"/admin/users/{user_id}/second-factor",
        data={
            "csrf_token": token,
            "current_password": admin["password"],
            "current_code": stack.otp(admin),
        },
    )
    assert reset.status_code == 303, reset.text
    listing = web_session.get("/admin/users").text
    assert "The second factor was reset." in listing
    row = listing.split("Lost Phone", 1)[1].split("</tr>", 1)[0]
    assert "Reset the second factor" not in row

    # Organisations: the parties and theirs, and a new one of Japan's.
    organisations = web_session.get("/admin/organisations")
    assert (
        organisations.status_code == 200 and "Parties and their organisations" in organisations.text
    )
    code = f"T{uuid.uuid4().hex[:6].upper()}"
    added = web_session.post(
        "/admin/organisations",
        data={"csrf_token": token, "code": code, "name_en": "Test Agency", "name_ja": "試験庁"},
    )
    assert added.status_code == 303
    shown = web_session.get("/admin/organisations").text
    assert "The organisation was added." in shown and code in shown
    again = web_session.post(
        "/admin/organisations", data={"csrf_token": token, "code": code, "name_en": "Twice"}
    )
    assert again.status_code in (409, 422)

    # The new organisation edited in place: its names and code, with the ETag read.
    edit = re.search(
        r'<li id="organisation-([0-9a-f-]+)"><strong>' + code + r"</strong>.*?"
        r'name="etag" value="([^"]+)"',
        shown,
        re.S,
    )
    assert edit, "no edit form for the new organisation"
    organisation_id, etag = edit.group(1), html.unescape(edit.group(2))
    renamed = web_session.post(
        f"/admin/organisations/{organisation_id}",
        data={
            "csrf_token": token,
            "etag": etag,
            "code": code + "X",
            "name_en": "Renamed Agency",
            "name_ja": "改称庁",
        },
    )
    assert renamed.status_code == 303, renamed.text
    shown = web_session.get("/admin/organisations").text
    assert "The organisation was changed." in shown
    assert f"<strong>{code}X</strong>" in shown and "Renamed Agency" in shown
    # The ETag read before the change: the page says it changed meanwhile, nothing written.
    stale = web_session.post(
        f"/admin/organisations/{organisation_id}",
        data={"csrf_token": token, "etag": etag, "code": code, "name_en": "Overwritten Agency"},
    )
    assert stale.status_code == 409
    assert "This organisation was changed meanwhile." in stale.text
    assert "Overwritten Agency" not in re.sub(r"<[^>]+>", " ", stale.text)
    # Empty names: said beside the edit form's field.
    empty = web_session.post(
        f"/admin/organisations/{organisation_id}",
        data={"csrf_token": token, "etag": etag, "code": code + "X"},
    )
    assert empty.status_code == 422
    assert f'id="name_en-{organisation_id}-error"' in empty.text
    # Japan's admin edits Japan's organisations only: NATO's have no edit form.
    assert "organisation-edit-" in shown
    nato_section = shown.split(">NATO —", 1)[1].split("</section>", 1)[0]
    assert "organisation-edit-" not in nato_section

    # The audit log in English: filtered by the record, its change readable, no id as text.
    audit = web_session.get(f"/audit?entity_id={user_id}")
    assert audit.status_code == 200
    assert (
        "reset the second factor of" in audit.text
        and "Only the events of one record." in audit.text
    )
    visible = re.sub(r"<[^>]+>", " ", audit.text)
    assert user_id not in visible and "Lost Phone" in visible
    assert "Filter" in audit.text and "Verify the chain" in audit.text
    verified = web_session.get("/audit?verify=1", headers={"HX-Request": "true"})
    assert verified.text.lstrip().startswith('<div id="verification"')
    assert "The chain is intact" in verified.text
    bad = web_session.get("/audit?since=yesterday&entity_id=nope")
    assert bad.status_code == 422 and "Enter a date as YYYY-MM-DD." in bad.text


def test_each_user_manages_their_own_api_tokens(stack: Stack, web_session: WebSession) -> None:
    web_session.sign_in("NATO", "editor")  # reads English
    assert 'href="/me/tokens"' in web_session.get("/me").text
    page = web_session.get("/me/tokens")
    assert page.status_code == 200 and "Create a token" in page.text
    token = _csrf(page.text)
    name = f"nightly report {uuid.uuid4().hex[:6]}"
    created = web_session.post(
        "/me/tokens",
        data={"csrf_token": token, "name": name, "scope": "read", "expires_in_days": "30"},
    )
    assert created.status_code == 201
    secret = re.search(r'<code id="new-token" class="feed-url">(itpp_[^<]+)</code>', created.text)
    assert secret and "shown only this once" in created.text
    probe = httpx.get(
        f"{stack.api_url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {secret.group(1)}"},
        timeout=10,
    )
    assert probe.status_code == 200
    listing = web_session.get("/me/tokens").text
    assert name in listing and secret.group(1) not in listing and "Read only" in listing
    token_id = re.search(r'action="/me/tokens/([0-9a-f-]{36})/revoke"', listing.split(name, 1)[1])
    assert token_id
    too_long = web_session.post(
        "/me/tokens",
        data={"csrf_token": token, "name": "x", "scope": "read", "expires_in_days": "999"},
    )
    assert too_long.status_code == 422
    revoked = web_session.post(
        f"/me/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token, "confirm": "yes"}
    )
    assert revoked.status_code == 303
    assert "The API token was revoked." in web_session.get("/me/tokens").text
    probe = httpx.get(
        f"{stack.api_url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {secret.group(1)}"},
        timeout=10,
    )
    assert probe.status_code == 401


def test_a_broken_invitation_link_gets_a_readable_page(stack: Stack) -> None:
    with httpx.Client(base_url=stack.web_url, timeout=10) as client:
        english = client.get(
            f"/invitation/{uuid.uuid4().hex}.{'A' * 43}", headers={"Accept-Language": "en"}
        )
        japanese = client.get("/invitation/garbage", headers={"Accept-Language": "ja"})
    assert english.status_code == 404 and "This link is not valid" in english.text
    assert japanese.status_code == 404 and "このリンクは無効です" in japanese.text


def test_the_api_tokens_page_reads_japanese(web_session: WebSession) -> None:
    web_session.sign_in("JP", "viewer")  # reads Japanese
    page = web_session.get("/me/tokens")
    assert page.status_code == 200
    assert "API トークン" in page.text and "トークンの作成" in page.text
    assert "読み取りのみ" in page.text and ADMIN_LINK not in page.text
