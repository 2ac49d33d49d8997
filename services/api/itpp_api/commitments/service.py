"""Rules and queries for commitments and milestones.

The list is the API's hot path: it reads plain rows with Core statements (no ORM objects),
loads milestones and supporters for the whole page in one query each, and serializes the
page with orjson, so its cost stays a constant number of queries whatever the page size.
Rows are read as text and printed by fast_rows (no UUID, datetime or dict objects built only to
be printed again); the single GET and plan snapshots use the same code.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Integer, bindparam, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from itpp_api import agreement, date_order, driver, references
from itpp_api.agreement import Consent
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action, PlanActions
from itpp_api.auth.service import Touch, check_token
from itpp_api.clock import today
from itpp_api.commitments import fast_rows
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.commitments.schemas import (
    CommitmentCreate,
    CommitmentSort,
    CommitmentUpdate,
    MilestoneCreate,
    MilestonePublic,
    MilestoneUpdate,
)
from itpp_api.db import table_of, transaction, utcnow
from itpp_api.enums import CommitmentStatus, Health, Modality, Visibility
from itpp_api.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.localized import (
    pop_translation_request,
    record_translations,
    search_text,
    texts_of,
    translations_view,
)
from itpp_api.pagination import (
    AnySelect,
    SortOrder,
    apply_keyset_parameters,
    cursor_position,
    trim_page,
)
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.lifecycle import ensure_plan_writable
from itpp_api.plans.models import Plan, PlanParty, PriorityArea
from itpp_api.plans.service import (
    authorize_plan_access,
    get_plan,
    load_in_plan,
    plan_as_dict,
)
from itpp_api.search import service as search
from itpp_api.search.schemas import SearchKind
from itpp_api.wire import dump_json, make_etag

_AREA_TABLE = table_of(PriorityArea)
_C = table_of(Commitment).c
_M = table_of(Milestone).c
_S = table_of(CommitmentSupporter).c
_A = _AREA_TABLE.c
_O = table_of(Organisation).c
_P = table_of(Party).c
_E = table_of(Exchange).c
_LINK_TABLE = table_of(ExchangeCommitment)
_L = _LINK_TABLE.c

_FAR_FUTURE = date(9999, 12, 31)

_SORTS: dict[CommitmentSort, SortOrder] = {}
for _name, _key, _type in (
    ("reference", _C.reference, str),
    ("due_date", func.coalesce(_C.due_date, _FAR_FUTURE), date),
    ("progress", _C.progress, int),
    ("updated_at", _C.updated_at, datetime),
    ("created_at", _C.created_at, datetime),
):
    for _descending in (False, True):
        _public = f"-{_name}" if _descending else _name
        _SORTS[CommitmentSort(_public)] = SortOrder(
            name=_public, key=_key, id_column=_C.id, descending=_descending, key_type=_type
        )


@dataclass(frozen=True)
class CommitmentFilters:
    """The filters of the commitment list; every one is served by an index."""

    status: list[CommitmentStatus] = field(default_factory=list)
    priority_area: list[str] = field(default_factory=list)
    modality: list[Modality] = field(default_factory=list)
    lead_party: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    health: list[Health] = field(default_factory=list)
    due_before: date | None = None
    due_after: date | None = None
    q: str | None = None


def _ids_and_codes(values: list[str]) -> tuple[list[uuid.UUID], list[str]]:
    ids: list[uuid.UUID] = []
    codes: list[str] = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            codes.append(value)
    return ids, codes


def _visible_to(statement: AnySelect, actor: Actor) -> AnySelect:
    """Leave out commitments internal to another party (the access policy's criterion)."""
    if actor.is_system:
        return statement
    return statement.where(policy.visible_commitments(_C, actor))


# The page statement is built once per shape (sort order, whether a cursor applies, whether
# the caller is the system, which filters are set) and run with the request's values as
# parameters: building a statement and computing its cache key cost more than running it.
_Shape = tuple[CommitmentSort, bool, bool, tuple[str, ...], bool]


def _page_parameters(
    *,
    plan_id: uuid.UUID,
    filters: CommitmentFilters,
    actor: Actor,
    order: SortOrder,
    sort: CommitmentSort,
    cursor: str | None,
    limit: int,
    page: int | None = None,
    dialect: str = "sqlite",
) -> tuple[_Shape, dict[str, Any]]:
    """The shape of the page statement for this request, and its parameter values."""
    params: dict[str, Any] = {"plan_id": plan_id, "limit": limit + 1}
    present: list[str] = []

    def add(name: str, value: Any) -> None:
        present.append(name)
        params[name] = value

    if filters.status:
        add("status", [s.value for s in filters.status])
    if filters.modality:
        add("modality", [m.value for m in filters.modality])
    if filters.health:
        add("health", [h.value for h in filters.health])
    for prefix, values in (
        ("area", filters.priority_area),
        ("party", filters.lead_party),
        ("org", filters.organisation),
    ):
        ids, codes = _ids_and_codes(values)
        if ids:
            add(f"{prefix}_ids", ids)
        if codes:
            add(f"{prefix}_codes", codes)
    if filters.due_before is not None:
        add("due_before", filters.due_before)
    if filters.due_after is not None:
        add("due_after", filters.due_after)
    if filters.q:
        # Matched in the search index (reference, titles, descriptions) and against the
        # names and codes of the lead and supporting organisations.
        add("q_short" if search.is_short(filters.q) else "q", filters.q)
        params.update(search.match_parameters(filters.q, dialect))
        params["organisation_pattern"] = search.like_pattern(filters.q)
    if not actor.is_system:
        params[policy.VIEWER_PARTY] = actor.party_id
    position = cursor_position(order, cursor) if page is None else None
    if position is not None:
        params["last_value"], params["last_id"] = position
    if page is not None:
        params["offset"] = (page - 1) * limit
    shape = (sort, position is not None, actor.is_system, tuple(present), page is not None)
    return shape, params


def _conditions(dialect: str, system: bool, present: tuple[str, ...]) -> list[Any]:
    """The list's filters and the visibility criterion, as criteria with parameters (see
    _page_parameters): the page and its total count share them."""
    conditions: list[Any] = [_C.plan_id == bindparam("plan_id")]
    for name, column in (("status", _C.status), ("modality", _C.modality), ("health", _C.health)):
        if name in present:
            conditions.append(column.in_(bindparam(name, expanding=True)))
    for prefix, column, code_query in (
        (
            "area",
            _C.priority_area_id,
            core_select(_A.id).where(
                _A.plan_id == bindparam("plan_id"),
                _A.code.in_(bindparam("area_codes", expanding=True)),
            ),
        ),
        (
            "party",
            _C.lead_party_id,
            core_select(_P.id).where(_P.code.in_(bindparam("party_codes", expanding=True))),
        ),
    ):
        # A value is an id when it parses as one, else a code; either may match.
        either: list[ColumnElement[bool]] = []
        if f"{prefix}_ids" in present:
            either.append(column.in_(bindparam(f"{prefix}_ids", expanding=True)))
        if f"{prefix}_codes" in present:
            either.append(column.in_(code_query))
        if either:
            conditions.append(or_(*either))
    # An organisation leads or supports the commitment (a value: its id or its code).
    chosen: list[ColumnElement[bool]] = []
    if "org_ids" in present:
        chosen.append(_O.id.in_(bindparam("org_ids", expanding=True)))
    if "org_codes" in present:
        chosen.append(_O.code.in_(bindparam("org_codes", expanding=True)))
    if chosen:
        organisations = core_select(_O.id).where(or_(*chosen))
        conditions.append(
            or_(
                _C.lead_organisation_id.in_(organisations),
                _C.id.in_(
                    core_select(_S.commitment_id).where(_S.organisation_id.in_(organisations))
                ),
            )
        )
    if "due_before" in present:
        conditions.append(_C.due_date < bindparam("due_before"))
    if "due_after" in present:
        conditions.append(_C.due_date > bindparam("due_after"))
    if "q" in present or "q_short" in present:
        organisations = core_select(_O.id).where(
            or_(
                _O.code.ilike(bindparam("organisation_pattern"), escape="\\"),
                _O.name["ja"].as_string().ilike(bindparam("organisation_pattern"), escape="\\"),
                _O.name["en"].as_string().ilike(bindparam("organisation_pattern"), escape="\\"),
            )
        )
        conditions.append(
            or_(
                _C.id.in_(
                    search.matching_records(
                        SearchKind.COMMITMENT, dialect, short="q_short" in present
                    )
                ),
                _C.lead_organisation_id.in_(organisations),
                _C.id.in_(
                    core_select(_S.commitment_id).where(_S.organisation_id.in_(organisations))
                ),
            )
        )
    if not system:  # as _visible_to, the caller's party given as a parameter
        conditions.append(
            policy.visible_record(_C.visibility, _C.lead_party_id, policy.viewer_party(None))
        )
    return conditions


@lru_cache(maxsize=512)
def _page_statement(fmt: fast_rows.RowFormat, shape: _Shape) -> AnySelect:
    """The page statement of a shape (see _page_parameters for the parameters' values)."""
    sort, after, system, present, paged = shape
    order = _SORTS[sort]
    statement = (
        _base_select(fmt)
        .add_columns(fmt.sort_key_column(order.key))
        .where(*_conditions(fmt.dialect.name, system, present))
    )
    statement = apply_keyset_parameters(statement, order, after=after)
    if paged:
        statement = statement.offset(bindparam("offset", type_=Integer()))
    return statement


@lru_cache(maxsize=512)
def _count_statement(dialect: str, system: bool, present: tuple[str, ...]) -> AnySelect:
    """How many commitments the filters of a shape match (the list's `total`): the page's own
    criteria, counted."""
    return (
        core_select(func.count())
        .select_from(table_of(Commitment))
        .where(*_conditions(dialect, system, present))
    )


def _format(session: Session) -> fast_rows.RowFormat:
    return fast_rows.for_dialect(session.get_bind().dialect)


def _base_select(fmt: fast_rows.RowFormat) -> AnySelect:
    return core_select(*fmt.commitment_columns).join(_AREA_TABLE, _A.id == _C.priority_area_id)


# MilestonePublic's fields in its order; `allowed_actions`, its last, is added given the reader's
# actions. Each is read from the row by its name, but those `_milestone_dict` derives.
_MILESTONE_FIELDS = tuple(
    name for name in MilestonePublic.model_fields if name != "allowed_actions"
)


def _milestone_dict(row: Any, on: date) -> dict[str, Any]:
    """A Milestone (ORM) as MilestonePublic's dict; the commitment reads use fast_rows."""
    derived = {
        "translations": translations_view(row.translations),
        "is_overdue": row.done_on is None and row.due_date is not None and row.due_date < on,
        "etag": make_etag(row.id, row.row_version),
    }
    return {
        name: derived[name] if name in derived else getattr(row, name) for name in _MILESTONE_FIELDS
    }


def _to_dicts(
    session: Session,
    fmt: fast_rows.RowFormat,
    rows: Sequence[Sequence[Any]],
    actions: policy.PlanActions | None = None,
    reader: Actor | None = None,
) -> list[dict[str, Any]]:
    """Commitment rows → public dicts, with milestones and supporters (and, given the `reader`,
    the links behind the ETag that reader sees) in one more query; with the reader's `actions`,
    what they may do with each (from the row's own facts: no query)."""
    return fmt.dicts(session.connection(), rows, today(), actions, reader)


def list_commitments(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    filters: CommitmentFilters,
    sort: CommitmentSort,
    cursor: str | None,
    limit: int,
    actions: policy.PlanActions | None = None,
    page: int | None = None,
    count: bool = True,
) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """A page of a plan's commitments: filtered, in a stable order, after the cursor or at the
    numbered `page` (each with what the reader may do with it, given the reader's `actions` in
    the plan), the cursor of the next page, and (with `count`) how many commitments the filters
    match."""
    fmt = _format(session)
    order = _SORTS[sort]
    shape, params = _page_parameters(
        plan_id=plan_id,
        filters=filters,
        actor=actor,
        order=order,
        sort=sort,
        cursor=cursor,
        limit=limit,
        page=page,
        dialect=fmt.dialect.name,
    )
    connection = session.connection()
    rows = driver.run(connection, _page_statement(fmt, shape), params)
    total = None
    if count:
        _, _, system, present, _ = shape
        statement = _count_statement(fmt.dialect.name, system, present)
        total = driver.run(connection, statement, params)[0][0]
    # The cursor points after the page's last row: its typed sort key and its id.
    rows, cursor_out = trim_page(
        rows,
        order,
        limit,
        lambda last: (
            fmt.sort_key_value(order.key, last[-1]),
            uuid.UUID(fmt.uuid_of(last[fast_rows.ID_AT])),
        ),
    )
    return _to_dicts(session, fmt, rows, actions, actor), cursor_out, total


def commitment_as_dict(
    *, session: Session, actor: Actor, commitment_id: uuid.UUID, plan: Plan | None = None
) -> dict[str, Any]:
    """The public representation of one commitment the actor may see, or NotFound; given its
    `plan`, with what the actor may do with it."""
    fmt = _format(session)
    statement = _visible_to(_base_select(fmt).where(_C.id == commitment_id), actor)
    rows = session.connection().execute(statement).all()
    if not rows:
        raise NotFound(f"No commitment with id {commitment_id}.")
    actions = policy.PlanActions.of(actor, plan) if plan is not None else None
    return _to_dicts(session, fmt, rows, actions, actor)[0]


@lru_cache(maxsize=8)
def _one_statement(fmt: fast_rows.RowFormat, system: bool) -> AnySelect:
    """One commitment by id (`commitment_id`), with the visibility filter for a party's reader
    (the caller's party given as a parameter, as the page statement): built once."""
    statement = _base_select(fmt).where(_C.id == bindparam("commitment_id"))
    if not system:
        viewer = policy.viewer_party(None)
        statement = statement.where(
            policy.visible_record(_C.visibility, _C.lead_party_id, viewer),
            # Only in the plans of the reader's party, as plans.service.load_in_plan looks.
            _C.plan_id.in_(policy.party_plans(viewer)),
        )
    return statement


def read_commitment(*, session: Session, actor: Actor, commitment_id: uuid.UUID) -> dict[str, Any]:
    """The public representation of one commitment the actor may see, with what they may do
    with it; NotFound if it is not theirs to see (get_commitment's checks, without loading the
    commitment and its plan as objects: the row, then the plan's parties and status)."""
    fmt = _format(session)
    params: dict[str, Any] = {"commitment_id": commitment_id}
    if not actor.is_system:
        params[policy.VIEWER_PARTY] = actor.party_id
    rows = driver.run(session.connection(), _one_statement(fmt, actor.is_system), params)
    missing = NotFound(f"No commitment with id {commitment_id}.")
    if not rows:
        raise missing
    plan_id = uuid.UUID(fmt.uuid_of(rows[0][fast_rows.PLAN_ID_AT]))
    try:
        status = authorize_plan_access(session=session, plan_id=plan_id, actor=actor)
    except NotFound:
        raise missing from None
    return _to_dicts(session, fmt, rows, policy.PlanActions(actor, status), actor)[0]


def commitments_for_snapshot(*, session: Session, plan_id: uuid.UUID) -> list[dict[str, Any]]:
    """The shared commitments of a plan, by reference, for a plan version's snapshot (what the
    parties agreed: internal commitments are in no version)."""
    fmt = _format(session)
    statement = (
        _base_select(fmt)
        .where(_C.plan_id == plan_id, policy.shared_only(_C))
        .order_by(_C.reference)
    )
    out = _to_dicts(session, fmt, session.connection().execute(statement).all())
    for item in out:
        item.pop("etag", None)
        item.pop("is_overdue", None)
        for milestone in item["milestones"]:
            milestone.pop("etag", None)
            milestone.pop("is_overdue", None)
    return out


def get_commitment(
    *,
    session: Session,
    actor: Actor,
    commitment_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, Commitment]:
    """A commitment the actor may `action`, with its plan; NotFound if it is not theirs to see.

    A commitment internal to another party is looked up with the visibility filter, so it is
    missing exactly like an unknown id — also for a caller whose role could not write anyway
    (404, never 403: a refusal must not tell that the record exists).
    """
    return load_in_plan(
        session=session,
        model=Commitment,
        record_id=commitment_id,
        actor=actor,
        noun="commitment",
        action=action,
        for_update=for_update,
        visible=_visible_to,
    )


def _audit_view(
    commitment: Commitment, supporters: list[uuid.UUID] | None = None
) -> dict[str, Any]:
    view = audit.audited(commitment)
    if supporters is not None:
        view["supporting_organisation_ids"] = supporters
    return view


def _owner(commitment: Commitment) -> uuid.UUID | None:
    """The party an event about this commitment is restricted to, if it is internal."""
    return commitment.lead_party_id if commitment.visibility == Visibility.INTERNAL.value else None


def commitment_etag(*, session: Session, actor: Actor, commitment: Commitment) -> str:
    """The commitment's ETag as the actor reads it (what If-Match is compared with): its
    version and the exchanges linked to it that the actor sees (fast_rows.commitment_etag)."""
    statement = (
        core_select(_E.id, _E.row_version)
        .join(_LINK_TABLE, _L.exchange_id == _E.id)
        .where(_L.commitment_id == commitment.id)
    )
    if not actor.is_system:
        statement = statement.where(policy.visible_exchanges(_E, actor))
    links = [(str(row[0]), row[1]) for row in session.execute(statement)]
    return fast_rows.commitment_etag(str(commitment.id), commitment.row_version, links)


# --- writes -------------------------------------------------------------------------------


def _rule(field_name: str, message: str, kind: str) -> RuleViolation:
    return RuleViolation(
        message, errors=[FieldError(loc=["body", field_name], msg=message, type=kind)]
    )


def check_references(
    session: Session,
    plan: Plan,
    *,
    priority_area_id: uuid.UUID,
    lead_party_id: uuid.UUID,
    lead_organisation_id: uuid.UUID | None,
    supporting_organisation_ids: list[uuid.UUID],
    current_area_id: uuid.UUID | None = None,
) -> PriorityArea:
    area = session.get(PriorityArea, priority_area_id)
    if area is None or area.plan_id != plan.id:
        raise _rule(
            "priority_area_id",
            f"Plan {plan.reference} has no priority area {priority_area_id}.",
            "unknown_priority_area",
        )
    if area.retired_at is not None and area.id != current_area_id:
        raise _rule(
            "priority_area_id",
            f"Priority area {area.code} was retired by an amendment: it takes no new commitments.",
            "retired_priority_area",
        )
    party_ids = set(session.scalars(select(PlanParty.party_id).where(PlanParty.plan_id == plan.id)))
    if lead_party_id not in party_ids:
        raise _rule(
            "lead_party_id",
            f"Party {lead_party_id} is not a party of plan {plan.reference}.",
            "unknown_party",
        )
    wanted = [o for o in [lead_organisation_id, *supporting_organisation_ids] if o is not None]
    organisations = {
        o.id: o
        for o in session.scalars(select(Organisation).where(col(Organisation.id).in_(wanted)))
    }
    if lead_organisation_id is not None:
        lead = organisations.get(lead_organisation_id)
        if lead is None:
            raise _rule(
                "lead_organisation_id",
                f"No organisation {lead_organisation_id}.",
                "unknown_organisation",
            )
        if lead.party_id != lead_party_id:
            raise _rule(
                "lead_organisation_id",
                f"Organisation {lead.code} does not belong to the lead party.",
                "organisation_of_other_party",
            )
    for index, organisation_id in enumerate(supporting_organisation_ids):
        supporter = organisations.get(organisation_id)
        if supporter is None:
            raise RuleViolation(
                f"No organisation {organisation_id}.",
                errors=[
                    FieldError(
                        loc=["body", "supporting_organisation_ids", index],
                        msg=f"no organisation {organisation_id}",
                        type="unknown_organisation",
                    )
                ],
            )
        if supporter.party_id not in party_ids:
            raise RuleViolation(
                f"Organisation {supporter.code} belongs to no party of plan {plan.reference}.",
                errors=[
                    FieldError(
                        loc=["body", "supporting_organisation_ids", index],
                        msg="organisation of a party outside the plan",
                        type="organisation_of_other_party",
                    )
                ],
            )
    return area


def _check_status_progress(status: str, progress: int) -> None:
    if status == CommitmentStatus.COMPLETED.value and progress != 100:
        raise _rule("progress", "A completed commitment has progress 100.", "progress_not_complete")


def create_commitment(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    data: CommitmentCreate,
    consent: Consent | None = None,
    translations: dict[str, Any] | None = None,
) -> Commitment:
    """Record a new commitment (and its milestones) under one of the plan's priority areas.

    A shared commitment of an active plan joins what the parties agreed: only with every
    party's `consent` (an applied amendment or a renewal), under which the rules that keep one
    party from acting for another do not apply. `translations`: the translation state of the
    same texts carried over (a renewal); by default computed from the request.
    """
    ensure_plan_writable(plan)
    if consent is None:
        policy.authorize_internal_owner(actor, data.visibility.value, data.lead_party_id)
    area = check_references(
        session,
        plan,
        priority_area_id=data.priority_area_id,
        lead_party_id=data.lead_party_id,
        lead_organisation_id=data.lead_organisation_id,
        supporting_organisation_ids=data.supporting_organisation_ids,
    )
    progress = data.progress
    if data.status is CommitmentStatus.COMPLETED and "progress" not in data.model_fields_set:
        progress = 100
    _check_status_progress(data.status.value, progress)
    series = references.series(session, area.short_code, data.visibility.value, data.lead_party_id)
    if data.reference is None:
        reference = references.next_in(session, Commitment, plan.id, series, digits=2)
    else:
        reference = data.reference
        references.check_given(reference, series, data.visibility.value, 2)
        # In its own series, a clash is with a record the caller may see (a shared one, or one
        # of their own party's), so naming it tells nothing.
        if not references.unused(
            session,
            select(Commitment.id).where(
                Commitment.plan_id == plan.id, Commitment.reference == reference
            ),
        ):
            raise Conflict(f"Plan {plan.reference} already has a commitment {reference}.")
        references.taken(session, Commitment, plan.id, reference, series)
    # The body's fields but these are the commitment's columns.
    values = data.model_dump(
        exclude={"reference", "supporting_organisation_ids", "milestones", "source_languages"}
    )
    commitment = Commitment(
        **values
        | {
            "plan_id": plan.id,
            "reference": reference,
            "translations": dict(translations)
            if translations is not None
            else record_translations(
                None,
                texts_of(title=data.title, description=data.description),
                {},
                source_languages=data.source_languages,
            ),
            "progress": progress,
            "search_text": search_text(data.title, extra=(reference,)),
        }
    )
    # Consent is asked last: a request that breaks a rule gets its 422, and the proposal a
    # refusal carries is always one that can be posted.
    agreement.check_commitment_create(
        actor=actor,
        plan=plan,
        data=data.model_dump(mode="json", exclude_unset=True)
        | {"visibility": data.visibility.value},
        consent=consent,
    )
    session.add(commitment)
    session.flush()
    for position, organisation_id in enumerate(data.supporting_organisation_ids):
        session.add(
            CommitmentSupporter(
                commitment_id=commitment.id, organisation_id=organisation_id, position=position
            )
        )
    for position, milestone in enumerate(data.milestones):
        session.add(
            Milestone(
                commitment_id=commitment.id,
                position=position,
                title=milestone.title,
                translations=record_translations(
                    None,
                    {"title": milestone.title},
                    {},
                    source_languages=milestone.source_languages,
                    loc=("body", "milestones", position),
                ),
                due_date=milestone.due_date,
                done_on=milestone.done_on,
            )
        )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="commitment",
        entity_id=commitment.id,
        plan_id=plan.id,
        owner_party_id=_owner(commitment),
        after={
            **_audit_view(commitment, data.supporting_organisation_ids),
            "milestones": [m.model_dump() for m in data.milestones],
        },
    )
    return commitment


