"""Daily digests: a user's notifications queued for the digest, gathered into one mail a day.

A notification is queued for the digest when its recipient chose `daily_digest` for its kind
(preferences.py, at queueing). Every day at ITPP_DIGEST_HOUR (UTC) the notifications queued
before that moment become due; the worker claims all of one recipient's at once, names the
batch (`digest_batch`, kept in the rows) and sends one mail whose Message-ID is the batch's, so
a retry after a failure or a crash sends the same rows under the same Message-ID and a mail
client keeps one. The rows are marked sent only once the server accepted the mail: at least
once, like single notifications. A notification queued while a batch is being sent waits for
the next digest (or, if its moment has passed already, goes in a digest of its own).

Several workers: on PostgreSQL the claim locks the recipient's user row (SKIP LOCKED), so two
workers never split one person's digest; on SQLite claims queue on the write lock.
"""

import base64
import html
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import ColumnElement, Engine, and_, or_, select, update

from itpp_api import clock as clocks
from itpp_api.auth.models import User
from itpp_api.config import Settings
from itpp_api.db import get_engine, table_of, transaction
from itpp_api.notifications.mail import Delivery, add_unsubscribe, describe
from itpp_api.notifications.models import Notification
from itpp_api.notifications.sending import (
    MAX_ERROR_LENGTH,
    Clock,
    retry_delay,
    send_and_mark,
    unsubscribe_url,
)
from itpp_api.notifications.service import MESSAGE_ID_DOMAIN
from itpp_api.notifications.texts import language_for, text
from itpp_api.notifications.transports import Transport

log = logging.getLogger(__name__)

_N = table_of(Notification).c
_U = table_of(User).c


def digest_moment(now: datetime, hour: int) -> datetime:
    """The latest digest time at or before `now`: today's at `hour` UTC, else yesterday's."""
    moment = datetime.combine(now.date(), time(hour), tzinfo=now.tzinfo)
    return moment if moment <= now else moment - timedelta(days=1)


def digest_message_id(batch: uuid.UUID) -> str:
    """The digest's Message-ID: its batch in base32, short enough that the header is never
    folded (a folded Message-ID reads back with a leading space in some parsers)."""
    name = base64.b32encode(batch.bytes).decode().rstrip("=").lower()
    return f"<digest.{name}@{MESSAGE_ID_DOMAIN}>"


@dataclass(frozen=True)
class DigestDelivery:
    """One digest mail to send: its batch, its recipient and its notifications (oldest first)."""

    batch: uuid.UUID
    moment: datetime
    entries: list[Delivery]

    @property
    def recipient(self) -> Delivery:
        return self.entries[0]

    @property
    def kinds(self) -> list[str]:
        return sorted({entry.kind for entry in self.entries})


def _due(*, settings: Settings, now: datetime) -> ColumnElement[bool]:
    """Digest rows that may go now: claimed before (a retry), or queued before the latest
    digest moment."""
    return and_(
        _N.digest.is_(True),
        _N.sent_at.is_(None),
        _N.attempts < settings.worker_max_attempts,
        _N.next_attempt_at <= now,
        or_(
            _N.digest_batch.is_not(None),
            _N.created_at < digest_moment(now, settings.digest_hour),
        ),
    )


