"""Authentication without races (issue 14): what a burst, a forged X-Forwarded-For or two calls
sent at once with one stolen token could slip through, on SQLite and on PostgreSQL.

Bursts are fired concurrently at the ASGI app (asyncio tasks; the app's database work runs in
worker threads, each with its own connection), so they race the way requests to a live server
do; one test starts the API with `itpp serve api`, as production does.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from sqlmodel import select

from itpp_api.auth.models import AccessToken, User
from itpp_api.auth.passwords import verify_password
from itpp_api.db import transaction, utcnow
from itpp_api.main import create_app
from tests.api.test_sign_in import (
    API,
    DEFAULT_PASSWORD,
    GOOD_NEW_PASSWORD,
    TOKEN_URL,
    assert_problem,
    bearer,
    login_limits,
)
from tests.conftest import Database
from tests.factories import make_user, make_world, token_for
from tests.live_api import ApiProcess, start_served, stop, wait_until_up

# An address no proxy setting trusts (TEST-NET-2), and the loopback where the web service runs.
STRANGER = ("198.51.100.7", 40000)
WEB_SERVICE = ("127.0.0.1", 40001)


@pytest.fixture(autouse=True)
def _close_burst_connections(db: Database) -> Iterator[None]:
    """A burst fills the engine's pool; later tests start from an empty one again."""
    yield
    db.engine.dispose()


def form(email: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": email, "password": password}


async def _burst(
    requests: list[tuple[dict[str, str], dict[str, str]]], peer: tuple[str, int]
) -> list[httpx.Response]:
    """Send every (form, headers) sign-in at once; answers in the order given."""
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False, client=peer)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        tasks = [
            asyncio.ensure_future(client.post(TOKEN_URL, data=data, headers=headers))
            for data, headers in requests
        ]
        return list(await asyncio.gather(*tasks))


