"""Account security (issue 14): changes to one's own credentials prove the owner again, admins
do not manage their own account through the admin routes, the idempotency store keeps no
secret, sign-in takes only the password grant, feed URLs come from the configured address,
and an admin never learns that another party's address exists.
"""

import time
import uuid
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from itpp_api.auth.models import User
from itpp_api.auth.passwords import verify_password
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from tests.api.test_sign_in import (
    API,
    DEFAULT_PASSWORD,
    GOOD_NEW_PASSWORD,
    ME,
    MY_TOKENS,
    TOKEN_URL,
    admin_of,
    assert_problem,
    bearer,
    etag_of_user,
    login_limits,
    me,
    sign_in,
    wrong_code,
)
from tests.conftest import Database
from tests.factories import make_user, make_world, token_for

TOTP = f"{ME}/totp"


def user_row(user_id: uuid.UUID) -> User:
    with transaction(write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


# --- admins and their own account -----------------------------------------------------------


def _own_admin(party: str = "JP") -> tuple[uuid.UUID, str, str]:
    secret = pyotp.random_base32()
    admin_id = make_user(
        party, "admin", email=f"{party.lower()}-self@test.example", totp_secret=secret
    )
    return admin_id, token_for(admin_id), secret


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users/{id}/password", {"new_password": GOOD_NEW_PASSWORD}),
        ("POST", "/users/{id}/totp/reset", {"current_password": DEFAULT_PASSWORD}),
        ("PATCH", "/users/{id}", {"is_active": False}),
        ("PATCH", "/users/{id}", {"display_name": "Renamed through the admin route"}),
    ],
    ids=["reset password", "reset second factor", "deactivate", "rename"],
)
def test_an_admin_cannot_use_the_admin_routes_on_their_own_account(
    anonymous_client: TestClient, method: str, path: str, body: Any
) -> None:
    make_world()
    admin_id, token, secret = _own_admin()
    headers = bearer(token)
    if method == "PATCH":
        headers["If-Match"] = etag_of_user(anonymous_client, token, admin_id)

    response = anonymous_client.request(
        method, API + path.format(id=admin_id), json=body, headers=headers
    )

    assert_problem(response, 403, "forbidden")
    admin = user_row(admin_id)
    assert verify_password(DEFAULT_PASSWORD, admin.password_hash)
    assert admin.totp_secret == secret and admin.is_active
    assert me(anonymous_client, token).status_code == 200


# --- the second factor, self-service --------------------------------------------------------


