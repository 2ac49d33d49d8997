"""Reminders: the inbox's time-based items, mailed once per occasion by the worker's periodic
step (`queue_reminders`, at the worker's start and every ITPP_WORKER_REMINDER_SECONDS).

What is due is not restated here: it is each party's inbox (inbox/service.py), read for one
of that party's users, and its items of four kinds become notifications:

| inbox item           | notification         | occasion (once per recipient)        |
|----------------------|----------------------|--------------------------------------|
| `review_due`         | `review_due`         | the review, its due date             |
| `commitment_overdue` | `commitment_overdue` | the commitment, its due date         |
| `commitment_stale`   | `commitment_stale`   | the commitment, its last update      |
| `plan_expiring`      | `plan_expiring`      | the plan, its expiry date            |

A new due date, a new silence of 60 days after an update, a renewed term: a new occasion, so
a new reminder; otherwise never a second one, whatever the number of workers and restarts (a
unique key on the outbox row, notifications/service.py `remind`).

Audience: the editors and approvers (the roles that prepare and open a review, update a
commitment, propose and approve a renewal) of the party whose inbox holds the item, and of
that party only. A commitment reminder therefore reaches only the party that leads the
commitment (an internal one is invisible to the other party's inbox in the first place), and
every party's reminders are computed in the same step whatever the other party has, so no
mail, and no mail's absence, tells a party anything of the other's internal records. (The
parties' mails share one delivery queue: right after a step, a large batch of one party's
reminders can delay the other's mails by the time it takes to send them.)
Viewers and administrators get none: they have nothing to do about these items.
"""

import logging
import uuid
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import select as core_select
from sqlmodel import Session

from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, transaction
from itpp_api.enums import Role, TokenScope
from itpp_api.inbox.schemas import InboxItemKind
from itpp_api.inbox.service import inbox
from itpp_api.notifications.kinds import NotificationKind
from itpp_api.notifications.service import AUDIENCES, remind
from itpp_api.plans.models import PlanParty

log = logging.getLogger(__name__)

REMINDED: dict[InboxItemKind, NotificationKind] = {
    InboxItemKind.REVIEW_DUE: NotificationKind.REVIEW_DUE,
    InboxItemKind.COMMITMENT_OVERDUE: NotificationKind.COMMITMENT_OVERDUE,
    InboxItemKind.COMMITMENT_STALE: NotificationKind.COMMITMENT_STALE,
    InboxItemKind.PLAN_EXPIRING: NotificationKind.PLAN_EXPIRING,
}
_ROLES = sorted({role.value for kind in REMINDED.values() for role in AUDIENCES[kind].roles})

_U = table_of(User).c
_PP = table_of(PlanParty).c
_C = table_of(Commitment).c


def _reader(session: Session, party_id: uuid.UUID) -> Actor | None:
    """One of the party's users the reminders are for, whose inbox is read; None: nobody to
    remind. The time-based items depend on the party only (visibility is a party's), never on
    which of its users reads them."""
    row = session.execute(
        core_select(_U.id, _U.role)
        .where(_U.party_id == party_id, _U.is_active.is_(True), _U.role.in_(_ROLES))
        .order_by(_U.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return Actor(user_id=row.id, party_id=party_id, role=Role(row.role), scope=TokenScope.READ)


def _subject(item: dict[str, Any]) -> dict[str, Any]:
    """The item's record as a mail names it (what the party's own inbox shows)."""
    subject = item["subject"]
    due: date | None = item["due_date"]
    return {
        "type": subject["type"],
        "id": str(subject["id"]),
        "reference": subject["reference"],
        "number": subject["number"],
        "title": subject["title"],
        "due_date": due.isoformat() if due is not None else None,
    }


def remind_party(*, session: Session, party_id: uuid.UUID) -> int:
    """Queue the reminders of one party's time-based inbox items not yet queued; returns how
    many notifications were added."""
    reader = _reader(session, party_id)
    if reader is None:
        return 0
    items = [
        item
        for item in inbox(session=session, actor=reader)["items"]
        if InboxItemKind(item["kind"]) in REMINDED
    ]
    stale = [
        item["subject"]["id"]
        for item in items
        if InboxItemKind(item["kind"]) is InboxItemKind.COMMITMENT_STALE
    ]
    # The occasion of a silence is the update it follows.
    last_update = {
        row.id: row.updated_at
        for row in session.execute(core_select(_C.id, _C.updated_at).where(_C.id.in_(stale)))
    }
    queued = 0
    for item in items:
        kind = REMINDED[InboxItemKind(item["kind"])]
        if kind is NotificationKind.COMMITMENT_STALE:
            occasion = last_update[item["subject"]["id"]].isoformat()
        else:
            occasion = item["due_date"].isoformat()
        plan = item["plan"]
        queued += remind(
            session=session,
            party_id=party_id,
            plan={"id": str(plan["id"]), "reference": plan["reference"], "title": plan["title"]},
            kind=kind,
            subject=_subject(item),
            occasion=occasion,
        )
    return queued


def queue_reminders(*, engine: Engine | None = None) -> int:
    """Queue every party's due reminders, one short write transaction per party; returns how
    many notifications were added."""
    with transaction(write=False, engine=engine) as session:
        parties = list(session.scalars(core_select(_PP.party_id).distinct().order_by(_PP.party_id)))
    queued = 0
    for party_id in parties:
        with transaction(write=True, engine=engine) as session:
            queued += remind_party(session=session, party_id=party_id)
    if queued:
        log.info("%d reminder(s) queued", queued)
    return queued
