"""The portfolio: every plan of the caller's party at a glance, in a constant number of queries.

One statement reads the plans (the policy's `party_plans`, narrowed by the filters); four more
read, for all of those plans at once, the visible commitments counted by plan, status and health,
the overdue ones counted by plan, the reviews not concluded, and the amendments awaiting the
caller's party. Those four are built once, with the plans, the day and the viewer's party as
bound parameters: 1 plan or 200, the same five statements. The figures per plan are the
dashboard's (`dashboard.service`), so the two never disagree.
"""

import uuid
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, not_, or_
from sqlalchemy import select as core_select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import Session

from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of
from itpp_api.enums import (
    AmendmentStatus,
    CommitmentStatus,
    Decision,
    PlanStatus,
    ReviewStatus,
)
from itpp_api.parties.models import Party
from itpp_api.plans.lifecycle import status_as_read
from itpp_api.plans.models import Plan, PlanParty, PriorityArea
from itpp_api.plans.service import status_condition
from itpp_api.reviews import service as review_rules
from itpp_api.reviews.models import ReviewCycle

_PL = table_of(Plan).c
_PP = table_of(PlanParty).c
_PA = table_of(Party).c
_C = table_of(Commitment).c
_A = table_of(PriorityArea).c
_R = table_of(ReviewCycle).c
_AM = table_of(Amendment).c
_AD = table_of(AmendmentDecision).c
_CLOSED = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
_CANCELLED = CommitmentStatus.CANCELLED.value
_STATUSES = tuple(s.value for s in CommitmentStatus)

EXPIRY_WINDOW_MAX = 3650
"""The largest `expires_within` (days): ten years."""

_PLANS: BindParameter[Any] = bindparam("plan_ids", expanding=True)
_TODAY: BindParameter[Any] = bindparam("today")


class PortfolioSort(StrEnum):
    """Orders of the portfolio; a leading '-' means descending. Plans without the value (no
    expiry date, no review ahead, no commitment) come last either way; ties by reference."""

    REFERENCE = "reference"
    REFERENCE_DESC = "-reference"
    EXPIRY = "days_to_expiry"
    EXPIRY_DESC = "-days_to_expiry"
    NEXT_REVIEW = "next_review"
    NEXT_REVIEW_DESC = "-next_review"
    PROGRESS = "average_progress"
    PROGRESS_DESC = "-average_progress"
    OVERDUE = "commitments_overdue"
    OVERDUE_DESC = "-commitments_overdue"
    CONSENTS = "consents_awaiting"
    CONSENTS_DESC = "-consents_awaiting"


@cache
def _statements() -> dict[str, Select[Any]]:
    """The per-plan statements for a party's reader (its party supplied at execution)."""
    visible = policy.visible_commitments(_C, None)
    counts = (
        core_select(
            _C.plan_id,
            _C.status,
            _C.health,
            _A.retired_at.is_(None).label("live_area"),
            func.count().label("n"),
            func.sum(_C.progress).label("progress_sum"),
        )
        .select_from(
            table_of(Commitment).outerjoin(table_of(PriorityArea), _A.id == _C.priority_area_id)
        )
        .where(_C.plan_id.in_(_PLANS), visible)
        .group_by(_C.plan_id, _C.status, _C.health, _A.retired_at.is_(None))
    )
    overdue = (
        core_select(_C.plan_id, func.count().label("n"))
        .where(
            _C.plan_id.in_(_PLANS),
            visible,
            _C.due_date < _TODAY,
            _C.status.not_in(_CLOSED),
        )
        .group_by(_C.plan_id)
    )
    reviews = (
        core_select(_R.plan_id, _R.id, _R.number, _R.due_date, _R.status, _R.is_final)
        .where(_R.plan_id.in_(_PLANS), _R.status != ReviewStatus.CONCLUDED.value)
        .order_by(_R.plan_id, _R.due_date, _R.number)
    )
    # The inbox's rule: a proposed amendment the viewer's party has not approved (a rejection
    # closes it).
    approved = exists(
        core_select(_AD.id).where(
            _AD.amendment_id == _AM.id,
            _AD.party_id == policy.viewer_party(None),
            _AD.decision == Decision.APPROVE.value,
        )
    )
    consents = (
        core_select(_AM.plan_id, func.count().label("n"))
        .where(
            _AM.plan_id.in_(_PLANS),
            _AM.status == AmendmentStatus.PROPOSED.value,
            not_(approved),
        )
        .group_by(_AM.plan_id)
    )
    return {"counts": counts, "overdue": overdue, "reviews": reviews, "consents": consents}


