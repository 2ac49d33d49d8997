"""Rules and queries for review cycles.

A review is `scheduled → open → concluded`. Its due dates follow from the plan (schedule.py)
and are materialized when the plan is approved. Opening a review takes a snapshot of every
live commitment; each party then records its own assessment of each one, the agreed rating is
recorded separately (so a disagreement stays visible), and every party's approver signs the
review off. A sign-off is of the text as it stood: changing the summary, the outcome or an
agreed rating withdraws every sign-off given so far. Concluding sets each commitment's health
to its agreed rating.

ETags: a review's ETag names what the parties sign (status, summary, outcome and the agreed
ratings); an item's ETag moves with its agreed rating and with either party's assessment.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.policy import Action
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, utcnow
from itpp_api.enums import CommitmentStatus, Health, PlanStatus, ReviewStatus, Visibility
from itpp_api.errors import Conflict, Forbidden, NotFound
from itpp_api.localized import (
    pop_translation_request,
    record_translations,
    texts_of,
    translations_view,
)
from itpp_api.notifications import service as notifications
from itpp_api.notifications.kinds import NotificationKind
from itpp_api.parties.models import Party
from itpp_api.plans.lifecycle import effective_status, ensure_plan_writable
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.plans.service import load_in_plan, parties_of_plans
from itpp_api.reviews.models import ReviewAssessment, ReviewCycle, ReviewItem, ReviewSignOff
from itpp_api.reviews.schedule import review_schedule
from itpp_api.reviews.schemas import (
    AgreeWherePartiesAgree,
    AssessmentWrite,
    ReviewItemUpdate,
    ReviewUpdate,
    SignOffNeed,
    SkipReason,
)
from itpp_api.updates import service as updates
from itpp_api.wire import etag_of, make_etag

_C = table_of(Commitment).c
_I = table_of(ReviewItem).c
_A = table_of(ReviewAssessment).c
_PA = table_of(PriorityArea).c
_MAX_LISTED = 10


def review_etag(review: ReviewCycle, own_internal: int = 0) -> str:
    """The review's ETag as one reader sees it: what the parties sign — its status, summary,
    outcome and the agreed ratings of the shared commitments (the review's row version) — and,
    for a party with internal commitments under review, the state of their items
    (`own_internal`, the sum of those items' versions), which only that party sees. A change the
    other party may not learn of never moves the ETag it reads."""
    return etag_of(review.id.hex, review.row_version, str(own_internal) if own_internal else "")


def _own_internal_versions(
    session: Session, actor: Actor, review_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """For each review, the sum of the versions of its items the actor sees that are internal
    (to the actor's party; every party's, for the system), in one query."""
    if not review_ids:
        return {}
    rows = session.execute(
        core_select(_I.review_id, func.sum(_I.row_version))
        .join(table_of(Commitment), _C.id == _I.commitment_id)
        .where(
            _I.review_id.in_(review_ids),
            _C.visibility == Visibility.INTERNAL.value,
            policy.visible_commitments(_C, actor),
        )
        .group_by(_I.review_id)
    ).all()
    return {review_id: int(total or 0) for review_id, total in rows}


def reader_etag(*, session: Session, actor: Actor, review: ReviewCycle) -> str:
    """The review's ETag as the actor reads it (what If-Match is compared with)."""
    return review_etag(
        review, _own_internal_versions(session, actor, [review.id]).get(review.id, 0)
    )


def item_etag(item: ReviewItem) -> str:
    return make_etag(item.id, item.row_version)


def will_be_held(status: str, plan_status: PlanStatus) -> bool:
    """Whether a review is (or was) held: an open or concluded one is; a scheduled one only
    while its plan is in force — a superseded, terminated or expired plan's scheduled reviews
    will not be held, so nothing calls them next, due or overdue."""
    return status != ReviewStatus.SCHEDULED.value or plan_status in (
        PlanStatus.ACTIVE,
        PlanStatus.DRAFT,
    )


def overdue(status: str, due_date: date, plan_status: PlanStatus, on: date) -> bool:
    """Not concluded, due date passed, and the plan still in force (so it can still be held)."""
    return (
        status != ReviewStatus.CONCLUDED.value
        and due_date < on
        and plan_status is PlanStatus.ACTIVE
    )


def is_overdue(review: ReviewCycle, plan: Plan, on: date | None = None) -> bool:
    on = on or today()
    return overdue(review.status, review.due_date, effective_status(plan, on), on)


def _owner(visibility: str, lead_party_id: uuid.UUID) -> uuid.UUID | None:
    """The party an event about an internal commitment's review is restricted to."""
    return lead_party_id if visibility == Visibility.INTERNAL.value else None


def _visible(statement: Any, actor: Actor) -> Any:
    if actor.is_system:
        return statement
    return statement.where(policy.visible_commitments(_C, actor))


# --- reads --------------------------------------------------------------------------------


def get_review(
    *,
    session: Session,
    actor: Actor,
    review_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, ReviewCycle]:
    """A review the actor may `action`, with its plan; NotFound if the plan is not theirs."""
    return load_in_plan(
        session=session,
        model=ReviewCycle,
        record_id=review_id,
        actor=actor,
        noun="review",
        action=action,
        for_update=for_update,
    )


def get_item(
    *,
    session: Session,
    actor: Actor,
    review: ReviewCycle,
    item_id: uuid.UUID,
    for_update: bool = False,
) -> tuple[ReviewItem, Commitment]:
    """An item of the review and its commitment; NotFound when the actor may not see it.

    Item and commitment are read in one query under the commitment's visibility filter: an
    item of a commitment internal to another party is missing exactly like an unknown id.
    """
    statement = (
        select(ReviewItem, Commitment)
        .join(Commitment, col(Commitment.id) == col(ReviewItem.commitment_id))
        .where(ReviewItem.id == item_id, ReviewItem.review_id == review.id)
    )
    if not actor.is_system:
        statement = statement.where(policy.visible_commitments(_C, actor))
    if for_update:
        statement = statement.with_for_update()
    found = session.execute(statement).first()
    if found is None:
        raise NotFound(f"Review {review.number} has no item {item_id}.")
    item, commitment = found
    return item, commitment


def _summary_dict(
    review: ReviewCycle, plan: Plan, on: date, allowed: policy.Actions, etag: str
) -> dict[str, Any]:
    return {
        "id": review.id,
        "plan_id": review.plan_id,
        "number": review.number,
        "period_start": review.period_start,
        "period_end": review.period_end,
        "due_date": review.due_date,
        "is_final": review.is_final,
        "status": review.status,
        "outcome": review.outcome,
        "is_overdue": is_overdue(review, plan, on),
        "will_be_held": will_be_held(review.status, effective_status(plan, on)),
        "opened_at": review.opened_at,
        "concluded_at": review.concluded_at,
        "etag": etag,
        "allowed_actions": allowed,
    }


def list_reviews(*, session: Session, actor: Actor, plan: Plan) -> list[dict[str, Any]]:
    """A plan's review cycles in order, each with what the actor may do with it (reviews are
    held one at a time: at most one is open, and only its readiness is read)."""
    on = today()
    reviews = list(
        session.scalars(
            select(ReviewCycle)
            .where(ReviewCycle.plan_id == plan.id)
            .order_by(col(ReviewCycle.number))
        )
    )
    own_internal = _own_internal_versions(session, actor, [r.id for r in reviews])
    actions = policy.PlanActions.of(actor, plan)
    parties: list[Party] | None = None
    out = []
    earlier_pending = False
    for review in reviews:
        readiness = None
        agreeable = False
        if review.status == ReviewStatus.OPEN.value:
            if parties is None:
                parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
            readiness = _readiness(session, actor, review, parties)
            if actions.consents and actions.writes:
                rows = _item_rows(session, actor, review.id)
                agreeable = any(i["agreeable"] for i in _items(session, actor, parties, rows, ()))
        allowed = _review_actions(
            actions, review, readiness, earlier_pending=earlier_pending, agreeable=agreeable
        )
        etag = review_etag(review, own_internal.get(review.id, 0))
        out.append(_summary_dict(review, plan, on, allowed, etag))
        earlier_pending = earlier_pending or review.status != ReviewStatus.CONCLUDED.value
    return out


def _review_actions(
    actions: policy.PlanActions,
    review: ReviewCycle,
    readiness: "_Readiness | None",
    *,
    earlier_pending: bool,
    agreeable: bool = False,
) -> policy.Actions:
    """What the actor may do with the review (`readiness`: an open review's, as they read it;
    `agreeable`: an item they see can be agreed where the parties agree)."""
    party = actions.actor.party_id
    return actions.review(
        status=review.status,
        earlier_pending=earlier_pending,
        signed=readiness is not None and party in readiness.signed,
        ready_to_sign=readiness is not None and not readiness.to_sign,
        ready_to_conclude=readiness is not None and not readiness.to_conclude,
        agreeable=agreeable,
    )


def _earlier_pending(session: Session, review: ReviewCycle) -> bool:
    """Whether a review before this one is not concluded yet (reviews are held in order)."""
    earlier = session.scalar(
        select(ReviewCycle.id)
        .where(
            ReviewCycle.plan_id == review.plan_id,
            ReviewCycle.number < review.number,
            ReviewCycle.status != ReviewStatus.CONCLUDED.value,
        )
        .limit(1)
    )
    return earlier is not None


def _user_names(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(col(User.id).in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def _item_rows(
    session: Session, actor: Actor, review_id: uuid.UUID, item_id: uuid.UUID | None = None
) -> list[Any]:
    statement = (
        core_select(
            *_I,
            _C.reference,
            _C.title,
            _C.lead_party_id,
            _C.visibility,
            _PA.code.label("priority_area_code"),
        )
        .join(table_of(Commitment), _C.id == _I.commitment_id)
        .join(table_of(PriorityArea), _PA.id == _C.priority_area_id)
        .where(_I.review_id == review_id)
        .order_by(_C.reference)
    )
    if item_id is not None:
        statement = statement.where(_I.id == item_id)
    return list(session.execute(_visible(statement, actor)))


def agreeable_rating(
    *, visibility: str, ratings: dict[uuid.UUID, str], parties: list[Party], agreed: str | None
) -> str | None:
    """The rating an item would be agreed at where the parties agree: a shared commitment that
    every party of the plan assessed with the same rating and that has no agreed rating yet;
    None otherwise (an internal commitment is rated by its owner alone, one by one)."""
    if agreed is not None or visibility != Visibility.SHARED.value:
        return None
    if not parties or any(p.id not in ratings for p in parties):
        return None
    found = {ratings[p.id] for p in parties}
    return found.pop() if len(found) == 1 else None


def _items(
    session: Session, actor: Actor, parties: list[Party], rows: list[Any], allowed: policy.Actions
) -> list[dict[str, Any]]:
    """Item rows → public dicts, with every party's assessment (one query for all) and what the
    actor may do with each (`allowed`: the same for every item of a review the actor sees)."""
    if not rows:
        return []
    order = {p.id: index for index, p in enumerate(parties)}
    codes = {p.id: p.code for p in parties}
    assessments: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in session.execute(core_select(*_A).where(_A.review_item_id.in_([r.id for r in rows]))):
        assessments[row.review_item_id].append(row)
    names = _user_names(
        session, {a.updated_by for rows_ in assessments.values() for a in rows_ if a.updated_by}
    )
    out = []
    for row in rows:
        own = sorted(assessments.get(row.id, []), key=lambda a: order.get(a.party_id, len(order)))
        ratings = {a.rating for a in own}
        out.append(
            {
                "id": row.id,
                "review_id": row.review_id,
                "commitment": {
                    "id": row.commitment_id,
                    "reference": row.reference,
                    "title": row.title,
                    "priority_area_code": row.priority_area_code,
                    "lead_party_id": row.lead_party_id,
                    "visibility": row.visibility,
                },
                "snapshot": {
                    "status": row.status,
                    "progress": row.progress,
                    "health": row.health,
                    "due_date": row.due_date,
                },
                "assessments": [
                    {
                        "party_id": a.party_id,
                        "party_code": codes.get(a.party_id, "?"),
                        "rating": a.rating,
                        "note": a.note,
                        "recommended_action": a.recommended_action,
                        "updated_by": a.updated_by,
                        "updated_by_name": names.get(a.updated_by) if a.updated_by else None,
                        "updated_at": a.updated_at,
                        "editable": a.party_id == actor.party_id,
                    }
                    for a in own
                ],
                "agreed_rating": row.agreed_rating,
                "agreed_note": row.agreed_note,
                "disagreement": len(ratings) > 1,
                "agreeable": agreeable_rating(
                    visibility=row.visibility,
                    ratings={a.party_id: a.rating for a in own},
                    parties=parties,
                    agreed=row.agreed_rating,
                )
                is not None,
                "etag": make_etag(row.id, row.row_version),
                "updated_at": row.updated_at,
                "sign_offs_withdrawn": [],
                "notice": None,
                "allowed_actions": allowed,
            }
        )
    return out


def _with_updates(
    session: Session, actor: Actor, plan: Plan, review: ReviewCycle, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each item with its commitment's progress updates since the previous review of the plan
    (dated after that review's period, or posted after it concluded), or, for the first review,
    since the plan came into force; for a concluded review, those posted before it concluded."""
    if not items:
        return items
    previous = session.scalars(
        select(ReviewCycle).where(
            ReviewCycle.plan_id == review.plan_id, ReviewCycle.number == review.number - 1
        )
    ).first()
    if previous is not None:
        dated_after: date | None = previous.period_end
        posted_after = previous.concluded_at
    else:
        dated_after = (
            plan.approval_date - timedelta(days=1) if plan.approval_date is not None else None
        )
        posted_after = None
    found = updates.updates_since(
        session=session,
        actor=actor,
        commitment_ids=[item["commitment"]["id"] for item in items],
        lead_party_ids={
            item["commitment"]["id"]: item["commitment"]["lead_party_id"] for item in items
        },
        dated_after=dated_after,
        posted_after=posted_after,
        posted_before=review.concluded_at,
        actions=policy.PlanActions.of(actor, plan),
    )
    for item in items:
        item["updates"] = found.get(item["commitment"]["id"], [])
    return items


def _sign_off_states(
    session: Session, review: ReviewCycle, parties: list[Party]
) -> list[dict[str, Any]]:
    signed = {
        s.party_id: s
        for s in session.scalars(select(ReviewSignOff).where(ReviewSignOff.review_id == review.id))
    }
    names = _user_names(session, {s.user_id for s in signed.values()})
    states = []
    for party in parties:
        sign_off = signed.get(party.id)
        states.append(
            {
                "party_id": party.id,
                "party_code": party.code,
                "signed": sign_off is not None,
                "signed_by": sign_off.user_id if sign_off else None,
                "signed_by_name": names.get(sign_off.user_id) if sign_off else None,
                "signed_at": sign_off.signed_at if sign_off else None,
            }
        )
    return states


def _references(refs: list[str]) -> str:
    shown = ", ".join(refs[:_MAX_LISTED])
    more = len(refs) - _MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


@dataclass(frozen=True)
class _Readiness:
    """What an open review still needs, as one reader may know it.

    Each party signs what it sees: the summary, the outcome and the agreed ratings of the
    shared commitments and of its own internal ones; another party's internal commitments are
    that party's to rate before it signs. So a reader is told only of what they may see, and
    of the other parties' sign-offs — never that (or how many) internal commitments of another
    party wait for a rating: for the reader, that party has simply not signed yet.
    """

    to_sign: list[str]  # before the reader's party can sign it off
    sign_needs: list[SignOffNeed]  # the same, as codes
    to_conclude: list[str]  # before it can be concluded
    signed: frozenset[uuid.UUID]  # the parties that have signed it off


def _readiness(
    session: Session, actor: Actor, review: ReviewCycle, parties: list[Party]
) -> _Readiness:
    needs: list[str] = []
    codes: list[SignOffNeed] = []
    if not review.summary:
        needs.append("a joint summary")
        codes.append(SignOffNeed.SUMMARY)
    if review.outcome is None:
        needs.append("an outcome (continue, amend, renew or terminate)")
        codes.append(SignOffNeed.OUTCOME)
    # Every unrated item, hidden ones included: a review is concluded only when every item is
    # rated. What the reader is told is cut to what the reader may see.
    unrated = session.execute(
        policy.unfiltered(
            core_select(_C.reference, _C.visibility, _C.lead_party_id)
            .join(table_of(ReviewItem), _I.commitment_id == _C.id)
            .where(_I.review_id == review.id, _I.agreed_rating.is_(None))
            .order_by(_C.reference),
            "a review concludes only with every item rated; the reader is told of what they see",
        )
    ).all()
    visible = [r.reference for r in unrated if policy.can_see(actor, r.visibility, r.lead_party_id)]
    if visible:
        needs.append(f"an agreed rating of {_references(visible)}")
        codes.append(SignOffNeed.AGREED_RATINGS)
    # An owner's sign-off covers its internal commitments' ratings (a change to one withdraws
    # it), so these are unrated only while their owner has not signed: the reader learns that.
    not_ready = {
        r.lead_party_id for r in unrated if not policy.can_see(actor, r.visibility, r.lead_party_id)
    }
    signed = frozenset(
        session.scalars(select(ReviewSignOff.party_id).where(ReviewSignOff.review_id == review.id))
    )
    to_conclude = needs + [
        f"the sign-off of {p.code} (by an approver of {p.code})"
        for p in parties
        if p.id not in signed or p.id in not_ready
    ]
    return _Readiness(to_sign=needs, sign_needs=codes, to_conclude=to_conclude, signed=signed)


def review_as_dict(
    *, session: Session, actor: Actor, plan: Plan, review: ReviewCycle
) -> dict[str, Any]:
    """The public representation of a review as the actor may see it, with what the actor may
    do with it and with each of its items."""
    parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    codes = {p.id: p.code for p in parties}
    actions = policy.PlanActions.of(actor, plan)
    is_open = review.status == ReviewStatus.OPEN.value
    readiness = _readiness(session, actor, review, parties) if is_open else None
    earlier_pending = review.status == ReviewStatus.SCHEDULED.value and _earlier_pending(
        session, review
    )
    items = _with_updates(
        session,
        actor,
        plan,
        review,
        _items(
            session,
            actor,
            parties,
            _item_rows(session, actor, review.id),
            actions.review_item(review_status=review.status),
        ),
    )
    disagreements = [
        {
            "item_id": item["id"],
            "commitment_id": item["commitment"]["id"],
            "reference": item["commitment"]["reference"],
            "ratings": {
                codes.get(a["party_id"], a["party_code"]): a["rating"] for a in item["assessments"]
            },
            "agreed_rating": item["agreed_rating"],
        }
        for item in items
        if item["disagreement"]
    ]
    allowed = _review_actions(
        actions,
        review,
        readiness,
        earlier_pending=earlier_pending,
        agreeable=any(item["agreeable"] for item in items),
    )
    return {
        **_summary_dict(
            review, plan, today(), allowed, reader_etag(session=session, actor=actor, review=review)
        ),
        "summary": review.summary,
        "translations": translations_view(review.translations),
        "items": items,
        "disagreements": disagreements,
        "sign_offs": _sign_off_states(session, review, parties),
        "missing": readiness.to_conclude if readiness is not None else [],
        "sign_off_needs": readiness.sign_needs if readiness is not None else [],
        "counts": _counts(items, parties),
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "sign_offs_withdrawn": [],
        "notice": None,
    }


def _counts(items: list[dict[str, Any]], parties: list[Party]) -> dict[str, Any]:
    """How far the review is, over the items the reader sees."""
    assessed = dict.fromkeys((p.code for p in parties), 0)
    for item in items:
        for assessment in item["assessments"]:
            if assessment["party_code"] in assessed:
                assessed[assessment["party_code"]] += 1
    agreed = sum(1 for item in items if item["agreed_rating"] is not None)
    return {
        "items": len(items),
        "assessed": assessed,
        "disagreements": sum(1 for item in items if item["disagreement"]),
        "agreed": agreed,
        "unagreed": len(items) - agreed,
        "agreeable": sum(1 for item in items if item["agreeable"]),
    }


def item_as_dict(
    *, session: Session, actor: Actor, plan: Plan, review: ReviewCycle, item: ReviewItem
) -> dict[str, Any]:
    """The public representation of one review item the actor may see."""
    parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    rows = _item_rows(session, actor, review.id, item.id)
    if not rows:
        raise NotFound(f"Review {review.number} has no item {item.id}.")
    allowed = policy.PlanActions.of(actor, plan).review_item(review_status=review.status)
    return _with_updates(
        session, actor, plan, review, _items(session, actor, parties, rows, allowed)
    )[0]


def review_with_withdrawals(
    *, session: Session, actor: Actor, plan: Plan, review: ReviewCycle, withdrawn: list[str]
) -> dict[str, Any]:
    """A review as written to, with the sign-offs the write withdrew and the notice saying so."""
    body = review_as_dict(session=session, actor=actor, plan=plan, review=review)
    body["sign_offs_withdrawn"] = withdrawn
    body["notice"] = withdrawal_notice(withdrawn)
    return body


def withdrawal_notice(codes: list[str]) -> str | None:
    """What to tell a writer whose change withdrew sign-offs."""
    if not codes:
        return None
    who = " and ".join(codes)
    return (
        f"The sign-off of {who} was withdrawn: it was given to a different text. "
        "Each party's approver needs to sign the review again."
    )


# --- the schedule -------------------------------------------------------------------------


def reschedule(*, session: Session, actor: Actor, plan: Plan) -> None:
    """Re-derive the plan's not-yet-opened reviews from its approval date, term and interval.

    Reviews already opened or concluded are history and stay as they are; the scheduled ones
    after them follow the schedule's due dates after the last of them: updated in place
    (keeping their ids, so calendar entries move rather than duplicate), added or removed.
    A plan without an approval date, or still a draft, has no reviews yet.
    """
    if plan.approval_date is None or plan.status == PlanStatus.DRAFT.value:
        return
    reviews = list(
        session.scalars(
            select(ReviewCycle)
            .where(ReviewCycle.plan_id == plan.id)
            .order_by(col(ReviewCycle.number))
            .with_for_update()
        )
    )
    held = [r for r in reviews if r.status != ReviewStatus.SCHEDULED.value]
    pending = [r for r in reviews if r.status == ReviewStatus.SCHEDULED.value]
    last_due = held[-1].due_date if held else None
    wanted = [
        s
        for s in review_schedule(plan.approval_date, plan.term_months, plan.review_interval_months)
        if last_due is None or s.due_date > last_due
    ]
    first_number = (held[-1].number if held else 0) + 1
    start = last_due or plan.approval_date
    now = utcnow()
    for index, entry in enumerate(wanted):
        values: dict[str, Any] = {
            "number": first_number + index,
            "period_start": start,
            "period_end": entry.period_end,
            "due_date": entry.due_date,
            "is_final": entry.is_final,
        }
        start = entry.due_date
        if index < len(pending):
            review = pending[index]
            before = audit.audited(review)
            if all(getattr(review, k) == v for k, v in values.items()):
                continue
            for name, value in values.items():
                setattr(review, name, value)
            review.updated_at = now
            session.add(review)
            session.flush()
            audit.record(
                session=session,
                actor=actor,
                action="reschedule",
                entity_type="review_cycle",
                entity_id=review.id,
                plan_id=plan.id,
                before=before,
                after=audit.audited(review),
            )
        else:
            review = ReviewCycle(
                plan_id=plan.id,
                number=first_number + index,
                period_start=values["period_start"],
                period_end=entry.period_end,
                due_date=entry.due_date,
                is_final=entry.is_final,
                status=ReviewStatus.SCHEDULED,
            )
            session.add(review)
            session.flush()
            audit.record(
                session=session,
                actor=actor,
                action="schedule",
                entity_type="review_cycle",
                entity_id=review.id,
                plan_id=plan.id,
                after=audit.audited(review),
            )
    for review in pending[len(wanted) :]:
        before = audit.audited(review)
        session.delete(review)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="unschedule",
            entity_type="review_cycle",
            entity_id=review.id,
            plan_id=plan.id,
            before=before,
        )


# --- the lifecycle ------------------------------------------------------------------------


def _require_open(review: ReviewCycle, doing: str) -> None:
    if review.status == ReviewStatus.SCHEDULED.value:
        raise Conflict(f"Review {review.number} is not open yet: open it before {doing}.")
    if review.status == ReviewStatus.CONCLUDED.value:
        raise Conflict(f"Review {review.number} is concluded: it can no longer change.")


def open_review(*, session: Session, actor: Actor, plan: Plan, review: ReviewCycle) -> int:
    """Open a scheduled review: snapshot every live commitment. Returns the number of items."""
    ensure_plan_writable(plan)
    if review.status != ReviewStatus.SCHEDULED.value:
        raise Conflict(f"Review {review.number} is already {review.status}.")
    earlier = session.execute(
        select(ReviewCycle.number, ReviewCycle.status)
        .where(
            ReviewCycle.plan_id == plan.id,
            ReviewCycle.number < review.number,
            ReviewCycle.status != ReviewStatus.CONCLUDED.value,
        )
        .order_by(col(ReviewCycle.number))
    ).first()
    if earlier is not None:
        number, status = earlier
        raise Conflict(
            f"Review {number} is {status}, not concluded: reviews are held in order, "
            f"so review {review.number} opens once review {number} is concluded."
        )
    # Take the key-share locks the items' foreign keys need on every commitment now, before
    # the first audit record locks the chain head: taken one item at a time, after it, a
    # concurrent commitment write (commitment locked, waiting for the chain head) deadlocked.
    commitments = list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.plan_id == plan.id,
                Commitment.status != CommitmentStatus.CANCELLED.value,
            )
            .order_by(col(Commitment.reference))
            .with_for_update(key_share=True)
        )
    )
    for commitment in commitments:
        item = ReviewItem(
            review_id=review.id,
            commitment_id=commitment.id,
            status=commitment.status,
            progress=commitment.progress,
            health=commitment.health,
            due_date=commitment.due_date,
        )
        session.add(item)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="create",
            entity_type="review_item",
            entity_id=item.id,
            plan_id=plan.id,
            owner_party_id=_owner(commitment.visibility, commitment.lead_party_id),
            subject_id=commitment.id,
            after={
                "review_id": review.id,
                "commitment_id": commitment.id,
                "reference": commitment.reference,
                "status": item.status,
                "progress": item.progress,
                "health": item.health,
                "due_date": item.due_date,
            },
        )
    before = audit.audited(review)
    review.status = ReviewStatus.OPEN
    review.opened_at = utcnow()
    review.updated_at = review.opened_at
    session.add(review)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="open",
        entity_type="review_cycle",
        entity_id=review.id,
        plan_id=plan.id,
        before=before,
        after=audit.audited(review),
    )
    notifications.notify(
        session=session,
        actor=actor,
        plan=plan,
        kind=NotificationKind.REVIEW_OPENED,
        subject=notifications.review_subject(review),
    )
    return len(commitments)


def _withdraw_sign_offs(
    session: Session,
    actor: Actor,
    plan: Plan,
    review: ReviewCycle,
    only_party: uuid.UUID | None = None,
) -> list[str]:
    """Withdraw the sign-offs of the review (the text they signed changed); party codes.

    Every party's, or `only_party`'s: the change was to the rating of a commitment internal to
    that party, which no other party signed (nor may learn of)."""
    statement = select(ReviewSignOff).where(ReviewSignOff.review_id == review.id)
    if only_party is not None:
        statement = statement.where(ReviewSignOff.party_id == only_party)
    sign_offs = list(session.scalars(statement))
    if not sign_offs:
        return []
    codes = {p.id: p.code for p in parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]}
    withdrawn = []
    for sign_off in sorted(sign_offs, key=lambda s: codes.get(s.party_id, "")):
        session.delete(sign_off)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="withdraw",
            entity_type="review_sign_off",
            entity_id=sign_off.id,
            plan_id=plan.id,
            before=audit.audited(sign_off),
        )
        withdrawn.append(codes.get(sign_off.party_id, str(sign_off.party_id)))
    return withdrawn


def _touch_review(session: Session, review: ReviewCycle) -> None:
    review.updated_at = utcnow()
    session.add(review)


def update_review(
    *, session: Session, actor: Actor, plan: Plan, review: ReviewCycle, data: ReviewUpdate
) -> list[str]:
    """Change the joint summary or the outcome, or the summary's translation state; returns the
    parties whose sign-off it withdrew (a change of the text they signed withdraws them all; the
    translation state alone is not the text, and withdraws none)."""
    ensure_plan_writable(plan)
    _require_open(review, "writing its summary")
    requested = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(requested)
    changes = {k: v for k, v in requested.items() if getattr(review, k) != v}
    translations = review.translations
    if "summary" in changes or source_languages or reviewed:
        translations = record_translations(
            texts_of(summary=review.summary),
            texts_of(summary=changes.get("summary", review.summary)),
            review.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    if not changes and translations == review.translations:
        return []
    before = audit.audited(review)
    for name, value in changes.items():
        setattr(review, name, value)
    review.translations = translations
    _touch_review(session, review)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="review_cycle",
        entity_id=review.id,
        plan_id=plan.id,
        before=before,
        after=audit.audited(review),
    )
    if not changes:
        return []
    return _withdraw_sign_offs(session, actor, plan, review)


def record_assessment(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    review: ReviewCycle,
    item: ReviewItem,
    commitment: Commitment,
    data: AssessmentWrite,
) -> None:
    """Record or replace the actor's own party's assessment of one item."""
    ensure_plan_writable(plan)
    _require_open(review, "assessing it")
    if actor.party_id is None:
        raise Forbidden("An assessment is a party's own: record it as a user of that party.")
    assessment = session.scalars(
        select(ReviewAssessment)
        .where(
            ReviewAssessment.review_item_id == item.id,
            ReviewAssessment.party_id == actor.party_id,
        )
        .with_for_update()
    ).first()
    values = {
        "rating": data.rating.value,
        "note": data.note,
        "recommended_action": data.recommended_action,
    }
    owner = _owner(commitment.visibility, commitment.lead_party_id)
    if assessment is None:
        assessment = ReviewAssessment(
            review_item_id=item.id,
            party_id=actor.party_id,
            rating=data.rating,
            note=data.note,
            recommended_action=data.recommended_action,
            updated_by=actor.user_id,
        )
        session.add(assessment)
        before = None
        action = "create"
    else:
        if all(getattr(assessment, k) == v for k, v in values.items()):
            return
        before = audit.audited(assessment)
        for name, value in values.items():
            setattr(assessment, name, value)
        assessment.updated_by = actor.user_id
        assessment.updated_at = utcnow()
        session.add(assessment)
        action = "update"
    # An item shows both parties' assessments: its ETag moves with either.
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity_type="review_assessment",
        entity_id=assessment.id,
        plan_id=plan.id,
        owner_party_id=owner,
        subject_id=commitment.id,
        before=before,
        after=audit.audited(assessment),
    )


def update_item(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    review: ReviewCycle,
    item: ReviewItem,
    commitment: Commitment,
    data: ReviewItemUpdate,
) -> list[str]:
    """Record the agreed rating or note; returns the parties whose sign-off it withdrew."""
    ensure_plan_writable(plan)
    _require_open(review, "agreeing ratings")
    changes = {
        k: v for k, v in data.model_dump(exclude_unset=True).items() if getattr(item, k) != v
    }
    if not changes:
        return []
    before = {"agreed_rating": item.agreed_rating, "agreed_note": item.agreed_note}
    for name, value in changes.items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    session.add(item)
    owner = _owner(commitment.visibility, commitment.lead_party_id)
    if owner is None:
        # The agreed ratings are part of what the parties sign. An internal commitment's is
        # signed by its owner only, whose ETag follows the item's version (review_etag): the
        # review itself, which the other party reads, does not change.
        _touch_review(session, review)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="review_item",
        entity_id=item.id,
        plan_id=plan.id,
        owner_party_id=owner,
        subject_id=commitment.id,
        before=before,
        after={"agreed_rating": item.agreed_rating, "agreed_note": item.agreed_note},
    )
    # The rating of a commitment internal to one party was signed by that party only.
    return _withdraw_sign_offs(session, actor, plan, review, owner)


@dataclass(frozen=True)
class AgreeOutcome:
    """What agreeing where the parties agree did: the items agreed, those skipped (and why),
    and the parties whose sign-off it withdrew."""

    agreed: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    withdrawn: list[str]


def agree_where_parties_agree(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    review: ReviewCycle,
    data: AgreeWherePartiesAgree,
) -> AgreeOutcome:
    """Record the agreed rating of every named item that every party assessed alike, in one
    transaction; an item changed since the caller read it (its ETag differs), no longer
    agreeable or not found is skipped and reported. Each agreement is `update_item`'s (its
    audit record, the sign-offs it withdraws). Locks: the review (the caller's), then the named
    items with their commitments in reference order, as a single item's write takes them."""
    ensure_plan_writable(plan)
    _require_open(review, "agreeing ratings")
    seen = {entry.id: entry.etag for entry in data.items}
    statement = (
        select(ReviewItem, Commitment)
        .join(Commitment, col(Commitment.id) == col(ReviewItem.commitment_id))
        .where(ReviewItem.review_id == review.id, col(ReviewItem.id).in_(list(seen)))
        .order_by(col(Commitment.reference))
        .with_for_update()
    )
    if not actor.is_system:
        statement = statement.where(policy.visible_commitments(_C, actor))
    rows = session.execute(statement).all()
    ratings: dict[uuid.UUID, dict[uuid.UUID, str]] = defaultdict(dict)
    if rows:
        for assessment in session.scalars(
            select(ReviewAssessment).where(
                col(ReviewAssessment.review_item_id).in_([item.id for item, _ in rows])
            )
        ):
            ratings[assessment.review_item_id][assessment.party_id] = assessment.rating
    parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    agreed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    withdrawn: set[str] = set()
    for item, commitment in rows:
        if item_etag(item) != seen[item.id].strip():
            skipped.append(_skip(item.id, commitment.reference, SkipReason.CHANGED))
            continue
        rating = agreeable_rating(
            visibility=commitment.visibility,
            ratings=ratings[item.id],
            parties=parties,
            agreed=item.agreed_rating,
        )
        if rating is None:
            skipped.append(_skip(item.id, commitment.reference, SkipReason.NOT_AGREEABLE))
            continue
        withdrawn.update(
            update_item(
                session=session,
                actor=actor,
                plan=plan,
                review=review,
                item=item,
                commitment=commitment,
                data=ReviewItemUpdate(agreed_rating=Health(rating)),
            )
        )
        agreed.append(
            {"item_id": item.id, "reference": commitment.reference, "agreed_rating": rating}
        )
    found = {item.id for item, _ in rows}
    skipped += [_skip(i, None, SkipReason.NOT_FOUND) for i in seen if i not in found]
    return AgreeOutcome(agreed=agreed, skipped=skipped, withdrawn=sorted(withdrawn))


def _skip(item_id: uuid.UUID, reference: str | None, reason: SkipReason) -> dict[str, Any]:
    return {"item_id": item_id, "reference": reference, "reason": reason}


def sign_off(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    review: ReviewCycle,
    party_id: uuid.UUID | None,
) -> bool:
    """Sign the review off for the actor's own party; True if signed now, False if it was."""
    if actor.is_system or actor.user_id is None or actor.party_id is None:
        raise Forbidden("A review is signed off by an approver of a party, signed in.")
    policy.authorize_consent_for(actor, party_id or actor.party_id)
    ensure_plan_writable(plan)
    _require_open(review, "signing it off")
    existing = session.scalars(
        select(ReviewSignOff).where(
            ReviewSignOff.review_id == review.id, ReviewSignOff.party_id == actor.party_id
        )
    ).first()
    if existing is not None:
        return False
    parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    needs = _readiness(session, actor, review, parties).to_sign
    if needs:
        raise Conflict(
            f"Review {review.number} is not ready to sign: it still needs {'; '.join(needs)}."
        )
    record = ReviewSignOff(review_id=review.id, party_id=actor.party_id, user_id=actor.user_id)
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="review_sign_off",
        entity_id=record.id,
        plan_id=plan.id,
        after=audit.audited(record),
    )
    notifications.notify(
        session=session,
        actor=actor,
        plan=plan,
        kind=NotificationKind.REVIEW_SIGNED,
        subject=notifications.review_subject(review),
    )
    return True


def conclude_review(*, session: Session, actor: Actor, plan: Plan, review: ReviewCycle) -> None:
    """Conclude a complete, signed review: each commitment's health becomes its agreed rating."""
    ensure_plan_writable(plan)
    _require_open(review, "concluding it")
    parties = parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    needs = _readiness(session, actor, review, parties).to_conclude
    if needs:
        raise Conflict(
            f"Review {review.number} cannot be concluded yet: it still needs {'; '.join(needs)}."
        )
    rows = session.execute(
        select(ReviewItem, Commitment)
        .join(Commitment, col(Commitment.id) == col(ReviewItem.commitment_id))
        .where(ReviewItem.review_id == review.id)
        .order_by(col(Commitment.reference))
        .with_for_update()
    ).all()
    now = utcnow()
    for item, commitment in rows:
        if commitment.health == item.agreed_rating:
            continue
        before_health = commitment.health
        commitment.health = item.agreed_rating
        commitment.updated_at = now
        session.add(commitment)
        session.flush()
        audit.record(
            session=session,
            actor=actor,
            action="update",
            entity_type="commitment",
            entity_id=commitment.id,
            plan_id=plan.id,
            owner_party_id=_owner(commitment.visibility, commitment.lead_party_id),
            before={"health": before_health},
            after={"health": commitment.health, "review_id": review.id},
        )
    before = audit.audited(review)
    review.status = ReviewStatus.CONCLUDED
    review.concluded_at = now
    _touch_review(session, review)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="conclude",
        entity_type="review_cycle",
        entity_id=review.id,
        plan_id=plan.id,
        before=before,
        after=audit.audited(review),
    )


def reviews_for_calendar(*, session: Session, plans: list[Plan]) -> list[ReviewCycle]:
    """The reviews worth a calendar entry: concluded ones, and the others of running plans."""
    if not plans:
        return []
    running = [
        p.id for p in plans if will_be_held(ReviewStatus.SCHEDULED.value, effective_status(p))
    ]
    return list(
        session.scalars(
            select(ReviewCycle)
            .where(
                col(ReviewCycle.plan_id).in_([p.id for p in plans]),
                or_(
                    col(ReviewCycle.status) == ReviewStatus.CONCLUDED.value,
                    col(ReviewCycle.plan_id).in_(running),
                ),
            )
            .order_by(col(ReviewCycle.plan_id), col(ReviewCycle.number))
        )
    )
