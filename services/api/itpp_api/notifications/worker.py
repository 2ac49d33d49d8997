"""The delivery worker (`itpp worker`): sends due notifications at least once, with retries.

One notification at a time: claim (a short write transaction) → send (no transaction open) →
mark sent or failed (another short one). The claim adds an attempt and pushes the row's
next_attempt_at a lease ahead, so no other worker takes it while it is being sent; if this
worker dies before marking it, the row is due again when the lease ends and is sent again —
with the same Message-ID, so the mail client keeps one. Several workers may run: on PostgreSQL
the claim skips rows another worker's claim has locked (FOR UPDATE SKIP LOCKED); on SQLite
claims queue on the database's write lock (BEGIN IMMEDIATE), one at a time.

A failed attempt waits ITPP_WORKER_RETRY_SECONDS, doubling with each further failure up to
ITPP_WORKER_RETRY_MAX_SECONDS; after ITPP_WORKER_MAX_ATTEMPTS attempts the notification is
given up: its row stays, unsent, with the last error. So is, at once, a notification whose
address the server refuses for good (5xx), or whose recipient was deactivated.
Between deliveries, at its start and then every ITPP_WORKER_REMINDER_SECONDS, the worker
queues the reminders now due (reminders.py); each is queued once, however many workers run.

Invitation mails (users/invitations.py: each invitation's row is its own place in the outbox)
go out after the single notifications, under the same rules.
Notifications queued for a recipient's daily digest are not claimed one by one: after the
single mails, `deliver_due` sends the digests that are due (digest.py), under the same rules.
"""

import logging
import threading
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from itpp_api.auth.models import User
from itpp_api.config import Settings
from itpp_api.db import get_engine, table_of, transaction, utcnow
from itpp_api.notifications.digest import deliver_one_digest
from itpp_api.notifications.mail import Delivery, compose
from itpp_api.notifications.models import Notification
from itpp_api.notifications.reminders import queue_reminders
from itpp_api.notifications.sending import (
    MAX_ERROR_LENGTH,
    Clock,
    retry_delay,
    send_and_mark,
    unsubscribe_url,
)
from itpp_api.notifications.transports import Transport
from itpp_api.users.invitations import deliver_one_invitation
from itpp_api.webhooks import delivery as webhook_delivery

log = logging.getLogger(__name__)

_N = table_of(Notification).c
_U = table_of(User).c


def claim(*, engine: Engine, settings: Settings, now: datetime) -> Delivery | None:
    """Take the notification due first, if any, for one attempt (its lease starts now)."""
    statement = (
        select(
            _N.id,
            _N.kind,
            _N.payload,
            _N.message_id,
            _N.created_at,
            _N.recipient_id,
            _U.email,
            _U.display_name,
            _U.preferred_language,
        )
        .join(table_of(User), _U.id == _N.recipient_id)
        .where(
            _N.sent_at.is_(None),
            _N.next_attempt_at <= now,
            _N.attempts < settings.worker_max_attempts,
            _N.digest.is_(False),  # a digest's rows go out together (digest.py)
            _U.is_active.is_(True),
        )
        .order_by(_N.next_attempt_at)
        .limit(1)
        # PostgreSQL: a row another worker is claiming is skipped, not waited for. SQLite
        # renders no FOR UPDATE: the transaction already holds the write lock.
        .with_for_update(skip_locked=True, of=table_of(Notification))
    )
    # Idle polls read only: on SQLite they never take the write lock the API's writers queue on.
    with transaction(write=False, snapshot=False, engine=engine) as session:
        anything_due = session.scalar(
            select(_N.id)
            .where(
                _N.sent_at.is_(None),
                _N.next_attempt_at <= now,
                _N.attempts < settings.worker_max_attempts,
                _N.digest.is_(False),
            )
            .limit(1)
        )
    if anything_due is None:
        return None
    with transaction(write=True, engine=engine) as session:
        row = session.execute(statement).first()
        if row is None:
            _give_up_for_inactive_recipients(session=session, settings=settings)
            return None
        session.execute(
            update(table_of(Notification))
            .where(_N.id == row.id)
            .values(
                attempts=_N.attempts + 1,
                next_attempt_at=now + timedelta(seconds=settings.worker_lease_seconds),
            )
        )
    return Delivery(
        notification_id=row.id,
        kind=row.kind,
        payload=row.payload,
        message_id=row.message_id,
        created_at=row.created_at,
        recipient_email=row.email,
        recipient_name=row.display_name,
        recipient_language=row.preferred_language,
        recipient_id=row.recipient_id,
    )


