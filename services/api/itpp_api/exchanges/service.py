"""Rules and queries for exchanges and placements.

An exchange belongs to a plan, runs between two of its parties, and may deliver commitments
of the same plan. Its owning party (for `internal` visibility) is the party it comes from.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func, or_
from sqlalchemy import select as core_select
from sqlmodel import Session, col, delete, select

from itpp_api import date_order, driver, references
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, utcnow
from itpp_api.enums import ExchangeKind, ExchangeStatus, Visibility
from itpp_api.errors import Conflict, FieldError, NotFound, RuleViolation
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.exchanges.schemas import (
    CommitmentSummary,
    ExchangeCreate,
    ExchangePublic,
    ExchangeSort,
    ExchangeSummary,
    ExchangeUpdate,
)
from itpp_api.localized import (
    pop_translation_request,
    record_translations,
    search_text,
    texts_of,
    translations_view,
)
from itpp_api.pagination import AnySelect, SortOrder, apply_keyset, next_cursor
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.lifecycle import ensure_plan_writable
from itpp_api.plans.models import Plan, PlanParty
from itpp_api.plans.service import load_in_plan
from itpp_api.search import service as search
from itpp_api.search.schemas import SearchKind
from itpp_api.wire import make_etag

_E = table_of(Exchange).c
_L = table_of(ExchangeCommitment).c
_C = table_of(Commitment).c
_FAR_FUTURE = date(9999, 12, 31)

_SORTS: dict[ExchangeSort, SortOrder] = {}
for _name, _key, _type in (
    ("start_date", _E.start_date, date),
    ("reference", _E.reference, str),
    ("updated_at", _E.updated_at, datetime),
):
    for _descending in (False, True):
        _public = f"-{_name}" if _descending else _name
        _SORTS[ExchangeSort(_public)] = SortOrder(
            name=_public, key=_key, id_column=_E.id, descending=_descending, key_type=_type
        )


@dataclass(frozen=True)
class ExchangeFilters:
    """The filters of the exchange list; every one is served by an index."""

    kind: list[ExchangeKind] = field(default_factory=list)
    status: list[ExchangeStatus] = field(default_factory=list)
    party: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    starts_before: date | None = None
    ends_after: date | None = None
    commitment_id: uuid.UUID | None = None
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
    if actor.is_system:
        return statement
    return statement.where(policy.visible_exchanges(_E, actor))


def _filtered(
    statement: AnySelect,
    plan_id: uuid.UUID,
    filters: ExchangeFilters,
    actor: Actor,
    dialect: str = "sqlite",
) -> AnySelect:
    statement = statement.where(_E.plan_id == plan_id)
    if filters.kind:
        statement = statement.where(_E.kind.in_([k.value for k in filters.kind]))
    if filters.status:
        statement = statement.where(_E.status.in_([s.value for s in filters.status]))
    if filters.party:
        ids, codes = _ids_and_codes(filters.party)
        parties = core_select(table_of(Party).c.id).where(
            or_(table_of(Party).c.id.in_(ids), table_of(Party).c.code.in_(codes))
        )
        party_match: list[ColumnElement[bool]] = [
            _E.from_party_id.in_(parties),
            _E.to_party_id.in_(parties),
        ]
        statement = statement.where(or_(*party_match))
    if filters.organisation:
        ids, codes = _ids_and_codes(filters.organisation)
        organisations = core_select(table_of(Organisation).c.id).where(
            or_(table_of(Organisation).c.id.in_(ids), table_of(Organisation).c.code.in_(codes))
        )
        statement = statement.where(
            or_(
                _E.from_organisation_id.in_(organisations),
                _E.to_organisation_id.in_(organisations),
                _E.host_organisation_id.in_(organisations),
            )
        )
    # Overlap with [ends_after, starts_before]: an open-ended placement runs for ever.
    if filters.starts_before is not None:
        statement = statement.where(_E.start_date <= filters.starts_before)
    if filters.ends_after is not None:
        statement = statement.where(func.coalesce(_E.end_date, _FAR_FUTURE) >= filters.ends_after)
    if filters.commitment_id is not None:
        # A commitment the caller may not see filters like an unknown id: to nothing.
        linked = (
            core_select(_L.exchange_id)
            .join(table_of(Commitment), _C.id == _L.commitment_id)
            .where(_L.commitment_id == filters.commitment_id)
        )
        if not actor.is_system:
            linked = linked.where(policy.visible_commitments(_C, actor))
        statement = statement.where(_E.id.in_(linked))
    if filters.q:
        # Matched in the search index (reference, titles, outcome), in the exchange's own
        # search text (post title and place too) and against the names and codes of the
        # organisations sending, receiving or hosting.
        pattern = search.like_pattern(filters.q)
        organisation = table_of(Organisation).c
        organisations = core_select(organisation.id).where(
            or_(
                organisation.code.ilike(pattern, escape="\\"),
                organisation.name["ja"].as_string().ilike(pattern, escape="\\"),
                organisation.name["en"].as_string().ilike(pattern, escape="\\"),
            )
        )
        matching = search.matching_records(
            SearchKind.EXCHANGE, dialect, short=search.is_short(filters.q)
        ).params(plan_id=plan_id, **search.match_parameters(filters.q, dialect))
        statement = statement.where(
            or_(
                _E.id.in_(matching),
                _E.search_text.like(search.like_pattern(filters.q.casefold()), escape="\\"),
                _E.from_organisation_id.in_(organisations),
                _E.to_organisation_id.in_(organisations),
                _E.host_organisation_id.in_(organisations),
            )
        )
    return statement


# ExchangePublic's fields in its order; `allowed_actions`, its last, is added given the reader's
# actions. Each is read from the row by its name, but those `_exchange_dict` derives.
_PUBLIC_FIELDS = tuple(name for name in ExchangePublic.model_fields if name != "allowed_actions")
# What a linked commitment, and an exchange delivering a commitment, are read as.
_COMMITMENT_SUMMARY = tuple(CommitmentSummary.model_fields)
_EXCHANGE_SUMMARY = tuple(ExchangeSummary.model_fields)


def _exchange_dict(row: Any, commitments: list[dict[str, Any]]) -> dict[str, Any]:
    derived = {
        "translations": translations_view(row.translations),
        "commitments": commitments,
        "etag": make_etag(row.id, row.row_version),
    }
    return {
        name: derived[name] if name in derived else getattr(row, name) for name in _PUBLIC_FIELDS
    }


def _linked_commitments(
    session: Session, actor: Actor, exchange_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The commitments each exchange delivers that the actor may see, in one query."""
    linked: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if not exchange_ids:
        return linked
    statement = (
        core_select(_L.exchange_id, *(_C[name] for name in _COMMITMENT_SUMMARY))
        .join(table_of(Commitment), _C.id == _L.commitment_id)
        .where(_L.exchange_id.in_(exchange_ids))
        .order_by(_L.exchange_id, _C.reference)
    )
    if not actor.is_system:
        statement = statement.where(policy.visible_commitments(_C, actor))
    for row in session.execute(statement):
        linked[row.exchange_id].append({name: getattr(row, name) for name in _COMMITMENT_SUMMARY})
    return linked


