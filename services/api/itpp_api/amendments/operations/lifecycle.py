"""The operations that are the only one of their change set, each a consent of its own kind:
a draft's coming into force, a plan's termination and its renewal."""

import uuid
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from itpp_api.agreement import Consent
from itpp_api.amendments.operations.base import (
    NOT_LIVE,
    Applied,
    ApplyContext,
    CheckContext,
    Labels,
    Operation,
    OperationError,
    fail,
)
from itpp_api.amendments.schemas import (
    BringIntoForceChange,
    OperationEffect,
    RenewChange,
    TerminateChange,
)
from itpp_api.auth.actor import Actor
from itpp_api.bounds import STORED, expiry_problem
from itpp_api.clock import today
from itpp_api.commitments import service as commitments
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.commitments.schemas import CommitmentCreate, MilestoneCreate
from itpp_api.enums import ConsentKind, PlanStatus
from itpp_api.errors import FieldError
from itpp_api.patch import stored_values
from itpp_api.plans import changes as plan_ops
from itpp_api.plans import lifecycle, versions
from itpp_api.plans import service as plans
from itpp_api.plans.models import Plan, PlanParty, PlanVersion
from itpp_api.plans.schemas import (
    PlanCreate,
    PlanLeadTexts,
    PlanSection,
    PlanUpdate,
    PriorityAreaCreate,
)


class BringIntoForce(Operation[BringIntoForceChange]):
    schema = BringIntoForceChange
    labels = Labels(ja="計画の発効", en="Bring the plan into force")
    consent_kind = ConsentKind.ENTRY_INTO_FORCE
    plan_statuses = (PlanStatus.DRAFT,)
    sets_status = PlanStatus.ACTIVE
    note = Labels(
        ja="すべての当事者が承認すると計画が発効し、合意内容が第 1 版として記録されます。",
        en="When every party has approved, the plan comes into force and version 1 records it "
        "as agreed.",
    )

    def check(self, ctx: CheckContext, op: BringIntoForceChange, path: list[str | int]) -> None:
        model = ctx.model
        if PlanStatus(model.plan.status) is not PlanStatus.DRAFT:
            raise fail(
                [*path, "op"],
                f"Plan {model.plan.reference} is {model.plan.status}: only a draft comes into "
                "force.",
                "not_a_draft",
            )
        problems = lifecycle.coming_into_force_problems(
            reference=model.plan.reference,
            approval_date=op.approval_date,
            term_months=model.term_months,
            area_count=len(model.areas),
        )
        if problems:
            raise OperationError(
                [FieldError(loc=[*path, *p.loc], msg=p.msg, type=p.type) for p in problems]
            )

    def apply(self, ctx: ApplyContext, op: BringIntoForceChange) -> Applied | None:
        plan_ops.update_plan(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            data=PlanUpdate(status=PlanStatus.ACTIVE, approval_date=op.approval_date),
            consent=ctx.consent,
            version_reason=f"In force by amendment {ctx.amendment.number}: {ctx.title}",
        )
        return Applied(
            version=versions.current_version_number(session=ctx.session, plan_id=ctx.plan.id)
        )


class Terminate(Operation[TerminateChange]):
    schema = TerminateChange
    labels = Labels(ja="計画を終了する", en="Terminate the plan")
    consent_kind = ConsentKind.TERMINATION
    effect = OperationEffect.RETIRE
    sets_status = PlanStatus.TERMINATED
    note = Labels(
        ja="計画は期限前に終了します。以後の変更は受け付けず、記録はそのまま残ります。",
        en="The plan ends before its term: it takes no more changes, and its records stay.",
    )

    def check(self, ctx: CheckContext, op: TerminateChange, path: list[str | int]) -> None:
        plan = ctx.model.plan
        if lifecycle.effective_status(plan) is not PlanStatus.ACTIVE:
            raise fail(
                [*path, "op"],
                f"Plan {plan.reference} is {lifecycle.effective_status(plan).value}: only a plan "
                "in force can be terminated.",
                "not_in_force",
            )
        day = op.termination_date
        if day is None:
            return
        if day > today():
            raise fail(
                [*path, "termination_date"],
                f"A termination takes effect on a day that has come ({day} is in the future): to "
                "end the plan later, shorten its term (change_term).",
                "termination_in_future",
            )
        latest = ctx.session.scalar(
            core_select(col(PlanVersion.agreed_on))
            .where(col(PlanVersion.plan_id) == plan.id)
            .order_by(col(PlanVersion.number).desc())
            .limit(1)
        )
        bounds = [d for d in (plan.approval_date, latest) if d is not None]
        earliest = max(bounds) if bounds else None
        if earliest is not None and day < earliest:
            raise fail(
                [*path, "termination_date"],
                f"The plan cannot end on {day}: it was agreed as it stands on {earliest}.",
                "termination_before_agreement",
            )

    def apply(self, ctx: ApplyContext, op: TerminateChange) -> Applied | None:
        plan_ops.update_plan(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            data=PlanUpdate(status=PlanStatus.TERMINATED),
            consent=ctx.consent,
            version_reason=f"Terminated by amendment {ctx.amendment.number}: {ctx.title}",
            ended_on=op.termination_date or today(),
        )
        return Applied(
            version=versions.current_version_number(session=ctx.session, plan_id=ctx.plan.id)
        )


class Renew(Operation[RenewChange]):
    schema = RenewChange
    labels = Labels(ja="計画を更新する", en="Renew the plan")
    consent_kind = ConsentKind.RENEWAL
    plan_statuses = (PlanStatus.ACTIVE, PlanStatus.EXPIRED)
    effect = OperationEffect.ADD
    note = Labels(
        ja="後継計画が継続中のコミットメントを引き継ぎ、この計画は後継計画に置き換えられます。",
        en="A successor plan takes over the live commitments; this plan is superseded.",
    )
    schedule_field = "term_months"

    def check(self, ctx: CheckContext, op: RenewChange, path: list[str | int]) -> None:
        model = ctx.model
        if ctx.session.scalar(select(Plan.id).where(Plan.reference == op.reference)) is not None:
            raise fail(
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
            raise fail(
                [*path, "term_months"], f"The successor plan: {out_of_range}", "expiry_out_of_range"
            )
        model.term_months = term

    def apply(self, ctx: ApplyContext, op: RenewChange) -> Applied | None:
        """Create the successor plan (same parties; areas and live commitments carried over),
        make it active, and supersede this plan."""
        session, actor, plan, consent = ctx.session, ctx.actor, ctx.plan, ctx.consent
        number = ctx.amendment.number
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
            if c.status not in NOT_LIVE
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
                session,
                actor,
                successor,
                commitment,
                new_area[commitment.priority_area_id],
                consent,
            )
        plan_ops.update_plan(
            session=session,
            actor=actor,
            plan=successor,
            data=PlanUpdate(status=PlanStatus.ACTIVE),
            consent=consent,
            version_reason=f"Renewal of {plan.reference} (its amendment {number})",
        )
        plan_ops.update_plan(
            session=session,
            actor=actor,
            plan=plan,
            data=PlanUpdate(status=PlanStatus.SUPERSEDED),
            consent=consent,
            version_reason=f"Superseded by {successor.reference} (amendment {number})",
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
    data: dict[str, Any] = stored_values(commitment, CommitmentCreate) | {
        "priority_area_id": area_id,
        "supporting_organisation_ids": supporters,
        "milestones": [stored_values(m, MilestoneCreate) for m in milestones],
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