def test_setting_up_a_second_factor_with_a_full_token_needs_the_current_password(
    anonymous_client: TestClient,
) -> None:
    make_world()
    user_id = make_user("JP", "editor", email="careful.editor@mofa.example")
    stolen = token_for(user_id)

    without = anonymous_client.post(TOTP, headers=bearer(stolen))
    wrong = anonymous_client.post(
        TOTP, json={"current_password": "not my password 42"}, headers=bearer(stolen)
    )
    right = anonymous_client.post(
        TOTP, json={"current_password": DEFAULT_PASSWORD}, headers=bearer(stolen)
    )

    body = assert_problem(without, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["body", "current_password"]
    body = assert_problem(wrong, 422, "rule-violation")
    assert body["errors"][0]["loc"] == ["body", "current_password"]
    assert right.status_code == 201, right.text
    assert right.headers["Cache-Control"] == "no-store"
    # Nothing changes until a code of the new authenticator is confirmed.
    assert user_row(user_id).totp_confirmed_at is None
    assert sign_in(anonymous_client, "careful.editor@mofa.example").status_code == 200


def test_replacing_a_second_factor_needs_the_password_and_a_current_code_and_swaps_on_confirmation(
    anonymous_client: TestClient,
) -> None:
    make_world()
    old_secret = pyotp.random_base32()
    user_id = make_user("JP", "approver", email="new.phone@mofa.example", totp_secret=old_secret)
    token = token_for(user_id)
    email = "new.phone@mofa.example"

    password_only = anonymous_client.post(
        TOTP, json={"current_password": DEFAULT_PASSWORD}, headers=bearer(token)
    )
    wrong_code_answer = anonymous_client.post(
        TOTP,
        json={"current_password": DEFAULT_PASSWORD, "current_code": wrong_code(old_secret)},
        headers=bearer(token),
    )
    started = anonymous_client.post(
        TOTP,
        json={"current_password": DEFAULT_PASSWORD, "current_code": pyotp.TOTP(old_secret).now()},
        headers=bearer(token),
    )
    assert started.status_code == 201, started.text
    new_secret = started.json()["secret"]
    # Until the new one is confirmed, the old authenticator still signs in.
    still_old = sign_in(anonymous_client, email, otp=pyotp.TOTP(old_secret).at(time.time() + 30))
    confirmed = anonymous_client.post(
        f"{TOTP}/confirm", json={"code": pyotp.TOTP(new_secret).now()}, headers=bearer(token)
    )

    body = assert_problem(password_only, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["body", "current_code"]
    body = assert_problem(wrong_code_answer, 422, "rule-violation")
    assert body["errors"][0]["loc"] == ["body", "current_code"]
    assert still_old.status_code == 200, still_old.text
    assert confirmed.status_code == 200, confirmed.text
    assert_problem(me(anonymous_client, token), 401, "unauthorized")
    old_code = pyotp.TOTP(old_secret).at(time.time() - 30)
    assert_problem(sign_in(anonymous_client, email, otp=old_code), 401, "invalid-credentials")
    new_code = pyotp.TOTP(new_secret).at(time.time() + 30)
    assert sign_in(anonymous_client, email, otp=new_code).status_code == 200


def test_guessing_the_current_password_with_a_stolen_token_is_throttled_like_signing_in(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_limits(monkeypatch, slowdown_after=2, max_delay_seconds=60)
    # The throttle's clock stopped (as test_sign_in.py's `stopped_clock`): the third guess
    # must not come more than the second's one-second delay later on a loaded machine.
    instant = utcnow()
    monkeypatch.setattr("itpp_api.auth.throttle.utcnow", lambda: instant)
    make_world()
    stolen = token_for(make_user("JP", "editor", email="victim@mofa.example"))

    guesses = [
        anonymous_client.post(
            f"{ME}/password",
            json={"current_password": f"guess number {n}", "new_password": GOOD_NEW_PASSWORD},
            headers=bearer(stolen),
        )
        for n in range(3)
    ]

    assert [g.status_code for g in guesses] == [422, 422, 429]
    assert int(guesses[-1].headers["Retry-After"]) >= 1
    # The owner's sign-in shares the account's wait.
    assert_problem(sign_in(anonymous_client, "victim@mofa.example"), 429, "too-many-attempts")


# --- the idempotency store never keeps a secret ---------------------------------------------


def _stored_idempotency_text(db: Database) -> str:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM idempotency_record")).all()
    return repr([tuple(row) for row in rows])


@pytest.mark.parametrize(
    ("path", "body", "secret_field"),
    [
        (MY_TOKENS, {"name": "nightly report", "scope": "read"}, "token"),
        (f"{ME}/calendar-feeds", {"name": "Office calendar"}, "url"),
        (TOTP, {"current_password": DEFAULT_PASSWORD}, "secret"),
    ],
    ids=["API token", "calendar feed", "second factor"],
)
def test_a_response_carrying_a_secret_is_never_stored_and_its_retry_is_refused_clearly(
    anonymous_client: TestClient, db: Database, path: str, body: dict[str, Any], secret_field: str
) -> None:
    make_world()
    token = token_for(make_user("JP", "editor", email="scripter@mofa.example"))
    headers = {**bearer(token), "Idempotency-Key": "secret-bearing-request-1"}

    first = anonymous_client.post(path, json=body, headers=headers)
    retry = anonymous_client.post(path, json=body, headers=headers)
    other_body = anonymous_client.post(path, json={**body, "name": "other"}, headers=headers)

    assert first.status_code == 201, first.text
    assert first.headers["Cache-Control"] == "no-store"
    secret = first.json()[secret_field]
    stored = _stored_idempotency_text(db)
    assert secret not in stored
    assert secret.rsplit("/", 1)[-1].removesuffix(".ics") not in stored
    assert "secret-bearing-request-1" not in stored
    assert DEFAULT_PASSWORD not in stored
    problem = assert_problem(retry, 409, "idempotent-response-not-kept")
    assert "201" in problem["detail"]
    assert secret not in retry.text
    if path != TOTP:
        assert_problem(other_body, 422, "idempotency-key-reused")


def test_sign_in_is_never_kept_by_the_idempotency_store(
    anonymous_client: TestClient, db: Database
) -> None:
    make_world()
    make_user("JP", "editor", email="signer@mofa.example")
    data = {
        "grant_type": "password",
        "username": "signer@mofa.example",
        "password": DEFAULT_PASSWORD,
    }

    first = anonymous_client.post(TOKEN_URL, data=data, headers={"Idempotency-Key": "sign-in-1"})
    again = anonymous_client.post(TOKEN_URL, data=data, headers={"Idempotency-Key": "sign-in-1"})

    assert first.status_code == again.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    assert first.json()["access_token"] != again.json()["access_token"]
    assert _stored_idempotency_text(db) == "[]"


# --- the password grant only ----------------------------------------------------------------


@pytest.mark.parametrize("grant_type", [None, "", "client_credentials", "PASSWORD"])
def test_sign_in_takes_only_the_password_grant(
    anonymous_client: TestClient, grant_type: str | None
) -> None:
    make_world()
    make_user("JP", "editor", email="granted@mofa.example")
    data = {"username": "granted@mofa.example", "password": DEFAULT_PASSWORD}
    if grant_type is not None:
        data["grant_type"] = grant_type

    response = anonymous_client.post(TOKEN_URL, data=data)

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["body", "grant_type"]


# --- calendar feed URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, "http://127.0.0.1:8000"),
        ("https://itpp.example.org/tracker/", "https://itpp.example.org/tracker"),
    ],
    ids=["default", "configured"],
)
def test_a_feed_url_is_built_from_the_configured_address_never_from_the_host_header(
    anonymous_client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    configured: str | None,
    expected: str,
) -> None:
    monkeypatch.delenv("ITPP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("ITPP_API_HOST", raising=False)
    monkeypatch.delenv("ITPP_API_PORT", raising=False)
    if configured:
        monkeypatch.setenv("ITPP_PUBLIC_BASE_URL", configured)
    get_settings.cache_clear()
    make_world()
    token = token_for(make_user("JP", "editor", email="subscriber@mofa.example"))

    response = anonymous_client.post(
        f"{ME}/calendar-feeds",
        json={"name": "Office calendar"},
        headers={**bearer(token), "Host": "attacker.example", "X-Forwarded-Host": "evil.example"},
    )

    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith(f"{expected}{API}/calendar-feeds/itpp_"), url
    assert url.endswith(".ics")
    assert "attacker" not in url and "evil" not in url


# --- e-mail addresses of another party ------------------------------------------------------


def _create(client: TestClient, admin: str, email: str) -> Any:
    return client.post(
        f"{API}/users",
        json={
            "email": email,
            "display_name": "New official",
            "role": "viewer",
            "password": GOOD_NEW_PASSWORD,
        },
        headers=bearer(admin),
    )


def test_an_admin_never_learns_whether_another_partys_address_exists(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin = admin_of("JP")
    make_user("JP", "editor", email="k.tanaka@mofa.example")
    make_user("NATO", "editor", email="taken@nato.example")

    taken = _create(anonymous_client, admin, "Taken@NATO.example")
    free = _create(anonymous_client, admin, "never.used@nato.example")

    body = assert_problem(taken, 422, "email-not-allowed")
    assert assert_problem(free, 422, "email-not-allowed") == body
    assert "taken@nato.example" not in taken.text.casefold()
    assert body["errors"] == [
        {"loc": ["body", "email"], "msg": "not allowed", "type": "email_not_allowed"}
    ]
    with transaction(write=False) as session:
        assert (
            session.scalars(select(User).where(User.email == "never.used@nato.example")).first()
            is None
        )


def test_an_admin_adds_users_at_their_own_or_an_unused_domain(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin = admin_of("JP")
    make_user("JP", "editor", email="k.tanaka@mofa.example")
    make_user("NATO", "editor", email="taken@nato.example")

    own_domain = _create(anonymous_client, admin, "k.sato@mofa.example")
    new_domain = _create(anonymous_client, admin, "k.ito@mod.example")

    assert own_domain.status_code == 201, own_domain.text
    assert new_domain.status_code == 201, new_domain.text
