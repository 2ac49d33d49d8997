"""Change sets: checking one against a plan as it is, and applying it.

`validate` walks the operations in order over a model of the plan (its areas, commitments,
term and interval), so each operation is judged against the plan as the operations before it
leave it; every problem is reported with the operation's index in `loc`. `apply` checks again
(the plan may have changed since the proposal) and then performs every operation through the
ordinary services — all of them or, on any error, none: the caller's transaction rolls back.
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from itpp_api.agreement import Consent
from itpp_api.amendments.models import Amendment
from itpp_api.amendments.schemas import (
    AddCommitmentChange,
    AddPriorityAreaChange,
    AmendmentChange,
    BringIntoForceChange,
    ChangeApprovalDateChange,
    ChangePredecessorChange,
    ChangeProgressUpdatesConfirmationChange,
    ChangeReviewIntervalChange,
    ChangeTermChange,
    ChangeTextChange,
    ModifyCommitmentChange,
    ModifyPriorityAreaChange,
    RenewChange,
    ReorderPriorityAreasChange,
    RetireCommitmentChange,
    RetirePriorityAreaChange,
    TerminateChange,
)
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.bounds import STORED, expiry_problem
from itpp_api.clock import add_months, today
from itpp_api.commitments import service as commitments
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.commitments.schemas import CommitmentCreate, CommitmentUpdate
from itpp_api.db import table_of
from itpp_api.enums import CommitmentStatus, ConsentKind, PlanStatus, Visibility
from itpp_api.errors import Conflict, FieldError, RuleViolation
from itpp_api.localized import TranslationRequestError, next_translations, plan_texts, texts_of
from itpp_api.parties.models import Organisation
from itpp_api.plans import changes as plan_ops
from itpp_api.plans import lifecycle, versions
from itpp_api.plans import service as plans
from itpp_api.plans.models import Plan, PlanParty, PlanVersion, PriorityArea
from itpp_api.plans.schemas import (
    PlanCreate,
    PlanLeadTexts,
    PlanSection,
    PlanUpdate,
    PriorityAreaCreate,
    PriorityAreaOrder,
    lead_texts_data,
)

CHANGES = TypeAdapter(list[AmendmentChange])
_NOT_LIVE = frozenset({CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value})


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


# Operations that make a change set of their own: what every party consents to is that one act.
_ALONE: dict[type, ConsentKind] = {
    BringIntoForceChange: ConsentKind.ENTRY_INTO_FORCE,
    TerminateChange: ConsentKind.TERMINATION,
    RenewChange: ConsentKind.RENEWAL,
}


def kind_of(changes: Sequence[AmendmentChange]) -> ConsentKind:
    """What the change set asks the parties to consent to."""
    for op in changes:
        kind = _ALONE.get(type(op))
        if kind is not None:
            return kind
    return ConsentKind.AMENDMENT


# --- a model of the plan the operations are checked against -----------------------------------


@dataclass
class _Area:
    code: str
    short_code: str
    retired: bool


@dataclass
class _Commitment:
    reference: str
    area_id: uuid.UUID
    status: str
    visibility: str
    lead_party_id: uuid.UUID


@dataclass
class _PlanModel:
    plan: Plan
    areas: dict[uuid.UUID, _Area]
    commitments: dict[uuid.UUID, _Commitment]
    references: set[str]
    term_months: int
    review_interval_months: int
    approval_date: date | None
    # The areas the plan has now (an order can name only these).
    existing_areas: frozenset[uuid.UUID] = frozenset()
    # The index of the last operation that set the term or the interval.
    schedule_op: int | None = None
    errors: list[FieldError] = field(default_factory=list)


def _load(session: Session, plan: Plan, actor: Actor) -> _PlanModel:
    """The plan as the operations are checked against it: its areas, and the commitments the
    actor may see (the system, applying an amendment, sees them all)."""
    areas = {
        a.id: _Area(a.code, a.short_code, a.retired_at is not None)
        for a in plans.list_areas(session=session, plan_id=plan.id)
    }
    rows = session.execute(
        core_select(
            col(Commitment.id),
            col(Commitment.reference),
            col(Commitment.priority_area_id),
            col(Commitment.status),
            col(Commitment.visibility),
            col(Commitment.lead_party_id),
        ).where(
            col(Commitment.plan_id) == plan.id,
            policy.visible_commitments(table_of(Commitment).c, actor),
        )
    )
    found = {
        row.id: _Commitment(
            row.reference, row.priority_area_id, row.status, row.visibility, row.lead_party_id
        )
        for row in rows
    }
    return _PlanModel(
        plan=plan,
        areas=areas,
        commitments=found,
        references={c.reference for c in found.values()},
        term_months=plan.term_months,
        review_interval_months=plan.review_interval_months,
        approval_date=plan.approval_date,
        existing_areas=frozenset(areas),
    )


class _OperationError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].msg)
        self.errors = errors


def _fail(path: list[str | int], msg: str, kind: str) -> _OperationError:
    return _OperationError([FieldError(loc=path, msg=msg, type=kind)])


@contextmanager
def _rules_under(path: list[str | int]) -> Iterator[None]:
    """Re-home the field errors of a service's rule check under an operation's field."""
    try:
        yield
    except RuleViolation as error:
        raise _OperationError(
            [
                FieldError(loc=[*path, *e.loc[1:]], msg=e.msg, type=e.type)
                for e in (error.errors or [])
            ]
            or [FieldError(loc=path, msg=error.detail, type="rule_violation")]
        ) from None


def _check_translations(
    new_texts: Mapping[str, Mapping[str, str]],
    path: list[str | int],
    *,
    source_languages: Mapping[str, str],
    reviewed_translations: Mapping[str, list[str]] | None = None,
) -> None:
    """The operation's source languages (and reviewed translations) fit the texts it leaves."""
    try:
        next_translations(
            None,
            new_texts,
            {},
            source_languages=source_languages,
            reviewed_translations=reviewed_translations,
        )
    except TranslationRequestError as error:
        raise _OperationError(
            [FieldError(loc=[*path, *e.loc], msg=e.msg, type=e.type) for e in error.errors]
        ) from None


