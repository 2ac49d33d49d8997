"""Claiming, replaying and releasing Idempotency-Keys (kept in the database, so every API
process sees the same keys).

A key belongs to the token that sent it, and is looked at only once that token has been
authenticated: a revoked or unknown token's retry is answered like any request of it (401),
never with a stored response. Responses that carry a secret are not kept (see `complete`).
"""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import orjson
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from itpp_api.auth.service import check_token, touch_token
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.errors import Unauthorized
from itpp_api.idempotency.models import IdempotencyRecord

# Response headers worth replaying (those the contract documents for the stored answers);
# the rest are recomputed by the server.
REPLAYED_HEADERS = ("content-type", "etag", "location", "www-authenticate")
# Answers that say "not now" rather than answering the request: a retry with the same key
# must run the request again, not replay them (a replayed 429 would last for the key's 24 h).
_NOT_KEPT = frozenset({429})


def key_hash(token_id: uuid.UUID, key: str) -> str:
    """What the store keeps of a key: a hash of it with the token that sent it."""
    return hashlib.sha256(f"{token_id.hex}\n{key}".encode()).hexdigest()


def fingerprint(secret: str, method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests 'the same request' for a key: an HMAC under the token's secret
    (which the server does not keep), so the store holds nothing a body could be guessed from."""
    digest = hmac.new(secret.encode(), digestmod=hashlib.sha256)
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def carries_secret(headers: list[tuple[str, str]]) -> bool:
    """Whether a response says it carries a secret (`Cache-Control: no-store`)."""
    return any(name == "cache-control" and "no-store" in value.lower() for name, value in headers)


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key.

    `unauthenticated`: the token is not valid; the request runs as if it carried no key (and
    is refused with 401). `withheld`: the first response carried a secret and is not replayed.
    """

    outcome: Literal["claimed", "replay", "mismatch", "in_flight", "withheld", "unauthenticated"]
    key_hash: str = ""
    status: int | None = None
    headers: list[tuple[str, str]] | None = None
    body: bytes | None = None


def claim(*, secret: str, key: str, method: str, path: str, query: bytes, body: bytes) -> Claim:
    """Authenticate the token, then claim its key for this request, or say why not (replay,
    mismatch, still in flight, withheld)."""
    settings = get_settings()
    now = utcnow()
    hashed = ""
    try:
        with transaction(write=True) as session:
            try:
                actor, touch = check_token(session=session, secret=secret)
            except Unauthorized:
                return Claim("unauthenticated")
            if touch is not None:
                touch_token(touch, session=session)
            assert actor.token_id is not None
            hashed = key_hash(actor.token_id, key)
            request_fingerprint = fingerprint(secret, method, path, query, body)
            record = session.scalars(
                select(IdempotencyRecord)
                .where(col(IdempotencyRecord.key_hash) == hashed)
                .with_for_update()
            ).first()
            if record is not None and record.expires_at <= now:
                session.delete(record)
                session.flush()
                record = None
            if record is None:
                session.add(
                    IdempotencyRecord(
                        key_hash=hashed,
                        fingerprint=request_fingerprint,
                        state="in_flight",
                        started_at=now,
                        expires_at=now + timedelta(hours=settings.idempotency_ttl_hours),
                    )
                )
                return Claim("claimed", key_hash=hashed)
            if record.fingerprint != request_fingerprint:
                return Claim("mismatch", key_hash=hashed)
            if record.state == "withheld":
                return Claim("withheld", key_hash=hashed, status=record.response_status)
            if record.state == "completed":
                headers = [
                    (str(name), str(value))
                    for name, value in orjson.loads(record.response_headers or "[]")
                ]
                return Claim(
                    "replay",
                    key_hash=hashed,
                    status=record.response_status,
                    headers=headers,
                    body=(record.response_body or "").encode(),
                )
            if now - record.started_at < timedelta(seconds=settings.idempotency_in_flight_seconds):
                return Claim("in_flight", key_hash=hashed)
            # The first attempt never finished (its process died): this one takes over.
            record.started_at = now
            session.add(record)
            return Claim("claimed", key_hash=hashed)
    except IntegrityError:
        # Another process inserted the same key a moment before us.
        return Claim("in_flight", key_hash=hashed)


def complete(*, key_hash: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    """Store the response so retries replay it; a server error or a 429 frees the key.

    A response that carries a secret (`Cache-Control: no-store`: a new API token, a calendar
    feed URL, a second-factor seed) is not stored at all: a retry is told it was withheld.
    Storing it would keep the secret in the clear for the key's lifetime, and the secret
    cannot be derived again (only its hash is kept).
    """
    with transaction(write=True) as session:
        record = session.get(IdempotencyRecord, key_hash)
        if record is None:
            return
        if status >= 500 or status in _NOT_KEPT:
            session.delete(record)
            return
        if carries_secret(headers):
            record.state = "withheld"
            record.response_status = status
            session.add(record)
            return
        record.state = "completed"
        record.response_status = status
        record.response_headers = orjson.dumps(
            [[k, v] for k, v in headers if k in REPLAYED_HEADERS]
        ).decode()
        record.response_body = body.decode("utf-8", errors="replace")
        session.add(record)


def release(*, key_hash: str) -> None:
    """Free a claimed key after the request failed without a response."""
    with transaction(write=True) as session:
        session.execute(
            delete(IdempotencyRecord).where(
                col(IdempotencyRecord.key_hash) == key_hash,
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
