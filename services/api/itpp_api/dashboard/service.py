"""The dashboard queries. Aggregates are computed by the database (GROUP BY over an index that
covers them), lists read the first rows of an index in their order and stop, so the cost is a
constant number of statements, and each one's work does not grow with the rest of the database.

The statements are built once, with the plan, the day and the viewer's party as parameters
(building a statement and computing its cache key costs more than running it); the visibility
criterion in them is the access policy's, with the viewer's party as its bound parameter.
"""

import uuid
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    type_coerce,
    union_all,
)
from sqlalchemy import select as core_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from itpp_api.amendments.models import Amendment
from itpp_api.audit import service as audit
from itpp_api.audit.models import AuditEvent
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
_P = table_of(Plan).c
_CLOSED = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
_CANCELLED = CommitmentStatus.CANCELLED.value
_STATUSES = tuple(s.value for s in CommitmentStatus)
_LIST_SIZE = 20
_AHEAD = timedelta(days=90)
_RECENT = 10

_PLAN: BindParameter[Any] = bindparam("plan_id")
_TODAY: BindParameter[Any] = bindparam("today")


@cache
def _statements(system: bool) -> dict[str, Select[Any] | CompoundSelect[Any]]:
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
    upcoming_milestones = (
        core_select(_M.id, _M.commitment_id, _M.title, _M.due_date, _C.reference)
        .select_from(
            table_of(OpenMilestone)
            .join(table_of(Milestone), _M.id == _OM.milestone_id)
            .join(table_of(Commitment), _C.id == _M.commitment_id)
        )
        .where(
            _OM.plan_id == _PLAN,
            _OM.due_date >= _TODAY,
            _OM.due_date <= bindparam("ahead"),
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
        "areas_and_counts": union_all(areas, counts),
        "overdue_commitments": overdue_commitments,
        "overdue_milestones": overdue_milestones,
        "upcoming_exchanges": upcoming_exchanges,
        "upcoming_milestones": upcoming_milestones,
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
        "as_of": on,
        "plan": {
            "id": plan.id,
            "reference": plan.reference,
            "title": plan.title,
            "status": status_of_plan.value,
            "approval_date": plan.approval_date,
            "expiry_date": plan.expiry_date,
            "days_to_expiry": (plan.expiry_date - on).days if plan.expiry_date else None,
        },
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
    result["upcoming_milestones"] = [
        {
            "id": r.id,
            "commitment_id": r.commitment_id,
            "commitment_reference": r.reference,
            "title": r.title,
            "due_date": r.due_date,
        }
        for r in session.execute(statements["upcoming_milestones"], params)
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
    subjects = _subjects(session, actor, events)
    result["recent_activity"] = [
        {**entry, "subject": subjects.get(key) if (key := _subject_key(event)) else None}
        for event, entry in zip(
            events, audit.events_as_dicts(session=session, actor=actor, events=events), strict=True
        )
    ]
    # A draft proposed for coming into force awaits approval: not deleted meanwhile.
    result["plan"]["allowed_actions"] = policy.PlanActions(actor, status_of_plan).plan(
        awaiting_consent=bool(result["pending_amendments"])
    )
    return result


def _subject_key(event: AuditEvent) -> tuple[str, uuid.UUID] | None:
    """Which record an event speaks of, to its reader: a milestone's or a review item's
    commitment (the event's subject), else the record itself when it is one a reader names."""
    if event.subject_id is not None and event.entity_type not in ("commitment", "exchange"):
        return ("commitment", event.subject_id)
    if event.entity_type in _NAMED:
        return (event.entity_type, event.entity_id)
    return None


# The records an activity entry names, with the columns that name them.
# (A missing one is a typed NULL: PostgreSQL matches a union's columns by type.)
_NO_REFERENCE = null().cast(String)
_NO_NUMBER = null().cast(Integer)
_NAMED: dict[str, tuple[Any, Any, Any, Any]] = {
    "commitment": (_C.id, _C.reference, _NO_NUMBER, _C.title),
    "exchange": (_E.id, _E.reference, _NO_NUMBER, _E.title),
    "amendment": (_AM.id, _NO_REFERENCE, _AM.number, _AM.title),
    "review_cycle": (_R.id, _NO_REFERENCE, _R.number, null().cast(PortableJSON)),
    "priority_area": (_A.id, _A.code, _NO_NUMBER, _A.title),
    "plan": (_P.id, _P.reference, _NO_NUMBER, _P.title),
}


def _subjects(
    session: Session, actor: Actor, events: list[AuditEvent]
) -> dict[tuple[str, uuid.UUID], dict[str, Any]]:
    """The records the events speak of, named, in one statement (a union of a key look-up per
    kind). The events were read under the access policy, and an event's subject decides who may
    read it; the commitments and exchanges are read under the policy's filter all the same."""
    viewer = Actor.system() if actor.is_system else actor
    wanted: dict[str, set[uuid.UUID]] = {}
    for event in events:
        key = _subject_key(event)
        if key is not None:
            wanted.setdefault(key[0], set()).add(key[1])
    if not wanted:
        return {}
    parts = []
    for kind, ids in wanted.items():
        id_column, reference, number, title = _NAMED[kind]
        part = core_select(
            literal(kind).label("kind"),
            id_column.label("id"),
            type_coerce(reference, String).label("reference"),
            type_coerce(number, Integer).label("number"),
            type_coerce(title, PortableJSON).label("title"),
        ).where(id_column.in_(ids))
        if kind == "commitment":
            part = part.where(policy.visible_commitments(_C, viewer))
        elif kind == "exchange":
            part = part.where(policy.visible_exchanges(_E, viewer))
        parts.append(part)
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return {
        (row.kind, row.id): {
            "type": row.kind,
            "id": row.id,
            "reference": row.reference,
            "number": row.number,
            "title": row.title,
        }
        for row in session.execute(statement)
    }


# A burn-up has at most this many points: a week apart, or further apart for a long plan.
HISTORY_POINTS = 105
_WEEK = 7


def progress_history(*, session: Session, actor: Actor, plan: Plan) -> dict[str, Any]:
    """The plan's burn-up, rebuilt backwards from today's figures through the audit log.

    The commitments are today's visible ones in live areas (the dashboard's); walking their
    events newest first undoes each change to status and progress (a creation removes the
    commitment), and the state is taken at the end of every point's day. Built backwards, the
    last point is today's figures whatever the log holds, and a commitment whose events began
    after it existed (loaded by a command, say) counts with its earliest known values.
    """
    on = today()
    viewer = Actor.system() if actor.is_system else actor
    live_area = (
        core_select(_A.id).where(_A.plan_id == plan.id, _A.retired_at.is_(None)).scalar_subquery()
    )
    state: dict[uuid.UUID, tuple[int, str]] = {
        row.id: (int(row.progress), str(row.status))
        for row in session.execute(
            core_select(_C.id, _C.progress, _C.status).where(
                _C.plan_id == plan.id,
                _C.priority_area_id.in_(live_area),
                policy.visible_commitments(_C, viewer),
            )
        )
    }
    event = table_of(AuditEvent).c
    # Newest first by the time each change happened (the sample tells past events late).
    events = list(
        session.execute(
            audit.readable(
                core_select(event.entity_id, event.action, event.occurred_at, event.before).where(
                    event.plan_id == plan.id, event.entity_type == "commitment"
                ),
                actor,
            ).order_by(event.occurred_at.desc(), event.seq.desc())
        )
    )
    first_day = plan.approval_date or (events[-1].occurred_at.date() if events else on)
    first_day = min(first_day, on)
    span = (on - first_day).days
    step = _WEEK * max(1, -(-span // (_WEEK * (HISTORY_POINTS - 1))))
    days = [on - timedelta(days=step * k) for k in range(span // step + 1)]
    points: list[dict[str, Any]] = []
    pending = iter(events)
    upcoming = next(pending, None)
    for day in days:  # newest first
        while upcoming is not None and upcoming.occurred_at.date() > day:
            _undo(state, upcoming)
            upcoming = next(pending, None)
        points.append(_point(day, state.values()))
    points.reverse()
    return {"as_of": on, "interval_days": step, "points": points}


def _undo(state: dict[uuid.UUID, tuple[int, str]], event: Any) -> None:
    """The commitment's state before the event."""
    if event.entity_id not in state:
        return
    if event.action == "create":
        del state[event.entity_id]
        return
    before = event.before or {}
    progress, status = state[event.entity_id]
    state[event.entity_id] = (
        int(before.get("progress", progress)),
        str(before.get("status", status)),
    )


def _point(day: date, commitments: Any) -> dict[str, Any]:
    live = [(p, s) for p, s in commitments if s != _CANCELLED]
    done = sum(p for p, _ in live)
    return {
        "date": day,
        "total": len(live),
        "completed": sum(1 for _, s in live if s == CommitmentStatus.COMPLETED.value),
        "done": round(done / 100, 2),
        "average_progress": round(done / len(live), 1) if live else None,
    }