def _commitment(
    model: _PlanModel, actor: Actor, commitment_id: uuid.UUID, path: list[str | int]
) -> _Commitment:
    found = model.commitments.get(commitment_id)
    reference = model.plan.reference
    if found is None or (
        found.visibility == Visibility.INTERNAL.value
        and not actor.is_system
        and found.lead_party_id != actor.party_id
    ):
        raise _fail(
            path,
            f"Plan {reference} has no commitment {commitment_id}.",
            "unknown_commitment",
        )
    if found.visibility == Visibility.INTERNAL.value:
        raise _fail(
            path,
            f"Commitment {found.reference} is internal to one party, so it is not part of what "
            "the parties agreed: change it directly, or make it shared first.",
            "internal_commitment",
        )
    return found


def _area(
    model: _PlanModel,
    area_id: uuid.UUID,
    path: list[str | int],
    *,
    allow_retired: uuid.UUID | None = None,
) -> _Area:
    area = model.areas.get(area_id)
    if area is None:
        raise _fail(
            path,
            f"Plan {model.plan.reference} has no priority area {area_id}.",
            "unknown_priority_area",
        )
    if area.retired and area_id != allow_retired:
        raise _fail(
            path,
            f"Priority area {area.code} is retired: it takes no new commitments or changes.",
            "retired_priority_area",
        )
    return area


def _codes_free(
    model: _PlanModel,
    code: str | None,
    short_code: str | None,
    path: list[str | int],
    except_id: uuid.UUID | None = None,
) -> None:
    for area_id, area in model.areas.items():
        if area_id == except_id:
            continue
        if code is not None and area.code == code:
            raise _fail(
                [*path, "code"],
                f"Plan {model.plan.reference} already has a priority area {code}"
                + (" (retired)." if area.retired else "."),
                "area_code_in_use",
            )
        if short_code is not None and area.short_code == short_code:
            raise _fail(
                [*path, "short_code"],
                f"Plan {model.plan.reference} already has a priority area with short code "
                f"{short_code}.",
                "area_code_in_use",
            )


