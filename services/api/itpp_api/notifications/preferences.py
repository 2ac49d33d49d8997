"""Each user's notification preferences: read them, change them (If-Match), and turn one kind
off from a mail's unsubscribe link — the one place that writes them.

Where a preference applies: when a notification is queued (service.notify), not when it is
delivered. A row's fate is decided in the transaction of the event that caused it — a mail of
its own, a place in the next digest, or nothing queued — and a later change of preference
applies to later events only. So a change never loses a notification already queued (turning a
kind off does not drop what is in the queue) nor duplicates one (a row queued for the digest is
never also sent alone, nor the other way round), and the worker needs no second look at
preferences between claiming a row and sending it.
"""

import hashlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.db import table_of, utcnow
from itpp_api.enums import Role, TokenScope
from itpp_api.notifications.kinds import NotificationDelivery, NotificationKind
from itpp_api.notifications.models import NotificationPreference

_NP = table_of(NotificationPreference).c
DEFAULT = NotificationDelivery.IMMEDIATELY


def preferences_of(*, session: Session, user_id: uuid.UUID) -> dict[str, str]:
    """Every kind's delivery for a user, the default where they chose none (kinds in order)."""
    chosen = {
        kind: delivery
        for kind, delivery in session.execute(
            select(_NP.kind, _NP.delivery).where(_NP.user_id == user_id)
        )
    }
    return {kind.value: chosen.get(kind.value, DEFAULT.value) for kind in NotificationKind}


def etag_of(user_id: uuid.UUID, preferences: dict[str, str]) -> str:
    """The strong ETag of a user's preferences: derived from what they are, so any change
    (here, from an unsubscribe link, or a new kind) changes it without a counter to keep."""
    state = ";".join(f"{kind}={delivery}" for kind, delivery in sorted(preferences.items()))
    return f'"{user_id.hex[:12]}-p{hashlib.sha256(state.encode()).hexdigest()[:16]}"'


def to_dict(user_id: uuid.UUID, preferences: dict[str, str]) -> dict[str, Any]:
    return {"preferences": preferences, "etag": etag_of(user_id, preferences)}


def _apply(
    *, session: Session, actor: Actor, user: User, changes: dict[str, NotificationDelivery]
) -> dict[str, str]:
    """Write the changed kinds and their audit event; the caller holds the user's row lock."""
    before = preferences_of(session=session, user_id=user.id)
    changed = {kind: value for kind, value in changes.items() if before[kind] != value.value}
    for kind, value in changed.items():
        row = session.get(NotificationPreference, (user.id, kind))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind, delivery=value)
        else:
            row.delivery = value
            row.updated_at = utcnow()
        session.add(row)
    if not changed:
        return before
    session.flush()
    after = preferences_of(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor,
        action="update_notification_preferences",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
        before={"notification_preferences": before},
        after={"notification_preferences": after},
    )
    return after


def change_preferences(
    *,
    session: Session,
    actor: Actor,
    user: User,
    changes: dict[NotificationKind, NotificationDelivery],
) -> dict[str, str]:
    """A user changes their own preferences (the router checked If-Match under the lock of
    `user`, so two changes never both pass against the same state)."""
    return _apply(
        session=session,
        actor=actor,
        user=user,
        changes={kind.value: value for kind, value in changes.items()},
    )


def unsubscribe(
    *, session: Session, user_id: uuid.UUID, kinds: tuple[NotificationKind, ...]
) -> bool:
    """Turn the kinds of a mail off from its link (no session: the signed token is the proof).
    False when the user no longer exists or is deactivated."""
    user = session.scalars(
        select(User)
        .where(table_of(User).c.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if user is None or not user.is_active:
        return False
    actor = Actor(
        user_id=user.id,
        party_id=user.party_id,
        role=Role(user.role),
        scope=TokenScope.READ_WRITE,
        email=user.email,
        display_name=user.display_name,
        language=user.preferred_language,
    )
    _apply(
        session=session,
        actor=actor,
        user=user,
        changes={kind.value: NotificationDelivery.OFF for kind in kinds},
    )
    return True


def language_of(*, session: Session, user_id: uuid.UUID) -> str | None:
    """The preferred language of an active user (the unsubscribe page speaks it), else None."""
    row = session.execute(
        select(table_of(User).c.preferred_language, table_of(User).c.is_active).where(
            table_of(User).c.id == user_id
        )
    ).first()
    return row.preferred_language if row is not None and row.is_active else None