def _plans_statement(
    actor: Actor,
    *,
    on: date,
    statuses: list[PlanStatus],
    partner: str | None,
    expires_within: int | None,
) -> Select[Any]:
    """The caller's party's plans, narrowed by the filters, with each plan's parties (one row a
    party, in the plan's order)."""
    statement = (
        core_select(
            _PL.id,
            _PL.reference,
            _PL.title,
            _PL.status,
            _PL.approval_date,
            _PL.expiry_date,
            _PA.id.label("party_id"),
            _PA.code.label("party_code"),
            _PA.name.label("party_name"),
        )
        .select_from(
            table_of(Plan)
            .join(table_of(PlanParty), _PP.plan_id == _PL.id)
            .join(table_of(Party), _PA.id == _PP.party_id)
        )
        .where(_PL.id.in_(policy.party_plans(actor.party_id)))
        .order_by(_PL.reference, _PL.id, _PP.position)
    )
    if statuses:
        statement = statement.where(or_(*(status_condition(s, on) for s in set(statuses))))
    if partner is not None:
        with_partner = (
            core_select(_PP.plan_id)
            .join(table_of(Party), _PA.id == _PP.party_id)
            .where(func.upper(_PA.code) == partner.upper(), _PA.id != actor.party_id)
        )
        statement = statement.where(_PL.id.in_(with_partner))
    if expires_within is not None:
        statement = statement.where(
            and_(
                _PL.expiry_date.is_not(None),
                _PL.expiry_date >= on,
                _PL.expiry_date <= on + timedelta(days=expires_within),
            )
        )
    return statement


def _empty_plan(row: Any, on: date) -> dict[str, Any]:
    status = status_as_read(row.status, row.expiry_date, on)
    return {
        "id": row.id,
        "reference": row.reference,
        "title": row.title,
        "status": status.value,
        "approval_date": row.approval_date,
        "expiry_date": row.expiry_date,
        "days_to_expiry": (row.expiry_date - on).days if row.expiry_date else None,
        "parties": [],
        "partners": [],
        "next_review": None,
        "overdue_reviews": 0,
        "commitments_total": 0,
        "by_status": dict.fromkeys(_STATUSES, 0),
        "health": {"on_track": 0, "at_risk": 0, "off_track": 0, "unrated": 0},
        "average_progress": None,
        "consents_awaiting": 0,
        "commitments_overdue": 0,
        "_sum": 0,
        "_n": 0,
        "_status": status,
    }


def _sort_key(sort: PortfolioSort) -> tuple[str, bool]:
    name = sort.value
    return name.removeprefix("-"), name.startswith("-")


def _value(plan: dict[str, Any], field: str) -> Any:
    if field == "next_review":
        review = plan["next_review"]
        return review["due_date"] if review else None
    return plan[field]


def _sorted(plans: list[dict[str, Any]], sort: PortfolioSort) -> list[dict[str, Any]]:
    field, descending = _sort_key(sort)
    by_reference = sorted(plans, key=lambda p: p["reference"])
    if field == "reference":
        return list(reversed(by_reference)) if descending else by_reference
    present = [p for p in by_reference if _value(p, field) is not None]
    absent = [p for p in by_reference if _value(p, field) is None]
    # Python's sort is stable, reversed too: equal values stay in reference order.
    present.sort(key=lambda p: _value(p, field), reverse=descending)
    return present + absent


