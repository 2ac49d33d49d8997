"""Rules and queries for plans, their parties, priority areas and versions."""

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, and_, bindparam, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from itpp_api import agreement, driver
from itpp_api.agreement import Consent
from itpp_api.amendments.models import Amendment
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, utcnow
from itpp_api.enums import AmendmentStatus, CommitmentStatus, PlanStatus
from itpp_api.errors import Conflict, FieldError, NotFound, RuleViolation
from itpp_api.localized import (
    plan_texts,
    pop_translation_request,
    record_translations,
    texts_of,
    translations_view,
)
from itpp_api.pagination import AnySelect, SortOrder, apply_keyset, next_cursor
from itpp_api.parties.models import Party
from itpp_api.plans.lifecycle import (
    effective_status,
    ensure_plan_writable,
    expiry_date,
    status_as_read,
)
from itpp_api.plans.models import Plan, PlanParty, PriorityArea
from itpp_api.plans.schemas import (
    PlanCreate,
    PriorityAreaCreate,
    PriorityAreaOrder,
    PriorityAreaUpdate,
    lead_texts_data,
)
from itpp_api.wire import make_etag


def refresh_expiry(plan: Plan) -> None:
    plan.expiry_date = expiry_date(plan)


def plan_etag(plan: Plan) -> str:
    return make_etag(plan.id, plan.row_version)


def plan_to_dict(
    plan: Plan, parties: list[Party], actor: Actor | None = None, *, awaiting_consent: bool = False
) -> dict[str, Any]:
    """The public representation of a plan; with `actor`, what they may do with it (a plan
    version's snapshot has no actor: it records the plan, not a reader's view of it);
    `awaiting_consent`: a consent to the plan is proposed (awaiting_consent_of)."""
    body = {
        "id": plan.id,
        "reference": plan.reference,
        "title": plan.title,
        "parties": [{"id": p.id, "code": p.code, "name": p.name} for p in parties],
        "sections": plan.sections,
        "objectives": plan.objectives,
        "lead_texts": lead_texts_data(plan.lead_texts),
        "translations": translations_view(plan.translations),
        "status": effective_status(plan).value,
        "approval_date": plan.approval_date,
        "expiry_date": expiry_date(plan),
        "term_months": plan.term_months,
        "review_interval_months": plan.review_interval_months,
        "predecessor_id": plan.predecessor_id,
        "progress_updates_need_confirmation": plan.progress_updates_need_confirmation,
        "termination_date": plan.termination_date,
        "etag": plan_etag(plan),
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }
    if actor is not None:
        body["allowed_actions"] = policy.PlanActions.of(actor, plan).plan(
            awaiting_consent=awaiting_consent
        )
    return body


def parties_of_plans(
    *, session: Session, plan_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Party]]:
    """The parties of each plan, in the plan's order, in one query."""
    result: dict[uuid.UUID, list[Party]] = defaultdict(list)
    if not plan_ids:
        return result
    rows = session.execute(
        select(PlanParty.plan_id, Party)
        .join(Party, col(Party.id) == col(PlanParty.party_id))
        .where(col(PlanParty.plan_id).in_(plan_ids))
        .order_by(col(PlanParty.plan_id), col(PlanParty.position))
    )
    for plan_id, party in rows:
        result[plan_id].append(party)
    return result


