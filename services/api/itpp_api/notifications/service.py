"""The outbox insert: who hears of an event, and what they are told — one place for the rules.

`notify` is called by the services where the events happen (amendments/service.py: proposed,
decided; reviews/service.py: opened, signed off), in their transaction: the notifications
commit with the change that causes them, or not at all. A message holds only what every party
of the plan sees — the plan, an amendment's number and title, a review's number, who acted and
for which party — never a commitment or exchange, so no party's internal record reaches another
party's mailbox.

`remind` is its sibling for reminders (reminders.py): it tells one party's users of an item of
that party's own inbox, once per occasion (a unique key), so a commitment internal to a party is
only ever named to that party.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from itpp_api.amendments.models import Amendment
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.db import table_of, utcnow
from itpp_api.enums import Role
from itpp_api.notifications.kinds import NotificationDelivery, NotificationKind
from itpp_api.notifications.models import Notification, NotificationPreference
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan, PlanParty
from itpp_api.reviews.models import ReviewCycle
from itpp_api.webhooks import service as webhooks

MESSAGE_ID_DOMAIN = "itpp-tracker.notifications"

_U = table_of(User).c
_PP = table_of(PlanParty).c
_P = table_of(Party).c
_NP = table_of(NotificationPreference).c


@dataclass(frozen=True)
class Audience:
    """Who is told of an event: these roles, of every party of the plan or of the others only
    (a party's own decision is news to the other parties)."""

    roles: frozenset[Role]
    other_parties_only: bool


AUDIENCES: dict[NotificationKind, Audience] = {
    NotificationKind.AMENDMENT_PROPOSED: Audience(frozenset({Role.APPROVER}), False),
    NotificationKind.AMENDMENT_DECIDED: Audience(frozenset({Role.APPROVER}), True),
    NotificationKind.REVIEW_OPENED: Audience(frozenset({Role.EDITOR, Role.APPROVER}), False),
    NotificationKind.REVIEW_SIGNED: Audience(frozenset({Role.APPROVER}), True),
    # Reminders go to one party only: the party whose inbox holds the item (`remind`).
    NotificationKind.REVIEW_DUE: Audience(frozenset({Role.EDITOR, Role.APPROVER}), False),
    NotificationKind.COMMITMENT_OVERDUE: Audience(frozenset({Role.EDITOR, Role.APPROVER}), False),
    NotificationKind.COMMITMENT_STALE: Audience(frozenset({Role.EDITOR, Role.APPROVER}), False),
    NotificationKind.PLAN_EXPIRING: Audience(frozenset({Role.EDITOR, Role.APPROVER}), False),
    # Mentions go to the users named, whatever their role (`notify_mentioned`).
    NotificationKind.COMMENT_MENTION: Audience(frozenset(Role), False),
}


def amendment_subject(amendment: Amendment) -> dict[str, Any]:
    """An amendment as a message names it (amendments are shared by every party)."""
    return {
        "type": "amendment",
        "id": str(amendment.id),
        "number": amendment.number,
        "title": amendment.title,
    }


def review_subject(review: ReviewCycle) -> dict[str, Any]:
    """A review as a message names it: its number and due date — never its items."""
    return {
        "type": "review",
        "id": str(review.id),
        "number": review.number,
        "due_date": review.due_date.isoformat(),
    }


def message_id(notification_id: uuid.UUID) -> str:
    return f"<notification.{notification_id}@{MESSAGE_ID_DOMAIN}>"


def _with_preference(recipients: Any, kind: NotificationKind) -> Any:
    """The recipients' statement with each one's preference for this kind as a second column
    (preferences.py: it applies here, at queueing, for events and reminders alike): `off`
    leaves the recipient out, `daily_digest` queues the row for the digest."""
    return (
        recipients.add_columns(_NP.delivery)
        .outerjoin(table_of(NotificationPreference), (_NP.user_id == _U.id) & (_NP.kind == kind))
        .where(_NP.delivery.is_distinct_from(NotificationDelivery.OFF.value))
    )


def _for_digest(delivery: str | None) -> bool:
    return delivery == NotificationDelivery.DAILY_DIGEST.value


def notify(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    kind: NotificationKind,
    subject: dict[str, Any],
    decision: str | None = None,
) -> int:
    """Queue the notifications of one event for its audience, in the caller's transaction (one
    query, one insert); returns how many. The actor is never told of their own act."""
    audience = AUDIENCES[kind]
    statement = _with_preference(
        core_select(_U.id)
        .join(table_of(PlanParty), _PP.party_id == _U.party_id)
        .where(
            _PP.plan_id == plan.id,
            _U.is_active.is_(True),
            _U.role.in_([role.value for role in audience.roles]),
        )
        .order_by(_U.id),
        kind,
    )
    if actor.user_id is not None:
        statement = statement.where(_U.id != actor.user_id)
    if audience.other_parties_only and actor.party_id is not None:
        statement = statement.where(_U.party_id != actor.party_id)
    recipients = [(row[0], row[1]) for row in session.execute(statement)]
    # The parties that hear of the event hear of it by webhook too, with the same payload.
    endpoints = webhooks.endpoints_told(
        session=session,
        plan_id=plan.id,
        kind=kind,
        excluded_party_id=actor.party_id if audience.other_parties_only else None,
    )
    if not recipients and not endpoints:
        return 0
    acting_party = (
        session.scalar(core_select(_P.code).where(_P.id == actor.party_id))
        if actor.party_id is not None
        else None
    )
    payload: dict[str, Any] = {
        "plan": {"id": str(plan.id), "reference": plan.reference, "title": plan.title},
        "subject": subject,
        "actor_name": actor.display_name,
        "actor_party": acting_party,
    }
    if decision is not None:
        payload["decision"] = decision
    for recipient, delivery in recipients:
        notification_id = uuid.uuid4()
        session.add(
            Notification(
                id=notification_id,
                recipient_id=recipient,
                kind=kind,
                plan_id=plan.id,
                payload=payload,
                message_id=message_id(notification_id),
                digest=_for_digest(delivery),
            )
        )
    webhooks.queue(
        session=session, endpoints=endpoints, plan_id=plan.id, kind=kind, payload=payload
    )
    session.flush()
    return len(recipients)


def notify_mentioned(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    user_ids: list[uuid.UUID],
    subject: dict[str, Any],
) -> int:
    """Queue a mention's notification for each user named (comments/service.py has resolved them
    among the users who can read the comment, so an internal comment is never told to another
    party); the actor is never told, nor an inactive user. The payload names the comment and
    the record it is on, never its words."""
    statement = _with_preference(
        core_select(_U.id).where(_U.id.in_(user_ids), _U.is_active.is_(True)).order_by(_U.id),
        NotificationKind.COMMENT_MENTION,
    )
    if actor.user_id is not None:
        statement = statement.where(_U.id != actor.user_id)
    recipients = [(row[0], row[1]) for row in session.execute(statement)]
    if not recipients:
        return 0
    plan = session.get(Plan, plan_id)
    assert plan is not None
    acting_party = (
        session.scalar(core_select(_P.code).where(_P.id == actor.party_id))
        if actor.party_id is not None
        else None
    )
    payload: dict[str, Any] = {
        "plan": {"id": str(plan.id), "reference": plan.reference, "title": plan.title},
        "subject": subject,
        "actor_name": actor.display_name,
        "actor_party": acting_party,
    }
    for recipient, delivery in recipients:
        notification_id = uuid.uuid4()
        session.add(
            Notification(
                id=notification_id,
                recipient_id=recipient,
                kind=NotificationKind.COMMENT_MENTION,
                plan_id=plan.id,
                payload=payload,
                message_id=message_id(notification_id),
                digest=_for_digest(delivery),
            )
        )
    session.flush()
    return len(recipients)


def remind(
    *,
    session: Session,
    party_id: uuid.UUID,
    plan: dict[str, Any],
    kind: NotificationKind,
    subject: dict[str, Any],
    occasion: str,
) -> int:
    """Queue a reminder of one item of a party's inbox for that party's audience, unless it was
    queued for them already on this occasion (the unique key, so several workers and restarts
    queue it once); returns how many rows were added."""
    audience = AUDIENCES[kind]
    recipients = list(
        session.execute(
            _with_preference(
                core_select(_U.id)
                .where(
                    _U.party_id == party_id,
                    _U.is_active.is_(True),
                    _U.role.in_([role.value for role in audience.roles]),
                )
                .order_by(_U.id),
                kind,
            )
        )
    )
    if not recipients:
        return 0
    payload: dict[str, Any] = {
        "plan": plan,
        "subject": subject,
        "actor_name": None,
        "actor_party": None,
    }
    key = f"{kind.value}:{subject['id']}:{occasion}"
    rows = []
    for recipient, delivery in recipients:
        notification_id = uuid.uuid4()
        rows.append(
            {
                "id": notification_id,
                "recipient_id": recipient,
                "kind": kind.value,
                "plan_id": uuid.UUID(plan["id"]),
                "payload": payload,
                "message_id": message_id(notification_id),
                "attempts": 0,
                "next_attempt_at": utcnow(),
                "reminder_key": key,
                "digest": _for_digest(delivery),
                "created_at": utcnow(),
            }
        )
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table_of(Notification))
        .values(rows)
        .on_conflict_do_nothing(index_elements=["recipient_id", "reminder_key"])
        .returning(table_of(Notification).c.id)
    )
    return len(list(session.scalars(statement)))
