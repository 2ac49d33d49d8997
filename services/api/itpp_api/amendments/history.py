"""The plan "as of" a date: what it said and where each commitment stood at the end of a day.

What the plan said is the version in effect that day: the newest one agreed on or before it
(version 1 is agreed from the approval date, a termination from the day it took effect, an
amendment from the day it applied). So the question has an answer for every day from the
approval date on, also for a plan recorded here when it was already in force.

Where the commitments stood is rebuilt from the audit log: every commitment event of the plan up
to the end of that day, folded in order (a creation records every field, an update the fields
it changed). Before the plan was first recorded here nothing is on record: the answer then
shows the commitments as first recorded, and says so (`commitments_recorded_on`).
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from itpp_api.amendments.schemas import CommitmentAsOf
from itpp_api.audit import service as audit
from itpp_api.audit.models import AuditEvent
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.clock import add_months
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of
from itpp_api.enums import PlanStatus
from itpp_api.errors import NotFound
from itpp_api.plans.models import Plan, PlanVersion
from itpp_api.plans.versions import version_snapshot, version_to_dict

# What a commitment's state says, as CommitmentAsOf names it (its id is the state's key).
_COMMITMENT_FIELDS = tuple(name for name in CommitmentAsOf.model_fields if name != "id")


def end_of(day: date) -> datetime:
    """The first instant after the day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _status_on(plan: dict[str, Any], day: date) -> PlanStatus:
    """The status of a version's plan on a day: an active plan past its expiry is expired."""
    status = PlanStatus(plan.get("status") or PlanStatus.ACTIVE.value)
    approval = plan.get("approval_date")
    term = plan.get("term_months")
    if (
        status is PlanStatus.ACTIVE
        and approval
        and term
        and day >= add_months(date.fromisoformat(str(approval)), int(term))
    ):
        return PlanStatus.EXPIRED
    return status


def plan_as_of(*, session: Session, actor: Actor, plan: Plan, day: date) -> dict[str, Any]:
    """The plan and its commitments as they stood at the end of `day`, as `actor` may see them."""
    version = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan.id, col(PlanVersion.agreed_on) <= day)
        .order_by(col(PlanVersion.agreed_on).desc(), col(PlanVersion.number).desc())
        .limit(1)
    ).first()
    if version is None:
        approved = (
            f"it came into force on {plan.approval_date.isoformat()}"
            if plan.approval_date is not None and plan.status != PlanStatus.DRAFT.value
            else "it has not come into force"
        )
        raise NotFound(f"Plan {plan.reference} was not in force on {day.isoformat()}: {approved}.")
    recorded_since = session.scalar(
        audit.readable(
            select(func.min(AuditEvent.occurred_at)).where(AuditEvent.plan_id == plan.id), actor
        )
    )
    first_day = recorded_since.astimezone(UTC).date() if recorded_since is not None else day
    recorded_on = max(day, first_day)
    statement = (
        select(AuditEvent)
        .where(
            AuditEvent.plan_id == plan.id,
            AuditEvent.entity_type == "commitment",
            col(AuditEvent.occurred_at) < end_of(recorded_on),
        )
        .order_by(col(AuditEvent.seq))
    )
    statement = audit.readable(statement, actor)
    states: dict[uuid.UUID, dict[str, Any]] = {}
    for event in session.scalars(statement):
        states.setdefault(event.entity_id, {}).update(event.after or {})
    # Visible then and now: a commitment its owner has since made internal stays hidden.
    visible_now = set(
        session.scalars(
            select(Commitment.id).where(
                col(Commitment.id).in_(list(states)),
                policy.visible_commitments(table_of(Commitment).c, actor),
            )
        )
    )
    commitments = []
    for commitment_id, state in states.items():
        lead = _uuid(state.get("lead_party_id"))
        if commitment_id not in visible_now:
            continue
        if not policy.can_see(actor, str(state.get("visibility", "shared")), lead):
            continue
        commitments.append(
            {"id": commitment_id, **{name: state.get(name) for name in _COMMITMENT_FIELDS}}
        )
    commitments.sort(key=lambda c: (c["reference"] or "", str(c["id"])))
    snapshot = version_snapshot(version)
    return {
        "plan_id": plan.id,
        "as_of": day,
        "status": _status_on(snapshot.get("plan", {}), day),
        "version": version_to_dict(version, with_snapshot=False),
        "plan": snapshot.get("plan", {}),
        "priority_areas": snapshot.get("priority_areas", []),
        "commitments": commitments,
        "history_recorded_since": first_day,
        "commitments_recorded_on": recorded_on,
    }


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