def plan_party_ids(*, session: Session, plan_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of a plan's parties."""
    return list(session.scalars(select(PlanParty.party_id).where(PlanParty.plan_id == plan_id)))


def plan_party_ids_in_order(*, session: Session, plan_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of a plan's parties, in the order the plan names them."""
    return list(
        session.scalars(
            select(PlanParty.party_id)
            .where(PlanParty.plan_id == plan_id)
            .order_by(col(PlanParty.position))
        )
    )


_PLAN_COLUMNS = table_of(Plan).c
_PLAN_SORT = SortOrder(
    name="reference",
    key=_PLAN_COLUMNS.reference,
    id_column=_PLAN_COLUMNS.id,
    descending=False,
)


def status_condition(status: PlanStatus, on: date) -> ColumnElement[bool]:
    """SQL for 'reads as this status today' (an active plan past its expiry reads expired)."""
    if status is PlanStatus.EXPIRED:
        return and_(col(Plan.status) == PlanStatus.ACTIVE.value, col(Plan.expiry_date) <= on)
    if status is PlanStatus.ACTIVE:
        return and_(
            col(Plan.status) == PlanStatus.ACTIVE.value,
            or_(col(Plan.expiry_date).is_(None), col(Plan.expiry_date) > on),
        )
    return col(Plan.status) == status.value


def list_plans(
    *,
    session: Session,
    actor: Actor,
    status: list[PlanStatus] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the plans the actor's party belongs to, by reference, optionally by status."""
    policy.require_signed_in(actor)
    statement: AnySelect = core_select(
        Plan, col(Plan.reference).label("sort_key"), col(Plan.id).label("id")
    )
    if actor.is_system:
        statement = statement.where(col(Plan.deleted_at).is_(None))
    else:
        statement = statement.where(col(Plan.id).in_(policy.party_plans(actor.party_id)))
    if status:
        on = today()
        statement = statement.where(or_(*(status_condition(s, on) for s in set(status))))
    rows = list(session.execute(apply_keyset(statement, _PLAN_SORT, cursor, limit)))
    page, cursor_out = next_cursor(rows, _PLAN_SORT, limit, key_of="sort_key")
    plans: list[Plan] = [row[0] for row in page]
    parties = parties_of_plans(session=session, plan_ids=[p.id for p in plans])
    awaiting = awaiting_consent_of(session=session, plans=plans)
    return [
        plan_to_dict(p, parties[p.id], actor, awaiting_consent=p.id in awaiting) for p in plans
    ], cursor_out


def get_plan(
    *,
    session: Session,
    plan_id: uuid.UUID,
    actor: Actor,
    action: Action = Action.READ,
    for_update: bool = False,
) -> Plan:
    """One plan the actor may `action` (404 if it is not theirs to see); locked when for_update.

    The policy decides first, on one light query (authorize_plan_access), and only then is the
    plan loaded: a plan of other parties costs exactly what an unknown id costs (one statement)
    and answers the same (`policy.no_plan`), so neither the message nor the work tells that it
    exists."""
    authorize_plan_access(session=session, plan_id=plan_id, actor=actor, action=action)
    statement = select(Plan).where(Plan.id == plan_id)
    if for_update:
        statement = statement.with_for_update()
    plan = session.scalars(statement).first()
    # Deleted (or gone) between the two statements: as missing as it now is.
    if plan is None or plan.deleted_at is not None:
        raise policy.no_plan(plan_id)
    return plan


# A table with `plan_id`, whichever (named apart from db.Record, the stored records' base).
PlanScoped = TypeVar("PlanScoped", bound=SQLModel)


class _InPlan(Protocol):
    plan_id: uuid.UUID


def load_in_plan(
    *,
    session: Session,
    model: type[PlanScoped],
    record_id: uuid.UUID,
    actor: Actor,
    noun: str,
    action: Action = Action.READ,
    for_update: bool = False,
    visible: Callable[[AnySelect, Actor], AnySelect] | None = None,
) -> tuple[Plan, PlanScoped]:
    """The plan-scoped loader: a record (a table with `plan_id`) of a plan the actor may
    `action`, with its plan; locked (SELECT … FOR UPDATE) when for_update; `visible` narrows
    the lookup by the access policy's criterion for that kind of record. A record the actor may
    not see, or of a plan they may not see, is missing exactly like an unknown id:
    NotFound("No {noun} with id {record_id}.")."""
    table = table_of(model)
    statement: AnySelect = select(model).where(table.c.id == record_id)
    statement = statement.where(policy.in_party_plans(table.c.plan_id, actor))
    if visible is not None:
        statement = visible(statement, actor)
    if for_update:
        statement = statement.with_for_update()
    record: PlanScoped | None = session.scalars(statement).first()
    missing = NotFound(f"No {noun} with id {record_id}.")
    if record is None:
        raise missing
    try:
        plan_id = cast(_InPlan, record).plan_id
        plan = get_plan(session=session, plan_id=plan_id, actor=actor, action=action)
    except NotFound:
        raise missing from None
    return plan, record


_PLAN = table_of(Plan)
_PLAN_PARTY = table_of(PlanParty)
# A plan's id with each of its parties (one row with a NULL party for a plan without any), and
# what its effective status is read from.
_PLAN_ACCESS = (
    core_select(
        _PLAN.c.id,
        _PLAN_PARTY.c.party_id,
        _PLAN.c.status,
        _PLAN.c.expiry_date,
        _PLAN.c.deleted_at,
    )
    .select_from(_PLAN.outerjoin(_PLAN_PARTY, _PLAN_PARTY.c.plan_id == _PLAN.c.id))
    .where(_PLAN.c.id == bindparam("plan_id"))
)


def authorize_plan_access(
    *, session: Session, plan_id: uuid.UUID, actor: Actor, action: Action = Action.READ
) -> PlanStatus:
    """get_plan's checks without loading the plan, in one light query; the plan's effective
    status (what the records' allowed actions depend on).

    For reads that need only the plan's id: 404 when there is no such plan (the same problem as
    get_plan's), then the same policy decision on the plan's parties.
    """
    rows = driver.run(session.connection(), _PLAN_ACCESS, {"plan_id": plan_id})
    if not rows:
        raise policy.no_plan(plan_id)
    _, _, status, expiry_date, deleted_at = rows[0]
    policy.require_plan_not_deleted(plan_id, deleted_at is not None)
    party_ids = [party_id for _, party_id, *_ in rows if party_id is not None]
    policy.authorize_plan(actor, party_ids, action, plan_id=plan_id)
    return status_as_read(status, expiry_date)


def plan_as_dict(*, session: Session, plan: Plan, actor: Actor | None = None) -> dict[str, Any]:
    """The public representation of a plan (with what `actor` may do with it, if given)."""
    return plan_to_dict(
        plan,
        parties_of_plans(session=session, plan_ids=[plan.id])[plan.id],
        actor,
        awaiting_consent=actor is not None and plan.id in awaiting_consent_of(session, [plan]),
    )


def awaiting_consent_of(session: Session, plans: list[Plan]) -> set[uuid.UUID]:
    """Which of these drafts have an amendment (their coming into force) proposed or approved
    and not applied yet, as the dashboard's `pending_amendments` counts them: one query, and
    none for plans that are not drafts."""
    drafts = [plan.id for plan in plans if plan.status == PlanStatus.DRAFT.value]
    if not drafts:
        return set()
    return set(
        session.scalars(
            select(Amendment.plan_id).where(
                col(Amendment.plan_id).in_(drafts),
                col(Amendment.status).in_(
                    [AmendmentStatus.PROPOSED.value, AmendmentStatus.APPROVED.value]
                ),
            )
        )
    )


def delete_plan(*, session: Session, actor: Actor, plan: Plan) -> None:
    """Delete a draft that never came into force, softly (the caller has locked the plan and
    checked If-Match): it leaves every list and reads 404 from now on; its records stay, and
    the deletion is an audit event of the plan. The policy decides who may and which plans."""
    policy.authorize_plan_deletion(
        actor,
        plan_party_ids(session=session, plan_id=plan.id),
        plan_id=plan.id,
        reference=plan.reference,
        stored_status=plan.status,
        awaiting_consent=plan.id in awaiting_consent_of(session, [plan]),
    )
    before = audit_view(plan)
    plan.deleted_at = utcnow()
    plan.updated_at = plan.deleted_at
    session.add(plan)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity_type="plan",
        entity_id=plan.id,
        plan_id=plan.id,
        before=before,
        after={**before, "deleted_at": plan.deleted_at},
    )


def _check_parties(session: Session, party_ids: list[uuid.UUID]) -> None:
    known = set(session.scalars(select(Party.id).where(col(Party.id).in_(party_ids))))
    missing = [pid for pid in party_ids if pid not in known]
    if missing:
        raise RuleViolation(
            "Unknown party.",
            errors=[
                FieldError(
                    loc=["body", "party_ids", party_ids.index(m)],
                    msg=f"no party {m}",
                    type="unknown_party",
                )
                for m in missing
            ],
        )


def check_predecessor(
    session: Session, predecessor_id: uuid.UUID | None, plan_id: uuid.UUID | None
) -> None:
    """The predecessor exists, is not the plan itself, and the lineage does not loop."""
    if predecessor_id is None:
        return
    if predecessor_id == plan_id:
        raise RuleViolation("A plan cannot be its own predecessor.")
    predecessor = session.get(Plan, predecessor_id)
    if predecessor is None or predecessor.deleted_at is not None:
        raise RuleViolation(
            "Unknown predecessor plan.",
            errors=[
                FieldError(
                    loc=["body", "predecessor_id"],
                    msg=f"no plan {predecessor_id}",
                    type="unknown_plan",
                )
            ],
        )
    # Refuse cycles in the lineage.
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = predecessor_id
    while current is not None and current not in seen:
        if current == plan_id:
            raise RuleViolation("The predecessor chain would loop back to this plan.")
        seen.add(current)
        current = session.scalar(select(Plan.predecessor_id).where(Plan.id == current))


def audit_view(plan: Plan) -> dict[str, Any]:
    """What an audit event shows of a plan (its lead texts as the API shows them)."""
    return audit.audited(plan) | {"lead_texts": lead_texts_data(plan.lead_texts)}


def create_plan(
    *,
    session: Session,
    actor: Actor,
    data: PlanCreate,
    translations: dict[str, Any] | None = None,
) -> Plan:
    """Record a new draft plan between two or more parties.

    `translations`: the translation state of the same texts carried over (a renewal); by default
    each text starts governed by its source language with nothing stale.
    """
    policy.authorize_new_plan(actor, data.party_ids)
    if session.scalar(select(Plan.id).where(Plan.reference == data.reference)) is not None:
        raise Conflict(f"A plan with reference {data.reference!r} already exists.")
    _check_parties(session, data.party_ids)
    check_predecessor(session, data.predecessor_id, None)
    sections = [s.model_dump(mode="json") for s in data.sections]
    lead_texts = lead_texts_data(data.lead_texts)
    plan = Plan(
        reference=data.reference,
        title=data.title,
        sections=sections,
        objectives=list(data.objectives),
        lead_texts=lead_texts,
        translations=dict(translations)
        if translations is not None
        else record_translations(
            None,
            plan_texts(data.title, sections, data.objectives, lead_texts),
            {},
            source_languages=data.source_languages,
        ),
        status=PlanStatus.DRAFT,
        approval_date=data.approval_date,
        term_months=data.term_months,
        review_interval_months=data.review_interval_months,
        predecessor_id=data.predecessor_id,
        progress_updates_need_confirmation=data.progress_updates_need_confirmation,
    )
    refresh_expiry(plan)
    session.add(plan)
    session.flush()
    for position, party_id in enumerate(data.party_ids):
        session.add(PlanParty(plan_id=plan.id, party_id=party_id, position=position))
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="plan",
        entity_id=plan.id,
        plan_id=plan.id,
        after={**audit_view(plan), "party_ids": data.party_ids},
    )
    return plan


# --- priority areas -----------------------------------------------------------------------


def area_to_dict(area: PriorityArea, actions: policy.PlanActions | None = None) -> dict[str, Any]:
    """The public representation of a priority area; with the `actions` of a reader of its
    plan, what they may do with it (a version's snapshot has none)."""
    body = {
        "id": area.id,
        "plan_id": area.plan_id,
        "code": area.code,
        "short_code": area.short_code,
        "position": area.position,
        "title": area.title,
        "description": area.description,
        "translations": translations_view(area.translations),
        "retired_at": area.retired_at,
        "etag": make_etag(area.id, area.row_version),
        "created_at": area.created_at,
        "updated_at": area.updated_at,
    }
    if actions is not None:
        body["allowed_actions"] = actions.priority_area(retired=area.retired_at is not None)
    return body


def list_areas(*, session: Session, plan_id: uuid.UUID) -> list[PriorityArea]:
    """A plan's priority areas in order."""
    return list(
        session.scalars(
            select(PriorityArea)
            .where(PriorityArea.plan_id == plan_id)
            .order_by(col(PriorityArea.position), col(PriorityArea.code))
        )
    )


def get_area(*, session: Session, area_id: uuid.UUID, for_update: bool = False) -> PriorityArea:
    """One priority area, or NotFound."""
    statement = select(PriorityArea).where(PriorityArea.id == area_id)
    if for_update:
        statement = statement.with_for_update()
    area = session.scalars(statement).first()
    if area is None:
        raise NotFound(f"No priority area with id {area_id}.")
    return area


def _check_area_codes_free(
    session: Session,
    plan_id: uuid.UUID,
    code: str | None,
    short_code: str | None,
    except_id: uuid.UUID | None = None,
) -> None:
    for column, value, name in (
        (PriorityArea.code, code, "code"),
        (PriorityArea.short_code, short_code, "short_code"),
    ):
        if value is None:
            continue
        statement = select(PriorityArea.id).where(PriorityArea.plan_id == plan_id, column == value)
        if except_id is not None:
            statement = statement.where(PriorityArea.id != except_id)
        if session.scalar(statement) is not None:
            raise Conflict(f"This plan already has a priority area with {name} {value!r}.")


def get_area_for(
    *,
    session: Session,
    actor: Actor,
    area_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, PriorityArea]:
    """A priority area and its plan, if the actor may `action` them."""
    return load_in_plan(
        session=session,
        model=PriorityArea,
        record_id=area_id,
        actor=actor,
        noun="priority area",
        action=action,
        for_update=for_update,
    )


def create_area(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    data: PriorityAreaCreate,
    consent: Consent | None = None,
    translations: dict[str, Any] | None = None,
) -> PriorityArea:
    """Add a priority area at the end of the plan's list.

    On an active plan only with every party's consent (an applied amendment). `translations`:
    as for create_plan.
    """
    ensure_plan_writable(plan)
    agreement.check_area_create(
        actor=actor,
        plan=plan,
        data=data.model_dump(mode="json", exclude_unset=True),
        consent=consent,
    )
    _check_area_codes_free(session, plan.id, data.code, data.short_code)
    last = session.scalar(
        select(func.max(PriorityArea.position)).where(PriorityArea.plan_id == plan.id)
    )
    area = PriorityArea(
        plan_id=plan.id,
        code=data.code,
        short_code=data.short_code,
        position=(last if last is not None else -1) + 1,
        title=data.title,
        description=data.description,
        translations=dict(translations)
        if translations is not None
        else record_translations(
            None,
            texts_of(title=data.title, description=data.description),
            {},
            source_languages=data.source_languages,
        ),
    )
    session.add(area)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="priority_area",
        entity_id=area.id,
        plan_id=plan.id,
        after=audit.audited(area),
    )
    return area


