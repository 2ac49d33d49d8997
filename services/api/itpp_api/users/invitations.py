"""Invitations: an admin adds a user who chooses their own password through a one-time link.

The invited user is recorded inactive, with a random password nobody knows; the link lets them
choose one (the password policy of auth/passwords.py), which makes them active. The link:

- is `<web>/invitation/<token>`, the token being `<invitation id>.<HMAC-SHA256 of it>` under
  the key that signs the mails' unsubscribe links (with a purpose of its own), so the worker
  that mails it later needs nothing secret from the database; the database keeps only the
  token's SHA-256 (`token_hash`), the key stays out of it;
- works once (`used_at`, set under the invitation's row lock: two submissions at once cannot
  both succeed) and until `expires_at` (ITPP_INVITATION_HOURS after the invitation);
- answers the same 404 `/problems/invitation-invalid` whether it was used, expired, forged or
  never existed.

The mail goes out through the notification worker (worker.deliver_one_invitation): the
invitation's row is its own place in the outbox, written in the invitation's transaction.
"""

import base64
import hashlib
import hmac
import html
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User, UserInvitation
from itpp_api.auth.service import actor_for, revoke_all_tokens
from itpp_api.config import Settings, get_settings
from itpp_api.db import get_engine, table_of, transaction, utcnow
from itpp_api.enums import Role
from itpp_api.errors import NotFound
from itpp_api.notifications import unsubscribe
from itpp_api.notifications.sending import MAX_ERROR_LENGTH, retry_delay, send_and_mark
from itpp_api.notifications.texts import language_for, text

_PURPOSE = b"itpp-invitation-v1"
_TOKEN = re.compile(r"^(?P<id>[0-9a-f]{32})\.(?P<mac>[A-Za-z0-9_-]{43})$")
MAX_TOKEN_LENGTH = 100


class InvitationInvalid(NotFound):
    """A set-password link that was used, expired, forged or never existed (one answer)."""

    slug = "invitation-invalid"
    title = "This invitation link is not valid"


def _invalid() -> InvitationInvalid:
    return InvitationInvalid(
        "This link is not valid: it was already used, it expired, or it is incomplete. Ask "
        "your party's admin for a new invitation."
    )


def secret_key(settings: Settings) -> bytes:
    return unsubscribe.secret_key(settings)


def _mac(key: bytes, invitation_hex: str) -> str:
    digest = hmac.new(key, b"\0".join((_PURPOSE, invitation_hex.encode())), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def token_for(key: bytes, invitation_id: uuid.UUID) -> str:
    return f"{invitation_id.hex}.{_mac(key, invitation_id.hex)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_for(settings: Settings, invitation_id: uuid.UUID) -> str:
    return f"{settings.mail_web_url}/invitation/{token_for(secret_key(settings), invitation_id)}"


def _well_signed(token: str) -> bool:
    match = _TOKEN.match(token) if len(token) <= MAX_TOKEN_LENGTH else None
    if match is None:
        return False
    expected = _mac(secret_key(get_settings()), match["id"])
    return hmac.compare_digest(expected, match["mac"])


def unusable_password_hash() -> str:
    """A hash of a random password nobody knows (slow: Argon2; callers run in a thread)."""
    # Imported here, for a real reason: auth.passwords loads zxcvbn's word lists, which the
    # notification worker (it imports this module to send invitations) never needs.
    from itpp_api.auth.passwords import hash_password

    return hash_password(secrets.token_urlsafe(32))


def invite(
    *,
    session: Session,
    actor: Actor,
    user: User,
) -> UserInvitation:
    """Record the invitation of a user just created inactive (users.service.create_user), and
    queue its mail."""
    policy.authorize_manage_users(actor, user.party_id)
    settings = get_settings()
    invitation_id = uuid.uuid4()
    now = utcnow()
    invitation = UserInvitation(
        id=invitation_id,
        user_id=user.id,
        invited_by=actor.user_id,
        token_hash=hash_token(token_for(secret_key(settings), invitation_id)),
        created_at=now,
        expires_at=now + timedelta(hours=settings.invitation_hours),
        mail_next_at=now,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="invite",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
        after={"invitation_expires_at": invitation.expires_at},
    )
    return invitation


def pending_user_ids(*, session: Session, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these users have an invitation not used and not expired."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(UserInvitation.user_id).where(
                col(UserInvitation.user_id).in_(user_ids),
                col(UserInvitation.used_at).is_(None),
                UserInvitation.expires_at > utcnow(),
            )
        )
    )


@dataclass(frozen=True)
class OpenInvitation:
    invitation: UserInvitation
    user: User


def open_invitation(*, session: Session, token: str, for_update: bool = False) -> OpenInvitation:
    """The invitation a link names, while it may still be used; else 404 invitation-invalid."""
    if not _well_signed(token):
        raise _invalid()
    statement = select(UserInvitation).where(UserInvitation.token_hash == hash_token(token))
    if for_update:
        statement = statement.with_for_update()
    invitation = session.scalars(statement).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise _invalid()
    # The invitation, then its user (an admin's change to the user waits, or is waited for).
    user = session.get(User, invitation.user_id, with_for_update=for_update)
    if user is None:
        raise _invalid()
    return OpenInvitation(invitation=invitation, user=user)


