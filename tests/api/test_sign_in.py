"""Signing in, second factor, login throttling, sign-out and tokens (issue 3, parts 1 and 3).

Passwords are Argon2-hashed, so every sign-in costs about a tenth of a second: the tests sign in
only as often as the rule they show needs.
"""

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import col, select, update

from itpp_api.auth import passwords, throttle
from itpp_api.auth.models import AccessToken, LoginThrottle, User
from itpp_api.auth.tokens import hash_secret
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.main import create_app
from tests.factories import (
    DEFAULT_PASSWORD,
    PRODUCTION_ARGON2,
    commitment_body,
    make_commitment,
    make_user,
    make_world,
    token_for,
)

API = "/api/v1"
TOKEN_URL = f"{API}/auth/token"
ME = f"{API}/users/me"
MY_TOKENS = f"{API}/users/me/tokens"
PROBLEM = "application/problem+json"
GOOD_NEW_PASSWORD = "amber kettle orbit mosaic 7"
# 40 characters of Japanese: a passphrase typed on a Japanese keyboard.
JAPANESE_PASSPHRASE = (
    "桜の花びらが静かに川面を流れていく春の夕暮れに古い橋の上で友と語り合った思い出話"
)


# --- helpers --------------------------------------------------------------------------------


def assert_problem(response: Response, status: int, kind: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of the given status and stable type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{kind}"
    assert body["status"] == status
    return body


def sign_in(
    client: TestClient, email: str, password: str = DEFAULT_PASSWORD, otp: str | None = None
) -> Response:
    form = {"grant_type": "password", "username": email, "password": password}
    if otp is not None:
        form["otp"] = otp
    return client.post(TOKEN_URL, data=form)


def signed_in_token(client: TestClient, email: str, **kwargs: Any) -> str:
    response = sign_in(client, email, **kwargs)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(client: TestClient, token: str) -> Response:
    return client.get(ME, headers=bearer(token))


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid for the secret around now."""
    now = time.time()
    valid = {pyotp.TOTP(secret).at(now + 30 * step) for step in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(10**6)) if code not in valid)


def login_limits(monkeypatch: pytest.MonkeyPatch, **values: float) -> None:
    """Set ITPP_LOGIN_* settings for this test (slowdown off unless given)."""
    values.setdefault("slowdown_after", 1000)
    for name, value in values.items():
        monkeypatch.setenv(f"ITPP_LOGIN_{name.upper()}", str(value))
    get_settings.cache_clear()


def set_token(secret: str, **values: Any) -> None:
    """Change a stored token directly in the database (to move its clocks)."""
    with transaction(write=True) as session:
        session.execute(
            update(AccessToken)
            .where(col(AccessToken.token_hash) == hash_secret(secret))
            .values(**values)
        )


def stored_token(secret: str) -> AccessToken:
    with transaction(write=False) as session:
        return session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
        ).one()


def throttle_rows() -> dict[str, LoginThrottle]:
    with transaction(write=False) as session:
        return {row.key: row for row in session.scalars(select(LoginThrottle))}


def admin_of(party: str) -> str:
    """A token of an admin (with a second factor) of the party."""
    admin = make_user(
        party,
        "admin",
        email=f"{party.lower()}-admin@test.example",
        totp_secret=pyotp.random_base32(),
    )
    return token_for(admin)


def etag_of_user(client: TestClient, token: str, user_id: uuid.UUID) -> str:
    response = client.get(f"{API}/users/{user_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


# --- signing in -----------------------------------------------------------------------------


def test_an_editor_signs_in_and_the_token_works_on_users_me(
    anonymous_client: TestClient,
) -> None:
    make_world()
    user_id = make_user("JP", "editor", email="k.tanaka@mofa.example")

    response = sign_in(anonymous_client, "  K.Tanaka@MOFA.example ")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "read_write"
    assert body["access_token"]
    profile = me(anonymous_client, body["access_token"])
    assert profile.status_code == 200, profile.text
    assert profile.json()["id"] == str(user_id)
    assert profile.json()["email"] == "k.tanaka@mofa.example"
    assert profile.json()["party_code"] == "JP"


def test_users_me_without_a_token_is_refused_with_401(anonymous_client: TestClient) -> None:
    response = anonymous_client.get(ME)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(
    anonymous_client: TestClient,
) -> None:
    make_world()
    make_user("JP", "editor", email="k.tanaka@mofa.example")

    wrong_password = sign_in(anonymous_client, "k.tanaka@mofa.example", "not the password 99")
    unknown_email = sign_in(anonymous_client, "nobody@mofa.example", "not the password 99")

    body = assert_problem(wrong_password, 401, "invalid-credentials")
    assert_problem(unknown_email, 401, "invalid-credentials")
    assert unknown_email.json() == body
    assert wrong_password.headers.get("WWW-Authenticate") == unknown_email.headers.get(
        "WWW-Authenticate"
    )


@pytest.mark.parametrize("role", ["approver", "admin"])
def test_an_approver_or_admin_with_a_second_factor_must_send_a_fresh_one_time_code(
    anonymous_client: TestClient, role: str
) -> None:
    make_world()
    secret = pyotp.random_base32()
    make_user("JP", role, email="second.factor@mofa.example", totp_secret=secret)
    email = "second.factor@mofa.example"

    missing = sign_in(anonymous_client, email)
    wrong = sign_in(anonymous_client, email, otp=wrong_code(secret))
    code = pyotp.TOTP(secret).now()
    right = sign_in(anonymous_client, email, otp=code)
    replayed = sign_in(anonymous_client, email, otp=code)

    assert_problem(missing, 401, "second-factor-required")
    assert_problem(wrong, 401, "invalid-credentials")
    assert right.status_code == 200, right.text
    assert right.json()["scope"] == "read_write"
    assert me(anonymous_client, right.json()["access_token"]).status_code == 200
    assert_problem(replayed, 401, "invalid-credentials")


def test_a_wrong_password_does_not_reveal_that_the_account_has_a_second_factor(
    anonymous_client: TestClient,
) -> None:
    make_world()
    make_user("JP", "approver", email="approver@mofa.example", totp_secret=pyotp.random_base32())

    response = sign_in(anonymous_client, "approver@mofa.example", "not the password 99")

    assert_problem(response, 401, "invalid-credentials")


def test_an_approver_without_a_second_factor_can_only_enrol_one_then_must_use_it(
    anonymous_client: TestClient,
) -> None:
    make_world()
    make_user("JP", "approver", email="new.approver@mofa.example")
    email = "new.approver@mofa.example"

    first = sign_in(anonymous_client, email)
    assert first.status_code == 200, first.text
    assert first.json()["scope"] == "enrol_totp"
    enrolment_token = first.json()["access_token"]
    profile = me(anonymous_client, enrolment_token)
    assert profile.status_code == 200
    assert profile.json()["totp_enabled"] is False

    started = anonymous_client.post(f"{ME}/totp", headers=bearer(enrolment_token))
    assert started.status_code == 201, started.text
    secret = started.json()["secret"]
    assert started.json()["provisioning_uri"].startswith("otpauth://totp/")
    refused = anonymous_client.post(
        f"{ME}/totp/confirm", json={"code": wrong_code(secret)}, headers=bearer(enrolment_token)
    )
    assert_problem(refused, 422, "rule-violation")
    confirmed = anonymous_client.post(
        f"{ME}/totp/confirm",
        json={"code": pyotp.TOTP(secret).now()},
        headers=bearer(enrolment_token),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["totp_enabled"] is True

    assert_problem(me(anonymous_client, enrolment_token), 401, "unauthorized")
    assert_problem(sign_in(anonymous_client, email), 401, "second-factor-required")
    # The confirming code is spent; the authenticator's next code is within the accepted window.
    later = sign_in(anonymous_client, email, otp=pyotp.TOTP(secret).at(time.time() + 30))
    assert later.status_code == 200, later.text
    assert later.json()["scope"] == "read_write"


ENROLMENT_REFUSED = [
    ("GET", "/plans", None),
    ("GET", "/plans/{plan}", None),
    ("POST", "/plans/{plan}/commitments", "commitment"),
    ("GET", "/audit-events", None),
    ("GET", "/users/me/tokens", None),
    ("POST", "/users/me/tokens", {"name": "script", "scope": "read"}),
    ("PATCH", "/users/me", {"display_name": "Renamed"}),
    (
        "POST",
        "/users/me/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": GOOD_NEW_PASSWORD},
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    ENROLMENT_REFUSED,
    ids=[f"{method} {path}" for method, path, _ in ENROLMENT_REFUSED],
)
def test_an_enrolment_token_is_refused_everything_but_enrolment(
    anonymous_client: TestClient, method: str, path: str, body: Any
) -> None:
    world = make_world()
    make_user("JP", "approver", email="new.approver@mofa.example")
    token = signed_in_token(anonymous_client, "new.approver@mofa.example")
    headers = bearer(token)
    if method == "PATCH":
        headers["If-Match"] = me(anonymous_client, token).headers["ETag"]
    json_body = commitment_body(world) if body == "commitment" else body

    response = anonymous_client.request(
        method, API + path.format(plan=world.plan), json=json_body, headers=headers
    )

    assert_problem(response, 403, "forbidden")


def test_a_deactivated_user_cannot_sign_in(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="gone@mofa.example", active=False)

    response = sign_in(anonymous_client, "gone@mofa.example")

    assert_problem(response, 401, "invalid-credentials")


# --- throttling -----------------------------------------------------------------------------


def wait_over(key: str) -> None:
    """Move a counter's wait into the past, as if its time had passed (on the throttle's clock,
    stopped or not)."""
    with transaction(write=True) as session:
        session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == key)
            .values(blocked_until=throttle.utcnow() - timedelta(seconds=1))
        )


@pytest.fixture
def stopped_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The throttle's clock, stopped: attempts sent one after another all happen at this
    instant, so a wait of one second cannot pass between them on a slow or busy machine."""
    instant = utcnow()
    monkeypatch.setattr("itpp_api.auth.throttle.utcnow", lambda: instant)
    return instant


