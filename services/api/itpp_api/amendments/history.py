"""The plan "as of" a date: what it said and where each commitment stood at the end of a day.

What the plan said is the newest version recorded by the end of that day (UTC). Where the
commitments stood is rebuilt from the audit log: every commitment event of the plan up to the
end of that day, folded in order (a creation records every field, an update the fields it
changed). The plan's own events give its status that day.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from itpp_api.audit.models import AuditEvent
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import add_months
from itpp_api.commitments.models import Commitment
from itpp_api.enums import PlanStatus
from itpp_api.errors import NotFound
from itpp_api.plans.models import Plan, PlanVersion
from itpp_api.plans.service import version_to_dict, visible_snapshot

_COMMITMENT_FIELDS = (
    "reference",
    "priority_area_id",
    "title",
    "lead_party_id",
    "due_date",
    "status",
    "progress",
    "health",
)


def end_of(day: date) -> datetime:
    """The first instant after the day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _status_on(state: dict[str, Any], day: date) -> PlanStatus | None:
    stored = state.get("status")
    if stored is None:
        return None
    status = PlanStatus(stored)
    approval = state.get("approval_date")
    term = state.get("term_months")
    if (
        status is PlanStatus.ACTIVE
        and approval
        and term
        and day >= add_months(date.fromisoformat(approval), int(term))
    ):
        return PlanStatus.EXPIRED
    return status


def plan_as_of(*, session: Session, actor: Actor, plan: Plan, day: date) -> dict[str, Any]:
    """The plan and its commitments as they stood at the end of `day`, as `actor` may see them."""
    end = end_of(day)
    version = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan.id, col(PlanVersion.created_at) < end)
        .order_by(col(PlanVersion.number).desc())
        .limit(1)
    ).first()
    if version is None:
        raise NotFound(
            f"Plan {plan.reference} had no agreed version by the end of {day.isoformat()}: "
            "its first version is recorded when it is approved."
        )
    statement = (
        select(AuditEvent)
        .where(
            AuditEvent.plan_id == plan.id,
            col(AuditEvent.entity_type).in_(("plan", "commitment")),
            col(AuditEvent.occurred_at) < end,
        )
        .order_by(col(AuditEvent.seq))
    )
    if not actor.is_system:
        statement = statement.where(
            or_(
                col(AuditEvent.owner_party_id).is_(None),
                col(AuditEvent.owner_party_id) == actor.party_id,
            )
        )
    plan_state: dict[str, Any] = {}
    states: dict[uuid.UUID, dict[str, Any]] = {}
    for event in session.scalars(statement):
        if event.entity_type == "plan":
            if event.entity_id == plan.id:
                plan_state.update(event.after or {})
        else:
            states.setdefault(event.entity_id, {}).update(event.after or {})
    # Visible then and now: a commitment its owner has since made internal stays hidden.
    current = {
        row.id: (row.visibility, row.lead_party_id)
        for row in session.execute(
            select(Commitment.id, Commitment.visibility, Commitment.lead_party_id).where(
                col(Commitment.id).in_(list(states))
            )
        )
    }
    commitments = []
    for commitment_id, state in states.items():
        now = current.get(commitment_id)
        lead = _uuid(state.get("lead_party_id"))
        if now is None or not policy.can_see(actor, now[0], now[1]):
            continue
        if not policy.can_see(actor, str(state.get("visibility", "shared")), lead):
            continue
        commitments.append(
            {"id": commitment_id, **{name: state.get(name) for name in _COMMITMENT_FIELDS}}
        )
    commitments.sort(key=lambda c: (c["reference"] or "", str(c["id"])))
    snapshot = visible_snapshot(version.snapshot, actor)
    return {
        "plan_id": plan.id,
        "as_of": day,
        "status": _status_on(plan_state, day) or snapshot["plan"].get("status"),
        "version": version_to_dict(version, with_snapshot=False),
        "plan": snapshot.get("plan", {}),
        "priority_areas": snapshot.get("priority_areas", []),
        "commitments": commitments,
    }


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
