"""Operations on the plan's priority areas: add one, change it, retire it, reorder them."""

import uuid

from itpp_api.amendments.operations.base import (
    NOT_LIVE,
    Applied,
    ApplyContext,
    AreaModel,
    CheckContext,
    Labels,
    Operation,
    area_of,
    check_translations,
    codes_free,
    fail,
)
from itpp_api.amendments.schemas import (
    AddPriorityAreaChange,
    ModifyPriorityAreaChange,
    OperationEffect,
    ReorderPriorityAreasChange,
    RetirePriorityAreaChange,
)
from itpp_api.localized import texts_of
from itpp_api.plans import service as plans
from itpp_api.plans.models import PriorityArea
from itpp_api.plans.schemas import PriorityAreaOrder


class AddPriorityArea(Operation[AddPriorityAreaChange]):
    schema = AddPriorityAreaChange
    labels = Labels(ja="優先分野の追加", en="Add a priority area")
    effect = OperationEffect.ADD

    def check(self, ctx: CheckContext, op: AddPriorityAreaChange, path: list[str | int]) -> None:
        model = ctx.model
        area = op.priority_area
        codes_free(model, area.code, area.short_code, [*path, "priority_area"])
        check_translations(
            texts_of(title=area.title, description=area.description),
            [*path, "priority_area"],
            source_languages=area.source_languages,
        )
        model.areas[uuid.uuid4()] = AreaModel(area.code, area.short_code, retired=False)

    def apply(self, ctx: ApplyContext, op: AddPriorityAreaChange) -> Applied | None:
        plans.create_area(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            data=op.priority_area,
            consent=ctx.consent,
        )
        return None


class ModifyPriorityArea(Operation[ModifyPriorityAreaChange]):
    schema = ModifyPriorityAreaChange
    labels = Labels(ja="優先分野の変更", en="Change a priority area")
    effect = OperationEffect.MODIFY

    def check(self, ctx: CheckContext, op: ModifyPriorityAreaChange, path: list[str | int]) -> None:
        model = ctx.model
        area = area_of(model, op.priority_area_id, [*path, "priority_area_id"])
        changes = op.changes
        row = ctx.session.get(PriorityArea, op.priority_area_id)
        assert row is not None
        given = changes.model_dump(exclude_unset=True)
        check_translations(
            texts_of(
                title=given.get("title", row.title),
                description=given.get("description", row.description),
            ),
            [*path, "changes"],
            source_languages=changes.source_languages,
            reviewed_translations=changes.reviewed_translations,
        )
        codes_free(
            model,
            changes.code,
            changes.short_code,
            [*path, "changes"],
            except_id=op.priority_area_id,
        )
        area.code = changes.code or area.code
        area.short_code = changes.short_code or area.short_code

    def apply(self, ctx: ApplyContext, op: ModifyPriorityAreaChange) -> Applied | None:
        area = plans.get_area(session=ctx.session, area_id=op.priority_area_id)
        plans.update_area(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            area=area,
            data=op.changes,
            consent=ctx.consent,
        )
        return None


class RetirePriorityArea(Operation[RetirePriorityAreaChange]):
    schema = RetirePriorityAreaChange
    labels = Labels(ja="優先分野の廃止", en="Retire a priority area")
    effect = OperationEffect.RETIRE
    note = Labels(
        ja="記録には残りますが、新たなコミットメントは設けられません。",
        en="It stays on record and takes no new commitments.",
    )

    def check(self, ctx: CheckContext, op: RetirePriorityAreaChange, path: list[str | int]) -> None:
        model = ctx.model
        area = area_of(model, op.priority_area_id, [*path, "priority_area_id"])
        live = [
            c
            for c in model.commitments.values()
            if c.area_id == op.priority_area_id and c.status not in NOT_LIVE
        ]
        if live:
            raise fail(
                [*path, "priority_area_id"],
                f"Priority area {area.code} still has live commitments: retire them or move them "
                "to another area first (in this amendment or before it).",
                "priority_area_in_use",
            )
        area.retired = True

    def apply(self, ctx: ApplyContext, op: RetirePriorityAreaChange) -> Applied | None:
        area = plans.get_area(session=ctx.session, area_id=op.priority_area_id)
        plans.retire_area(
            session=ctx.session, actor=ctx.actor, plan=ctx.plan, area=area, consent=ctx.consent
        )
        return None


class ReorderPriorityAreas(Operation[ReorderPriorityAreasChange]):
    schema = ReorderPriorityAreasChange
    labels = Labels(ja="優先分野の順序の変更", en="Reorder the priority areas")
    effect = OperationEffect.ORDER

    def check(
        self, ctx: CheckContext, op: ReorderPriorityAreasChange, path: list[str | int]
    ) -> None:
        existing = ctx.model.existing_areas
        if set(op.priority_area_ids) != existing:
            raise fail(
                [*path, "priority_area_ids"],
                f"List every priority area of plan {ctx.model.plan.reference} exactly once "
                f"({len(existing)} areas; areas added by this amendment go last).",
                "priority_area_order",
            )

    def apply(self, ctx: ApplyContext, op: ReorderPriorityAreasChange) -> Applied | None:
        # Areas this change set added stay after the ones it orders.
        ordered = set(op.priority_area_ids)
        added = [
            a.id
            for a in plans.list_areas(session=ctx.session, plan_id=ctx.plan.id)
            if a.id not in ordered
        ]
        plans.reorder_areas(
            session=ctx.session,
            actor=ctx.actor,
            plan=ctx.plan,
            data=PriorityAreaOrder(priority_area_ids=[*op.priority_area_ids, *added]),
            consent=ctx.consent,
        )
        return None