def _give_up_for_inactive_recipients(*, session: Session, settings: Settings) -> None:
    """A deactivated account gets no mail: its pending notifications are given up."""
    inactive = select(_U.id).where(_U.is_active.is_(False))
    session.execute(
        update(table_of(Notification))
        .where(
            _N.sent_at.is_(None),
            _N.attempts < settings.worker_max_attempts,
            _N.recipient_id.in_(inactive),
        )
        .values(attempts=settings.worker_max_attempts, last_error="the recipient is deactivated")
    )


def mark_sent(*, engine: Engine, notification_id: uuid.UUID, now: datetime) -> None:
    with transaction(write=True, engine=engine) as session:
        session.execute(
            update(table_of(Notification))
            .where(_N.id == notification_id)
            .values(sent_at=now, last_error=None)
        )


def mark_failed(
    *,
    engine: Engine,
    settings: Settings,
    notification_id: uuid.UUID,
    error: str,
    now: datetime,
    permanent: bool = False,
) -> None:
    """Record a failed attempt; the row is due again after the back-off, or given up (after
    the last attempt, or at once when the failure is `permanent`)."""
    with transaction(write=True, engine=engine) as session:
        attempts = session.scalar(
            select(_N.attempts).where(_N.id == notification_id, _N.sent_at.is_(None))
        )
        if attempts is None:  # sent meanwhile by a worker that reclaimed it
            return
        values: dict[str, object] = {"next_attempt_at": now + retry_delay(attempts, settings)}
        if permanent:
            error = f"gave up: the server refused the recipient for good: {error}"
            values["attempts"] = max(attempts, settings.worker_max_attempts)
        elif attempts >= settings.worker_max_attempts:
            error = f"gave up after {attempts} attempts: {error}"
        values["last_error"] = error[:MAX_ERROR_LENGTH]
        session.execute(
            update(table_of(Notification)).where(_N.id == notification_id).values(values)
        )


def deliver_one(
    *,
    transport: Transport,
    settings: Settings,
    engine: Engine | None = None,
    clock: Clock = utcnow,
) -> bool:
    """Claim, send and mark one due notification; False when none is due."""
    engine = engine or get_engine()
    delivery = claim(engine=engine, settings=settings, now=clock())
    if delivery is None:
        return False
    send_and_mark(
        transport=transport,
        message=lambda: compose(
            delivery,
            sender=settings.mail_sender,
            web_url=settings.mail_web_url,
            unsubscribe_url=unsubscribe_url(settings, delivery.recipient_id, [delivery.kind]),
        ),
        what=f"notification {delivery.notification_id} ({delivery.kind})",
        to=delivery.recipient_email,
        failed=lambda error, permanent: mark_failed(
            engine=engine,
            settings=settings,
            notification_id=delivery.notification_id,
            error=error,
            now=clock(),
            permanent=permanent,
        ),
        sent=lambda: mark_sent(
            engine=engine, notification_id=delivery.notification_id, now=clock()
        ),
    )
    return True


def deliver_due(
    *,
    transport: Transport,
    settings: Settings,
    engine: Engine | None = None,
    clock: Clock = utcnow,
    stop: threading.Event | None = None,
) -> int:
    """Deliver (or attempt) every notification due now, then every daily digest due; returns
    how many mails were attempted."""
    attempted = 0
    while not (stop is not None and stop.is_set()):
        if not deliver_one(transport=transport, settings=settings, engine=engine, clock=clock):
            break
        attempted += 1
    while not (stop is not None and stop.is_set()):
        if not deliver_one_invitation(
            transport=transport, settings=settings, engine=engine, clock=clock
        ):
            break
        attempted += 1
    while not (stop is not None and stop.is_set()):
        if not deliver_one_digest(
            transport=transport, settings=settings, engine=engine, clock=clock
        ):
            break
        attempted += 1
    return attempted


def run(
    *, transport: Transport, settings: Settings, stop: threading.Event, engine: Engine | None = None
) -> None:
    """Deliver until `stop` is set (SIGTERM): the mail being sent is finished first; queue the
    due reminders at the start and every ITPP_WORKER_REMINDER_SECONDS."""
    reminders_due = time.monotonic()
    try:
        while not stop.is_set():
            if time.monotonic() >= reminders_due:
                try:
                    queue_reminders(engine=engine)
                except Exception:
                    log.exception("queuing reminders failed; trying again at the next step")
                reminders_due = time.monotonic() + settings.worker_reminder_seconds
            try:
                attempted = deliver_due(
                    transport=transport, settings=settings, engine=engine, stop=stop
                )
                attempted += webhook_delivery.deliver_due(
                    settings=settings, engine=engine, stop=stop
                )
            except Exception:
                # The database is away (a restart, a network cut): try again after a pause.
                log.exception("notification delivery failed; retrying")
                attempted = 0
            if not attempted:
                transport.close()  # an idle SMTP connection is not kept open
                stop.wait(settings.worker_poll_seconds)
    finally:
        transport.close()