def _check_add_commitment(
    session: Session, model: _PlanModel, op: AddCommitmentChange, path: list[str | int]
) -> None:
    proposed = op.commitment
    _area(model, proposed.priority_area_id, [*path, "commitment", "priority_area_id"])
    _check_translations(
        texts_of(title=proposed.title, description=proposed.description),
        [*path, "commitment"],
        source_languages=proposed.source_languages,
    )
    for index, milestone in enumerate(proposed.milestones):
        _check_translations(
            {"title": milestone.title},
            [*path, "commitment", "milestones", index],
            source_languages=milestone.source_languages,
        )
    with _rules_under([*path, "commitment"]):
        commitments.check_references(
            session,
            model.plan,
            priority_area_id=proposed.priority_area_id,
            lead_party_id=proposed.lead_party_id,
            lead_organisation_id=proposed.lead_organisation_id,
            supporting_organisation_ids=proposed.supporting_organisation_ids,
        )
    if proposed.reference is not None:
        if proposed.reference in model.references:
            raise _fail(
                [*path, "commitment", "reference"],
                f"Plan {model.plan.reference} already has a commitment {proposed.reference}.",
                "reference_in_use",
            )
        model.references.add(proposed.reference)
    model.commitments[uuid.uuid4()] = _Commitment(
        proposed.reference or "",
        proposed.priority_area_id,
        CommitmentStatus.PLANNED.value,
        Visibility.SHARED.value,
        proposed.lead_party_id,
    )


def _check_modify_commitment(
    session: Session,
    model: _PlanModel,
    actor: Actor,
    op: ModifyCommitmentChange,
    path: list[str | int],
) -> None:
    target = _commitment(model, actor, op.commitment_id, [*path, "commitment_id"])
    if target.status == CommitmentStatus.CANCELLED.value:
        raise _fail(
            [*path, "commitment_id"],
            f"Commitment {target.reference} is cancelled (retired).",
            "retired_commitment",
        )
    row = session.get(Commitment, op.commitment_id)
    assert row is not None
    changes = op.changes.model_dump(exclude_unset=True)
    _check_translations(
        texts_of(
            title=changes.get("title", row.title),
            description=changes.get("description", row.description),
        ),
        [*path, "changes"],
        source_languages=op.changes.source_languages,
    )
    area_id = changes.get("priority_area_id", target.area_id)
    _area(model, area_id, [*path, "changes", "priority_area_id"], allow_retired=target.area_id)
    lead_party = changes.get("lead_party_id", row.lead_party_id)
    lead_organisation = changes.get("lead_organisation_id", row.lead_organisation_id)
    if "lead_party_id" in changes and "lead_organisation_id" not in changes and lead_organisation:
        # The commitment service drops a lead organisation of the previous lead party.
        organisation = session.get(Organisation, lead_organisation)
        if organisation is not None and organisation.party_id != lead_party:
            lead_organisation = None
    supporters = changes.get("supporting_organisation_ids")
    if supporters is None:
        supporters = list(
            session.scalars(
                select(CommitmentSupporter.organisation_id).where(
                    CommitmentSupporter.commitment_id == row.id
                )
            )
        )
    with _rules_under([*path, "changes"]):
        commitments.check_references(
            session,
            model.plan,
            priority_area_id=area_id,
            lead_party_id=lead_party,
            lead_organisation_id=lead_organisation,
            supporting_organisation_ids=supporters,
            current_area_id=row.priority_area_id,
        )
    start = changes.get("start_date", row.start_date)
    due = changes.get("due_date", row.due_date)
    if start is not None and due is not None and due < start:
        raise _fail(
            [*path, "changes", "due_date"],
            f"Commitment {target.reference} would be due ({due}) before it starts ({start}).",
            "dates_out_of_order",
        )
    target.area_id = area_id
    target.lead_party_id = lead_party


