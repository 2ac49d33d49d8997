"""Webhook deliveries in the notification worker: the same claim, lease, back-off and giving
up as mails (notifications/sending.py, whose settings and `retry_delay` these are), over the
webhook_delivery table; `itpp worker`'s one loop calls `deliver_due` after the mails.

One delivery at a time: claim (a short write transaction: an attempt counted, the lease taken;
on PostgreSQL FOR UPDATE SKIP LOCKED, on SQLite the write lock) → POST (no transaction open) →
mark delivered or failed. A 2xx answer is delivered; any other answer, a timeout or a refused
connection is retried after the back-off; a target that is not allowed (targets.py) is given
up at once. Every attempt of a delivery carries the same webhook-id and body, with the
attempt's own timestamp and signature.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine, select, update

from itpp_api.config import Settings
from itpp_api.db import get_engine, table_of, transaction, utcnow
from itpp_api.notifications import sending as outbox
from itpp_api.webhooks import signing
from itpp_api.webhooks.models import WebhookDelivery, WebhookEndpoint
from itpp_api.webhooks.service import request_body, webhook_id
from itpp_api.webhooks.targets import TargetRefused, resolve

log = logging.getLogger(__name__)

_D = table_of(WebhookDelivery).c
_EP = table_of(WebhookEndpoint).c
# Of a receiver's answer, only this much is read and kept (in last_error, for its owner).
MAX_ANSWER_BYTES = 512
USER_AGENT = "ITPP-Tracker-Webhooks/1"
Clock = Callable[[], datetime]
Send = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Attempt:
    """One claimed delivery, with what sending it needs."""

    delivery_id: uuid.UUID
    url: str
    secret: str
    body: bytes


def _due(settings: Settings, now: datetime) -> Any:
    return (
        _D.delivered_at.is_(None),
        _D.next_attempt_at <= now,
        _D.attempts < settings.worker_max_attempts,
        _EP.is_enabled.is_(True),
    )


def claim(*, engine: Engine, settings: Settings, now: datetime) -> Attempt | None:
    """Take the delivery due first, of an enabled endpoint, for one attempt."""
    joined = table_of(WebhookDelivery).join(table_of(WebhookEndpoint), _EP.id == _D.endpoint_id)
    # Idle polls read only (on SQLite they never take the write lock the API's writers need).
    with transaction(write=False, snapshot=False, engine=engine) as session:
        anything_due = session.scalar(
            select(_D.id).select_from(joined).where(*_due(settings, now)).limit(1)
        )
    if anything_due is None:
        return None
    statement = (
        select(_D.id, _D.kind, _D.payload, _D.created_at, _EP.url, _EP.secret)
        .select_from(joined)
        .where(*_due(settings, now))
        .order_by(_D.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True, of=table_of(WebhookDelivery))
    )
    with transaction(write=True, engine=engine) as session:
        row = session.execute(statement).first()
        if row is None:
            return None
        session.execute(
            update(table_of(WebhookDelivery))
            .where(_D.id == row.id)
            .values(
                attempts=_D.attempts + 1,
                next_attempt_at=now + timedelta(seconds=settings.worker_lease_seconds),
            )
        )
    body = orjson.dumps(
        request_body(row.kind, row.created_at, row.payload),
        option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z,
    )
    return Attempt(delivery_id=row.id, url=row.url, secret=row.secret, body=body)


def mark_delivered(
    *, engine: Engine, delivery_id: uuid.UUID, status_code: int, now: datetime
) -> None:
    with transaction(write=True, engine=engine) as session:
        session.execute(
            update(table_of(WebhookDelivery))
            .where(_D.id == delivery_id)
            .values(delivered_at=now, last_status_code=status_code, last_error=None)
        )


def mark_failed(
    *,
    engine: Engine,
    settings: Settings,
    delivery_id: uuid.UUID,
    error: str,
    status_code: int | None,
    now: datetime,
    permanent: bool = False,
) -> None:
    """Record a failed attempt: due again after the mails' back-off, or given up (after the
    last attempt, or at once when the failure is `permanent`)."""
    with transaction(write=True, engine=engine) as session:
        attempts = session.scalar(
            select(_D.attempts).where(_D.id == delivery_id, _D.delivered_at.is_(None))
        )
        if attempts is None:  # delivered meanwhile by a worker that reclaimed it
            return
        values: dict[str, object] = {
            "next_attempt_at": now + outbox.retry_delay(attempts, settings),
            "last_status_code": status_code,
        }
        if permanent:
            error = f"gave up: {error}"
            values["attempts"] = max(attempts, settings.worker_max_attempts)
        elif attempts >= settings.worker_max_attempts:
            error = f"gave up after {attempts} attempts: {error}"
        values["last_error"] = error[: outbox.MAX_ERROR_LENGTH]
        session.execute(
            update(table_of(WebhookDelivery)).where(_D.id == delivery_id).values(values)
        )


def build_request(attempt: Attempt, *, settings: Settings, now: datetime) -> httpx.Request:
    """The signed POST of one attempt, to the address checked now (targets.resolve)."""
    connection = resolve(attempt.url, settings)
    url = httpx.URL(attempt.url)
    extensions: dict[str, Any] = {}
    headers = signing.headers(
        secret=attempt.secret,
        webhook_id=webhook_id(attempt.delivery_id),
        timestamp=int(now.timestamp()),
        body=attempt.body,
    )
    headers["user-agent"] = USER_AGENT
    if connection.address is not None:
        # Connect to the address that was checked; name the host in Host, SNI and the
        # certificate check, as a connection by name would.
        headers["host"] = url.netloc.decode("ascii")
        extensions["sni_hostname"] = connection.host
        url = url.copy_with(host=connection.address)
    return httpx.Request("POST", url, headers=headers, content=attempt.body, extensions=extensions)


def _answer(response: httpx.Response) -> str:
    """The start of the receiver's answer, as text."""
    chunk = b""
    for part in response.iter_bytes():
        chunk += part
        if len(chunk) >= MAX_ANSWER_BYTES:
            break
    text = chunk[:MAX_ANSWER_BYTES].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