def update_commitment(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    data: CommitmentUpdate,
    consent: Consent | None = None,
) -> Commitment:
    """Apply changes to a commitment, re-checking every rule on the result.

    The definition of a shared commitment of an active plan, its sharing and its retirement
    change only with every party's `consent` (an applied amendment, which may also hand the
    commitment over to another lead party); its delivery changes directly.
    """
    ensure_plan_writable(plan)
    changes = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    owner_before = _owner(commitment)
    supporters = changes.pop("supporting_organisation_ids", None)
    current_supporters = list(
        session.scalars(
            select(CommitmentSupporter.organisation_id)
            .where(CommitmentSupporter.commitment_id == commitment.id)
            .order_by(col(CommitmentSupporter.position))
        )
    )
    merged = CommitmentUpdate.as_changed(commitment, changes)
    handing_over = (
        "lead_party_id" in changes and changes["lead_party_id"] != commitment.lead_party_id
    )
    # A shared commitment of a plan in force is handed over only by amendment, which either
    # party may propose (the consent check below offers it); elsewhere only its lead party may.
    by_amendment = commitment.visibility == Visibility.SHARED.value and (
        agreement.consent_required(actor=actor, plan=plan, consent=consent)
    )
    if (
        not actor.is_system
        and consent is None
        and handing_over
        and not by_amendment
        and commitment.lead_party_id != actor.party_id
    ):
        raise Forbidden("Only the lead party can hand a commitment over to another party.")
    if consent is None:
        policy.authorize_internal_owner(
            actor,
            merged["visibility"],
            merged["lead_party_id"],
        )
    date_order.check_record(merged["start_date"], merged["due_date"], "due_date")
    if "lead_party_id" in changes and "lead_organisation_id" not in changes:
        lead = (
            session.get(Organisation, commitment.lead_organisation_id)
            if commitment.lead_organisation_id
            else None
        )
        if lead is not None and lead.party_id != merged["lead_party_id"]:
            merged["lead_organisation_id"] = None
            changes["lead_organisation_id"] = None
    area = check_references(
        session,
        plan,
        priority_area_id=merged["priority_area_id"],
        lead_party_id=merged["lead_party_id"],
        lead_organisation_id=merged["lead_organisation_id"],
        supporting_organisation_ids=supporters if supporters is not None else current_supporters,
        current_area_id=commitment.priority_area_id,
    )
    before = _audit_view(commitment, current_supporters)
    status = merged["status"]
    if (
        status == CommitmentStatus.COMPLETED.value
        and "progress" not in changes
        and "status" in changes
    ):
        changes["progress"] = merged["progress"] = 100
    _check_status_progress(status, int(merged["progress"]))
    translations = commitment.translations
    if {"title", "description"} & set(changes) or source_languages or reviewed:
        translations = record_translations(
            texts_of(title=commitment.title, description=commitment.description),
            texts_of(
                title=changes.get("title", commitment.title),
                description=changes.get("description", commitment.description),
            ),
            commitment.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    # Consent is asked once every rule has passed (a bad request gets its 422 first).
    agreement.check_commitment_update(
        actor=actor,
        plan=plan,
        commitment_id=commitment.id,
        reference=commitment.reference,
        changes={
            **changes,
            **({"supporting_organisation_ids": supporters} if supporters is not None else {}),
        },
        current=before,
        consent=consent,
    )
    commitment.translations = translations
    for name, value in changes.items():
        setattr(commitment, name, value)
    visibility = merged["visibility"]
    if "visibility" in changes and visibility != before["visibility"]:
        # Shared or made internal (on a draft: on a plan in force that takes consent), the
        # commitment moves to the series it now belongs to, so neither party's numbering shows
        # a gap where the other's internal records are.
        series = references.series(session, area.short_code, visibility, merged["lead_party_id"])
        commitment.reference = references.next_in(session, Commitment, plan.id, series, digits=2)
    if "title" in changes or "visibility" in changes:
        commitment.search_text = search_text(commitment.title, extra=(commitment.reference,))
    if supporters is not None and supporters != current_supporters:
        for row in session.scalars(
            select(CommitmentSupporter).where(CommitmentSupporter.commitment_id == commitment.id)
        ):
            session.delete(row)
        session.flush()
        for position, organisation_id in enumerate(supporters):
            session.add(
                CommitmentSupporter(
                    commitment_id=commitment.id, organisation_id=organisation_id, position=position
                )
            )
    commitment.updated_at = utcnow()
    session.add(commitment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="commitment",
        entity_id=commitment.id,
        plan_id=plan.id,
        # An event that touches an internal state stays with that party.
        owner_party_id=owner_before or _owner(commitment),
        before=before,
        after=_audit_view(commitment, supporters if supporters is not None else current_supporters),
    )
    return commitment


def cancel_commitment(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    consent: Consent | None = None,
) -> Commitment:
    """Cancel a commitment: it stays on record with status cancelled, never deleted.

    Cancelling a shared commitment of an active plan retires it from what the parties agreed:
    only with every party's `consent`.
    """
    ensure_plan_writable(plan)
    if commitment.status == CommitmentStatus.CANCELLED.value:
        return commitment
    agreement.check_commitment_cancel(
        actor=actor,
        plan=plan,
        commitment_id=commitment.id,
        reference=commitment.reference,
        visibility=commitment.visibility,
        consent=consent,
    )
    before_status = commitment.status
    commitment.status = CommitmentStatus.CANCELLED
    commitment.updated_at = utcnow()
    session.add(commitment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="cancel",
        entity_type="commitment",
        entity_id=commitment.id,
        plan_id=plan.id,
        owner_party_id=_owner(commitment),
        before={"status": before_status},
        after={"status": commitment.status},
    )
    return commitment


# --- milestones ---------------------------------------------------------------------------


def milestone_as_dict(
    milestone: Milestone,
    *,
    actor: Actor | None = None,
    plan: Plan | None = None,
    commitment: Commitment | None = None,
) -> dict[str, Any]:
    """The public representation of one milestone; given the reader, the plan and the
    commitment, with what the reader may do with it."""
    body = _milestone_dict(milestone, today())
    if actor is not None and plan is not None and commitment is not None:
        actions = policy.PlanActions.of(actor, plan)
        body["allowed_actions"] = actions.milestone(
            actions.commitment(visibility=commitment.visibility, status=commitment.status)
        )
    return body


def list_milestones(*, session: Session, commitment_id: uuid.UUID) -> list[Milestone]:
    """A commitment's milestones in order."""
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.commitment_id == commitment_id)
            .order_by(col(Milestone.position))
        )
    )