def accept(*, session: Session, opened: OpenInvitation, password_hash: str) -> User:
    """Use the link: the user's password is set, the user becomes active, the link is spent."""
    invitation, user = opened.invitation, opened.user
    now = utcnow()
    invitation.used_at = now
    session.add(invitation)
    user.password_hash = password_hash
    user.password_changed_at = now
    user.is_active = True
    user.updated_at = now
    session.add(user)
    revoke_all_tokens(session=session, user_id=user.id)
    session.flush()
    audit.record(
        session=session,
        actor=actor_for(user, None),
        action="accept_invitation",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
        before={"is_active": False},
        after={"is_active": True},
    )
    return user


def invitation_to_dict(opened: OpenInvitation) -> dict[str, object]:
    user = opened.user
    return {
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "role": Role(user.role).value,
        "expires_at": opened.invitation.expires_at,
    }


# --- the mail -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationMail:
    invitation_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    email: str
    display_name: str
    language: str


def message_id(invitation_id: uuid.UUID) -> str:
    return f"<invitation-{invitation_id}@itpp-tracker.invalid>"


def compose(mail: InvitationMail, *, settings: Settings) -> EmailMessage:
    """The invitation mail (plain text and HTML) in the invitee's language."""
    language = language_for(mail.language)
    link = link_for(settings, mail.invitation_id)
    subject_line = text(language, "subject.invitation")
    greeting = text(language, "greeting", name=mail.display_name)
    body = text(
        language,
        "body.invitation",
        expires=mail.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
        email=mail.email,
    )
    footer = text(language, "footer.invitation")
    message = EmailMessage()
    message["Subject"] = subject_line
    message["From"] = settings.mail_sender
    message["To"] = Address(display_name=mail.display_name, addr_spec=mail.email)
    message["Message-ID"] = message_id(mail.invitation_id)
    message["Date"] = format_datetime(mail.created_at)
    message["Auto-Submitted"] = "auto-generated"
    message["X-ITPP-Notification-Kind"] = "invitation"
    message.set_content(f"{greeting}\n\n{body}\n\n{link}\n\n-- \n{footer}\n")
    e = html.escape
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{e(subject_line)}</title></head>\n<body>\n"
        f"<p>{e(greeting)}</p>\n<p>{e(body)}</p>\n"
        f'<p><a href="{e(link)}">{e(link)}</a></p>\n'
        f'<hr>\n<p style="color:#555;font-size:smaller">{e(footer)}</p>\n'
        "</body></html>\n",
        subtype="html",
    )
    message["Content-Language"] = language
    return message


_I = table_of(UserInvitation).c
_IU = table_of(User).c


def _claim(*, engine: Engine, settings: Settings, now: datetime) -> InvitationMail | None:
    """Take the invitation mail due first (still usable), for one attempt; as worker.claim."""
    due = (
        _I.mail_sent_at.is_(None),
        _I.mail_next_at <= now,
        _I.mail_attempts < settings.worker_max_attempts,
        _I.used_at.is_(None),
        _I.expires_at > now,
    )
    with transaction(write=False, snapshot=False, engine=engine) as session:
        if session.scalar(core_select(_I.id).where(*due).limit(1)) is None:
            return None
    statement = (
        core_select(
            _I.id,
            _I.created_at,
            _I.expires_at,
            _IU.email,
            _IU.display_name,
            _IU.preferred_language,
        )
        .join(table_of(User), _IU.id == _I.user_id)
        .where(*due)
        .order_by(_I.mail_next_at)
        .limit(1)
        .with_for_update(skip_locked=True, of=table_of(UserInvitation))
    )
    with transaction(write=True, engine=engine) as session:
        row = session.execute(statement).first()
        if row is None:
            return None
        session.execute(
            update(table_of(UserInvitation))
            .where(_I.id == row.id)
            .values(
                mail_attempts=_I.mail_attempts + 1,
                mail_next_at=now + timedelta(seconds=settings.worker_lease_seconds),
            )
        )
    return InvitationMail(
        invitation_id=row.id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        email=row.email,
        display_name=row.display_name,
        language=row.preferred_language,
    )


def _mark(*, engine: Engine, invitation_id: uuid.UUID, values: dict[str, object]) -> None:
    with transaction(write=True, engine=engine) as session:
        session.execute(
            update(table_of(UserInvitation))
            .where(_I.id == invitation_id, _I.mail_sent_at.is_(None))
            .values(values)
        )


def deliver_one_invitation(
    *,
    transport: Any,
    settings: Settings,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> bool:
    """Claim, send and mark one due invitation mail; False when none is due. The same rules as
    the notifications' (worker.py): retries with back-off, given up after the last attempt or
    when the server refuses the address for good."""
    engine = engine or get_engine()
    mail = _claim(engine=engine, settings=settings, now=clock())
    if mail is None:
        return False

    def failed(error: str, permanent: bool) -> None:
        with transaction(write=False, engine=engine) as session:
            attempts = session.scalar(
                core_select(_I.mail_attempts).where(_I.id == mail.invitation_id)
            )
        attempts = int(attempts or 1)
        values: dict[str, object] = {"mail_next_at": clock() + retry_delay(attempts, settings)}
        if permanent:
            values["mail_attempts"] = max(attempts, settings.worker_max_attempts)
        values["mail_last_error"] = error[:MAX_ERROR_LENGTH]
        _mark(engine=engine, invitation_id=mail.invitation_id, values=values)

    send_and_mark(
        transport=transport,
        message=lambda: compose(mail, settings=settings),
        what=f"invitation {mail.invitation_id}",
        to=mail.email,
        failed=failed,
        sent=lambda: _mark(
            engine=engine,
            invitation_id=mail.invitation_id,
            values={"mail_sent_at": clock(), "mail_last_error": None},
        ),
    )
    return True