def _check_retire_commitment(
    model: _PlanModel, actor: Actor, op: RetireCommitmentChange, path: list[str | int]
) -> None:
    target = _commitment(model, actor, op.commitment_id, [*path, "commitment_id"])
    if target.status in _NOT_LIVE:
        raise _fail(
            [*path, "commitment_id"],
            f"Commitment {target.reference} is already {target.status}.",
            "commitment_not_live",
        )
    target.status = CommitmentStatus.CANCELLED.value


def _check_add_area(model: _PlanModel, op: AddPriorityAreaChange, path: list[str | int]) -> None:
    area = op.priority_area
    _codes_free(model, area.code, area.short_code, [*path, "priority_area"])
    _check_translations(
        texts_of(title=area.title, description=area.description),
        [*path, "priority_area"],
        source_languages=area.source_languages,
    )
    model.areas[uuid.uuid4()] = _Area(area.code, area.short_code, retired=False)


def _check_modify_area(
    session: Session, model: _PlanModel, op: ModifyPriorityAreaChange, path: list[str | int]
) -> None:
    area = _area(model, op.priority_area_id, [*path, "priority_area_id"])
    changes = op.changes
    row = session.get(PriorityArea, op.priority_area_id)
    assert row is not None
    given = changes.model_dump(exclude_unset=True)
    _check_translations(
        texts_of(
            title=given.get("title", row.title),
            description=given.get("description", row.description),
        ),
        [*path, "changes"],
        source_languages=changes.source_languages,
        reviewed_translations=changes.reviewed_translations,
    )
    _codes_free(
        model, changes.code, changes.short_code, [*path, "changes"], except_id=op.priority_area_id
    )
    area.code = changes.code or area.code
    area.short_code = changes.short_code or area.short_code


def _check_retire_area(
    model: _PlanModel, op: RetirePriorityAreaChange, path: list[str | int]
) -> None:
    area = _area(model, op.priority_area_id, [*path, "priority_area_id"])
    live = [
        c
        for c in model.commitments.values()
        if c.area_id == op.priority_area_id and c.status not in _NOT_LIVE
    ]
    if live:
        raise _fail(
            [*path, "priority_area_id"],
            f"Priority area {area.code} still has live commitments: retire them or move them "
            "to another area first (in this amendment or before it).",
            "priority_area_in_use",
        )
    area.retired = True


def _check_term(model: _PlanModel, op: ChangeTermChange, path: list[str | int]) -> None:
    approval = model.approval_date
    if approval is not None:
        out_of_range = expiry_problem(approval, op.term_months)
        if out_of_range:
            raise _fail([*path, "term_months"], out_of_range, "expiry_out_of_range")
        expiry = add_months(approval, op.term_months)
        if expiry <= today():
            raise _fail(
                [*path, "term_months"],
                f"A term of {op.term_months} months would have ended the plan on {expiry}: "
                "choose a longer term (or terminate the plan).",
                "term_already_over",
            )
    model.term_months = op.term_months


def _check_approval_date(
    model: _PlanModel, op: ChangeApprovalDateChange, path: list[str | int]
) -> None:
    out_of_range = expiry_problem(op.approval_date, model.term_months)
    if out_of_range:
        raise _fail([*path, "approval_date"], out_of_range, "expiry_out_of_range")
    expiry = add_months(op.approval_date, model.term_months)
    if expiry <= today():
        raise _fail(
            [*path, "approval_date"],
            f"Approved on {op.approval_date}, the plan would have expired on {expiry}.",
            "term_already_over",
        )
    model.approval_date = op.approval_date


def _check_predecessor(
    session: Session, model: _PlanModel, op: ChangePredecessorChange, path: list[str | int]
) -> None:
    with _rules_under([*path, "predecessor_id"]):
        plans.check_predecessor(session, op.predecessor_id, model.plan.id)


def _check_reorder(
    model: _PlanModel, op: ReorderPriorityAreasChange, path: list[str | int]
) -> None:
    existing = model.existing_areas
    if set(op.priority_area_ids) != existing:
        raise _fail(
            [*path, "priority_area_ids"],
            f"List every priority area of plan {model.plan.reference} exactly once "
            f"({len(existing)} areas; areas added by this amendment go last).",
            "priority_area_order",
        )


