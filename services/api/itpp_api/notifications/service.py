"""The outbox insert: who hears of an event, and what they are told — one place for the rules.

`notify` is called by the services where the events happen (amendments/service.py: proposed,
decided; reviews/service.py: opened, signed off), in their transaction: the notifications
commit with the change that causes them, or not at all. A message holds only what every party
of the plan sees — the plan, an amendment's number and title, a review's number, who acted and
for which party — never a commitment or exchange, so no party's internal record reaches another
party's mailbox.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session

from itpp_api.amendments.models import Amendment
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.db import table_of
from itpp_api.enums import Role
from itpp_api.notifications.kinds import NotificationKind
from itpp_api.notifications.models import Notification
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan, PlanParty
from itpp_api.reviews.models import ReviewCycle
from itpp_api.webhooks import service as webhooks

MESSAGE_ID_DOMAIN = "itpp-tracker.notifications"

_U = table_of(User).c
_PP = table_of(PlanParty).c
_P = table_of(Party).c


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
    statement = (
        core_select(_U.id)
        .join(table_of(PlanParty), _PP.party_id == _U.party_id)
        .where(
            _PP.plan_id == plan.id,
            _U.is_active.is_(True),
            _U.role.in_([role.value for role in audience.roles]),
        )
        .order_by(_U.id)
    )
    if actor.user_id is not None:
        statement = statement.where(_U.id != actor.user_id)
    if audience.other_parties_only and actor.party_id is not None:
        statement = statement.where(_U.party_id != actor.party_id)
    recipients = list(session.scalars(statement))
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
    for recipient in recipients:
        notification_id = uuid.uuid4()
        session.add(
            Notification(
                id=notification_id,
                recipient_id=recipient,
                kind=kind.value,
                plan_id=plan.id,
                payload=payload,
                message_id=message_id(notification_id),
            )
        )
    webhooks.queue(
        session=session, endpoints=endpoints, plan_id=plan.id, kind=kind, payload=payload
    )
    session.flush()
    return len(recipients)