def test_failures_make_the_accounts_next_attempt_wait_but_never_lock_its_owner_out(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch, stopped_clock: datetime
) -> None:
    login_limits(monkeypatch, slowdown_after=2, max_delay_seconds=60)
    make_world()
    make_user("JP", "editor", email="target@mofa.example")
    make_user("JP", "viewer", email="bystander@mofa.example")

    failures = [sign_in(anonymous_client, "target@mofa.example", "guess number one") for _ in "12"]
    right_too_soon = sign_in(anonymous_client, "target@mofa.example")
    bystander = sign_in(anonymous_client, "bystander@mofa.example")
    wait_over("account:target@mofa.example")
    right_after_the_wait = sign_in(anonymous_client, "target@mofa.example")

    assert [r.status_code for r in failures] == [401, 401]
    body = assert_problem(right_too_soon, 429, "too-many-attempts")
    assert "this account" in body["detail"]
    assert int(right_too_soon.headers["Retry-After"]) == 1
    assert bystander.status_code == 200, bystander.text
    assert right_after_the_wait.status_code == 200, right_after_the_wait.text


def test_the_wait_doubles_with_each_failure_up_to_the_maximum(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch, stopped_clock: datetime
) -> None:
    login_limits(monkeypatch, slowdown_after=2, max_delay_seconds=4)
    make_world()
    make_user("JP", "editor", email="slow@mofa.example")
    key = "account:slow@mofa.example"

    waits = []
    for _ in range(6):
        assert_problem(
            sign_in(anonymous_client, "slow@mofa.example", "wrong"), 401, "invalid-credentials"
        )
        row = throttle_rows()[key]
        assert row.blocked_until is not None
        waits.append(round((row.blocked_until - stopped_clock).total_seconds()))
        wait_over(key)

    assert waits == [0, 1, 2, 4, 4, 4]