def _to_dicts(
    session: Session,
    actor: Actor,
    rows: list[Row[Any]],
    actions: policy.PlanActions | None = None,
) -> list[dict[str, Any]]:
    linked = _linked_commitments(session, actor, [row.id for row in rows])
    items = [_exchange_dict(row, linked.get(row.id, [])) for row in rows]
    if actions is not None:  # what the reader may do with each
        for item in items:
            item["allowed_actions"] = actions.exchange(status=item["status"])
    return items


def list_exchanges(
    *,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    filters: ExchangeFilters,
    sort: ExchangeSort,
    cursor: str | None,
    limit: int,
    actions: policy.PlanActions | None = None,
    page: int | None = None,
    count: bool = True,
) -> tuple[list[dict[str, Any]], str | None, int | None]:
    """A page of a plan's exchanges the actor may see: filtered, in a stable order, after the
    cursor or at the numbered `page` (each with what the actor may do with it, given the
    actor's `actions` in the plan), the next page's cursor and (with `count`) how many
    exchanges the filters match."""
    order = _SORTS[sort]
    dialect = session.get_bind().dialect.name

    def matching(columns: Any) -> AnySelect:
        return _visible_to(_filtered(columns, plan_id, filters, actor, dialect), actor)

    statement = matching(core_select(*_E, order.key.label("sort_key")))
    if page is None:
        statement = apply_keyset(statement, order, cursor, limit)
    else:
        statement = apply_keyset(statement, order, None, limit).offset((page - 1) * limit)
    rows = list(session.execute(statement))
    items, cursor_out = next_cursor(rows, order, limit, key_of="sort_key")
    total = None
    if count:
        counted = matching(core_select(func.count()).select_from(table_of(Exchange)))
        total = session.execute(counted).scalar_one()
    return _to_dicts(session, actor, items, actions), cursor_out, total


