"""The inbox: what waits on the signed-in user or their party, read from the records.

Nothing is stored: each request reads the plans of the user's party, then one query per kind
of record (amendments, reviews, commitments, exchanges) over all those plans, so the cost is a
constant number of statements whatever the number of plans. Commitments, review items and
exchanges are read under the access policy's visibility filter: another party's internal
records never appear, and nothing is counted of them.
"""

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_
from sqlalchemy import select as core_select
from sqlmodel import Session

from itpp_api.amendments import changeset
from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, is_open
from itpp_api.db import table_of, utcnow
from itpp_api.enums import (
    AmendmentStatus,
    Decision,
    ExchangeStatus,
    PlanStatus,
    ReviewStatus,
    Role,
)
from itpp_api.exchanges.models import Exchange
from itpp_api.inbox.schemas import InboxAction, InboxItemKind, SubjectType
from itpp_api.plans.lifecycle import status_as_read
from itpp_api.plans.models import Plan
from itpp_api.reviews.models import ReviewAssessment, ReviewCycle, ReviewItem, ReviewSignOff

API = "/api/v1"
REVIEW_DUE_WITHIN = timedelta(days=30)
STALE_AFTER = timedelta(days=60)
EXCHANGE_WITHIN = timedelta(days=14)
EXPIRY_WITHIN = timedelta(days=90)
PER_KIND = 100

_PL = table_of(Plan).c
_AM = table_of(Amendment).c
_AD = table_of(AmendmentDecision).c
_R = table_of(ReviewCycle).c
_I = table_of(ReviewItem).c
_AS = table_of(ReviewAssessment).c
_SO = table_of(ReviewSignOff).c
_C = table_of(Commitment).c
_E = table_of(Exchange).c
_LIVE_EXCHANGE = (ExchangeStatus.PLANNED.value, ExchangeStatus.CONFIRMED.value)
# Items without a due date (consents) first, then by due date, then by kind.
_KIND_ORDER = {kind: position for position, kind in enumerate(InboxItemKind)}


def _item(
    *,
    kind: InboxItemKind,
    action: InboxAction,
    plan: dict[str, Any],
    subject_type: SubjectType,
    subject_id: uuid.UUID,
    href: str,
    reference: str | None = None,
    number: int | None = None,
    title: dict[str, str] | None = None,
    due_date: date | None = None,
    consent_kind: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "action": action.value,
        "plan": plan,
        "subject": {
            "type": subject_type.value,
            "id": subject_id,
            "reference": reference,
            "number": number,
            "title": title,
        },
        "consent_kind": consent_kind,
        "due_date": due_date,
        "href": href,
    }