class _OfCommitment(Protocol):
    commitment_id: uuid.UUID


Part = TypeVar("Part", bound=SQLModel)


def load_of_commitment(
    *,
    session: Session,
    actor: Actor,
    model: type[Part],
    record_id: uuid.UUID,
    noun: str,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, Commitment, Part]:
    """A record of a commitment (a table with `commitment_id`: a milestone, a progress update)
    the actor may `action`, with its commitment and plan (both locked too when for_update).

    Looked up with its commitment's visibility filter in the same query: a record of a
    commitment internal to another party is missing exactly like an unknown id:
    NotFound("No {noun} with id {record_id}.").
    """
    part = table_of(model).c
    statement: AnySelect = (
        select(model)
        .join(Commitment, _C.id == part.commitment_id)
        .where(part.id == record_id, policy.in_party_plans(_C.plan_id, actor))
    )
    statement = _visible_to(statement, actor)
    if for_update:
        statement = statement.with_for_update()
    record: Part | None = session.scalars(statement).first()
    missing = NotFound(f"No {noun} with id {record_id}.")
    if record is None:
        raise missing
    try:
        plan, commitment = get_commitment(
            session=session,
            actor=actor,
            commitment_id=cast(_OfCommitment, record).commitment_id,
            action=action,
            for_update=for_update,
        )
    except NotFound:
        raise missing from None
    return plan, commitment, record