def exchange_as_dict(
    *, session: Session, actor: Actor, exchange_id: uuid.UUID, plan: Plan | None = None
) -> dict[str, Any]:
    """The public representation of one exchange the actor may see; given its `plan`, with
    what the actor may do with it."""
    rows = list(session.execute(_visible_to(core_select(*_E).where(_E.id == exchange_id), actor)))
    if not rows:
        raise NotFound(f"No exchange with id {exchange_id}.")
    actions = policy.PlanActions.of(actor, plan) if plan is not None else None
    return _to_dicts(session, actor, rows, actions)[0]


def _delivering(system: bool) -> AnySelect:
    """The exchanges delivering the commitment `commitment_id`, with the visibility filter for
    a party's reader (its party a parameter, VIEWER_PARTY)."""
    statement = (
        core_select(*(_E[name] for name in _EXCHANGE_SUMMARY))
        .join(table_of(Exchange), _E.id == _L.exchange_id)
        .where(_L.commitment_id == bindparam("commitment_id"))
        .order_by(_E.start_date, _E.id)
    )
    if system:
        return statement
    return statement.where(
        policy.visible_record(_E.visibility, _E.from_party_id, policy.viewer_party(None))
    )


# Built once each: building a statement and computing its cache key cost more than running it.
_DELIVERING = {system: _delivering(system) for system in (False, True)}