def inbox(*, session: Session, actor: Actor) -> dict[str, Any]:
    """Everything waiting on the actor (a user of a party) or their party, most urgent first."""
    assert actor.party_id is not None
    party = actor.party_id
    on = today()
    approver = actor.role is Role.APPROVER
    waiting = InboxAction.DECIDE if approver else InboxAction.AWAIT_APPROVER

    plans: dict[uuid.UUID, dict[str, Any]] = {}
    running: list[uuid.UUID] = []  # plans in force: their delivery waits on people
    items: list[dict[str, Any]] = []
    for row in session.execute(
        core_select(
            _PL.id,
            _PL.reference,
            _PL.title,
            _PL.status,
            _PL.expiry_date,
        ).where(_PL.id.in_(policy.party_plans(party)))
    ):
        plan = {"id": row.id, "reference": row.reference, "title": row.title}
        plans[row.id] = plan
        status = status_as_read(row.status, row.expiry_date, on)
        if status is not PlanStatus.ACTIVE:
            continue
        running.append(row.id)
        if row.expiry_date is not None and row.expiry_date - on <= EXPIRY_WITHIN:
            items.append(
                _item(
                    kind=InboxItemKind.PLAN_EXPIRING,
                    action=InboxAction.RENEW,
                    plan=plan,
                    subject_type=SubjectType.PLAN,
                    subject_id=row.id,
                    reference=row.reference,
                    title=row.title,
                    due_date=row.expiry_date,
                    href=f"{API}/plans/{row.id}",
                )
            )
    if not plans:
        return _answer(on, items)

    # Consents: proposed amendments my party has not approved (a rejection closes them).
    approved = exists(
        core_select(_AD.id).where(
            _AD.amendment_id == _AM.id,
            _AD.party_id == party,
            _AD.decision == Decision.APPROVE.value,
        )
    )
    for row in session.execute(
        core_select(_AM.id, _AM.plan_id, _AM.number, _AM.title, _AM.changes)
        .where(
            _AM.plan_id.in_(list(plans)),
            _AM.status == AmendmentStatus.PROPOSED.value,
            not_(approved),
        )
        .order_by(_AM.created_at, _AM.id)
        .limit(PER_KIND)
    ):
        items.append(
            _item(
                kind=InboxItemKind.CONSENT,
                action=waiting,
                plan=plans[row.plan_id],
                subject_type=SubjectType.AMENDMENT,
                subject_id=row.id,
                number=row.number,
                title=row.title,
                consent_kind=changeset.kind_of(changeset.parse(row.changes)).value,
                href=f"{API}/amendments/{row.id}",
            )
        )
    if not running:
        return _answer(on, items)

    # Reviews: open ones my party has not assessed completely (of what it sees) or not signed;
    # scheduled ones due within 30 days.
    unassessed = (
        core_select(func.count(_I.id))
        .select_from(table_of(ReviewItem))
        .join(table_of(Commitment), _C.id == _I.commitment_id)
        .where(
            _I.review_id == _R.id,
            policy.visible_commitments(_C, actor),
            not_(
                exists(
                    core_select(_AS.id).where(_AS.review_item_id == _I.id, _AS.party_id == party)
                )
            ),
        )
        .scalar_subquery()
    )
    signed = exists(core_select(_SO.id).where(_SO.review_id == _R.id, _SO.party_id == party))
    for row in session.execute(
        core_select(
            _R.id,
            _R.plan_id,
            _R.number,
            _R.status,
            _R.due_date,
            unassessed.label("unassessed"),
            signed.label("signed"),
        )
        .where(
            _R.plan_id.in_(running),
            or_(
                _R.status == ReviewStatus.OPEN.value,
                and_(
                    _R.status == ReviewStatus.SCHEDULED.value,
                    _R.due_date <= on + REVIEW_DUE_WITHIN,
                ),
            ),
        )
        .order_by(_R.due_date, _R.id)
        .limit(PER_KIND)
    ):
        if row.status == ReviewStatus.SCHEDULED.value:
            kind, action = InboxItemKind.REVIEW_DUE, InboxAction.PREPARE
        elif row.unassessed:
            kind, action = InboxItemKind.REVIEW_OPEN, InboxAction.ASSESS
        elif not row.signed:
            kind = InboxItemKind.REVIEW_OPEN
            action = InboxAction.SIGN_OFF if approver else InboxAction.AWAIT_APPROVER
        else:
            continue
        items.append(
            _item(
                kind=kind,
                action=action,
                plan=plans[row.plan_id],
                subject_type=SubjectType.REVIEW,
                subject_id=row.id,
                number=row.number,
                due_date=row.due_date,
                href=f"{API}/reviews/{row.id}",
            )
        )

    # Commitments my party leads: overdue, or without an update in 60 days. The partial index of
    # open commitments by (lead party, due date, reference) serves this in its order, so the
    # read stops at the cap instead of reading every commitment of the party's plans; the open
    # criterion is stated as the index states it (`is_open`), for the engines to match the two.
    stale_before = utcnow() - STALE_AFTER
    for row in session.execute(
        core_select(_C.id, _C.plan_id, _C.reference, _C.title, _C.due_date)
        .where(
            _C.plan_id.in_(running),
            _C.lead_party_id == party,
            policy.visible_commitments(_C, actor),
            is_open(_C.status),
            or_(_C.due_date < on, _C.updated_at < stale_before),
        )
        .order_by(_C.due_date, _C.reference)
        .limit(PER_KIND)
    ):
        overdue = row.due_date is not None and row.due_date < on
        items.append(
            _item(
                kind=InboxItemKind.COMMITMENT_OVERDUE
                if overdue
                else InboxItemKind.COMMITMENT_STALE,
                action=InboxAction.UPDATE,
                plan=plans[row.plan_id],
                subject_type=SubjectType.COMMITMENT,
                subject_id=row.id,
                reference=row.reference,
                title=row.title,
                due_date=row.due_date,
                href=f"{API}/commitments/{row.id}",
            )
        )

    # Exchanges my party takes part in, starting within 14 days.
    for row in session.execute(
        core_select(_E.id, _E.plan_id, _E.reference, _E.title, _E.start_date)
        .where(
            _E.plan_id.in_(running),
            policy.visible_exchanges(_E, actor),
            or_(_E.from_party_id == party, _E.to_party_id == party),
            _E.status.in_(_LIVE_EXCHANGE),
            _E.start_date >= on,
            _E.start_date <= on + EXCHANGE_WITHIN,
        )
        .order_by(_E.start_date, _E.reference)
        .limit(PER_KIND)
    ):
        items.append(
            _item(
                kind=InboxItemKind.EXCHANGE_UPCOMING,
                action=InboxAction.ATTEND,
                plan=plans[row.plan_id],
                subject_type=SubjectType.EXCHANGE,
                subject_id=row.id,
                reference=row.reference,
                title=row.title,
                due_date=row.start_date,
                href=f"{API}/exchanges/{row.id}",
            )
        )
    return _answer(on, items)


def _answer(on: date, items: list[dict[str, Any]]) -> dict[str, Any]:
    items.sort(
        key=lambda item: (
            item["due_date"] is not None,
            item["due_date"] or on,
            _KIND_ORDER[InboxItemKind(item["kind"])],
            item["plan"]["reference"],
            item["subject"]["reference"] or "",
            item["subject"]["number"] or 0,
        )
    )
    return {"as_of": on, "count": len(items), "items": items}