def update_area(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    area: PriorityArea,
    data: PriorityAreaUpdate,
    consent: Consent | None = None,
) -> PriorityArea:
    """Change a priority area's codes or texts (on an active plan: only by amendment).

    Its translation state alone (a source language, reviewed translations) is bookkeeping
    about the texts, not agreed content: it changes directly on an active plan too.
    """
    changes = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    before = audit.audited(area)
    ensure_plan_writable(plan)
    agreement.check_area_update(
        actor=actor,
        plan=plan,
        area_id=area.id,
        code=area.code,
        changes=changes,
        current=before,
        consent=consent,
    )
    _check_area_codes_free(
        session, plan.id, changes.get("code"), changes.get("short_code"), area.id
    )
    if {"title", "description"} & set(changes) or source_languages or reviewed:
        area.translations = record_translations(
            texts_of(title=area.title, description=area.description),
            texts_of(
                title=changes.get("title", area.title),
                description=changes.get("description", area.description),
            ),
            area.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    for name, value in changes.items():
        setattr(area, name, value)
    area.updated_at = utcnow()
    session.add(area)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="priority_area",
        entity_id=area.id,
        plan_id=plan.id,
        before=before,
        after=audit.audited(area),
    )
    return area


def reorder_areas(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    data: PriorityAreaOrder,
    consent: Consent | None = None,
) -> list[PriorityArea]:
    """Put the plan's priority areas in the given order (every area exactly once)."""
    ensure_plan_writable(plan)
    ordered = list_areas(session=session, plan_id=plan.id)
    areas = {a.id: a for a in ordered}
    wanted = data.priority_area_ids
    if len(set(wanted)) != len(wanted) or set(wanted) != set(areas):
        raise RuleViolation(
            "priority_area_ids must list every priority area of the plan exactly once "
            f"({len(areas)} areas)."
        )
    agreement.check_area_order(
        actor=actor,
        plan=plan,
        order=list(wanted),
        current=[a.id for a in ordered],
        consent=consent,
    )
    now = utcnow()
    before = {"order": [a.code for a in sorted(areas.values(), key=lambda a: a.position)]}
    for position, area_id in enumerate(wanted):
        area = areas[area_id]
        if area.position != position:
            area.position = position
            area.updated_at = now
            session.add(area)
    session.flush()
    after = {"order": [areas[i].code for i in wanted]}
    if before != after:
        audit.record(
            session=session,
            actor=actor,
            action="reorder_priority_areas",
            entity_type="plan",
            entity_id=plan.id,
            plan_id=plan.id,
            before=before,
            after=after,
        )
    return [areas[i] for i in wanted]