def exchanges_of_commitment(
    *, session: Session, actor: Actor, commitment_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The exchanges (visible to the actor) delivering a commitment, in one query (on the
    driver's cursor: a commitment's read runs it every time)."""
    params: dict[str, Any] = {"commitment_id": commitment_id}
    if not actor.is_system:
        params[policy.VIEWER_PARTY] = actor.party_id
    rows = driver.run(session.connection(), _DELIVERING[actor.is_system], params)
    return [dict(zip(_EXCHANGE_SUMMARY, row, strict=True)) for row in rows]


def get_exchange(
    *,
    session: Session,
    actor: Actor,
    exchange_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, Exchange]:
    """An exchange the actor may `action`, with its plan; NotFound if not theirs to see.

    Looked up with the visibility filter: an exchange internal to another party is missing
    exactly like an unknown id, whatever the caller's role (404, never 403).
    """
    return load_in_plan(
        session=session,
        model=Exchange,
        record_id=exchange_id,
        actor=actor,
        noun="exchange",
        action=action,
        for_update=for_update,
        visible=_visible_to,
    )


def exchange_etag(exchange: Exchange) -> str:
    return make_etag(exchange.id, exchange.row_version)


# --- writes -------------------------------------------------------------------------------


def _rule(loc: list[str | int], message: str, kind: str) -> RuleViolation:
    return RuleViolation(message, errors=[FieldError(loc=["body", *loc], msg=message, type=kind)])


def _check_references(
    session: Session,
    actor: Actor,
    plan: Plan,
    merged: dict[str, Any],
    commitment_ids: list[uuid.UUID] | None,
) -> None:
    party_ids = set(session.scalars(select(PlanParty.party_id).where(PlanParty.plan_id == plan.id)))
    for name in ("from_party_id", "to_party_id"):
        if merged[name] not in party_ids:
            raise _rule(
                [name],
                f"Party {merged[name]} is not a party of plan {plan.reference}.",
                "unknown_party",
            )
    organisation_fields = ("from_organisation_id", "to_organisation_id", "host_organisation_id")
    wanted = [merged[n] for n in organisation_fields if merged.get(n) is not None]
    participants = merged.get("participants") or []
    # Participants are stored as JSON, so their organisation ids may arrive as text.
    wanted += [
        uuid.UUID(str(p["organisation_id"])) for p in participants if p.get("organisation_id")
    ]
    organisations = {
        o.id: o
        for o in session.scalars(select(Organisation).where(col(Organisation.id).in_(wanted)))
    }
    for name in organisation_fields:
        value = merged.get(name)
        if value is None:
            continue
        organisation = organisations.get(value)
        if organisation is None:
            raise _rule([name], f"No organisation {value}.", "unknown_organisation")
        side = {"from_organisation_id": "from_party_id", "to_organisation_id": "to_party_id"}
        if name in side and organisation.party_id != merged[side[name]]:
            raise _rule(
                [name],
                f"Organisation {organisation.code} is not of that party.",
                "organisation_of_other_party",
            )
        if organisation.party_id not in party_ids:
            raise _rule(
                [name],
                f"Organisation {organisation.code} belongs to no party of the plan.",
                "organisation_of_other_party",
            )
    for index, participant in enumerate(participants):
        value = participant.get("organisation_id")
        if value is not None and uuid.UUID(str(value)) not in organisations:
            raise _rule(
                ["participants", index, "organisation_id"],
                f"No organisation {value}.",
                "unknown_organisation",
            )
    if commitment_ids:
        # Read under the visibility filter: a commitment the actor may not see is unknown.
        found = {
            row.id: row
            for row in session.execute(
                _visible_commitments(
                    core_select(_C.id, _C.plan_id).where(_C.id.in_(commitment_ids)), actor
                )
            )
        }
        for index, commitment_id in enumerate(commitment_ids):
            row = found.get(commitment_id)
            if row is None:
                raise _rule(
                    ["commitment_ids", index],
                    f"No commitment {commitment_id}.",
                    "unknown_commitment",
                )
            if row.plan_id != plan.id:
                raise _rule(
                    ["commitment_ids", index],
                    f"Commitment {commitment_id} belongs to another plan; an exchange "
                    "can only deliver commitments of its own plan.",
                    "commitment_of_other_plan",
                )


def _check_status(status: str, start: date, previous: str | None) -> None:
    if status == ExchangeStatus.HELD.value and start > today():
        raise _rule(
            ["status"],
            "An exchange can be marked held only once its start date has passed.",
            "held_before_start",
        )
    del previous


def _normalise_dates(kind: str, start: date, end: date | None) -> date | None:
    """Only a placement may be open-ended; any other exchange without an end lasts one day."""
    if end is None and kind != ExchangeKind.PLACEMENT.value:
        return start
    return end


def _audit_view(exchange: Exchange, commitment_ids: list[uuid.UUID]) -> dict[str, Any]:
    return audit.audited(exchange) | {"commitment_ids": sorted(str(c) for c in commitment_ids)}


def _owner(exchange: Exchange) -> uuid.UUID | None:
    return exchange.from_party_id if exchange.visibility == Visibility.INTERNAL.value else None


def _texts(
    exchange: Exchange | None = None, changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The exchange's localized texts by field, as `changes` (if any) leave them."""
    values = changes or {}
    return texts_of(
        **{
            name: values.get(name, getattr(exchange, name, None))
            for name in ("title", "outcome", "lessons_learned", "post_title")
        }
    )


def _search_text(exchange: Exchange) -> str:
    extra = tuple(v for v in (exchange.reference, exchange.location) if v)
    return search_text(exchange.title, exchange.post_title, extra=extra)


def _linked_ids(session: Session, exchange_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ExchangeCommitment.commitment_id).where(
                ExchangeCommitment.exchange_id == exchange_id
            )
        )
    )


def _set_links(session: Session, exchange_id: uuid.UUID, commitment_ids: list[uuid.UUID]) -> None:
    session.execute(
        delete(ExchangeCommitment).where(col(ExchangeCommitment.exchange_id) == exchange_id)
    )
    for commitment_id in commitment_ids:
        session.add(ExchangeCommitment(exchange_id=exchange_id, commitment_id=commitment_id))
    session.flush()


def create_exchange(
    *, session: Session, actor: Actor, plan: Plan, data: ExchangeCreate
) -> Exchange:
    """Record a new exchange of the plan, linked to commitments of the same plan."""
    ensure_plan_writable(plan)
    policy.authorize_internal_owner(actor, data.visibility.value, data.from_party_id)
    values = data.model_dump(
        mode="python", exclude={"commitment_ids", "reference", "source_languages"}
    )
    values["participants"] = [p.model_dump(mode="json") for p in data.participants]
    _check_references(session, actor, plan, values, data.commitment_ids)
    _check_status(data.status.value, data.start_date, None)
    series = references.series(session, "EX", data.visibility.value, data.from_party_id)
    if data.reference is None:
        reference = references.next_in(session, Exchange, plan.id, series, digits=3)
    else:
        reference = data.reference
        references.check_given(reference, series, data.visibility.value, 3)
        if not references.unused(
            session,
            select(Exchange.id).where(Exchange.plan_id == plan.id, Exchange.reference == reference),
        ):
            raise Conflict(f"Plan {plan.reference} already has an exchange {reference}.")
        references.taken(session, Exchange, plan.id, reference, series)
    # The body's fields (but those excluded above) are the exchange's columns.
    exchange = Exchange(
        **values
        | {
            "plan_id": plan.id,
            "reference": reference,
            "end_date": _normalise_dates(data.kind.value, data.start_date, data.end_date),
            "search_text": "",
        }
    )
    exchange.translations = record_translations(
        None, _texts(exchange), {}, source_languages=data.source_languages
    )
    exchange.search_text = _search_text(exchange)
    session.add(exchange)
    session.flush()
    _set_links(session, exchange.id, data.commitment_ids)
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="exchange",
        entity_id=exchange.id,
        plan_id=plan.id,
        owner_party_id=_owner(exchange),
        after=_audit_view(exchange, data.commitment_ids),
    )
    return exchange