def test_too_many_failures_from_one_address_block_every_account_from_it(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_limits(monkeypatch, block_after_per_address=3)
    make_world()
    make_user("JP", "editor", email="careful@mofa.example")

    answers = [
        sign_in(anonymous_client, f"guess{n}@mofa.example", "guessed password") for n in range(4)
    ]
    innocent = sign_in(anonymous_client, "careful@mofa.example")

    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    body = assert_problem(innocent, 429, "too-many-attempts")
    assert "your address" in body["detail"]
    assert 14 * 60 < int(innocent.headers["Retry-After"]) <= 15 * 60


def test_the_wait_is_kept_in_the_database_so_another_api_process_sees_it(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch, stopped_clock: datetime
) -> None:
    login_limits(monkeypatch, slowdown_after=2, max_delay_seconds=60)
    make_world()
    make_user("JP", "editor", email="target@mofa.example")
    for _ in range(2):
        sign_in(anonymous_client, "target@mofa.example", "guessed password")

    with TestClient(create_app(), raise_server_exceptions=False) as other_process:
        response = sign_in(other_process, "target@mofa.example")

    assert_problem(response, 429, "too-many-attempts")
    row = throttle_rows()["account:target@mofa.example"]
    assert row.failures == 2
    assert row.blocked_until is not None and row.blocked_until > stopped_clock


def test_a_successful_sign_in_clears_the_accounts_failures(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch, stopped_clock: datetime
) -> None:
    login_limits(monkeypatch, slowdown_after=3, max_delay_seconds=60)
    make_world()
    make_user("JP", "editor", email="forgetful@mofa.example")
    email = "forgetful@mofa.example"

    before = [sign_in(anonymous_client, email, "wrong password one").status_code for _ in "12"]
    success = sign_in(anonymous_client, email)
    cleared = "account:forgetful@mofa.example" not in throttle_rows()
    after = [sign_in(anonymous_client, email, "wrong password two").status_code for _ in "1234"]

    assert before == [401, 401]
    assert success.status_code == 200, success.text
    assert cleared
    # Counting starts again from zero: three more failures go through, the fourth must wait.
    assert after == [401, 401, 401, 429]


def test_a_right_password_without_its_one_time_code_does_not_count_against_the_address(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_limits(monkeypatch, block_after_per_address=2)
    make_world()
    make_user("JP", "approver", email="twostep@mofa.example", totp_secret=pyotp.random_base32())
    make_user("JP", "editor", email="other@mofa.example")

    steps = [sign_in(anonymous_client, "twostep@mofa.example") for _ in "123"]
    other = sign_in(anonymous_client, "other@mofa.example")

    for step in steps:
        assert_problem(step, 401, "second-factor-required")
    assert other.status_code == 200, other.text


# --- sign-out, password changes -------------------------------------------------------------


def test_logout_ends_the_token_at_once(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="leaving@mofa.example")
    token = signed_in_token(anonymous_client, "leaving@mofa.example")
    other_session = signed_in_token(anonymous_client, "leaving@mofa.example")

    response = anonymous_client.post(f"{API}/auth/logout", headers=bearer(token))

    assert response.status_code == 204, response.text
    assert_problem(me(anonymous_client, token), 401, "unauthorized")
    assert me(anonymous_client, other_session).status_code == 200


def test_a_password_change_ends_all_the_users_tokens(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="changer@mofa.example")
    token = signed_in_token(anonymous_client, "changer@mofa.example")
    other_session = signed_in_token(anonymous_client, "changer@mofa.example")

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": GOOD_NEW_PASSWORD},
        headers=bearer(token),
    )

    assert response.status_code == 204, response.text
    assert_problem(me(anonymous_client, token), 401, "unauthorized")
    assert_problem(me(anonymous_client, other_session), 401, "unauthorized")
    assert_problem(sign_in(anonymous_client, "changer@mofa.example"), 401, "invalid-credentials")
    assert sign_in(anonymous_client, "changer@mofa.example", GOOD_NEW_PASSWORD).status_code == 200


def test_a_password_the_api_stores_is_hashed_at_the_production_cost(
    anonymous_client: TestClient,
) -> None:
    """The tests' accounts store quick hashes (tests/factories.py); what the API stores, and
    the stand-in it verifies for an unknown address, are at the production parameters."""
    make_world()
    user_id = make_user("JP", "editor", email="cost@mofa.example")
    token = signed_in_token(anonymous_client, "cost@mofa.example")

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": GOOD_NEW_PASSWORD},
        headers=bearer(token),
    )

    assert response.status_code == 204, response.text
    with transaction(write=False) as session:
        stored = session.exec(select(User).where(User.id == user_id)).one().password_hash
    assert stored.startswith(PRODUCTION_ARGON2)
    assert passwords.DUMMY_HASH.startswith(PRODUCTION_ARGON2)
    assert sign_in(anonymous_client, "cost@mofa.example", GOOD_NEW_PASSWORD).status_code == 200