def deliver_one(
    *,
    settings: Settings,
    engine: Engine | None = None,
    clock: Clock = utcnow,
    client: httpx.Client | None = None,
) -> bool:
    """Claim, POST and mark one due delivery; False when none is due."""
    engine = engine or get_engine()
    attempt = claim(engine=engine, settings=settings, now=clock())
    if attempt is None:
        return False
    own_client = client is None
    http = client or httpx.Client(timeout=settings.webhook_timeout, follow_redirects=False)
    status_code: int | None = None
    try:
        request = build_request(attempt, settings=settings, now=clock())
        response = http.send(request, stream=True)
        try:
            status_code = response.status_code
            if 200 <= status_code < 300:
                mark_delivered(
                    engine=engine,
                    delivery_id=attempt.delivery_id,
                    status_code=status_code,
                    now=clock(),
                )
                log.info("webhook delivery %s: %d", attempt.delivery_id, status_code)
                return True
            error = f"HTTP {status_code}{_answer(response)}"
        finally:
            response.close()
    except TargetRefused as refused:
        log.warning("webhook delivery %s refused: %s", attempt.delivery_id, refused)
        mark_failed(
            engine=engine,
            settings=settings,
            delivery_id=attempt.delivery_id,
            error=f"the URL's target is not allowed: {refused}",
            status_code=None,
            now=clock(),
            permanent=True,
        )
        return True
    except Exception as exc:  # the network, the receiver, or a URL the client cannot use
        error = f"{type(exc).__name__}: {exc}"
    finally:
        if own_client:
            http.close()
    log.warning("webhook delivery %s failed: %s", attempt.delivery_id, error)
    mark_failed(
        engine=engine,
        settings=settings,
        delivery_id=attempt.delivery_id,
        error=error,
        status_code=status_code,
        now=clock(),
    )
    return True


def deliver_due(
    *,
    settings: Settings,
    engine: Engine | None = None,
    clock: Clock = utcnow,
    stop: threading.Event | None = None,
) -> int:
    """Deliver (or attempt) every webhook due now; returns how many were attempted."""
    attempted = 0
    with httpx.Client(timeout=settings.webhook_timeout, follow_redirects=False) as client:
        while not (stop is not None and stop.is_set()):
            if not deliver_one(settings=settings, engine=engine, clock=clock, client=client):
                break
            attempted += 1
    return attempted
