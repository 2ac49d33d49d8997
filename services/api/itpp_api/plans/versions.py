"""A plan's versions: numbered snapshots of what its parties agreed (the plan, its priority
areas and its shared commitments' definitions), recorded when it comes into force, is amended or
ends.

This sits above the plans and commitments services (a snapshot holds both), so neither imports
it: see "Layers" in docs/development.md.
"""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from itpp_api import agreement
from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.commitments.service import commitments_for_snapshot
from itpp_api.errors import NotFound
from itpp_api.plans.models import Plan, PlanVersion
from itpp_api.plans.service import area_to_dict, list_areas, plan_as_dict


def current_version_number(*, session: Session, plan_id: uuid.UUID) -> int:
    """The number of the plan's newest version (0 before its approval)."""
    last = session.scalar(
        select(func.max(PlanVersion.number)).where(PlanVersion.plan_id == plan_id)
    )
    return int(last or 0)


def build_snapshot(*, session: Session, plan: Plan) -> dict[str, Any]:
    """What the parties agree to in the plan as it is now: the plan, its priority areas and its
    shared commitments' definitions (agreement.agreed_snapshot), as JSON data."""
    plan_data = plan_as_dict(session=session, plan=plan)
    snapshot: dict[str, Any] = agreement.json_data(
        agreement.agreed_snapshot(
            {
                "plan": plan_data,
                "priority_areas": [
                    area_to_dict(a) for a in list_areas(session=session, plan_id=plan.id)
                ],
                "commitments": commitments_for_snapshot(session=session, plan_id=plan.id),
            }
        )
    )
    return snapshot


def record_version(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    reason: str,
    agreed_on: date,
    amendment_id: uuid.UUID | None,
) -> PlanVersion:
    """Take the next numbered snapshot of what the plan's parties agreed, from `agreed_on`."""
    last = session.scalar(
        select(func.max(PlanVersion.number)).where(PlanVersion.plan_id == plan.id)
    )
    version = PlanVersion(
        plan_id=plan.id,
        number=(last or 0) + 1,
        reason=reason,
        snapshot=build_snapshot(session=session, plan=plan),
        agreed_on=agreed_on,
        amendment_id=amendment_id,
    )
    session.add(version)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="plan_version",
        entity_id=version.id,
        plan_id=plan.id,
        after={
            "number": version.number,
            "reason": reason,
            "agreed_on": agreed_on,
            "amendment_id": amendment_id,
        },
    )
    return version


def version_snapshot(version: PlanVersion) -> dict[str, Any]:
    """A version's snapshot as agreed content (versions recorded before they held agreed
    content only read the same way)."""
    return agreement.agreed_snapshot(version.snapshot)


def version_to_dict(version: PlanVersion, *, with_snapshot: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": version.id,
        "plan_id": version.plan_id,
        "number": version.number,
        "reason": version.reason,
        "agreed_on": version.agreed_on,
        "amendment_id": version.amendment_id,
        "created_at": version.created_at,
    }
    if with_snapshot:
        data["snapshot"] = version_snapshot(version)
    return data


def list_versions(*, session: Session, plan_id: uuid.UUID) -> list[PlanVersion]:
    """A plan's versions, newest first (without loading their snapshots' use)."""
    return list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan_id)
            .order_by(col(PlanVersion.number).desc())
        )
    )


def get_version(*, session: Session, plan_id: uuid.UUID, number: int) -> PlanVersion:
    """One version of a plan by number, or NotFound."""
    version = session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.number == number)
    ).first()
    if version is None:
        raise NotFound(f"Plan {plan_id} has no version {number}.")
    return version