def portfolio(
    *,
    session: Session,
    actor: Actor,
    sort: PortfolioSort = PortfolioSort.REFERENCE,
    statuses: list[PlanStatus] | None = None,
    partner: str | None = None,
    expires_within: int | None = None,
) -> dict[str, Any]:
    """Every plan of the actor's party (a user of a party), with its figures."""
    assert actor.party_id is not None
    on = today()
    plans: dict[uuid.UUID, dict[str, Any]] = {}
    for row in session.execute(
        _plans_statement(
            actor, on=on, statuses=statuses or [], partner=partner, expires_within=expires_within
        )
    ):
        plan = plans.get(row.id)
        if plan is None:
            plan = plans[row.id] = _empty_plan(row, on)
        party = {"id": row.party_id, "code": row.party_code, "name": row.party_name}
        plan["parties"].append(party)
        if row.party_id != actor.party_id:
            plan["partners"].append(party)

    statements = _statements()
    params: dict[str, Any] = {
        "plan_ids": list(plans),
        "today": on,
        policy.VIEWER_PARTY: actor.party_id,
    }
    for plan_id, status, health, live_area, n, progress_sum in session.execute(
        statements["counts"], params
    ):
        plan = plans[plan_id]
        live = status != _CANCELLED
        if live:  # the health of every live commitment, as the dashboard counts it
            plan["health"][health or "unrated"] += n
        if not live_area:  # a retired area's commitments are not in the totals
            continue
        plan["by_status"][status] += n
        plan["commitments_total"] += n
        if live:
            plan["_sum"] += int(progress_sum or 0)
            plan["_n"] += n
    for plan_id, n in session.execute(statements["overdue"], params):
        plans[plan_id]["commitments_overdue"] = n
    for plan_id, n in session.execute(statements["consents"], params):
        plans[plan_id]["consents_awaiting"] = n
    for r in session.execute(statements["reviews"], params):
        plan = plans[r.plan_id]
        status_of_plan = plan["_status"]
        if not review_rules.will_be_held(r.status, status_of_plan):
            continue
        is_overdue = review_rules.overdue(r.status, r.due_date, status_of_plan, on)
        plan["overdue_reviews"] += int(is_overdue)
        if plan["next_review"] is None:
            plan["next_review"] = {
                "id": r.id,
                "number": r.number,
                "due_date": r.due_date,
                "status": r.status,
                "is_final": r.is_final,
                "is_overdue": is_overdue,
                "days_until_due": (r.due_date - on).days,
            }
    for plan in plans.values():
        n = plan.pop("_n")
        total = plan.pop("_sum")
        plan.pop("_status")
        plan["average_progress"] = round(total / n, 1) if n else None
    return {"as_of": on, "items": _sorted(list(plans.values()), sort)}


TABLE_HEADER = [
    "reference",
    "title",
    "status",
    "partners",
    "approval_date",
    "expiry_date",
    "days_to_expiry",
    "next_review_due",
    "next_review_overdue",
    "overdue_reviews",
    "commitments_total",
    *_STATUSES,
    "average_progress",
    "on_track",
    "at_risk",
    "off_track",
    "unrated",
    "consents_awaiting",
    "commitments_overdue",
]


def table_rows(items: list[dict[str, Any]], title_of: Any) -> list[list[Any]]:
    """The portfolio as rows under TABLE_HEADER (`title_of`: a title dict to its text)."""
    rows = []
    for p in items:
        review = p["next_review"]
        rows.append(
            [
                p["reference"],
                title_of(p["title"]),
                p["status"],
                " ".join(party["code"] for party in p["partners"]),
                p["approval_date"],
                p["expiry_date"],
                p["days_to_expiry"],
                review["due_date"] if review else None,
                review["is_overdue"] if review else None,
                p["overdue_reviews"],
                p["commitments_total"],
                *(p["by_status"][s] for s in _STATUSES),
                None if p["average_progress"] is None else str(p["average_progress"]),
                *(p["health"][h] for h in ("on_track", "at_risk", "off_track", "unrated")),
                p["consents_awaiting"],
                p["commitments_overdue"],
            ]
        )
    return rows