def burst(
    requests: list[tuple[dict[str, str], dict[str, str]]], peer: tuple[str, int] = STRANGER
) -> list[httpx.Response]:
    return asyncio.run(_burst(requests, peer))


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the sign-in route checked against a hash (the slow step a guess needs)."""
    checked: list[str] = []

    def counting(password: str, password_hash: str) -> bool:
        checked.append(password)
        return verify_password(password, password_hash)

    monkeypatch.setattr("itpp_api.auth.router.verify_password", counting)
    return checked


def session_tokens(email: str) -> int:
    with transaction(write=False) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return len(list(session.scalars(select(AccessToken).where(AccessToken.user_id == user.id))))


# --- a burst of guesses -------------------------------------------------------------------


@pytest.mark.parametrize("addresses", ["one address", "a new address each time"])
def test_a_burst_of_200_guesses_with_the_right_password_last_is_limited_as_a_sequence_would_be(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    password_checks: list[str],
    addresses: str,
) -> None:
    # From the third failure on, the account waits 1 s, 2 s, 4 s … between attempts. The clock
    # is stopped: sent one after another at this instant, exactly three guesses are checked.
    login_limits(monkeypatch, slowdown_after=3, max_delay_seconds=60)
    instant = utcnow()
    monkeypatch.setattr("itpp_api.auth.throttle.utcnow", lambda: instant)
    make_world()
    make_user("JP", "editor", email="target@mofa.example")
    guesses = [f"wrong guess number {n}" for n in range(199)] + [DEFAULT_PASSWORD]
    if addresses == "one address":
        peer, spoofed = STRANGER, [{} for _ in guesses]
    else:
        # Through the trusted web service, each from another browser: no address limit helps.
        peer = WEB_SERVICE
        spoofed = [{"X-Forwarded-For": f"203.0.{n // 250}.{n % 250 + 1}"} for n in range(200)]

    answers = burst(
        [(form("target@mofa.example", g), h) for g, h in zip(guesses, spoofed, strict=True)],
        peer,
    )

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {401, 429}, statuses
    assert_problem(answers[-1], 429, "too-many-attempts")
    assert DEFAULT_PASSWORD not in password_checks
    assert len(password_checks) == 3, password_checks
    assert statuses.count(401) == 3
    assert statuses.count(429) == 197
    assert session_tokens("target@mofa.example") == 0


def test_an_address_limit_holds_for_a_burst_across_many_accounts(
    db: Database, monkeypatch: pytest.MonkeyPatch, password_checks: list[str]
) -> None:
    login_limits(monkeypatch, block_after_per_address=10)
    make_world()
    make_user("JP", "editor", email="careful@mofa.example")
    guesses = [form(f"guess{n}@mofa.example", "guessed password") for n in range(100)]

    answers = burst([(data, {}) for data in guesses])

    statuses = [a.status_code for a in answers]
    assert statuses.count(401) == 10, statuses
    assert statuses.count(429) == 90
    assert len(password_checks) == 10


# --- whose address counts -----------------------------------------------------------------


def _guesses_with_new_forwarded_for(peer: tuple[str, int], count: int) -> list[int]:
    """Failed sign-ins one after another from `peer`, each claiming another X-Forwarded-For."""
    return [
        burst(
            [(form("nobody@mofa.example", "guess"), {"X-Forwarded-For": f"203.0.113.{n + 1}"})],
            peer,
        )[0].status_code
        for n in range(count)
    ]


def test_a_new_x_forwarded_for_each_time_escapes_the_address_limit_only_from_a_trusted_proxy(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_limits(monkeypatch, block_after_per_address=3)
    make_world()

    from_a_stranger = _guesses_with_new_forwarded_for(STRANGER, 5)
    # The web service on loopback is trusted by default: it forwards each browser's address.
    through_the_web_service = _guesses_with_new_forwarded_for(WEB_SERVICE, 5)
    # Once the web service is elsewhere, loopback is a client like any other.
    monkeypatch.setenv("ITPP_FORWARDED_ALLOW_IPS", "10.20.30.40")
    from itpp_api.config import get_settings

    get_settings.cache_clear()
    from_loopback_untrusted = _guesses_with_new_forwarded_for(("127.0.0.2", 40002), 5)

    assert from_a_stranger == [401, 401, 401, 429, 429]
    assert through_the_web_service == [401] * 5
    assert from_loopback_untrusted == [401, 401, 401, 429, 429]


@pytest.fixture
def served_api(db: Database, tmp_path: Path) -> Iterator[ApiProcess]:
    """The API as production starts it (`itpp serve api`), with the web service configured on
    another host: loopback is not a trusted proxy."""
    env: dict[str, str | None] = {
        "ITPP_DATABASE_URL": db.url,
        "ITPP_FORWARDED_ALLOW_IPS": "10.20.30.40",
        "ITPP_LOGIN_BLOCK_AFTER_PER_ADDRESS": "3",
        "ITPP_LOGIN_SLOWDOWN_AFTER": "1000",
        "FORWARDED_ALLOW_IPS": None,
    }
    api = start_served("api", tmp_path / "api.log", env=env)
    try:
        wait_until_up(api)
        yield api
    finally:
        stop(api)


def test_the_served_api_counts_a_forged_x_forwarded_for_against_the_real_peer(
    served_api: ApiProcess,
) -> None:
    make_world()
    statuses = [
        httpx.post(
            f"{served_api.base_url}{TOKEN_URL}",
            data=form("nobody@mofa.example", "guessed password"),
            headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            timeout=30,
        ).status_code
        for n in range(5)
    ]

    assert statuses == [401, 401, 401, 429, 429], served_api.output()


# --- one stolen token, two calls at once ----------------------------------------------------


async def _at_once(calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False, client=STRANGER)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        return list(
            await asyncio.gather(
                *(client.request(method, url, **kwargs) for method, url, kwargs in calls)
            )
        )


def at_once(calls: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    return asyncio.run(_at_once(calls))


def test_two_password_changes_sent_at_once_with_one_token_do_not_both_succeed(
    db: Database,
) -> None:
    make_world()
    user_id = make_user("JP", "editor", email="victim@mofa.example")
    stolen = token_for(user_id)
    change = f"{API}/users/me/password"

    answers = at_once(
        [
            (
                "POST",
                change,
                {
                    "json": {"current_password": DEFAULT_PASSWORD, "new_password": new},
                    "headers": bearer(stolen),
                },
            )
            for new in (GOOD_NEW_PASSWORD, "copper lantern violet harbour 9")
        ]
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [204, 401], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 401)
    assert_problem(refused, 401, "unauthorized")


def test_an_admins_stolen_token_resets_neither_their_password_nor_their_second_factor_even_at_once(
    db: Database,
) -> None:
    make_world()
    secret = pyotp.random_base32()
    admin_id = make_user("JP", "admin", email="jp-admin@mofa.example", totp_secret=secret)
    stolen = token_for(admin_id)

    answers = at_once(
        [
            (
                "POST",
                f"{API}/users/{admin_id}/password",
                {"json": {"new_password": GOOD_NEW_PASSWORD}, "headers": bearer(stolen)},
            ),
            (
                "POST",
                f"{API}/users/{admin_id}/totp/reset",
                {"json": {"current_password": DEFAULT_PASSWORD}, "headers": bearer(stolen)},
            ),
        ]
    )

    for answer in answers:
        assert_problem(answer, 403, "forbidden")
    with transaction(write=False) as session:
        admin = session.get(User, admin_id)
        assert admin is not None
        assert verify_password(DEFAULT_PASSWORD, admin.password_hash)
        assert admin.totp_secret == secret and admin.totp_confirmed_at is not None


# --- idempotent replays only after authentication -------------------------------------------


def test_a_revoked_tokens_retry_gets_401_never_the_stored_response(db: Database) -> None:
    make_world()
    user_id = make_user("JP", "editor", email="robot.owner@mofa.example")
    stolen = token_for(user_id)
    headers = {**bearer(stolen), "Idempotency-Key": "create-once"}
    body = {"name": "nightly report", "scope": "read_write"}
    (created,) = at_once([("POST", f"{API}/users/me/tokens", {"json": body, "headers": headers})])
    assert created.status_code == 201, created.text
    (signed_out,) = at_once([("POST", f"{API}/auth/logout", {"headers": bearer(stolen)})])
    assert signed_out.status_code == 204

    (retry,) = at_once([("POST", f"{API}/users/me/tokens", {"json": body, "headers": headers})])

    assert_problem(retry, 401, "unauthorized")
    assert created.json()["token"] not in retry.text
    assert "idempotent-replayed" not in retry.headers


def test_an_ipv6_client_counts_as_its_whole_64(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_limits(monkeypatch, block_after_per_address=3)
    make_world()

    statuses = [
        burst([(form("nobody@mofa.example", "guess"), {})], (f"2001:db8:1:2::{n + 1:x}", 40000))[
            0
        ].status_code
        for n in range(4)
    ]
    neighbour = burst([(form("nobody@mofa.example", "guess"), {})], ("2001:db8:1:3::1", 40000))

    assert statuses == [401, 401, 401, 429]
    assert neighbour[0].status_code == 401
