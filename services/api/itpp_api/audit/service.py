"""Appending to, reading and verifying the hash-chained audit log."""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import and_, func, literal_column, not_, or_, true
from sqlmodel import Session, SQLModel, col, select

from itpp_api.audit.models import AuditChainHead, AuditEvent
from itpp_api.audit.schemas import AuditEntityType
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, utcnow
from itpp_api.exchanges.models import Exchange
from itpp_api.pagination import SortOrder, cursor_position, trim_page
from itpp_api.wire import dump_json

_E = table_of(AuditEvent).c
_C = table_of(Commitment).c
_X = table_of(Exchange).c

GENESIS_HASH = "0" * 64
_HEAD_ID = 1
# Records with a visibility of their own: their events are about themselves.
_SUBJECTS = frozenset({"commitment", "exchange"})


# A record's own bookkeeping: the event has its own id and time, and the row version is the
# ETag's business.
_BOOKKEEPING = frozenset({"id", "row_version", "created_at", "updated_at"})


@cache
def audited_fields(model: type[SQLModel]) -> tuple[str, ...]:
    """The columns of a table an audit event shows, in the table's order: all of them but the
    bookkeeping and those the model lists in `__unaudited__` (secrets, derived columns, where
    the record lives and who wrote it)."""
    left_out = _BOOKKEEPING | getattr(model, "__unaudited__", frozenset())
    return tuple(column.key for column in table_of(model).columns if column.key not in left_out)


def audited(record: SQLModel) -> dict[str, Any]:
    """What an audit event shows of a record (its `before` or `after`, before changed_fields)."""
    return {name: getattr(record, name) for name in audited_fields(type(record))}


def to_json_data(value: Any) -> Any:
    """Dates, UUIDs and enums as the JSON the API shows, so hashes survive a round trip."""
    return orjson.loads(dump_json(value))