def test_a_password_change_refuses_a_wrong_current_password(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="changer@mofa.example")
    token = signed_in_token(anonymous_client, "changer@mofa.example")

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": "not my password 42", "new_password": GOOD_NEW_PASSWORD},
        headers=bearer(token),
    )

    body = assert_problem(response, 422, "rule-violation")
    assert body["errors"][0]["loc"] == ["body", "current_password"]
    assert me(anonymous_client, token).status_code == 200
    assert sign_in(anonymous_client, "changer@mofa.example").status_code == 200


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("password1234", "common"),
        ("aaaaaaaaaaaa", "easy to guess"),
        ("Zq8#vLm2!pR", "at least 12 characters"),
    ],
    ids=["common", "repeated", "eleven-characters"],
)
def test_a_weak_new_password_is_refused_with_the_reasons(
    anonymous_client: TestClient, new_password: str, reason: str
) -> None:
    make_world()
    make_user("JP", "editor", email="changer@mofa.example")
    token = signed_in_token(anonymous_client, "changer@mofa.example")

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": new_password},
        headers=bearer(token),
    )

    body = assert_problem(response, 422, "validation-error")
    assert reason in body["detail"]
    assert body["errors"]
    for error in body["errors"]:
        assert error["loc"] == ["body", "new_password"]
        assert error["type"] == "weak_password"
    assert any(reason in error["msg"] for error in body["errors"])
    assert me(anonymous_client, token).status_code == 200
    assert_problem(
        sign_in(anonymous_client, "changer@mofa.example", new_password), 401, "invalid-credentials"
    )


