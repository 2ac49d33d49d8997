"""The dashboard queries. Aggregates are computed by the database (GROUP BY), so the cost is
a constant number of statements whatever the plan's size."""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy import select as core_select
from sqlmodel import Session

from itpp_api.amendments.models import Amendment
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.db import table_of
from itpp_api.enums import (
    AmendmentStatus,
    CommitmentStatus,
    ExchangeStatus,
    ReviewStatus,
)
from itpp_api.exchanges.models import Exchange
from itpp_api.plans.lifecycle import effective_status
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.reviews.models import ReviewCycle

_C = table_of(Commitment).c
_M = table_of(Milestone).c
_A = table_of(PriorityArea).c
_E = table_of(Exchange).c
_R = table_of(ReviewCycle).c
_AM = table_of(Amendment).c
_CLOSED = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
_LIST_SIZE = 20
_AHEAD = timedelta(days=90)


def _commitments_visible(actor: Actor) -> ColumnElement[bool]:
    return policy.visible_commitments(_C, actor)


def _exchanges_visible(actor: Actor) -> ColumnElement[bool]:
    return policy.visible_exchanges(_E, actor)


def dashboard(*, session: Session, actor: Actor, plan: Plan) -> dict[str, Any]:
    """Everything the dashboard shows about one plan the actor may read."""
    on = today()
    visible = _commitments_visible(actor)
    status_of_plan = effective_status(plan, on)
    result: dict[str, Any] = {
        "plan": {
            "id": plan.id,
            "reference": plan.reference,
            "title": plan.title,
            "status": status_of_plan.value,
            "approval_date": plan.approval_date,
            "expiry_date": plan.expiry_date,
            "days_to_expiry": (plan.expiry_date - on).days if plan.expiry_date else None,
            "allowed_actions": policy.PlanActions(actor, status_of_plan).plan(),
        }
    }

    # 1. Areas × status, with counts and average progress (of commitments not cancelled).
    not_cancelled = _C.status != CommitmentStatus.CANCELLED.value
    rows = session.execute(
        core_select(
            _A.id,
            _A.code,
            _A.short_code,
            _A.title,
            _A.position,
            _C.status,
            func.count(_C.id),
            func.sum(case((not_cancelled, _C.progress), else_=0)),
            func.sum(case((not_cancelled, 1), else_=0)),
        )
        .select_from(table_of(PriorityArea))
        .outerjoin(
            table_of(Commitment),
            and_(_C.priority_area_id == _A.id, _C.plan_id == plan.id, visible),
        )
        .where(_A.plan_id == plan.id, _A.retired_at.is_(None))
        .group_by(_A.id, _A.code, _A.short_code, _A.title, _A.position, _C.status)
        .order_by(_A.position, _A.code)
    )
    areas: dict[uuid.UUID, dict[str, Any]] = {}
    totals = {s.value: 0 for s in CommitmentStatus}
    progress_sum = progress_count = 0
    for area_id, code, short_code, title, _position, status, count, p_sum, p_count in rows:
        area = areas.setdefault(
            area_id,
            {
                "priority_area_id": area_id,
                "code": code,
                "short_code": short_code,
                "title": title,
                "total": 0,
                "by_status": {s.value: 0 for s in CommitmentStatus},
                "_sum": 0,
                "_n": 0,
            },
        )
        if status is None:
            continue
        area["total"] += count
        area["by_status"][status] += count
        area["_sum"] += int(p_sum or 0)
        area["_n"] += int(p_count or 0)
        totals[status] += count
        progress_sum += int(p_sum or 0)
        progress_count += int(p_count or 0)
    area_list = []
    for area in areas.values():
        n = area.pop("_n")
        area["average_progress"] = round(area.pop("_sum") / n, 1) if n else None
        area_list.append(area)
    result["areas"] = area_list
    result["by_status"] = totals
    result["commitments_total"] = sum(totals.values())
    result["average_progress"] = round(progress_sum / progress_count, 1) if progress_count else None

    # 2. Health distribution of live commitments.
    health = {"on_track": 0, "at_risk": 0, "off_track": 0, "unrated": 0}
    for value, count in session.execute(
        core_select(_C.health, func.count(_C.id))
        .where(_C.plan_id == plan.id, visible, not_cancelled)
        .group_by(_C.health)
    ):
        health[value or "unrated"] += count
    result["health"] = health

    # 3. Overdue commitments and milestones, most overdue first.
    result["overdue_commitments"] = [
        {
            "id": r.id,
            "reference": r.reference,
            "title": r.title,
            "due_date": r.due_date,
            "status": r.status,
            "progress": r.progress,
        }
        for r in session.execute(
            core_select(_C.id, _C.reference, _C.title, _C.due_date, _C.status, _C.progress)
            .where(_C.plan_id == plan.id, visible, _C.due_date < on, _C.status.not_in(_CLOSED))
            .order_by(_C.due_date, _C.reference)
            .limit(_LIST_SIZE)
        )
    ]
    result["overdue_milestones"] = [
        {
            "id": r.id,
            "commitment_id": r.commitment_id,
            "commitment_reference": r.reference,
            "title": r.title,
            "due_date": r.due_date,
        }
        for r in session.execute(
            core_select(_M.id, _M.commitment_id, _M.title, _M.due_date, _C.reference)
            .join(table_of(Commitment), _C.id == _M.commitment_id)
            .where(
                _C.plan_id == plan.id,
                visible,
                _M.done_on.is_(None),
                _M.due_date < on,
                _C.status.not_in(_CLOSED),
            )
            .order_by(_M.due_date, _C.reference)
            .limit(_LIST_SIZE)
        )
    ]

    # 4. Exchanges starting in the next 90 days.
    result["upcoming_exchanges"] = [
        {
            "id": r.id,
            "reference": r.reference,
            "kind": r.kind,
            "title": r.title,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "status": r.status,
        }
        for r in session.execute(
            core_select(
                _E.id, _E.reference, _E.kind, _E.title, _E.start_date, _E.end_date, _E.status
            )
            .where(
                _E.plan_id == plan.id,
                _exchanges_visible(actor),
                _E.start_date >= on,
                _E.start_date <= on + _AHEAD,
                _E.status != ExchangeStatus.CANCELLED.value,
            )
            .order_by(_E.start_date, _E.reference)
            .limit(_LIST_SIZE)
        )
    ]

    # 5. Reviews: the next one not concluded, and how many are overdue.
    open_reviews = and_(_R.plan_id == plan.id, _R.status != ReviewStatus.CONCLUDED.value)
    next_review = session.execute(
        core_select(_R.id, _R.number, _R.due_date, _R.status, _R.is_final)
        .where(open_reviews)
        .order_by(_R.due_date, _R.number)
        .limit(1)
    ).first()
    result["next_review"] = (
        {
            "id": next_review.id,
            "number": next_review.number,
            "due_date": next_review.due_date,
            "status": next_review.status,
            "is_final": next_review.is_final,
            "is_overdue": next_review.due_date < on,
            "days_until_due": (next_review.due_date - on).days,
        }
        if next_review
        else None
    )
    result["overdue_reviews"] = session.execute(
        core_select(func.count(_R.id)).where(open_reviews, _R.due_date < on)
    ).scalar_one()

    # 6. Amendments awaiting decisions.
    result["pending_amendments"] = session.execute(
        core_select(func.count(_AM.id)).where(
            _AM.plan_id == plan.id,
            _AM.status.in_([AmendmentStatus.PROPOSED.value, AmendmentStatus.APPROVED.value]),
        )
    ).scalar_one()

    # 7. Recent activity, as the audit log shows it to the actor.
    events = audit.list_events(
        session=session,
        actor=actor,
        filters=audit.EventFilters(plan_id=plan.id),
        before_seq=None,
        limit=10,
    )[:10]
    result["recent_activity"] = audit.events_as_dicts(session=session, actor=actor, events=events)
    return result
