"""Claiming, replaying and releasing Idempotency-Keys (kept in the database, so every API
process sees the same keys)."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import orjson
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.idempotency.models import IdempotencyRecord

# Response headers worth replaying (those the contract documents for the stored answers);
# the rest are recomputed by the server.
REPLAYED_HEADERS = ("content-type", "etag", "location", "www-authenticate")
# Answers that say "not now" rather than answering the request: a retry with the same key
# must run the request again, not replay them (a replayed 429 would last for the key's 24 h).
_NOT_KEPT = frozenset({429})


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests 'the same request' for a key."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key."""

    outcome: Literal["claimed", "replay", "mismatch", "in_flight"]
    status: int | None = None
    headers: list[tuple[str, str]] | None = None
    body: bytes | None = None


def claim(*, scope: str, key: str, request_fingerprint: str) -> Claim:
    """Claim a key for this request, or say why not (replay, mismatch, still in flight)."""
    settings = get_settings()
    now = utcnow()
    try:
        with transaction(write=True) as session:
            record = session.scalars(
                select(IdempotencyRecord)
                .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
                .with_for_update()
            ).first()
            if record is not None and record.expires_at <= now:
                session.delete(record)
                session.flush()
                record = None
            if record is None:
                session.add(
                    IdempotencyRecord(
                        scope=scope,
                        key=key,
                        fingerprint=request_fingerprint,
                        state="in_flight",
                        started_at=now,
                        expires_at=now + timedelta(hours=settings.idempotency_ttl_hours),
                    )
                )
                return Claim("claimed")
            if record.fingerprint != request_fingerprint:
                return Claim("mismatch")
            if record.state == "completed":
                headers = [
                    (str(name), str(value))
                    for name, value in orjson.loads(record.response_headers or "[]")
                ]
                return Claim(
                    "replay",
                    status=record.response_status,
                    headers=headers,
                    body=(record.response_body or "").encode(),
                )
            if now - record.started_at < timedelta(seconds=settings.idempotency_in_flight_seconds):
                return Claim("in_flight")
            # The first attempt never finished (its process died): this one takes over.
            record.started_at = now
            session.add(record)
            return Claim("claimed")
    except IntegrityError:
        # Another process inserted the same key a moment before us.
        return Claim("in_flight")


def complete(
    *, scope: str, key: str, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    """Store the response so retries replay it; a server error or a 429 frees the key."""
    with transaction(write=True) as session:
        record = session.get(IdempotencyRecord, (scope, key))
        if record is None:
            return
        if status >= 500 or status in _NOT_KEPT:
            session.delete(record)
            return
        record.state = "completed"
        record.response_status = status
        record.response_headers = orjson.dumps(
            [[k, v] for k, v in headers if k in REPLAYED_HEADERS]
        ).decode()
        record.response_body = body.decode("utf-8", errors="replace")
        session.add(record)


def release(*, scope: str, key: str) -> None:
    """Free a claimed key after the request failed without a response."""
    with transaction(write=True) as session:
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.scope) == scope,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.state) == "in_flight",
            )
        )


def purge_expired() -> int:
    """Delete expired keys; returns how many."""
    with transaction(write=True) as session:
        result = session.execute(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0)