def retire_area(
    *, session: Session, actor: Actor, plan: Plan, area: PriorityArea, consent: Consent | None
) -> PriorityArea:
    """Retire a priority area by amendment (or, on a draft, directly: retire_draft_area): it
    stays on record, closed to new commitments."""
    ensure_plan_writable(plan)
    agreement.check_area_retire(
        actor=actor, plan=plan, area_id=area.id, code=area.code, consent=consent
    )
    if area.retired_at is not None:
        return area
    area.retired_at = utcnow()
    area.updated_at = area.retired_at
    session.add(area)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="retire",
        entity_type="priority_area",
        entity_id=area.id,
        plan_id=plan.id,
        before={"retired_at": None},
        after={"retired_at": area.retired_at},
    )
    return area


def retire_draft_area(
    *, session: Session, actor: Actor, plan: Plan, area: PriorityArea
) -> PriorityArea:
    """Retire a draft's priority area directly (nothing about it was agreed yet; on a plan in
    force agreement.check_area_retire refuses it with the amendment that would do it). Like the
    amendment's retire_priority_area, refused while live commitments stand under it."""
    ensure_plan_writable(plan)
    agreement.check_area_retire(
        actor=actor, plan=plan, area_id=area.id, code=area.code, consent=None
    )
    live = session.scalar(
        select(func.count())
        .select_from(Commitment)
        .where(
            Commitment.priority_area_id == area.id,
            col(Commitment.status).not_in(
                [CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value]
            ),
        )
    )
    if live:
        raise RuleViolation(
            f"Priority area {area.code} still has live commitments: cancel them or move them "
            "to another area first.",
            errors=[
                FieldError(
                    loc=["path", "area_id"],
                    msg=f"{live} live commitments under {area.code}",
                    type="priority_area_in_use",
                )
            ],
        )
    return retire_area(session=session, actor=actor, plan=plan, area=area, consent=None)
