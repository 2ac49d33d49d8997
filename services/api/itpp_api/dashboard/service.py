"""The dashboard queries. Aggregates are computed by the database (GROUP BY over an index that
covers them), lists read the first rows of an index in their order and stop, so the cost is a
constant number of statements, and each one's work does not grow with the rest of the database.

The statements are built once, with the plan, the day and the viewer's party as parameters
(building a statement and computing its cache key costs more than running it); the visibility
criterion in them is the access policy's, with the viewer's party as its bound parameter.
"""

from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, null, union_all
from sqlalchemy import select as core_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from itpp_api.amendments.models import Amendment
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.dashboard.models import OpenMilestone
from itpp_api.db import PortableJSON, table_of
from itpp_api.enums import (
    AmendmentStatus,
    CommitmentStatus,
    ExchangeStatus,
    PlanStatus,
    ReviewStatus,
)
from itpp_api.exchanges.models import Exchange
from itpp_api.plans.lifecycle import effective_status
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.reviews import service as review_rules
from itpp_api.reviews.models import ReviewCycle

_C = table_of(Commitment).c
_M = table_of(Milestone).c
_OM = table_of(OpenMilestone).c
_A = table_of(PriorityArea).c
_E = table_of(Exchange).c
_R = table_of(ReviewCycle).c
_AM = table_of(Amendment).c
_CLOSED = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
_CANCELLED = CommitmentStatus.CANCELLED.value
_STATUSES = tuple(s.value for s in CommitmentStatus)
_LIST_SIZE = 20
_AHEAD = timedelta(days=90)
_RECENT = 10

_PLAN: BindParameter[Any] = bindparam("plan_id")
_TODAY: BindParameter[Any] = bindparam("today")


@cache
def _statements(system: bool) -> dict[str, Select[Any]]:
    """The dashboard's statements for a party's reader, or for the system (no filter)."""
    # A party's reader is None to the policy: its party is supplied at execution.
    viewer = Actor.system() if system else None
    commitment_visible = policy.visible_commitments(_C, viewer)
    # The plan's live areas, then its visible commitments counted by area, status and health
    # (an index-only scan of ix_commitment_plan_id_priority_area_id_status_health): one round
    # trip. A row with a code is an area; a row without one is a count.
    areas = core_select(
        _A.id.label("area_id"),
        _A.code,
        _A.short_code,
        _A.title,
        _A.position,
        null().label("status"),
        null().label("health"),
        literal(0).label("n"),
        literal(0).label("progress_sum"),
    ).where(_A.plan_id == _PLAN, _A.retired_at.is_(None))
    counts = (
        core_select(
            _C.priority_area_id,
            null(),
            null(),
            null().cast(PortableJSON),
            null(),
            _C.status,
            _C.health,
            func.count(),
            func.sum(_C.progress),
        )
        .where(_C.plan_id == _PLAN, commitment_visible)
        .group_by(_C.priority_area_id, _C.status, _C.health)
    )
    overdue_commitments = (
        core_select(_C.id, _C.reference, _C.title, _C.due_date, _C.status, _C.progress)
        .where(
            _C.plan_id == _PLAN,
            commitment_visible,
            _C.due_date < _TODAY,
            _C.status.not_in(_CLOSED),
        )
        .order_by(_C.due_date, _C.reference)
        .limit(_LIST_SIZE)
    )
    # From the plan's open milestones in due order (open_milestone), the first overdue ones of
    # visible open commitments: the rows read are about the 20 shown, not the plan's milestones.
    overdue_milestones = (
        core_select(_M.id, _M.commitment_id, _M.title, _M.due_date, _C.reference)
        .select_from(
            table_of(OpenMilestone)
            .join(table_of(Milestone), _M.id == _OM.milestone_id)
            .join(table_of(Commitment), _C.id == _M.commitment_id)
        )
        .where(
            # Not also `commitment.plan_id`: that would offer PostgreSQL the plan's commitments as
            # a way in (EXPLAIN chose it for L in a database of a million: 21,421 buffers).
            _OM.plan_id == _PLAN,
            _OM.due_date < _TODAY,
            commitment_visible,
            _M.done_on.is_(None),
            _C.status.not_in(_CLOSED),
        )
        .order_by(_OM.due_date, _C.reference)
        .limit(_LIST_SIZE)
    )
    upcoming_exchanges = (
        core_select(_E.id, _E.reference, _E.kind, _E.title, _E.start_date, _E.end_date, _E.status)
        .where(
            _E.plan_id == _PLAN,
            policy.visible_exchanges(_E, viewer),
            _E.start_date >= _TODAY,
            _E.start_date <= bindparam("ahead"),
            _E.status != ExchangeStatus.CANCELLED.value,
        )
        .order_by(_E.start_date, _E.reference)
        .limit(_LIST_SIZE)
    )
    # The reviews not concluded (a plan has a few: its term over its interval) with the number
    # of amendments awaiting decisions on every row, and once when there is no open review.
    pending = (
        core_select(func.count().label("pending"))
        .where(
            _AM.plan_id == _PLAN,
            _AM.status.in_([AmendmentStatus.PROPOSED.value, AmendmentStatus.APPROVED.value]),
        )
        .subquery("pending_amendments")
    )
    reviews = (
        core_select(pending.c.pending, _R.id, _R.number, _R.due_date, _R.status, _R.is_final)
        .select_from(
            pending.outerjoin(
                table_of(ReviewCycle),
                and_(_R.plan_id == _PLAN, _R.status != ReviewStatus.CONCLUDED.value),
            )
        )
        .order_by(_R.due_date, _R.number)
    )
    return {
        "areas_and_counts": union_all(areas, counts),  # type: ignore[dict-item]
        "overdue_commitments": overdue_commitments,
        "overdue_milestones": overdue_milestones,
        "upcoming_exchanges": upcoming_exchanges,
        "reviews": reviews,
    }


