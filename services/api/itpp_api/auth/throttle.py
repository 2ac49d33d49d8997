"""Sign-in throttling kept in the database, so every API process counts the same attempts.

The policy (OWASP ASVS 5.0 V6.1.1 and V6.3.1; NIST SP 800-63B §5.2.2 "increasing wait periods"):

- An attempt is recorded *before* the password is checked, in one short transaction that locks
  the counters and decides whether the attempt may go ahead (`reserve`). Concurrent guesses
  therefore queue on the counters and are limited exactly like the same guesses sent one after
  another; a success then clears what it was charged.
- Accounts are slowed down, never locked: from the `login_slowdown_after`-th consecutive
  failure on, the account's next attempt must wait 1 s, then 2, 4, … up to
  `login_max_delay_seconds` (60 s: at most about 60 guesses an hour). An attempt during the
  wait is refused with 429 and Retry-After before any password is looked at, and is not
  counted. The streak is forgotten after a success or `login_window_minutes` without one.
- The owner is not slowed down by strangers: an address the user signed in from within
  `login_familiar_days` keeps a streak of its own, so failures from elsewhere — anyone who
  knows the e-mail — never make the owner wait there.
- Addresses (an IPv6 /64 counts as one) are limited hard: `login_block_after_per_address`
  failures within `login_window_minutes` refuse every sign-in from it until the window ends.
  The address is the peer's unless a trusted proxy forwards it (auth/addresses.py).
- Approvers and admins also need their second factor: a guessed password alone gets nowhere.
"""

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from itpp_api.auth.models import LoginThrottle
from itpp_api.config import get_settings
from itpp_api.db import utcnow
from itpp_api.errors import TooManyRequests

# An IPv6 client usually holds a whole /64: counting its addresses one by one would let it
# make 2**64 fresh starts.
_IPV6_PREFIX = 64


def account_key(email: str) -> str:
    return f"account:{email.strip().casefold()}"


def address_key(address: str) -> str:
    return f"address:{_address_group(address)}"


def familiar_key(email: str, address: str) -> str:
    # Hashed: the key column is short, and the pair need not be readable.
    pair = f"{email.strip().casefold()}\n{_address_group(address)}".encode()
    return f"familiar:{hashlib.sha256(pair).hexdigest()}"


def _address_group(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:200]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{_IPV6_PREFIX}", strict=False))
    return str(ip)


class SignInsTooFast(TooManyRequests):
    """429: an attempt refused before its password was looked at."""


def _too_many(seconds: float, detail: str) -> SignInsTooFast:
    wait = max(math.ceil(seconds), 1)
    return SignInsTooFast(detail.format(seconds=wait), headers={"Retry-After": str(wait)})


def delay_for(failures: int) -> float:
    """How long an account (or familiar address) waits after its n-th consecutive failure."""
    settings = get_settings()
    if failures < settings.login_slowdown_after or settings.login_max_delay_seconds <= 0:
        return 0.0
    return float(
        min(2 ** (failures - settings.login_slowdown_after), settings.login_max_delay_seconds)
    )