def test_a_long_japanese_passphrase_is_accepted_and_signs_in(
    anonymous_client: TestClient,
) -> None:
    assert len(JAPANESE_PASSPHRASE) == 40
    make_world()
    make_user("JP", "editor", email="kotoba@mofa.example")
    token = signed_in_token(anonymous_client, "kotoba@mofa.example")

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": JAPANESE_PASSPHRASE},
        headers=bearer(token),
    )

    assert response.status_code == 204, response.text
    signed_in = sign_in(anonymous_client, "kotoba@mofa.example", JAPANESE_PASSPHRASE)
    assert signed_in.status_code == 200, signed_in.text


def test_a_full_width_variant_of_the_password_signs_in(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="zenkaku@mofa.example", password="quiet harbour lantern 2026")
    full_width = "ｑｕｉｅｔ　ｈａｒｂｏｕｒ　ｌａｎｔｅｒｎ　２０２６"

    response = sign_in(anonymous_client, "zenkaku@mofa.example", full_width)

    assert response.status_code == 200, response.text


# --- token lifetimes ------------------------------------------------------------------------


def test_a_token_unused_for_longer_than_the_idle_timeout_stops_working(
    anonymous_client: TestClient,
) -> None:
    make_world()
    make_user("JP", "editor", email="idle@mofa.example")
    token = signed_in_token(anonymous_client, "idle@mofa.example")
    idle = timedelta(seconds=stored_token(token).idle_timeout_seconds)
    assert idle == timedelta(minutes=get_settings().session_idle_minutes)

    set_token(token, last_used_at=utcnow() - idle - timedelta(seconds=1))

    assert_problem(me(anonymous_client, token), 401, "unauthorized")