def update_exchange(
    *, session: Session, actor: Actor, plan: Plan, exchange: Exchange, data: ExchangeUpdate
) -> Exchange:
    """Apply changes to an exchange, re-checking every rule on the result."""
    ensure_plan_writable(plan)
    changes = data.model_dump(mode="python", exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    commitment_ids = changes.pop("commitment_ids", None)
    if "participants" in changes and data.participants is not None:
        changes["participants"] = [p.model_dump(mode="json") for p in data.participants]
    current_links = _linked_ids(session, exchange.id)
    before = _audit_view(exchange, current_links)
    owner_before = _owner(exchange)
    merged = ExchangeUpdate.as_changed(exchange, changes)
    policy.authorize_internal_owner(actor, merged["visibility"], merged["from_party_id"])
    date_order.check_record(merged["start_date"], merged["end_date"], "end_date")
    new_links = [c for c in commitment_ids if c not in current_links] if commitment_ids else []
    _check_references(session, actor, plan, merged, new_links)
    _check_status(merged["status"], merged["start_date"], exchange.status)
    if {"title", "outcome", "lessons_learned", "post_title"} & set(changes) or (
        source_languages or reviewed
    ):
        exchange.translations = record_translations(
            _texts(exchange),
            _texts(exchange, changes),
            exchange.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    moves_series = "visibility" in changes and merged["visibility"] != exchange.visibility
    for name, value in changes.items():
        setattr(exchange, name, value)
    if moves_series:
        # Shared or made internal, it moves to the series it now belongs to (no gap shows).
        series = references.series(session, "EX", exchange.visibility, exchange.from_party_id)
        exchange.reference = references.next_in(session, Exchange, plan.id, series, digits=3)
    exchange.end_date = _normalise_dates(exchange.kind, exchange.start_date, exchange.end_date)
    exchange.search_text = _search_text(exchange)
    links = current_links
    if commitment_ids is not None:
        # Keep links to commitments the actor cannot see: they are not the actor's to remove.
        hidden = [c for c in current_links if not _visible_commitment(session, actor, c)]
        links = list(dict.fromkeys([*commitment_ids, *hidden]))
        _set_links(session, exchange.id, links)
    exchange.updated_at = utcnow()
    session.add(exchange)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="exchange",
        entity_id=exchange.id,
        plan_id=plan.id,
        owner_party_id=owner_before or _owner(exchange),
        before=before,
        after=_audit_view(exchange, links),
    )
    return exchange


def _visible_commitment(session: Session, actor: Actor, commitment_id: uuid.UUID) -> bool:
    statement = _visible_commitments(core_select(_C.id).where(_C.id == commitment_id), actor)
    return session.execute(statement).first() is not None


def _visible_commitments(statement: AnySelect, actor: Actor) -> AnySelect:
    """Only commitments the actor may see (the access policy's criterion)."""
    if actor.is_system:
        return statement
    return statement.where(policy.visible_commitments(_C, actor))


def cancel_exchange(*, session: Session, actor: Actor, plan: Plan, exchange: Exchange) -> Exchange:
    """Cancel an exchange: it stays on record with its history, status cancelled."""
    ensure_plan_writable(plan)
    if exchange.status == ExchangeStatus.CANCELLED.value:
        return exchange
    previous = exchange.status
    exchange.status = ExchangeStatus.CANCELLED
    exchange.updated_at = utcnow()
    session.add(exchange)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="cancel",
        entity_type="exchange",
        entity_id=exchange.id,
        plan_id=plan.id,
        owner_party_id=_owner(exchange),
        before={"status": previous},
        after={"status": exchange.status},
    )
    return exchange