def _insert(
    session: Session, values: dict[str, Any], *, update: dict[str, Any] | None = None
) -> Executable:
    """INSERT a counter row; on a key that exists, nothing (or the `update`)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(**values)
    if update is None:
        return statement.on_conflict_do_nothing(index_elements=["key"])
    return statement.on_conflict_do_update(index_elements=["key"], set_=update)


def _locked(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The counter row of a key, created if new, locked until the transaction ends.

    (On SQLite every writer holds the database's write lock from its BEGIN IMMEDIATE on.)
    """
    session.execute(
        _insert(
            session, {"key": key, "failures": 0, "window_started_at": now, "blocked_until": None}
        )
    )
    return session.scalars(
        select(LoginThrottle)
        .where(col(LoginThrottle.key) == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _familiar(session: Session, key: str, now: datetime) -> LoginThrottle | None:
    """The streak of a familiar (account, address) pair, locked, if the pair is familiar."""
    days = get_settings().login_familiar_days
    if days <= 0:
        return None
    row = session.scalars(
        select(LoginThrottle)
        .where(col(LoginThrottle.key) == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    # window_started_at of a familiar pair: its last successful sign-in.
    if row is None or row.window_started_at + timedelta(days=days) <= now:
        return None
    return row


@dataclass(frozen=True)
class Reservation:
    """An attempt that may go ahead: which streak it was charged to."""

    email: str
    address: str
    familiar: bool


def reserve(*, session: Session, email: str, address: str) -> Reservation:
    """Record one attempt and decide, atomically, whether it may check a password (or 429).

    Call in a write transaction of its own, committed before the password is checked.
    """
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    now = utcnow()
    # Always in this order (account, address, familiar): concurrent attempts never deadlock.
    account = _locked(session, account_key(email), now)
    by_address = _locked(session, address_key(address), now)
    familiar = _familiar(session, familiar_key(email, address), now)

    if by_address.window_started_at + window <= now and (
        by_address.blocked_until is None or by_address.blocked_until <= now
    ):
        by_address.failures = 0
        by_address.window_started_at = now
        by_address.blocked_until = None
    if by_address.blocked_until is not None and by_address.blocked_until > now:
        raise _too_many(
            (by_address.blocked_until - now).total_seconds(),
            "Too many failed sign-ins from your address. Try again in {seconds} seconds.",
        )

    streak = familiar or account
    if (streak.blocked_until or streak.window_started_at) + window <= now:
        # Quiet for a whole window since the last attempt was allowed: a fresh start.
        streak.failures = 0
        streak.blocked_until = None
        if streak is account:
            account.window_started_at = now
    if streak.blocked_until is not None and streak.blocked_until > now:
        raise _too_many(
            (streak.blocked_until - now).total_seconds(),
            "Too many failed sign-ins for this account. Try again in {seconds} seconds.",
        )

    # Charged as a failure until it succeeds.
    by_address.failures += 1
    if by_address.failures >= settings.login_block_after_per_address:
        by_address.blocked_until = now + window
    streak.failures += 1
    streak.blocked_until = now + timedelta(seconds=delay_for(streak.failures))
    session.add_all([account, by_address, *([familiar] if familiar else [])])
    session.flush()
    return Reservation(email=email, address=address, familiar=familiar is not None)


def _refund_address(session: Session, address: str) -> None:
    row = session.scalars(
        select(LoginThrottle)
        .where(col(LoginThrottle.key) == address_key(address))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None or row.failures <= 0:
        return
    row.failures -= 1
    if row.failures < get_settings().login_block_after_per_address:
        row.blocked_until = None
    session.add(row)


def password_proven(*, session: Session, reservation: Reservation) -> None:
    """The password was right but the one-time code is still to come: the address is not
    charged. The account's streak stays as it is (a missing code is not a success)."""
    _refund_address(session, reservation.address)


def succeeded(*, session: Session, reservation: Reservation) -> None:
    """A successful sign-in: forget the streak, uncharge the address, remember the address.

    (In the order `reserve` locks them: account, address, familiar pair.)
    """
    if not reservation.familiar:
        session.execute(
            delete(LoginThrottle).where(col(LoginThrottle.key) == account_key(reservation.email))
        )
    _refund_address(session, reservation.address)
    if get_settings().login_familiar_days <= 0:
        return
    now = utcnow()
    fresh = {"failures": 0, "window_started_at": now, "blocked_until": None}
    key = familiar_key(reservation.email, reservation.address)
    session.execute(_insert(session, {"key": key, **fresh}, update=fresh))


def purge_stale(*, session: Session) -> int:
    """Delete counters nobody needs any more (run with the daily purge); returns how many."""
    settings = get_settings()
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    stale_counters = delete(LoginThrottle).where(
        ~col(LoginThrottle.key).startswith("familiar:"),
        col(LoginThrottle.window_started_at) < now - window,
        (col(LoginThrottle.blocked_until).is_(None))
        | (col(LoginThrottle.blocked_until) < now - window),
    )
    stale_familiar = delete(LoginThrottle).where(
        col(LoginThrottle.key).startswith("familiar:"),
        col(LoginThrottle.window_started_at)
        < now - timedelta(days=max(settings.login_familiar_days, 1)),
    )
    removed = 0
    for statement in (stale_counters, stale_familiar):
        result = session.execute(statement)
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