def changed_fields(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the fields that differ (all of them for a creation or a removal)."""
    before_data = to_json_data(before) if before is not None else None
    after_data = to_json_data(after) if after is not None else None
    if before_data is None or after_data is None:
        return before_data, after_data
    keys = [k for k in after_data if before_data.get(k) != after_data.get(k)]
    keys += [k for k in before_data if k not in after_data]
    return {k: before_data.get(k) for k in keys}, {k: after_data.get(k) for k in keys}


def _canonical(event: AuditEvent) -> bytes:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return orjson.dumps(
        {
            "seq": event.seq,
            "id": str(event.id),
            "occurred_at": event.occurred_at.isoformat(),
            "actor_user_id": text(event.actor_user_id),
            "actor_party_id": text(event.actor_party_id),
            "action": event.action,
            "entity_type": event.entity_type,
            "entity_id": str(event.entity_id),
            "plan_id": text(event.plan_id),
            "owner_party_id": text(event.owner_party_id),
            "before": event.before,
            "after": event.after,
            "prev_hash": event.prev_hash,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 over the event's canonical form, which includes its predecessor's hash."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def _locked_head(session: Session) -> AuditChainHead:
    statement = select(AuditChainHead).where(AuditChainHead.id == _HEAD_ID).with_for_update()
    head = session.scalars(statement).first()
    if head is None:
        head = AuditChainHead(id=_HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


# When set, the time events are recorded as having happened: the sample plan tells its
# history as past events (itpp_api.sample.loader), nothing else sets it. The chain is unchanged:
# each event's time is hashed with it, whatever the time is.
_TOLD_AS_OF: ContextVar[datetime | None] = ContextVar("audit_told_as_of", default=None)


@contextmanager
def told_as_of(when: datetime) -> Iterator[None]:
    """Record the events appended inside as having happened at `when` (an aware UTC time)."""
    token = _TOLD_AS_OF.set(when)
    try:
        yield
    finally:
        _TOLD_AS_OF.reset(token)


def record(
    *,
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    plan_id: uuid.UUID | None = None,
    owner_party_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the write).

    `subject_id`: the commitment or exchange whose visibility governs who reads the event; a
    commitment's or exchange's own events have it by default, a milestone's or review item's
    name their commitment.

    Locking the chain head serializes appends across processes: the event's sequence number
    and predecessor hash are read and advanced under the lock, which is held until commit.
    """
    # Every entity type is one the API's schema names (an unknown one fails here, at the write,
    # not later in every reader's response).
    entity_type = AuditEntityType(entity_type).value
    before_changed, after_changed = changed_fields(before, after)
    head = _locked_head(session)
    event = AuditEvent(
        seq=head.last_seq + 1,
        occurred_at=_TOLD_AS_OF.get() or utcnow(),
        actor_user_id=actor.user_id,
        actor_party_id=actor.party_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        plan_id=plan_id,
        owner_party_id=owner_party_id,
        subject_id=subject_id
        if subject_id is not None
        else (entity_id if entity_type in _SUBJECTS else None),
        before=before_changed,
        after=after_changed,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = compute_hash(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    # missing, reordered, changed or truncated (AuditChainVerification.reason_code)
    reason_code: str | None = None


def _events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                policy.unfiltered(
                    select(AuditEvent)
                    .where(AuditEvent.seq > last)
                    .order_by(col(AuditEvent.seq))
                    .limit(batch),
                    "the chain's verification hashes every event; it shows none of them",
                )
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(*, session: Session) -> Verification:
    """Walk the chain from the start and report the first broken link, if any."""
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    for event in _events(session):
        if event.seq != expected_seq:
            return Verification(
                False,
                checked,
                expected_seq,
                f"event {expected_seq} is missing (deleted, or sequence numbers changed)",
                "missing",
            )
        if event.prev_hash != expected_prev:
            return Verification(
                False,
                checked,
                event.seq,
                "event does not follow its predecessor (reordered, or the one before was replaced)",
                "reordered",
            )
        if compute_hash(event) != event.hash:
            return Verification(
                False, checked, event.seq, "event was changed after it was written", "changed"
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditChainHead, _HEAD_ID)
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return Verification(
            False,
            checked,
            checked + 1,
            f"the chain should end at event {head.last_seq}: later events were deleted",
            "truncated",
        )
    return Verification(True, checked)


# Fields of an event's data that link to commitments (an exchange's delivered commitments).
_LINKS = ("commitment_ids",)


def _cut(data: dict[str, Any] | None, hidden: set[str]) -> dict[str, Any] | None:
    """The event's data without links to records the reader may not see."""
    if not data or not hidden:
        return data
    return {
        key: [v for v in value if str(v) not in hidden]
        if key in _LINKS and isinstance(value, list)
        else value
        for key, value in data.items()
    }


def events_as_dicts(
    *, session: Session, actor: Actor, events: list[AuditEvent]
) -> list[dict[str, Any]]:
    """The public representation of events as the actor reads them: their actors' names, and
    no link to a commitment the actor may not see (in two queries, whatever the page size)."""
    names = actor_names(session=session, events=events)
    hidden: set[str] = set()
    if not actor.is_system:
        linked: set[uuid.UUID] = set()
        for event in events:
            for data in (event.before, event.after):
                for key in _LINKS:
                    for value in (data or {}).get(key) or []:
                        try:
                            linked.add(uuid.UUID(str(value)))
                        except ValueError:
                            continue
        if linked:
            hidden = {
                str(commitment_id)
                for commitment_id in session.scalars(
                    select(Commitment.id).where(
                        col(Commitment.id).in_(linked),
                        not_(policy.visible_commitments(_C, actor)),
                    )
                )
            }
    return [event_to_dict(event, names, hidden) for event in events]


def event_to_dict(
    event: AuditEvent, actor_names: dict[uuid.UUID, str], hidden: set[str] | None = None
) -> dict[str, Any]:
    """The public representation of an audit event (without links to `hidden` records)."""
    return {
        "id": event.id,
        "seq": event.seq,
        "occurred_at": event.occurred_at,
        "actor_user_id": event.actor_user_id,
        "actor_name": actor_names.get(event.actor_user_id) if event.actor_user_id else "system",
        "actor_party_id": event.actor_party_id,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "plan_id": event.plan_id,
        "before": _cut(event.before, hidden or set()),
        "after": _cut(event.after, hidden or set()),
        "hash": event.hash,
    }


@dataclass(frozen=True)
class EventFilters:
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_user_id: uuid.UUID | None = None
    plan_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None


def readable(statement: Any, actor: Actor) -> Any:
    """Only the events the actor may read (the access policy's criterion; see
    policy.visible_events: events follow their subject's current visibility)."""
    if actor.is_system:
        return statement
    return statement.where(policy.visible_events(_E, _C, _X, actor))


# How many of the newest matching events one statement examines for what the reader may see,
# per event of the page asked for. A page is chosen from such a window: the access policy's
# criterion is then evaluated on a few times the page's events, and PostgreSQL probes the
# subjects' primary keys instead of hashing every hidden commitment or exchange of the database
# (which it does when it expects to test the criterion on a whole large plan's events, or on
# the whole log: bench/README.md, issue 15).
WINDOW_PER_EVENT = 4


def _candidates(actor: Actor, filters: EventFilters) -> Any:
    """The events the filters and the reader's plans admit, newest first, before the access
    policy's criterion on each event's record (applied to a window of them: list_events)."""
    candidates = select(
        col(AuditEvent.seq), col(AuditEvent.owner_party_id), col(AuditEvent.subject_id)
    )
    if filters.entity_type:
        candidates = candidates.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        candidates = candidates.where(AuditEvent.entity_id == filters.entity_id)
    if filters.actor_user_id:
        candidates = candidates.where(AuditEvent.actor_user_id == filters.actor_user_id)
    if filters.plan_id:
        candidates = candidates.where(AuditEvent.plan_id == filters.plan_id)
    if filters.action:
        candidates = candidates.where(AuditEvent.action == filters.action)
    if filters.since:
        candidates = candidates.where(col(AuditEvent.occurred_at) >= filters.since)
    if filters.until:
        candidates = candidates.where(col(AuditEvent.occurred_at) < filters.until)
    if not actor.is_system:
        party = policy.viewer_party(actor)
        # A deleted draft's history stays readable to its parties (its deletion is an event).
        members = policy.party_plans(party, with_deleted=True)
        candidates = candidates.where(
            col(AuditEvent.plan_id).in_(members)
            if filters.plan_id
            else or_(
                col(AuditEvent.plan_id).in_(members),
                and_(
                    col(AuditEvent.plan_id).is_(None),
                    col(AuditEvent.actor_party_id) == party,
                ),
            )
        )
    return candidates.order_by(col(AuditEvent.seq).desc())


def list_events(
    *,
    session: Session,
    actor: Actor,
    filters: EventFilters,
    before_seq: int | None,
    limit: int,
) -> list[AuditEvent]:
    """Newest first: events of plans the actor's party belongs to (and of records outside any
    plan that belong to their party), never an event about another party's internal record.

    The page's sequence numbers are chosen first, from the index alone where it can (a plan's
    events: `(plan_id, seq)` with their owner and subject), and only those rows are read: the
    cost is the page's, not the plan's or the log's (bench/README.md, "a latent risk"). They are
    chosen from windows of WINDOW_PER_EVENT × the page's events at a time, each window's events
    marked readable or not by the access policy's criterion; a next window is read only when a
    page is not full and the last window was (events the reader may not see, many in a row).
    """
    candidates = _candidates(actor, filters)
    size = WINDOW_PER_EVENT * (limit + 1)
    chosen: list[int] = []
    while len(chosen) <= limit:
        window = candidates
        if before_seq is not None:
            window = window.where(col(AuditEvent.seq) < before_seq)
        recent = window.limit(literal_column(str(size))).subquery("recent")
        readable_now = true() if actor.is_system else policy.visible_events(recent.c, _C, _X, actor)
        marked = list(
            session.execute(
                select(recent.c.seq, readable_now.label("readable")).order_by(recent.c.seq.desc())
            )
        )
        chosen += [seq for seq, readable in marked if readable][: limit + 1 - len(chosen)]
        if len(marked) < size:
            break
        before_seq = marked[-1].seq
    if not chosen:
        return []
    # The rows shown are read under the same criterion (on a page of events: key look-ups).
    statement = readable(select(AuditEvent).where(col(AuditEvent.seq).in_(chosen)), actor)
    return list(session.scalars(statement.order_by(col(AuditEvent.seq).desc())))


def actor_names(*, session: Session, events: list[AuditEvent]) -> dict[uuid.UUID, str]:
    """Display names of the events' actors, in one query."""
    ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(col(User.id).in_(ids)))
    return {user_id: name for user_id, name in rows}


def plan_events_after(
    *,
    session: Session,
    plan_id: uuid.UUID,
    actor: Actor,
    after_seq: int,
    limit: int,
) -> list[AuditEvent]:
    """A plan's events after a sequence number, oldest first (what a watching page missed),
    as the actor may read them."""
    statement = select(AuditEvent).where(
        AuditEvent.plan_id == plan_id, col(AuditEvent.seq) > after_seq
    )
    statement = readable(statement, actor).order_by(col(AuditEvent.seq)).limit(limit)
    return list(session.scalars(statement))


def last_plan_seq(*, session: Session, plan_id: uuid.UUID, actor: Actor) -> int:
    """The sequence number of the newest event of a plan the actor may read (0 if none)."""
    statement = readable(
        select(func.max(AuditEvent.seq)).where(AuditEvent.plan_id == plan_id), actor
    )
    return int(session.scalar(statement) or 0)


# The order of the audit log's pages, newest first (their cursors name it): the sequence
# number is unique, so it alone places an event.
_EVENTS_NEWEST_FIRST = SortOrder(
    name="-seq",
    key=table_of(AuditEvent).c.seq,
    id_column=table_of(AuditEvent).c.id,
    descending=True,
    key_type=int,
)


def event_page(
    *, session: Session, actor: Actor, filters: EventFilters, cursor: str | None, limit: int
) -> dict[str, Any]:
    """A page of the events the actor may see, newest first, after the page `cursor` ends
    (400 for a damaged cursor), with the cursor of the next page."""
    policy.require_signed_in(actor)
    position = cursor_position(_EVENTS_NEWEST_FIRST, cursor)
    events, next_cursor = trim_page(
        list_events(
            session=session,
            actor=actor,
            filters=filters,
            before_seq=position[0] if position is not None else None,
            limit=limit,
        ),
        _EVENTS_NEWEST_FIRST,
        limit,
        lambda event: (event.seq, event.id),
    )
    items = events_as_dicts(session=session, actor=actor, events=events)
    return {"items": items, "next_cursor": next_cursor}