def test_using_a_token_keeps_its_idle_clock_running(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="busy@mofa.example")
    token = signed_in_token(anonymous_client, "busy@mofa.example")
    idle = timedelta(seconds=stored_token(token).idle_timeout_seconds)
    set_token(token, last_used_at=utcnow() - idle + timedelta(seconds=30))

    assert me(anonymous_client, token).status_code == 200

    assert utcnow() - stored_token(token).last_used_at < timedelta(seconds=10)


def test_a_token_past_its_absolute_expiry_stops_working(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="expired@mofa.example")
    token = signed_in_token(anonymous_client, "expired@mofa.example")
    assert me(anonymous_client, token).status_code == 200

    set_token(token, expires_at=utcnow() - timedelta(seconds=1))

    assert_problem(me(anonymous_client, token), 401, "unauthorized")


# --- named API tokens -----------------------------------------------------------------------


def create_api_token(
    client: TestClient, session_token: str, scope: str = "read", days: int = 30
) -> Response:
    return client.post(
        MY_TOKENS,
        json={"name": f"nightly {scope} report", "scope": scope, "expires_in_days": days},
        headers=bearer(session_token),
    )


def test_an_api_token_is_shown_once_and_listed_without_its_secret(
    anonymous_client: TestClient,
) -> None:
    make_world()
    make_user("JP", "editor", email="robot.owner@mofa.example")
    session_token = signed_in_token(anonymous_client, "robot.owner@mofa.example")

    created = create_api_token(anonymous_client, session_token, "read_write", days=30)
    listed = anonymous_client.get(MY_TOKENS, headers=bearer(session_token))

    assert created.status_code == 201, created.text
    api_token = created.json()
    secret = api_token["token"]
    assert secret.startswith("itpp_")
    assert api_token["kind"] == "api"
    assert api_token["scope"] == "read_write"
    assert api_token["name"] == "nightly read_write report"
    lifetime = stored_token(secret).expires_at - utcnow()
    assert timedelta(days=30) - timedelta(minutes=1) < lifetime <= timedelta(days=30)
    assert me(anonymous_client, secret).status_code == 200

    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    assert api_token["id"] in items
    assert all("token" not in item for item in items.values())
    assert secret not in listed.text
    assert hash_secret(secret) not in listed.text


def test_a_read_only_api_token_reads_but_cannot_write(anonymous_client: TestClient) -> None:
    world = make_world()
    commitment_id = make_commitment(world)
    make_user("JP", "editor", email="robot.owner@mofa.example")
    session_token = signed_in_token(anonymous_client, "robot.owner@mofa.example")
    read_only = create_api_token(anonymous_client, session_token, "read").json()["token"]
    read_write = create_api_token(anonymous_client, session_token, "read_write").json()["token"]
    url = f"{API}/commitments/{commitment_id}"
    current = anonymous_client.get(url, headers=bearer(read_only))
    assert current.status_code == 200, current.text

    refused = anonymous_client.patch(
        url,
        json={"progress": 40},
        headers={**bearer(read_only), "If-Match": current.headers["ETag"]},
    )
    refused_create = anonymous_client.post(
        f"{API}/plans/{world.plan}/commitments",
        json=commitment_body(world),
        headers=bearer(read_only),
    )
    allowed = anonymous_client.patch(
        url,
        json={"progress": 40},
        headers={**bearer(read_write), "If-Match": current.headers["ETag"]},
    )

    assert_problem(refused, 403, "forbidden")
    assert_problem(refused_create, 403, "forbidden")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["progress"] == 40