def claim_digest(*, engine: Engine, settings: Settings, now: datetime) -> DigestDelivery | None:
    """Take one recipient's due digest, if any, for one attempt (its lease starts now)."""
    due = _due(settings=settings, now=now)
    active = (_U.id == _N.recipient_id) & _U.is_active.is_(True)
    # Idle polls read only (as worker.claim does).
    with transaction(write=False, snapshot=False, engine=engine) as session:
        if session.scalar(select(_N.id).join(table_of(User), active).where(due).limit(1)) is None:
            return None
    with transaction(write=True, engine=engine) as session:
        recipient = session.scalar(
            select(_U.id)
            .join(table_of(Notification), active)
            .where(due)
            .order_by(_N.next_attempt_at)
            .limit(1)
            # One worker per recipient at a time; SQLite holds the write lock already.
            .with_for_update(skip_locked=True, of=table_of(User))
        )
        if recipient is None:
            return None
        mine = and_(due, _N.recipient_id == recipient)
        batch = session.scalar(
            select(_N.digest_batch)
            .where(mine, _N.digest_batch.is_not(None))
            .order_by(_N.next_attempt_at)
            .limit(1)
        )
        if batch is None:
            batch = uuid.uuid4()
            session.execute(
                update(table_of(Notification))
                .where(mine, _N.digest_batch.is_(None))
                .values(digest_batch=batch)
            )
        rows = session.execute(
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
            .where(_N.digest_batch == batch, _N.sent_at.is_(None))
            .order_by(_N.created_at, _N.id)
        ).all()
        session.execute(
            update(table_of(Notification))
            .where(_N.digest_batch == batch, _N.sent_at.is_(None))
            .values(
                attempts=_N.attempts + 1,
                next_attempt_at=now + timedelta(seconds=settings.worker_lease_seconds),
            )
        )
    entries = [
        Delivery(
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
        for row in rows
    ]
    return DigestDelivery(
        batch=batch, moment=digest_moment(now, settings.digest_hour), entries=entries
    )


def compose_digest(
    digest: DigestDelivery, *, sender: str, web_url: str, unsubscribe_url: str | None = None
) -> EmailMessage:
    """The digest mail (multipart/alternative), in the recipient's language."""
    first = digest.recipient
    language = language_for(first.recipient_language)
    count = len(digest.entries)
    described = [describe(entry, language=language, web_url=web_url) for entry in digest.entries]
    subject_key = "digest.subject.one" if count == 1 else "digest.subject"
    subject_line = " ".join(text(language, subject_key, count=count).split())
    inbox = f"{web_url}/me/inbox"
    greeting = text(language, "greeting", name=first.recipient_name)
    intro = text(language, "digest.intro", count=count)
    footer = text(language, "digest.footer")
    settings_link = f"{web_url}/me"
    preferences_words = text(language, "preferences")
    unsubscribe_words = text(language, "digest.unsubscribe")

    message = EmailMessage()
    message["Subject"] = subject_line
    message["From"] = sender
    message["To"] = Address(display_name=first.recipient_name, addr_spec=first.recipient_email)
    message["Message-ID"] = digest_message_id(digest.batch)
    message["Date"] = format_datetime(digest.moment)
    message["Auto-Submitted"] = "auto-generated"
    message["X-ITPP-Notification-Kind"] = "daily_digest"
    add_unsubscribe(message, unsubscribe_url)
    plain_entries = "\n\n".join(
        f"* {entry.subject}\n  {entry.body}\n  {entry.link}" for entry in described
    )
    plain_unsubscribe = f"{unsubscribe_words}\n{unsubscribe_url}\n" if unsubscribe_url else ""
    message.set_content(
        f"{greeting}\n\n{intro}\n\n{plain_entries}\n\n"
        f"{text(language, 'inbox')}\n{inbox}\n\n-- \n{footer}\n"
        f"{preferences_words}\n{settings_link}\n{plain_unsubscribe}"
    )
    e = html.escape
    html_entries = "\n".join(
        f'<li><p><strong><a href="{e(entry.link)}">{e(entry.subject)}</a></strong><br>'
        f"{e(entry.body)}</p></li>"
        for entry in described
    )
    html_unsubscribe = (
        f'<br><a href="{e(unsubscribe_url)}">{e(unsubscribe_words)}</a>' if unsubscribe_url else ""
    )
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{e(subject_line)}</title></head>\n<body>\n"
        f"<p>{e(greeting)}</p>\n<p>{e(intro)}</p>\n<ul>\n{html_entries}\n</ul>\n"
        f'<p><a href="{e(inbox)}">{e(text(language, "inbox"))} {e(inbox)}</a></p>\n'
        f'<hr>\n<p style="color:#555;font-size:smaller">{e(footer)}<br>'
        f'<a href="{e(settings_link)}">{e(preferences_words)}</a>{html_unsubscribe}</p>\n'
        "</body></html>\n",
        subtype="html",
    )
    message["Content-Language"] = language
    return message


def mark_digest_sent(*, engine: Engine, batch: uuid.UUID, now: datetime) -> None:
    with transaction(write=True, engine=engine) as session:
        session.execute(
            update(table_of(Notification))
            .where(_N.digest_batch == batch, _N.sent_at.is_(None))
            .values(sent_at=now, last_error=None)
        )


def mark_digest_failed(
    *,
    engine: Engine,
    settings: Settings,
    batch: uuid.UUID,
    error: str,
    now: datetime,
    permanent: bool = False,
) -> None:
    """Record a failed attempt of the whole digest (worker.mark_failed's rules)."""
    with transaction(write=True, engine=engine) as session:
        attempts = session.scalar(
            select(_N.attempts).where(_N.digest_batch == batch, _N.sent_at.is_(None)).limit(1)
        )
        if attempts is None:
            return
        values: dict[str, object] = {"next_attempt_at": now + retry_delay(attempts, settings)}
        if permanent:
            error = f"gave up: the server refused the recipient for good: {error}"
            values["attempts"] = max(attempts, settings.worker_max_attempts)
        elif attempts >= settings.worker_max_attempts:
            error = f"gave up after {attempts} attempts: {error}"
        values["last_error"] = error[:MAX_ERROR_LENGTH]
        session.execute(
            update(table_of(Notification))
            .where(_N.digest_batch == batch, _N.sent_at.is_(None))
            .values(values)
        )


def deliver_one_digest(
    *,
    transport: Transport,
    settings: Settings,
    engine: Engine | None = None,
    clock: Clock = clocks.now,
) -> bool:
    """Claim, send and mark one due digest; False when none is due."""
    engine = engine or get_engine()
    digest = claim_digest(engine=engine, settings=settings, now=clock())
    if digest is None:
        return False
    if not digest.entries:  # sent meanwhile by a worker whose lease had run out
        return True
    send_and_mark(
        transport=transport,
        message=lambda: compose_digest(
            digest,
            sender=settings.mail_sender,
            web_url=settings.mail_web_url,
            unsubscribe_url=unsubscribe_url(settings, digest.recipient.recipient_id, digest.kinds),
        ),
        what=f"digest {digest.batch} ({len(digest.entries)} notifications)",
        to=digest.recipient.recipient_email,
        failed=lambda error, permanent: mark_digest_failed(
            engine=engine,
            settings=settings,
            batch=digest.batch,
            error=error,
            now=clock(),
            permanent=permanent,
        ),
        sent=lambda: mark_digest_sent(engine=engine, batch=digest.batch, now=clock()),
    )
    return True