def get_milestone(
    *,
    session: Session,
    actor: Actor,
    milestone_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, Commitment, Milestone]:
    """A milestone the actor may `action`, with its commitment and plan; or NotFound."""
    return load_of_commitment(
        session=session,
        actor=actor,
        model=Milestone,
        record_id=milestone_id,
        noun="milestone",
        action=action,
        for_update=for_update,
    )


def _touch(session: Session, commitment: Commitment) -> None:
    # A milestone is part of its commitment's representation, so the commitment's ETag moves.
    commitment.updated_at = utcnow()
    session.add(commitment)


def create_milestone(
    *, session: Session, actor: Actor, plan: Plan, commitment: Commitment, data: MilestoneCreate
) -> Milestone:
    """Append a milestone to a commitment."""
    ensure_plan_writable(plan)
    last = session.scalar(
        select(func.max(Milestone.position)).where(Milestone.commitment_id == commitment.id)
    )
    milestone = Milestone(
        commitment_id=commitment.id,
        position=(last if last is not None else -1) + 1,
        title=data.title,
        translations=record_translations(
            None, {"title": data.title}, {}, source_languages=data.source_languages
        ),
        due_date=data.due_date,
        done_on=data.done_on,
    )
    session.add(milestone)
    _touch(session, commitment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="milestone",
        entity_id=milestone.id,
        plan_id=plan.id,
        owner_party_id=_owner(commitment),
        subject_id=commitment.id,
        after=audit.audited(milestone),
    )
    return milestone