def test_an_api_token_cannot_create_another_api_token(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="robot.owner@mofa.example")
    session_token = signed_in_token(anonymous_client, "robot.owner@mofa.example")
    api_token = create_api_token(anonymous_client, session_token, "read_write").json()["token"]

    response = create_api_token(anonymous_client, api_token, "read")

    assert_problem(response, 403, "forbidden")


def test_a_revoked_api_token_stops_working_at_once(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="robot.owner@mofa.example")
    session_token = signed_in_token(anonymous_client, "robot.owner@mofa.example")
    created = create_api_token(anonymous_client, session_token).json()
    assert me(anonymous_client, created["token"]).status_code == 200

    response = anonymous_client.delete(
        f"{MY_TOKENS}/{created['id']}", headers=bearer(session_token)
    )

    assert response.status_code == 204, response.text
    assert_problem(me(anonymous_client, created["token"]), 401, "unauthorized")
    listed = anonymous_client.get(MY_TOKENS, headers=bearer(session_token)).json()["items"]
    assert created["id"] not in [item["id"] for item in listed]


def test_nobody_revokes_another_users_token(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="robot.owner@mofa.example")
    owner_token = signed_in_token(anonymous_client, "robot.owner@mofa.example")
    created = create_api_token(anonymous_client, owner_token).json()
    stranger = token_for(make_user("JP", "editor", email="stranger@mofa.example"))

    response = anonymous_client.delete(f"{MY_TOKENS}/{created['id']}", headers=bearer(stranger))

    assert_problem(response, 404, "not-found")
    assert me(anonymous_client, created["token"]).status_code == 200


# --- party admins managing users ------------------------------------------------------------


def test_deactivating_a_user_ends_their_tokens_at_once(anonymous_client: TestClient) -> None:
    make_world()
    admin = admin_of("JP")
    user_id = make_user("JP", "editor", email="leaver@mofa.example")
    user_token = signed_in_token(anonymous_client, "leaver@mofa.example")
    api_token = create_api_token(anonymous_client, user_token).json()["token"]

    response = anonymous_client.patch(
        f"{API}/users/{user_id}",
        json={"is_active": False},
        headers={**bearer(admin), "If-Match": etag_of_user(anonymous_client, admin, user_id)},
    )

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert_problem(me(anonymous_client, user_token), 401, "unauthorized")
    assert_problem(me(anonymous_client, api_token), 401, "unauthorized")
    assert_problem(sign_in(anonymous_client, "leaver@mofa.example"), 401, "invalid-credentials")