def _check_in_force(
    session: Session, model: _PlanModel, op: BringIntoForceChange, path: list[str | int]
) -> None:
    if PlanStatus(model.plan.status) is not PlanStatus.DRAFT:
        raise _fail(
            [*path, "op"],
            f"Plan {model.plan.reference} is {model.plan.status}: only a draft comes into force.",
            "not_a_draft",
        )
    problems = lifecycle.coming_into_force_problems(
        reference=model.plan.reference,
        approval_date=op.approval_date,
        term_months=model.term_months,
        area_count=len(model.areas),
    )
    if problems:
        raise _OperationError(
            [FieldError(loc=[*path, *p.loc], msg=p.msg, type=p.type) for p in problems]
        )


def _check_termination(
    session: Session, model: _PlanModel, op: TerminateChange, path: list[str | int]
) -> None:
    plan = model.plan
    if lifecycle.effective_status(plan) is not PlanStatus.ACTIVE:
        raise _fail(
            [*path, "op"],
            f"Plan {plan.reference} is {lifecycle.effective_status(plan).value}: only a plan in "
            "force can be terminated.",
            "not_in_force",
        )
    day = op.termination_date
    if day is None:
        return
    if day > today():
        raise _fail(
            [*path, "termination_date"],
            f"A termination takes effect on a day that has come ({day} is in the future): to "
            "end the plan later, shorten its term (change_term).",
            "termination_in_future",
        )
    latest = session.scalar(
        core_select(col(PlanVersion.agreed_on))
        .where(col(PlanVersion.plan_id) == plan.id)
        .order_by(col(PlanVersion.number).desc())
        .limit(1)
    )
    bounds = [d for d in (plan.approval_date, latest) if d is not None]
    earliest = max(bounds) if bounds else None
    if earliest is not None and day < earliest:
        raise _fail(
            [*path, "termination_date"],
            f"The plan cannot end on {day}: it was agreed as it stands on {earliest}.",
            "termination_before_agreement",
        )


