"""Change sets: checking one against a plan as it is, and applying it.

`validate` walks the operations in order over a model of the plan (its areas, commitments,
term and interval), so each operation is judged against the plan as the operations before it
leave it; every problem is reported with the operation's index in `loc`. `apply` checks again
(the plan may have changed since the proposal) and then performs every operation through the
ordinary services — all of them or, on any error, none: the caller's transaction rolls back.
What each kind of operation checks and does is its class in the registry
(itpp_api.amendments.operations); this module only walks the change set.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from itpp_api.agreement import Consent
from itpp_api.amendments.models import Amendment
from itpp_api.amendments.operations import operation_of
from itpp_api.amendments.operations.base import (
    Applied,
    ApplyContext,
    CheckContext,
    OperationError,
    fail,
    load_model,
)
from itpp_api.amendments.schemas import AmendmentChange, RenewChange
from itpp_api.auth.actor import Actor
from itpp_api.bounds import STORED
from itpp_api.clock import today
from itpp_api.enums import ConsentKind, PlanStatus
from itpp_api.errors import Conflict, FieldError, RuleViolation
from itpp_api.plans import changes as plan_ops
from itpp_api.plans import versions
from itpp_api.plans.models import Plan

__all__ = ["Applied", "apply", "is_renewal", "kind_of", "parse", "validate"]

CHANGES = TypeAdapter(list[AmendmentChange])


def parse(changes: Sequence[dict[str, Any]]) -> list[AmendmentChange]:
    """A stored change set as typed operations (read as it was accepted, even with a date
    outside the range the API accepts now)."""
    return CHANGES.validate_python(list(changes), context=STORED)


def _parse_to_apply(amendment: Amendment, plan: Plan) -> list[AmendmentChange]:
    """A stored change set about to be applied: it must hold only what the API accepts now."""
    try:
        return CHANGES.validate_python(list(amendment.changes))
    except ValidationError as error:
        errors = [
            FieldError(
                loc=["changes", *[p for p in e["loc"] if isinstance(p, str | int)]],
                msg=str(e["msg"]),
                type=str(e["type"]),
            )
            for e in error.errors()[:20]
        ]
        raise Conflict(
            f"Amendment {amendment.number} holds a value the API no longer accepts "
            f"({'.'.join(map(str, errors[0].loc[1:]))}: {errors[0].msg}): it cannot be applied "
            f"to plan {plan.reference}. Withdraw it and propose it again.",
            errors=errors,
        ) from None


def is_renewal(changes: Sequence[AmendmentChange]) -> bool:
    return any(isinstance(op, RenewChange) for op in changes)


def kind_of(changes: Sequence[AmendmentChange]) -> ConsentKind:
    """What the change set asks the parties to consent to: an operation alone in its change
    set is a consent of its own kind; anything else is an amendment."""
    for op in changes:
        operation = operation_of(op)
        if operation.alone:
            return operation.consent_kind
    return ConsentKind.AMENDMENT


def validate(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    changes: Sequence[AmendmentChange],
    loc: Sequence[str | int] = ("body", "changes"),
) -> None:
    """Check a change set against the plan as it is now; RuleViolation listing every problem,
    each at `loc` + the operation's index + the field."""
    model = load_model(session, plan, actor)
    ctx = CheckContext(session=session, actor=actor, model=model)
    status = PlanStatus(plan.status)
    for index, op in enumerate(changes):
        path: list[str | int] = [*loc, index]
        operation = operation_of(op)
        try:
            if operation.alone and len(changes) > 1:
                raise fail(
                    [*path, "op"],
                    f"{op.op} is the only operation of its change set: what every party "
                    "consents to is that one act.",
                    "operation_not_alone",
                )
            if status is PlanStatus.DRAFT and status not in operation.plan_statuses:
                raise fail(
                    [*path, "op"],
                    f"Plan {plan.reference} is a draft: change it directly while the parties "
                    "negotiate it. The only amendment of a draft brings it into force.",
                    "draft_plan",
                )
            operation.check(ctx, op, path)
            if operation.schedule_field is not None:
                model.schedule_op = index
        except OperationError as error:
            model.errors.extend(error.errors)
    if model.review_interval_months > model.term_months and model.schedule_op is not None:
        name = operation_of(changes[model.schedule_op]).schedule_field
        model.errors.append(
            FieldError(
                loc=[*loc, model.schedule_op, str(name)],
                msg=f"The review interval ({model.review_interval_months} months) would be longer "
                f"than the term ({model.term_months} months).",
                type="interval_longer_than_term",
            )
        )
    if model.errors:
        raise RuleViolation(
            f"The change set does not fit plan {plan.reference} as it is: {model.errors[0].msg}",
            errors=model.errors,
        )


# --- applying ---------------------------------------------------------------------------------


def apply(
    *, session: Session, actor: Actor, plan: Plan, amendment: Amendment, consent: Consent
) -> Applied:
    """Perform every operation of the amendment and record the plan's next version.

    The plan row is locked by the caller, which holds every party's `consent`. A change set
    that no longer fits the plan (changed directly since the proposal) is refused with 409 and
    nothing is applied.
    """
    changes = _parse_to_apply(amendment, plan)
    try:
        validate(session=session, actor=Actor.system(), plan=plan, changes=changes, loc=["changes"])
    except RuleViolation as error:
        raise Conflict(
            f"Amendment {amendment.number} no longer fits plan {plan.reference} as it is now "
            f"({error.errors[0].msg if error.errors else error.detail}) Withdraw it and propose "
            "it again.",
            errors=error.errors,
        ) from None
    ctx = ApplyContext(
        session=session, actor=actor, plan=plan, amendment=amendment, consent=consent
    )
    for op in changes:
        # An operation alone in its change set (validated above) is the whole act.
        applied = operation_of(op).apply(ctx, op)
        if applied is not None:
            return applied
    if ctx.plan_changes:
        # Term and interval together: the database checks interval <= term on each write.
        plan_ops.amend_plan(
            session=session,
            actor=actor,
            plan=plan,
            changes=ctx.plan_changes,
            consent=consent,
            source_languages=ctx.plan_sources,
        )
    version = versions.record_version(
        session=session,
        actor=actor,
        plan=plan,
        reason=f"Amendment {amendment.number} applied: {ctx.title}",
        agreed_on=today(),
        amendment_id=amendment.id,
    )
    return Applied(version=version.number)
