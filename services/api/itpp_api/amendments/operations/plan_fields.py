"""Operations on the plan's own agreed fields: its term, review interval, approval date,
predecessor, progress-update confirmation setting and texts. Applying one only gathers its
values: the plan is written once, after every operation (see ApplyContext)."""

from itpp_api.amendments.operations.base import (
    Applied,
    ApplyContext,
    CheckContext,
    Labels,
    Operation,
    check_translations,
    fail,
    rules_under,
)
from itpp_api.amendments.schemas import (
    ChangeApprovalDateChange,
    ChangePredecessorChange,
    ChangeProgressUpdatesConfirmationChange,
    ChangeReviewIntervalChange,
    ChangeTermChange,
    ChangeTextChange,
)
from itpp_api.bounds import expiry_problem
from itpp_api.clock import add_months, today
from itpp_api.localized import plan_texts
from itpp_api.plans import service as plans
from itpp_api.plans.schemas import lead_texts_data


class ChangeTerm(Operation[ChangeTermChange]):
    schema = ChangeTermChange
    labels = Labels(ja="期限の変更", en="Change the term")
    schedule_field = "term_months"

    def check(self, ctx: CheckContext, op: ChangeTermChange, path: list[str | int]) -> None:
        model = ctx.model
        approval = model.approval_date
        if approval is not None:
            out_of_range = expiry_problem(approval, op.term_months)
            if out_of_range:
                raise fail([*path, "term_months"], out_of_range, "expiry_out_of_range")
            expiry = add_months(approval, op.term_months)
            if expiry <= today():
                raise fail(
                    [*path, "term_months"],
                    f"A term of {op.term_months} months would have ended the plan on {expiry}: "
                    "choose a longer term (or terminate the plan).",
                    "term_already_over",
                )
        model.term_months = op.term_months

    def apply(self, ctx: ApplyContext, op: ChangeTermChange) -> Applied | None:
        ctx.plan_changes["term_months"] = op.term_months
        return None


class ChangeReviewInterval(Operation[ChangeReviewIntervalChange]):
    schema = ChangeReviewIntervalChange
    labels = Labels(ja="見直し間隔の変更", en="Change the review interval")
    schedule_field = "review_interval_months"

    def check(
        self, ctx: CheckContext, op: ChangeReviewIntervalChange, path: list[str | int]
    ) -> None:
        ctx.model.review_interval_months = op.review_interval_months

    def apply(self, ctx: ApplyContext, op: ChangeReviewIntervalChange) -> Applied | None:
        ctx.plan_changes["review_interval_months"] = op.review_interval_months
        return None


class ChangeApprovalDate(Operation[ChangeApprovalDateChange]):
    schema = ChangeApprovalDateChange
    labels = Labels(ja="承認日の変更", en="Change the date of approval")

    def check(self, ctx: CheckContext, op: ChangeApprovalDateChange, path: list[str | int]) -> None:
        model = ctx.model
        out_of_range = expiry_problem(op.approval_date, model.term_months)
        if out_of_range:
            raise fail([*path, "approval_date"], out_of_range, "expiry_out_of_range")
        expiry = add_months(op.approval_date, model.term_months)
        if expiry <= today():
            raise fail(
                [*path, "approval_date"],
                f"Approved on {op.approval_date}, the plan would have expired on {expiry}.",
                "term_already_over",
            )
        model.approval_date = op.approval_date

    def apply(self, ctx: ApplyContext, op: ChangeApprovalDateChange) -> Applied | None:
        ctx.plan_changes["approval_date"] = op.approval_date
        return None


class ChangePredecessor(Operation[ChangePredecessorChange]):
    schema = ChangePredecessorChange
    labels = Labels(ja="前身の計画の変更", en="Change the predecessor plan")

    def check(self, ctx: CheckContext, op: ChangePredecessorChange, path: list[str | int]) -> None:
        with rules_under([*path, "predecessor_id"]):
            plans.check_predecessor(ctx.session, op.predecessor_id, ctx.model.plan.id)

    def apply(self, ctx: ApplyContext, op: ChangePredecessorChange) -> Applied | None:
        ctx.plan_changes["predecessor_id"] = op.predecessor_id
        return None


class ChangeProgressUpdatesConfirmation(Operation[ChangeProgressUpdatesConfirmationChange]):
    schema = ChangeProgressUpdatesConfirmationChange
    labels = Labels(
        ja="進捗報告の確認要否の変更", en="Change whether progress updates need confirmation"
    )

    def check(
        self,
        ctx: CheckContext,
        op: ChangeProgressUpdatesConfirmationChange,
        path: list[str | int],
    ) -> None:
        pass  # either value is valid on any plan in force

    def apply(
        self, ctx: ApplyContext, op: ChangeProgressUpdatesConfirmationChange
    ) -> Applied | None:
        ctx.plan_changes["progress_updates_need_confirmation"] = (
            op.progress_updates_need_confirmation
        )
        return None


class ChangeText(Operation[ChangeTextChange]):
    schema = ChangeTextChange
    labels = Labels(ja="計画本文の変更", en="Change the plan's text")

    def check(self, ctx: CheckContext, op: ChangeTextChange, path: list[str | int]) -> None:
        plan = ctx.model.plan
        check_translations(
            plan_texts(
                op.title if op.title is not None else plan.title,
                [s.model_dump(mode="json") for s in op.sections]
                if op.sections is not None
                else plan.sections,
                op.objectives if op.objectives is not None else plan.objectives,
                lead_texts_data(op.lead_texts) if op.lead_texts is not None else plan.lead_texts,
            ),
            path,
            source_languages=op.source_languages,
        )

    def apply(self, ctx: ApplyContext, op: ChangeTextChange) -> Applied | None:
        if op.title is not None:
            ctx.plan_changes["title"] = op.title
        if op.sections is not None:
            ctx.plan_changes["sections"] = [s.model_dump(mode="json") for s in op.sections]
        if op.objectives is not None:
            ctx.plan_changes["objectives"] = list(op.objectives)
        if op.lead_texts is not None:
            ctx.plan_changes["lead_texts"] = lead_texts_data(op.lead_texts)
        ctx.plan_sources.update(op.source_languages)
        return None
