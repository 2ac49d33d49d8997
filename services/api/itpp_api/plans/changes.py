"""Changes to a plan with what follows from them: the version that coming into force or an end
records (`versions`), and the review schedule that approval makes and a new approval date, term
or interval moves (`reviews.service.reschedule`, called from one place: `_move_review_schedule`).

This sits above the plans, commitments and reviews services (a version's snapshot holds the
plan's commitments), so none of them imports it: see "Layers" in docs/development.md.
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from itpp_api import agreement
from itpp_api.agreement import Consent
from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.bounds import expiry_problem
from itpp_api.clock import today
from itpp_api.db import utcnow
from itpp_api.enums import PlanStatus
from itpp_api.errors import FieldError, RuleViolation, ValidationFailed
from itpp_api.localized import plan_texts, pop_translation_request, record_translations
from itpp_api.plans import service as plans
from itpp_api.plans import versions
from itpp_api.plans.lifecycle import (
    CLOSED_STATUSES,
    coming_into_force_problems,
    effective_status,
    ensure_plan_writable,
)
from itpp_api.plans.models import Plan
from itpp_api.plans.schemas import PlanUpdate, lead_texts_data
from itpp_api.reviews import service as reviews

_SCHEDULE_FIELDS = frozenset({"approval_date", "term_months", "review_interval_months"})

# Which stored status may move to which; "expired" is never stored, only read. Which of these
# moves need every party's consent is for itpp_api.agreement to say.
_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.ACTIVE, PlanStatus.TERMINATED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.SUPERSEDED, PlanStatus.TERMINATED}),
    PlanStatus.SUPERSEDED: frozenset(),
    PlanStatus.TERMINATED: frozenset(),
}


def update_plan(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    data: PlanUpdate,
    consent: Consent | None = None,
    version_reason: str | None = None,
    ended_on: date | None = None,
) -> Plan:
    """Apply changes to a plan, enforcing the lifecycle and term rules.

    What the parties agreed — on an active plan its agreed fields, and for any plan its coming
    into force and its end — is refused with 409 `/problems/amendment-required` unless every
    party consented (`consent`, held by the amendment being applied; see itpp_api.agreement).
    Coming into force records version 1 (`version_reason`, by default "Plan approved"); ending
    an agreed plan records its next version, agreed from `ended_on` (by default today), which
    for a termination is also its termination date.
    """
    changes = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    before = plans.audit_view(plan)
    new_status = data.status
    current = PlanStatus(plan.status)
    if effective_status(plan) in CLOSED_STATUSES and set(changes) != {"status"}:
        ensure_plan_writable(plan)
    if "sections" in changes and data.sections is not None:
        changes["sections"] = [s.model_dump(mode="json") for s in data.sections]
    if "lead_texts" in changes and data.lead_texts is not None:
        changes["lead_texts"] = lead_texts_data(data.lead_texts)
    if new_status is not None and new_status is not current:
        if new_status is PlanStatus.EXPIRED:
            raise RuleViolation(
                "A plan expires by itself when its term ends; 'expired' cannot be set."
            )
        if new_status not in _TRANSITIONS[current]:
            raise RuleViolation(f"A {current.value} plan cannot become {new_status.value}.")
    term = changes.get("term_months", plan.term_months)
    interval = changes.get("review_interval_months", plan.review_interval_months)
    if interval > term:
        raise RuleViolation(
            f"The review interval ({interval} months) cannot be longer than "
            f"the term ({term} months)."
        )
    approval = changes.get("approval_date", plan.approval_date)
    if approval is not None and {"approval_date", "term_months"} & set(changes):
        problem = expiry_problem(approval, term)
        if problem:
            field = "approval_date" if "approval_date" in changes else "term_months"
            raise ValidationFailed(
                problem,
                errors=[FieldError(loc=["body", field], msg=problem, type="expiry_out_of_range")],
            )
    if (new_status or current) is PlanStatus.ACTIVE and approval is None:
        raise RuleViolation("An active plan needs its approval date.")
    if "predecessor_id" in changes:
        plans.check_predecessor(session, data.predecessor_id, plan.id)
    if "status" in changes and new_status is not None:
        changes["status"] = new_status.value
    if (
        new_status is PlanStatus.ACTIVE
        and current is PlanStatus.DRAFT
        and consent is None
        and not actor.is_system
        and approval is not None
    ):
        # What bring_into_force would refuse is said now (422), so the proposal the consent
        # check offers next can be posted as it is.
        problems = coming_into_force_problems(
            reference=plan.reference,
            approval_date=approval,
            term_months=term,
            area_count=len(plans.list_areas(session=session, plan_id=plan.id)),
        )
        if problems:
            raise RuleViolation(
                problems[0].msg,
                errors=[
                    FieldError(
                        loc=["body", "approval_date" if p.loc == ["approval_date"] else "status"],
                        msg=p.msg,
                        type=p.type,
                    )
                    for p in problems
                ],
            )
    agreement.check_plan_update(
        actor=actor, plan=plan, changes=changes, current=before, consent=consent
    )
    _set_plan_texts(
        plan, changes, source_languages=source_languages, reviewed_translations=reviewed
    )
    for name, value in changes.items():
        setattr(plan, name, value)
    ended = (
        new_status in (PlanStatus.TERMINATED, PlanStatus.SUPERSEDED) and new_status is not current
    )
    if ended and new_status is PlanStatus.TERMINATED:
        plan.termination_date = ended_on or today()
    plans.refresh_expiry(plan)
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="plan",
        entity_id=plan.id,
        plan_id=plan.id,
        before=before,
        after=plans.audit_view(plan),
    )
    amendment_id = consent.amendment_id if consent is not None else None
    if new_status is PlanStatus.ACTIVE and current is PlanStatus.DRAFT:
        assert plan.approval_date is not None
        versions.record_version(
            session=session,
            actor=actor,
            plan=plan,
            reason=version_reason or "Plan approved",
            agreed_on=plan.approval_date,
            amendment_id=amendment_id,
        )
    elif ended and current is PlanStatus.ACTIVE:
        versions.record_version(
            session=session,
            actor=actor,
            plan=plan,
            reason=version_reason or f"Plan {plan.status}",
            agreed_on=ended_on or today(),
            amendment_id=amendment_id,
        )
    _move_review_schedule(
        session=session,
        actor=actor,
        plan=plan,
        changed=set(changes),
        came_into_force=current is PlanStatus.DRAFT,
    )
    return plan


def _set_plan_texts(
    plan: Plan,
    changes: dict[str, Any],
    *,
    source_languages: dict[str, str],
    reviewed_translations: dict[str, list[str]],
    loc: tuple[str | int, ...] = ("body",),
) -> None:
    """Move the plan's translation state along with the texts `changes` sets (not yet set)."""
    if not (
        {"title", "sections", "objectives", "lead_texts"} & set(changes)
        or source_languages
        or reviewed_translations
    ):
        return
    old = plan_texts(plan.title, plan.sections, plan.objectives, plan.lead_texts)
    new = plan_texts(
        changes.get("title", plan.title),
        changes.get("sections", plan.sections),
        changes.get("objectives", plan.objectives),
        changes.get("lead_texts", plan.lead_texts),
    )
    plan.translations = record_translations(
        old,
        new,
        plan.translations,
        source_languages=source_languages,
        reviewed_translations=reviewed_translations,
        loc=loc,
    )


