"""Operations on the plan's commitments: add one, change its definition, retire it."""

import uuid

from sqlmodel import select

from itpp_api import date_order
from itpp_api.amendments.operations.base import (
    NOT_LIVE,
    Applied,
    ApplyContext,
    CheckContext,
    CommitmentModel,
    Labels,
    Operation,
    area_of,
    check_translations,
    commitment_of,
    fail,
    rules_under,
)
from itpp_api.amendments.schemas import (
    AddCommitmentChange,
    ModifyCommitmentChange,
    OperationEffect,
    RetireCommitmentChange,
)
from itpp_api.auth.actor import Actor
from itpp_api.commitments import service as commitments
from itpp_api.commitments.models import Commitment, CommitmentSupporter
from itpp_api.commitments.schemas import CommitmentCreate, CommitmentUpdate
from itpp_api.enums import CommitmentStatus, Visibility
from itpp_api.localized import texts_of
from itpp_api.parties.models import Organisation


class AddCommitment(Operation[AddCommitmentChange]):
    schema = AddCommitmentChange
    labels = Labels(ja="コミットメントの追加", en="Add a commitment")
    effect = OperationEffect.ADD

    def check(self, ctx: CheckContext, op: AddCommitmentChange, path: list[str | int]) -> None:
        model = ctx.model
        proposed = op.commitment
        area_of(model, proposed.priority_area_id, [*path, "commitment", "priority_area_id"])
        check_translations(
            texts_of(title=proposed.title, description=proposed.description),
            [*path, "commitment"],
            source_languages=proposed.source_languages,
        )
        for index, milestone in enumerate(proposed.milestones):
            check_translations(
                {"title": milestone.title},
                [*path, "commitment", "milestones", index],
                source_languages=milestone.source_languages,
            )
        with rules_under([*path, "commitment"]):
            commitments.check_references(
                ctx.session,
                model.plan,
                priority_area_id=proposed.priority_area_id,
                lead_party_id=proposed.lead_party_id,
                lead_organisation_id=proposed.lead_organisation_id,
                supporting_organisation_ids=proposed.supporting_organisation_ids,
            )
        if proposed.reference is not None:
            if proposed.reference in model.references:
                raise fail(
                    [*path, "commitment", "reference"],
                    f"Plan {model.plan.reference} already has a commitment {proposed.reference}.",
                    "reference_in_use",
                )
            model.references.add(proposed.reference)
        model.commitments[uuid.uuid4()] = CommitmentModel(
            proposed.reference or "",
            proposed.priority_area_id,
            CommitmentStatus.PLANNED.value,
            Visibility.SHARED.value,
            proposed.lead_party_id,
        )

    def apply(self, ctx: ApplyContext, op: AddCommitmentChange) -> Applied | None:
        data = op.commitment.model_dump(exclude_unset=True)
        commitments.create_commitment(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            data=CommitmentCreate.model_validate(data),
            consent=ctx.consent,
        )
        return None


class ModifyCommitment(Operation[ModifyCommitmentChange]):
    schema = ModifyCommitmentChange
    labels = Labels(ja="コミットメントの変更", en="Change a commitment")
    effect = OperationEffect.MODIFY

    def check(self, ctx: CheckContext, op: ModifyCommitmentChange, path: list[str | int]) -> None:
        session, model = ctx.session, ctx.model
        target = commitment_of(model, ctx.actor, op.commitment_id, [*path, "commitment_id"])
        if target.status == CommitmentStatus.CANCELLED.value:
            raise fail(
                [*path, "commitment_id"],
                f"Commitment {target.reference} is cancelled (retired).",
                "retired_commitment",
            )
        row = session.get(Commitment, op.commitment_id)
        assert row is not None
        changes = op.changes.model_dump(exclude_unset=True)
        check_translations(
            texts_of(
                title=changes.get("title", row.title),
                description=changes.get("description", row.description),
            ),
            [*path, "changes"],
            source_languages=op.changes.source_languages,
        )
        area_id = changes.get("priority_area_id", target.area_id)
        area_of(
            model, area_id, [*path, "changes", "priority_area_id"], allow_retired=target.area_id
        )
        lead_party = changes.get("lead_party_id", row.lead_party_id)
        lead_organisation = changes.get("lead_organisation_id", row.lead_organisation_id)
        if (
            "lead_party_id" in changes
            and "lead_organisation_id" not in changes
            and lead_organisation
        ):
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
        with rules_under([*path, "changes"]):
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
        with rules_under([*path, "changes"]):
            date_order.check_record(
                start,
                due,
                "due_date",
                f"Commitment {target.reference} would be due ({due}) before it starts ({start}).",
            )
        target.area_id = area_id
        target.lead_party_id = lead_party

    def apply(self, ctx: ApplyContext, op: ModifyCommitmentChange) -> Applied | None:
        _, target = commitments.get_commitment(
            session=ctx.session, actor=Actor.system(), commitment_id=op.commitment_id
        )
        commitments.update_commitment(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            commitment=target,
            data=CommitmentUpdate.model_validate(op.changes.model_dump(exclude_unset=True)),
            consent=ctx.consent,
        )
        return None


class RetireCommitment(Operation[RetireCommitmentChange]):
    schema = RetireCommitmentChange
    labels = Labels(ja="コミットメントの廃止", en="Retire a commitment")
    effect = OperationEffect.RETIRE
    sets_status = CommitmentStatus.CANCELLED
    note = Labels(ja="中止となり、記録には残ります。", en="It is cancelled and stays on record.")

    def check(self, ctx: CheckContext, op: RetireCommitmentChange, path: list[str | int]) -> None:
        target = commitment_of(ctx.model, ctx.actor, op.commitment_id, [*path, "commitment_id"])
        if target.status in NOT_LIVE:
            raise fail(
                [*path, "commitment_id"],
                f"Commitment {target.reference} is already {target.status}.",
                "commitment_not_live",
            )
        target.status = CommitmentStatus.CANCELLED.value

    def apply(self, ctx: ApplyContext, op: RetireCommitmentChange) -> Applied | None:
        _, target = commitments.get_commitment(
            session=ctx.session, actor=Actor.system(), commitment_id=op.commitment_id
        )
        commitments.cancel_commitment(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            commitment=target,
            consent=ctx.consent,
        )
        return None