def update_milestone(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    milestone: Milestone,
    data: MilestoneUpdate,
) -> Milestone:
    """Change a milestone's title or dates (done_on marks it done; null reopens it)."""
    ensure_plan_writable(plan)
    before = audit.audited(milestone)
    changes = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    if "title" in changes or source_languages or reviewed:
        milestone.translations = record_translations(
            {"title": milestone.title},
            {"title": changes.get("title", milestone.title)},
            milestone.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    for name, value in changes.items():
        setattr(milestone, name, value)
    milestone.updated_at = utcnow()
    session.add(milestone)
    _touch(session, commitment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="milestone",
        entity_id=milestone.id,
        plan_id=plan.id,
        owner_party_id=_owner(commitment),
        subject_id=commitment.id,
        before=before,
        after=audit.audited(milestone),
    )
    return milestone


def delete_milestone(
    *, session: Session, actor: Actor, plan: Plan, commitment: Commitment, milestone: Milestone
) -> None:
    """Remove a milestone from a commitment (its history stays in the audit log)."""
    ensure_plan_writable(plan)
    before = audit.audited(milestone)
    session.delete(milestone)
    _touch(session, commitment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity_type="milestone",
        entity_id=milestone.id,
        plan_id=plan.id,
        owner_party_id=_owner(commitment),
        subject_id=commitment.id,
        before=before,
    )


def commitment_table(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    filters: CommitmentFilters,
    sort: CommitmentSort,
    cursor: str | None,
    limit: int,
    page: int | None,
) -> dict[str, Any]:
    """The plan (as `GET /plans/{id}`) and a page of its commitments (as the list), read in one
    session: the plan under get_plan's access rules (the same 404), the page with the reader's
    actions given the plan's status as read."""
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    items, next_cursor, total = list_commitments(
        session=session,
        actor=actor,
        plan_id=plan.id,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
        actions=policy.PlanActions.of(actor, plan),
        page=page,
    )
    return {
        "plan": plan_as_dict(session=session, plan=plan, actor=actor),
        "commitments": {"items": items, "next_cursor": next_cursor, "total": total},
    }


def list_page_json(
    token: str | None,
    plan_id: uuid.UUID,
    filters: CommitmentFilters,
    sort: CommitmentSort,
    cursor: str | None,
    limit: int,
    page: int | None,
    touches: list[Touch],
) -> bytes:
    """The list endpoint's whole answer as JSON bytes, read in one short transaction with the
    token's check and the plan's (`touches` gets the token's due idle-clock touch, which the
    caller records in a write of its own)."""
    # The hot path: authentication, the plan check and the page share one worker-thread hop
    # and one connection. The plan itself is not loaded: only its parties are needed.
    # A due touch of the token's idle clock (a write) is left to the caller, outside the
    # readers' limit; it is recorded before anything else can fail, as authenticate does it.
    # The statements need not share a snapshot (under READ COMMITTED they do not anyway): on
    # PostgreSQL that saves BEGIN and COMMIT, two round trips (see db.transaction).
    with transaction(write=False, snapshot=False) as session:
        actor, touch = check_token(session=session, secret=token)
        if touch is not None:
            touches.append(touch)
        status = authorize_plan_access(session=session, plan_id=plan_id, actor=actor)
        items, next_cursor, total = list_commitments(
            session=session,
            actor=actor,
            plan_id=plan_id,
            filters=filters,
            sort=sort,
            cursor=cursor,
            limit=limit,
            actions=PlanActions(actor, status),
            page=page,
        )
    return dump_json({"items": items, "next_cursor": next_cursor, "total": total})