def _check_renewal(
    session: Session, model: _PlanModel, op: RenewChange, path: list[str | int]
) -> None:
    if session.scalar(select(Plan.id).where(Plan.reference == op.reference)) is not None:
        raise _fail(
            [*path, "reference"],
            f"A plan with reference {op.reference} already exists.",
            "reference_in_use",
        )
    term = op.term_months or model.term_months
    # The successor comes into force when this plan expires (or today, if later): its own
    # expiry must be a date of the range as well.
    expiry = lifecycle.expiry_date(model.plan)
    approval = max(expiry, today()) if expiry is not None else today()
    out_of_range = expiry_problem(approval, term)
    if out_of_range:
        raise _fail(
            [*path, "term_months"], f"The successor plan: {out_of_range}", "expiry_out_of_range"
        )
    model.term_months = term


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
    model = _load(session, plan, actor)
    draft = PlanStatus(plan.status) is PlanStatus.DRAFT
    for index, op in enumerate(changes):
        path: list[str | int] = [*loc, index]
        try:
            if type(op) in _ALONE and len(changes) > 1:
                raise _fail(
                    [*path, "op"],
                    f"{op.op} is the only operation of its change set: what every party "
                    "consents to is that one act.",
                    "operation_not_alone",
                )
            if draft and not isinstance(op, BringIntoForceChange):
                raise _fail(
                    [*path, "op"],
                    f"Plan {plan.reference} is a draft: change it directly while the parties "
                    "negotiate it. The only amendment of a draft brings it into force.",
                    "draft_plan",
                )
            if isinstance(op, AddCommitmentChange):
                _check_add_commitment(session, model, op, path)
            elif isinstance(op, ModifyCommitmentChange):
                _check_modify_commitment(session, model, actor, op, path)
            elif isinstance(op, RetireCommitmentChange):
                _check_retire_commitment(model, actor, op, path)
            elif isinstance(op, AddPriorityAreaChange):
                _check_add_area(model, op, path)
            elif isinstance(op, ModifyPriorityAreaChange):
                _check_modify_area(session, model, op, path)
            elif isinstance(op, RetirePriorityAreaChange):
                _check_retire_area(model, op, path)
            elif isinstance(op, ChangeTermChange):
                _check_term(model, op, path)
                model.schedule_op = index
            elif isinstance(op, ChangeReviewIntervalChange):
                model.review_interval_months = op.review_interval_months
                model.schedule_op = index
            elif isinstance(op, RenewChange):
                _check_renewal(session, model, op, path)
                model.schedule_op = index
            elif isinstance(op, ChangeApprovalDateChange):
                _check_approval_date(model, op, path)
            elif isinstance(op, ChangePredecessorChange):
                _check_predecessor(session, model, op, path)
            elif isinstance(op, ChangeProgressUpdatesConfirmationChange):
                pass  # either value is valid on any plan in force
            elif isinstance(op, ReorderPriorityAreasChange):
                _check_reorder(model, op, path)
            elif isinstance(op, BringIntoForceChange):
                _check_in_force(session, model, op, path)
            elif isinstance(op, TerminateChange):
                _check_termination(session, model, op, path)
            else:
                assert isinstance(op, ChangeTextChange)
                _check_translations(
                    plan_texts(
                        op.title if op.title is not None else plan.title,
                        [s.model_dump(mode="json") for s in op.sections]
                        if op.sections is not None
                        else plan.sections,
                        op.objectives if op.objectives is not None else plan.objectives,
                        lead_texts_data(op.lead_texts)
                        if op.lead_texts is not None
                        else plan.lead_texts,
                    ),
                    path,
                    source_languages=op.source_languages,
                )
        except _OperationError as error:
            model.errors.extend(error.errors)
    if model.review_interval_months > model.term_months and model.schedule_op is not None:
        op = changes[model.schedule_op]
        name = (
            "review_interval_months"
            if isinstance(op, ChangeReviewIntervalChange)
            else "term_months"
        )
        model.errors.append(
            FieldError(
                loc=[*loc, model.schedule_op, name],
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


@dataclass(frozen=True)
class Applied:
    """What applying a change set produced."""

    version: int
    successor: Plan | None = None


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
    first = changes[0]
    if isinstance(first, RenewChange):
        return _renew(
            session=session, actor=actor, plan=plan, amendment=amendment, op=first, consent=consent
        )
    if isinstance(first, BringIntoForceChange):
        plan_ops.update_plan(
            session=session,
            actor=actor,
            plan=plan,
            data=PlanUpdate(status=PlanStatus.ACTIVE, approval_date=first.approval_date),
            consent=consent,
            version_reason=f"In force by amendment {amendment.number}: {_title(amendment)}",
        )
        return Applied(version=versions.current_version_number(session=session, plan_id=plan.id))
    if isinstance(first, TerminateChange):
        plan_ops.update_plan(
            session=session,
            actor=actor,
            plan=plan,
            data=PlanUpdate(status=PlanStatus.TERMINATED),
            consent=consent,
            version_reason=f"Terminated by amendment {amendment.number}: {_title(amendment)}",
            ended_on=first.termination_date or today(),
        )
        return Applied(version=versions.current_version_number(session=session, plan_id=plan.id))
    plan_changes: dict[str, Any] = {}
    plan_sources: dict[str, str] = {}
    for op in changes:
        if isinstance(op, AddCommitmentChange):
            data = op.commitment.model_dump(exclude_unset=True)
            commitments.create_commitment(
                session=session,
                actor=actor,
                plan=plan,
                data=CommitmentCreate.model_validate(data),
                consent=consent,
            )
        elif isinstance(op, ModifyCommitmentChange):
            _, target = commitments.get_commitment(
                session=session, actor=Actor.system(), commitment_id=op.commitment_id
            )
            commitments.update_commitment(
                session=session,
                actor=actor,
                plan=plan,
                commitment=target,
                data=CommitmentUpdate.model_validate(op.changes.model_dump(exclude_unset=True)),
                consent=consent,
            )
        elif isinstance(op, RetireCommitmentChange):
            _, target = commitments.get_commitment(
                session=session, actor=Actor.system(), commitment_id=op.commitment_id
            )
            commitments.cancel_commitment(
                session=session, actor=actor, plan=plan, commitment=target, consent=consent
            )
        elif isinstance(op, AddPriorityAreaChange):
            plans.create_area(
                session=session, actor=actor, plan=plan, data=op.priority_area, consent=consent
            )
        elif isinstance(op, ModifyPriorityAreaChange):
            area = plans.get_area(session=session, area_id=op.priority_area_id)
            plans.update_area(
                session=session,
                actor=actor,
                plan=plan,
                area=area,
                data=op.changes,
                consent=consent,
            )
        elif isinstance(op, RetirePriorityAreaChange):
            area = plans.get_area(session=session, area_id=op.priority_area_id)
            plans.retire_area(session=session, actor=actor, plan=plan, area=area, consent=consent)
        elif isinstance(op, ReorderPriorityAreasChange):
            # Areas this change set added stay after the ones it orders.
            ordered = set(op.priority_area_ids)
            added = [
                a.id
                for a in plans.list_areas(session=session, plan_id=plan.id)
                if a.id not in ordered
            ]
            plans.reorder_areas(
                session=session,
                actor=actor,
                plan=plan,
                data=PriorityAreaOrder(priority_area_ids=[*op.priority_area_ids, *added]),
                consent=consent,
            )
        elif isinstance(op, ChangeTermChange):
            plan_changes["term_months"] = op.term_months
        elif isinstance(op, ChangeReviewIntervalChange):
            plan_changes["review_interval_months"] = op.review_interval_months
        elif isinstance(op, ChangeApprovalDateChange):
            plan_changes["approval_date"] = op.approval_date
        elif isinstance(op, ChangePredecessorChange):
            plan_changes["predecessor_id"] = op.predecessor_id
        elif isinstance(op, ChangeProgressUpdatesConfirmationChange):
            plan_changes["progress_updates_need_confirmation"] = (
                op.progress_updates_need_confirmation
            )
        elif isinstance(op, ChangeTextChange):
            if op.title is not None:
                plan_changes["title"] = op.title
            if op.sections is not None:
                plan_changes["sections"] = [s.model_dump(mode="json") for s in op.sections]
            if op.objectives is not None:
                plan_changes["objectives"] = list(op.objectives)
            if op.lead_texts is not None:
                plan_changes["lead_texts"] = lead_texts_data(op.lead_texts)
            plan_sources.update(op.source_languages)
    if plan_changes:
        # Term and interval together: the database checks interval <= term on each write.
        plan_ops.amend_plan(
            session=session,
            actor=actor,
            plan=plan,
            changes=plan_changes,
            consent=consent,
            source_languages=plan_sources,
        )
    version = versions.record_version(
        session=session,
        actor=actor,
        plan=plan,
        reason=f"Amendment {amendment.number} applied: {_title(amendment)}",
        agreed_on=today(),
        amendment_id=amendment.id,
    )
    return Applied(version=version.number)


def _title(amendment: Amendment) -> str:
    title = amendment.title
    return title.get("en") or next(iter(title.values()), "")


def _renew(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    amendment: Amendment,
    op: RenewChange,
    consent: Consent,
) -> Applied:
    """Create the successor plan (same parties; areas and live commitments carried over), make
    it active, and supersede this plan."""
    status = lifecycle.effective_status(plan)
    if status not in (PlanStatus.ACTIVE, PlanStatus.EXPIRED):
        lifecycle.ensure_plan_writable(plan)
    party_ids = list(
        session.scalars(
            select(PlanParty.party_id)
            .where(PlanParty.plan_id == plan.id)
            .order_by(col(PlanParty.position))
        )
    )
    expiry = lifecycle.expiry_date(plan)
    approval = max(expiry, today()) if expiry is not None else today()
    term = op.term_months or plan.term_months
    successor = plans.create_plan(
        session=session,
        actor=actor,
        data=PlanCreate(
            reference=op.reference,
            title=op.title or plan.title,
            party_ids=party_ids,
            sections=[PlanSection.model_validate(s) for s in plan.sections],
            objectives=list(plan.objectives),
            lead_texts=PlanLeadTexts.model_validate(plan.lead_texts or {}),
            approval_date=approval,
            term_months=term,
            review_interval_months=min(plan.review_interval_months, term),
            predecessor_id=plan.id,
        ),
        # The same texts: their translation state (stale translations too) carries over.
        translations=plan.translations if op.title is None else None,
    )
    live = [
        c
        for c in session.scalars(
            select(Commitment)
            .where(Commitment.plan_id == plan.id)
            .order_by(col(Commitment.reference))
        )
        if c.status not in _NOT_LIVE
    ]
    live_areas = {c.priority_area_id for c in live}
    new_area: dict[uuid.UUID, uuid.UUID] = {}
    for area in plans.list_areas(session=session, plan_id=plan.id):
        if area.retired_at is not None and area.id not in live_areas:
            continue
        new_area[area.id] = plans.create_area(
            session=session,
            actor=actor,
            plan=successor,
            data=PriorityAreaCreate(
                code=area.code,
                short_code=area.short_code,
                title=area.title,
                description=area.description,
            ),
            consent=consent,
            translations=area.translations,
        ).id
    for commitment in live:
        _carry_over(
            session, actor, successor, commitment, new_area[commitment.priority_area_id], consent
        )
    plan_ops.update_plan(
        session=session,
        actor=actor,
        plan=successor,
        data=PlanUpdate(status=PlanStatus.ACTIVE),
        consent=consent,
        version_reason=f"Renewal of {plan.reference} (its amendment {amendment.number})",
    )
    plan_ops.update_plan(
        session=session,
        actor=actor,
        plan=plan,
        data=PlanUpdate(status=PlanStatus.SUPERSEDED),
        consent=consent,
        version_reason=f"Superseded by {successor.reference} (amendment {amendment.number})",
    )
    return Applied(version=1, successor=successor)


def _carry_over(
    session: Session,
    actor: Actor,
    successor: Plan,
    commitment: Commitment,
    area_id: uuid.UUID,
    consent: Consent,
) -> None:
    supporters = list(
        session.scalars(
            select(CommitmentSupporter.organisation_id)
            .where(CommitmentSupporter.commitment_id == commitment.id)
            .order_by(col(CommitmentSupporter.position))
        )
    )
    milestones = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.commitment_id == commitment.id)
            .order_by(col(Milestone.position))
        )
    )
    data: dict[str, Any] = {
        "priority_area_id": area_id,
        "reference": commitment.reference,
        "title": commitment.title,
        "description": commitment.description,
        "modality": commitment.modality,
        "lead_party_id": commitment.lead_party_id,
        "lead_organisation_id": commitment.lead_organisation_id,
        "supporting_organisation_ids": supporters,
        "start_date": commitment.start_date,
        "due_date": commitment.due_date,
        "status": commitment.status,
        "progress": commitment.progress,
        "pcm_activity_ref": commitment.pcm_activity_ref,
        "visibility": commitment.visibility,
        "is_example": commitment.is_example,
        "milestones": [
            {"title": m.title, "due_date": m.due_date, "done_on": m.done_on} for m in milestones
        ],
    }
    carried = commitments.create_commitment(
        session=session,
        actor=actor,
        plan=successor,
        # Carried over as recorded (a date from before the bounds existed included).
        data=CommitmentCreate.model_validate(data, context=STORED),
        consent=consent,
        # The same texts: their translation state (stale translations too) carries over.
        translations=commitment.translations,
    )
    carried_milestones = session.scalars(
        select(Milestone).where(Milestone.commitment_id == carried.id)
    )
    for milestone in carried_milestones:
        milestone.translations = dict(milestones[milestone.position].translations)
        session.add(milestone)
    session.flush()