def amend_plan(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    changes: dict[str, Any],
    consent: Consent,
    source_languages: dict[str, str] | None = None,
) -> Plan:
    """Change the agreed content of a plan as an applied amendment says (amendments/).

    `changes` holds agreement.PLAN_AGREED_CHANGES only, already validated; sections as JSON
    data. Changed texts move the plan's translation state as a direct update does; a new
    approval date, term or interval moves the review schedule.
    """
    unknown = set(changes) - set(agreement.PLAN_AGREED_CHANGES)
    if unknown:
        raise ValueError(f"not agreed content: {sorted(unknown)}")
    ensure_plan_writable(plan)
    before = plans.audit_view(plan)
    agreement.check_plan_update(
        actor=actor, plan=plan, changes=changes, current=before, consent=consent
    )
    _set_plan_texts(
        plan,
        changes,
        source_languages=source_languages or {},
        reviewed_translations={},
        loc=("changes",),
    )
    for name, value in changes.items():
        setattr(plan, name, value)
    plans.refresh_expiry(plan)
    plan.updated_at = utcnow()
    session.add(plan)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="amend",
        entity_type="plan",
        entity_id=plan.id,
        plan_id=plan.id,
        before=before,
        after=plans.audit_view(plan),
    )
    _move_review_schedule(session=session, actor=actor, plan=plan, changed=set(changes))
    return plan


def _move_review_schedule(
    *, session: Session, actor: Actor, plan: Plan, changed: set[str], came_into_force: bool = False
) -> None:
    """Approval materializes an active plan's review schedule; a new approval date, term or
    interval moves it."""
    if plan.status == PlanStatus.ACTIVE.value and (came_into_force or _SCHEDULE_FIELDS & changed):
        reviews.reschedule(session=session, actor=actor, plan=plan)
