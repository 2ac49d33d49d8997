"""A plan's lifecycle as a reader sees it: expiry, the effective status, closed plans.

Pure functions of a plan row, shared by the services and by the agreed-content rules
(`itpp_api.agreement`), which must not depend on the services.
"""

from datetime import date

from itpp_api.bounds import expiry_problem
from itpp_api.clock import add_months, today
from itpp_api.enums import PlanStatus
from itpp_api.errors import FieldError, PlanClosed
from itpp_api.plans.models import Plan

CLOSED_STATUSES = frozenset({PlanStatus.EXPIRED, PlanStatus.SUPERSEDED, PlanStatus.TERMINATED})


def expiry_date(plan: Plan) -> date | None:
    """Approval date plus the term; None while the plan has no approval date."""
    if plan.approval_date is None:
        return None
    return add_months(plan.approval_date, plan.term_months)


def effective_status(plan: Plan, on: date | None = None) -> PlanStatus:
    """The status a reader sees: an active plan whose expiry date has passed is expired."""
    return status_as_read(plan.status, expiry_date(plan), on)


def status_as_read(stored: str, expires: date | None, on: date | None = None) -> PlanStatus:
    """effective_status from a plan row's stored status and expiry date (for reads that do not
    load the plan)."""
    status = PlanStatus(stored)
    if status is PlanStatus.ACTIVE and expires is not None and (on or today()) >= expires:
        return PlanStatus.EXPIRED
    return status


def ensure_plan_writable(plan: Plan) -> None:
    """Refuse changes to the records of an expired, superseded or terminated plan (409)."""
    status = effective_status(plan)
    if status in CLOSED_STATUSES:
        raise PlanClosed(
            f"Plan {plan.reference} is {status.value}: its records can no longer be changed. "
            "Renew it to continue the cooperation under a successor plan."
        )


def coming_into_force_problems(
    *, reference: str, approval_date: date, term_months: int, area_count: int
) -> list[FieldError]:
    """Why a draft cannot come into force on this approval date (empty: it can).

    `loc` holds the field only (`approval_date`, or `op` for the plan as a whole); callers put
    it under the request's path.
    """
    problems = []
    out_of_range = expiry_problem(approval_date, term_months)
    if out_of_range:
        problems.append(
            FieldError(loc=["approval_date"], msg=out_of_range, type="expiry_out_of_range")
        )
    elif (expiry := add_months(approval_date, term_months)) <= today():
        problems.append(
            FieldError(
                loc=["approval_date"],
                msg=f"Approved on {approval_date} for {term_months} months, plan {reference} "
                f"would have expired on {expiry}: check the approval date and the term.",
                type="term_already_over",
            )
        )
    if area_count == 0:
        problems.append(
            FieldError(
                loc=["op"],
                msg=f"Plan {reference} has no priority areas: a plan comes into force with the "
                "areas the parties agreed.",
                type="no_priority_areas",
            )
        )
    return problems
