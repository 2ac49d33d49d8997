"""Login throttling kept in the database, so every API process counts the same failures."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from itpp_api.auth.models import LoginThrottle
from itpp_api.config import get_settings
from itpp_api.db import utcnow


@dataclass(frozen=True)
class ThrottleState:
    """Where an account or address stands."""

    blocked_for_seconds: int
    failures: int


def account_key(email: str) -> str:
    return f"account:{email.strip().casefold()}"


def address_key(address: str) -> str:
    return f"address:{address}"


def check(*, session: Session, keys: list[str]) -> int:
    """Seconds until the most blocked of the keys may try again (0: not blocked)."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys)))
    waits = [
        int((row.blocked_until - now).total_seconds()) + 1
        for row in rows
        if row.blocked_until is not None and row.blocked_until > now
    ]
    return max(waits, default=0)


def record_failure(*, session: Session, key: str, block_after: int) -> ThrottleState:
    """Count one failure; block the key for a window once it reaches `block_after`."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    now = utcnow()
    row = session.scalars(
        select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    ).first()
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
    elif row.window_started_at + window <= now and (
        row.blocked_until is None or row.blocked_until <= now
    ):
        row.failures = 0
        row.window_started_at = now
        row.blocked_until = None
    row.failures += 1
    if row.failures >= block_after:
        row.blocked_until = now + window
    session.add(row)
    session.flush()
    blocked = int((row.blocked_until - now).total_seconds()) if row.blocked_until else 0
    return ThrottleState(blocked_for_seconds=blocked, failures=row.failures)


def clear(*, session: Session, key: str) -> None:
    """Forget an account's failures after a successful sign-in."""
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == key))


def delay_for(failures: int) -> float:
    """How long to hold the answer to the n-th failure: doubling from the slowdown point."""
    settings = get_settings()
    if failures < settings.login_slowdown_after:
        return 0.0
    return float(
        min(2 ** (failures - settings.login_slowdown_after), settings.login_max_delay_seconds)
    )