def _empty_statuses() -> dict[str, int]:
    return dict.fromkeys(_STATUSES, 0)


def _areas_and_totals(rows: Any) -> dict[str, Any]:
    """Areas with their counts and average progress, the plan's totals (commitments in live
    areas) and the health of its live (not cancelled) commitments."""
    areas: list[tuple[Any, Any, dict[str, Any]]] = []
    by_id: dict[Any, dict[str, Any]] = {}
    counted = []
    for area_id, code, short_code, title, position, status, health, n, p_sum in rows:
        if code is None:
            counted.append((area_id, status, health, n, p_sum))
            continue
        area = {
            "priority_area_id": area_id,
            "code": code,
            "short_code": short_code,
            "title": title,
            "total": 0,
            "by_status": _empty_statuses(),
            "_sum": 0,
            "_n": 0,
        }
        by_id[area_id] = area
        areas.append((position, code, area))
    totals = _empty_statuses()
    health_counts = {"on_track": 0, "at_risk": 0, "off_track": 0, "unrated": 0}
    progress_sum = progress_count = 0
    for area_id, status, health, n, p_sum in counted:
        live = status != _CANCELLED
        if live:
            health_counts[health or "unrated"] += n
        if area_id not in by_id:  # a retired area's commitments are not in the totals
            continue
        area = by_id[area_id]
        area["total"] += n
        area["by_status"][status] += n
        totals[status] += n
        if live:
            area["_sum"] += int(p_sum or 0)
            area["_n"] += n
            progress_sum += int(p_sum or 0)
            progress_count += n
    area_list = []
    for _position, _code, area in sorted(areas, key=lambda a: (a[0], a[1])):
        n = area.pop("_n")
        area["average_progress"] = round(area.pop("_sum") / n, 1) if n else None
        area_list.append(area)
    return {
        "areas": area_list,
        "by_status": totals,
        "commitments_total": sum(totals.values()),
        "health": health_counts,
        "average_progress": round(progress_sum / progress_count, 1) if progress_count else None,
    }


def _reviews(rows: list[Any], on: date, plan_status: PlanStatus) -> dict[str, Any]:
    pending = rows[0].pending if rows else 0
    # The reviews still to be held: a plan no longer in force holds no scheduled review.
    open_reviews = [
        r for r in rows if r.id is not None and review_rules.will_be_held(r.status, plan_status)
    ]
    first = open_reviews[0] if open_reviews else None
    return {
        "next_review": (
            {
                "id": first.id,
                "number": first.number,
                "due_date": first.due_date,
                "status": first.status,
                "is_final": first.is_final,
                "is_overdue": review_rules.overdue(first.status, first.due_date, plan_status, on),
                "days_until_due": (first.due_date - on).days,
            }
            if first
            else None
        ),
        "overdue_reviews": sum(
            1 for r in open_reviews if review_rules.overdue(r.status, r.due_date, plan_status, on)
        ),
        "pending_amendments": pending,
    }


def dashboard(*, session: Session, actor: Actor, plan: Plan) -> dict[str, Any]:
    """Everything the dashboard shows about one plan the actor may read."""
    on = today()
    statements = _statements(actor.is_system)
    params: dict[str, Any] = {"plan_id": plan.id, "today": on, "ahead": on + _AHEAD}
    if not actor.is_system:
        params[policy.VIEWER_PARTY] = actor.party_id
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
    result.update(_areas_and_totals(session.execute(statements["areas_and_counts"], params)))
    result["overdue_commitments"] = [
        {
            "id": r.id,
            "reference": r.reference,
            "title": r.title,
            "due_date": r.due_date,
            "status": r.status,
            "progress": r.progress,
        }
        for r in session.execute(statements["overdue_commitments"], params)
    ]
    result["overdue_milestones"] = [
        {
            "id": r.id,
            "commitment_id": r.commitment_id,
            "commitment_reference": r.reference,
            "title": r.title,
            "due_date": r.due_date,
        }
        for r in session.execute(statements["overdue_milestones"], params)
    ]
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
        for r in session.execute(statements["upcoming_exchanges"], params)
    ]
    result.update(
        _reviews(list(session.execute(statements["reviews"], params)), on, status_of_plan)
    )
    # Recent activity, as the audit log shows it to the actor.
    events = audit.list_events(
        session=session,
        actor=actor,
        filters=audit.EventFilters(plan_id=plan.id),
        before_seq=None,
        limit=_RECENT,
    )[:_RECENT]
    result["recent_activity"] = audit.events_as_dicts(session=session, actor=actor, events=events)
    return result