def test_an_admin_creates_a_user_of_their_own_party_who_can_sign_in(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin = admin_of("JP")

    response = anonymous_client.post(
        f"{API}/users",
        json={
            "email": "K.Sato@MOFA.example",
            "display_name": "佐藤 圭",
            "role": "editor",
            "preferred_language": "ja",
            "password": GOOD_NEW_PASSWORD,
        },
        headers=bearer(admin),
    )

    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "k.sato@mofa.example"
    assert user["party_code"] == "JP"
    assert user["role"] == "editor"
    assert response.headers["Location"] == f"{API}/users/{user['id']}"
    signed_in = sign_in(anonymous_client, "k.sato@mofa.example", GOOD_NEW_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text


def test_an_admin_cannot_create_a_user_with_a_weak_password(anonymous_client: TestClient) -> None:
    make_world()
    admin = admin_of("JP")

    response = anonymous_client.post(
        f"{API}/users",
        json={
            "email": "weak@mofa.example",
            "display_name": "Weak",
            "role": "viewer",
            "password": "password1234",
        },
        headers=bearer(admin),
    )

    body = assert_problem(response, 422, "validation-error")
    assert body["errors"][0]["loc"] == ["body", "password"]
    with transaction(write=False) as session:
        assert (
            session.scalars(select(User).where(User.email == "weak@mofa.example")).first() is None
        )


def test_an_admin_creating_a_user_with_an_address_of_their_own_party_gets_409(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin = admin_of("JP")
    make_user("JP", "editor", email="taken@mofa.example")

    response = anonymous_client.post(
        f"{API}/users",
        json={
            "email": "Taken@MOFA.example",
            "display_name": "Double",
            "role": "viewer",
            "password": GOOD_NEW_PASSWORD,
        },
        headers=bearer(admin),
    )

    assert_problem(response, 409, "conflict")


def test_an_admin_resets_the_password_of_a_user_of_their_party(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin = admin_of("JP")
    user_id = make_user("JP", "editor", email="locked.out@mofa.example")
    user_token = token_for(user_id)

    weak = anonymous_client.post(
        f"{API}/users/{user_id}/password",
        json={"new_password": "aaaaaaaaaaaa"},
        headers=bearer(admin),
    )
    response = anonymous_client.post(
        f"{API}/users/{user_id}/password",
        json={"new_password": GOOD_NEW_PASSWORD},
        headers=bearer(admin),
    )

    assert_problem(weak, 422, "validation-error")
    assert response.status_code == 204, response.text
    assert_problem(me(anonymous_client, user_token), 401, "unauthorized")
    assert_problem(sign_in(anonymous_client, "locked.out@mofa.example"), 401, "invalid-credentials")
    assert (
        sign_in(anonymous_client, "locked.out@mofa.example", GOOD_NEW_PASSWORD).status_code == 200
    )


def test_an_admin_resets_the_second_factor_of_a_user_of_their_party(
    anonymous_client: TestClient,
) -> None:
    make_world()
    admin_secret = pyotp.random_base32()
    admin = token_for(
        make_user("JP", "admin", email="jp-admin@test.example", totp_secret=admin_secret)
    )
    user_id = make_user(
        "JP", "approver", email="lost.phone@mofa.example", totp_secret=pyotp.random_base32()
    )
    user_token = token_for(user_id)

    response = anonymous_client.post(
        f"{API}/users/{user_id}/totp/reset",
        json={"current_password": DEFAULT_PASSWORD, "current_code": pyotp.TOTP(admin_secret).now()},
        headers=bearer(admin),
    )

    assert response.status_code == 200, response.text
    assert response.json()["totp_enabled"] is False
    assert_problem(me(anonymous_client, user_token), 401, "unauthorized")
    signed_in = sign_in(anonymous_client, "lost.phone@mofa.example")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["scope"] == "enrol_totp"


def test_an_admin_cannot_manage_users_of_another_party(anonymous_client: TestClient) -> None:
    make_world()
    nato_admin = admin_of("NATO")
    user_id = make_user("JP", "editor", email="japanese@mofa.example")

    reset = anonymous_client.post(
        f"{API}/users/{user_id}/password",
        json={"new_password": GOOD_NEW_PASSWORD},
        headers=bearer(nato_admin),
    )

    assert_problem(reset, 404, "not-found")
    assert sign_in(anonymous_client, "japanese@mofa.example").status_code == 200


def test_the_daily_purge_forgets_stale_counters_and_old_familiar_addresses(
    anonymous_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from itpp_api.auth.throttle import purge_stale

    login_limits(monkeypatch, familiar_days=30)
    make_world()
    make_user("JP", "editor", email="regular@mofa.example")
    assert sign_in(anonymous_client, "regular@mofa.example").status_code == 200
    sign_in(anonymous_client, "stranger@mofa.example", "guess")
    sign_in(anonymous_client, "recent@mofa.example", "guess")
    long_ago = utcnow() - timedelta(days=31)
    with transaction(write=True) as session:
        session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) != "account:recent@mofa.example")
            .values(window_started_at=long_ago, blocked_until=long_ago)
        )

    with transaction(write=True) as session:
        purged = purge_stale(session=session)

    # The stranger's account counter, the address counter and the old familiar pair.
    assert purged == 3
    assert list(throttle_rows()) == ["account:recent@mofa.example"]
