"""Exporting a whole plan as one JSON document, and importing such a document.

The export shows the reader only what they may see (commitments and exchanges internal to
another party are left out, and so is everything that names them). Exported by the system
(the command line), it is complete, and importing it into an empty database and exporting
again gives the same document, byte for byte.

An import creates every record in the caller's transaction, with an audit event for each
plan record: it succeeds whole or leaves nothing behind.
"""

import secrets
import typing
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import literal, tuple_
from sqlmodel import Session, SQLModel, col, select

from itpp_api import agreement
from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.attachments.models import Attachment
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.bounds import STORED, BoundedDate
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.db import table_of
from itpp_api.enums import AmendmentStatus, Role, Visibility
from itpp_api.errors import Conflict, FieldError, RuleViolation, ValidationFailed
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.localized import TranslationState, search_text
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans import lifecycle, versions
from itpp_api.plans import service as plans
from itpp_api.plans.models import Plan, PlanParty, PlanVersion, PriorityArea
from itpp_api.plans.schemas import lead_texts_data
from itpp_api.reviews.models import ReviewAssessment, ReviewCycle, ReviewItem, ReviewSignOff
from itpp_api.transfer.schemas import (
    EXPORT_FORMAT,
    EXPORT_FORMAT_VERSION,
    ExportedAmendment,
    ExportedAssessment,
    ExportedAttachment,
    ExportedCommitment,
    ExportedDecision,
    ExportedEvidence,
    ExportedExchange,
    ExportedMilestone,
    ExportedOrganisation,
    ExportedParty,
    ExportedPlan,
    ExportedPriorityArea,
    ExportedProgressUpdate,
    ExportedReview,
    ExportedReviewItem,
    ExportedSignOff,
    ExportedUser,
    ExportedVersion,
    PlanExport,
)
from itpp_api.updates.models import ProgressUpdate

Progress = Callable[[str, int, int], None]
Row = TypeVar("Row", bound=SQLModel)
_SNAPSHOT_DATE: TypeAdapter[date] = TypeAdapter(BoundedDate)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def dump_export(document: dict[str, Any]) -> bytes:
    """The canonical bytes of an export: sorted keys, two-space indent, a final newline."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def _columns(row: SQLModel, *names: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _stored_fields(model: type[BaseModel], *computed: str) -> tuple[str, ...]:
    """The export model's fields read as they are from the row, in the model's order (the
    `computed` ones are built by the export). The order of a record's keys does not show: the
    export is printed with sorted keys."""
    return tuple(name for name in model.model_fields if name not in computed)


_PLAN_FIELDS = _stored_fields(ExportedPlan, "party_ids", "lead_texts")
_PARTY_FIELDS = _stored_fields(ExportedParty)
_ORGANISATION_FIELDS = _stored_fields(ExportedOrganisation)
_USER_FIELDS = _stored_fields(ExportedUser)
_AREA_FIELDS = _stored_fields(ExportedPriorityArea)
_MILESTONE_FIELDS = _stored_fields(ExportedMilestone)
_COMMITMENT_FIELDS = _stored_fields(
    ExportedCommitment, "supporting_organisation_ids", "milestones", "progress_updates"
)
_UPDATE_FIELDS = _stored_fields(ExportedProgressUpdate, "attachments")
_EVIDENCE_FIELDS = _stored_fields(ExportedEvidence, "deleted")
_EXCHANGE_FIELDS = _stored_fields(ExportedExchange, "commitment_ids")
_REVIEW_FIELDS = _stored_fields(ExportedReview, "items", "sign_offs")
_ITEM_FIELDS = _stored_fields(ExportedReviewItem, "assessments")
_ASSESSMENT_FIELDS = _stored_fields(ExportedAssessment)
_SIGN_OFF_FIELDS = _stored_fields(ExportedSignOff)
_AMENDMENT_FIELDS = _stored_fields(ExportedAmendment, "decisions")
_DECISION_FIELDS = _stored_fields(ExportedDecision)
_ATTACHMENT_FIELDS = _stored_fields(ExportedAttachment, "deleted")
_VERSION_FIELDS = _stored_fields(ExportedVersion, "snapshot")


def _by(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _plan_columns(plan: Plan) -> dict[str, Any]:
    return {**_columns(plan, *_PLAN_FIELDS), "lead_texts": lead_texts_data(plan.lead_texts)}


def _plan_record(session: Session, plan: Plan) -> dict[str, Any]:
    return {
        **_plan_columns(plan),
        "party_ids": plans.plan_party_ids_in_order(session=session, plan_id=plan.id),
    }


def _lineage(session: Session, actor: Actor, plan: Plan) -> list[dict[str, Any]]:
    """The predecessors the actor may read, oldest first; the chain stops at one they may not."""
    chain: list[dict[str, Any]] = []
    seen = {plan.id}
    current = plan.predecessor_id
    while current is not None and current not in seen:
        seen.add(current)
        predecessor = session.get(Plan, current)
        if predecessor is None:
            break
        party_ids = plans.plan_party_ids_in_order(session=session, plan_id=predecessor.id)
        if not actor.is_system and actor.party_id not in party_ids:
            break
        chain.append({**_plan_columns(predecessor), "party_ids": party_ids})
        current = predecessor.predecessor_id
    chain.reverse()
    if chain:
        oldest_predecessor = chain[0]["predecessor_id"]
        if oldest_predecessor is not None and oldest_predecessor not in seen - {plan.id}:
            chain[0]["predecessor_id"] = None
    return chain


_BATCH = 500
_INDENT = b"  "


@dataclass
class _Named:
    """The reference data the exported records name, gathered as they are written."""

    parties: set[uuid.UUID] = field(default_factory=set)
    organisations: set[uuid.UUID] = field(default_factory=set)
    users: set[uuid.UUID] = field(default_factory=set)

    def organisation(self, *ids: uuid.UUID | None) -> None:
        self.organisations.update(i for i in ids if i)


def _element_dumper(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Validates one element of the export's list `name` through the schema and gives its JSON
    data, as validating the whole document would."""
    element = typing.get_args(PlanExport.model_fields[name].annotation)[0]
    one: TypeAdapter[Any] = TypeAdapter(element)

    def dump(record: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = one.dump_python(
            one.validate_python(record, context=STORED), mode="json"
        )
        return data

    return dump


def _json_at(value: Any, depth: int) -> bytes:
    """`value` as the canonical dump (sorted keys, two-space indent) writes it `depth` levels
    deep: orjson's own text, each line indented the more (JSON text has no raw newlines)."""
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
    return text.replace(b"\n", b"\n" + _INDENT * depth)


def _json_array(records: Iterable[Any], depth: int) -> Iterator[bytes]:
    """A JSON array written element by element, as `_json_at` would write the whole list."""
    inner = _INDENT * (depth + 1)
    empty = True
    for record in records:
        yield (b"[\n" if empty else b",\n") + inner + _json_at(record, depth + 1)
        empty = False
    yield b"[]" if empty else b"\n" + _INDENT * depth + b"]"


def _keyset(
    session: Session, query: Any, model: type[Row], *order: str, batch: int = _BATCH
) -> Iterator[list[Row]]:
    """The rows of `query` in batches, ordered by the columns `order` (unique together), each
    batch read by a statement of its own after the last key: no cursor stays open between
    batches, and no row outlives its batch (the session's identity map holds rows weakly)."""
    columns = [table_of(model).c[name] for name in order]
    last: tuple[Any, ...] | None = None
    while True:
        statement = query.order_by(*columns).limit(batch)
        if last is not None:
            bound = (
                literal(value, column.type) for value, column in zip(last, columns, strict=True)
            )
            statement = statement.where(tuple_(*columns) > tuple_(*bound))
        rows = list(session.scalars(statement))
        if not rows:
            return
        yield rows
        last = tuple(getattr(rows[-1], name) for name in order)
        if len(rows) < batch:
            return


def _progress_updates(
    session: Session, actor: Actor, commitment_ids: list[uuid.UUID]
) -> tuple[dict[Any, list[ProgressUpdate]], dict[Any, list[Attachment]]]:
    """The progress updates of a batch of commitments the actor sees (an update follows its
    commitment), oldest first, and their evidence the actor may see (`policy.
    exported_attachments`: never another party's internal file), deleted files included."""
    updates = _by(
        session.scalars(
            select(ProgressUpdate)
            .where(col(ProgressUpdate.commitment_id).in_(commitment_ids))
            .order_by(
                col(ProgressUpdate.as_of_date),
                col(ProgressUpdate.created_at),
                col(ProgressUpdate.id),
            )
        ),
        "commitment_id",
    )
    update_ids = [u.id for batch in updates.values() for u in batch]
    evidence = _by(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.parent_type == "progress_update",
                col(Attachment.parent_id).in_(update_ids),
                policy.exported_attachments(table_of(Attachment).c, actor, commitment_ids),
            )
            .order_by(col(Attachment.created_at), col(Attachment.id))
        ),
        "parent_id",
    )
    return updates, evidence


def exported_attachments(
    *, session: Session, actor: Actor, plan: Plan, batch: int = _BATCH
) -> Iterator[list[Attachment]]:
    """The attachments a plan export lists, in batches, oldest first: those the actor may see
    (`policy.exported_attachments`), of the records the export holds, deleted ones included."""
    visible = (
        select(Commitment.id).where(
            Commitment.plan_id == plan.id,
            policy.visible_commitments(table_of(Commitment).c, actor),
        ),
        select(Exchange.id).where(
            Exchange.plan_id == plan.id, policy.visible_exchanges(table_of(Exchange).c, actor)
        ),
    )
    query = select(Attachment).where(
        Attachment.plan_id == plan.id,
        policy.exported_attachments(table_of(Attachment).c, actor, *visible),
    )
    yield from _keyset(session, query, Attachment, "created_at", "id", batch=batch)


def export_chunks(
    *, session: Session, actor: Actor, plan: Plan, progress: Progress = _no_progress
) -> Iterator[bytes]:
    """The whole plan as the actor may see it: the bytes of `dump_export` of a PlanExport,
    written piece by piece so that memory holds one batch of records, not the plan.

    The top-level keys come in sorted order (amendments, attachments, commitments, …, parties,
    …, reviews, users, versions). The reference data (parties, organisations, users) lists
    what the records name, so it is gathered while the records before it are written; what
    reviews name (written after parties) is read first, with one small query.
    """
    plan_id = plan.id
    named = _Named()
    record = _plan_record(session, plan)
    lineage = _lineage(session, actor, plan)
    if not lineage:
        if plan.predecessor_id is not None:
            predecessor_parties = plans.plan_party_ids_in_order(
                session=session, plan_id=plan.predecessor_id
            )
            if not actor.is_system and actor.party_id not in predecessor_parties:
                record["predecessor_id"] = None
    elif record["predecessor_id"] != lineage[-1]["id"]:
        record["predecessor_id"] = None
    named.parties.update(record["party_ids"])
    for entry in lineage:
        named.parties.update(entry["party_ids"])

    areas = list(
        session.scalars(
            select(PriorityArea)
            .where(PriorityArea.plan_id == plan_id)
            .order_by(col(PriorityArea.position), col(PriorityArea.id))
        )
    )
    progress("priority areas", len(areas), len(areas))
    visible_commitment = policy.visible_commitments(table_of(Commitment).c, actor)
    # Ids only: what exchanges and reviews may name (a set of ids, not the records).
    visible_commitments = set(
        session.scalars(
            select(Commitment.id).where(Commitment.plan_id == plan_id, visible_commitment)
        )
    )
    reviews = list(
        session.scalars(
            select(ReviewCycle)
            .where(ReviewCycle.plan_id == plan_id)
            .order_by(col(ReviewCycle.number))
        )
    )
    review_ids = [r.id for r in reviews]
    for commitment_id, party_id, updated_by in session.execute(
        select(ReviewItem.commitment_id, ReviewAssessment.party_id, ReviewAssessment.updated_by)
        .join(ReviewAssessment, col(ReviewAssessment.review_item_id) == col(ReviewItem.id))
        .where(col(ReviewItem.review_id).in_(review_ids))
    ):
        if commitment_id in visible_commitments:
            named.parties.add(party_id)
            if updated_by:
                named.users.add(updated_by)
    for party_id, user_id in session.execute(
        select(ReviewSignOff.party_id, ReviewSignOff.user_id).where(
            col(ReviewSignOff.review_id).in_(review_ids)
        )
    ):
        named.parties.add(party_id)
        named.users.add(user_id)

    yield b"{\n"

    # amendments
    amendments = list(
        session.scalars(
            select(Amendment).where(Amendment.plan_id == plan_id).order_by(col(Amendment.number))
        )
    )
    decisions = _by(
        session.scalars(
            select(AmendmentDecision)
            .where(col(AmendmentDecision.amendment_id).in_([a.id for a in amendments]))
            .order_by(col(AmendmentDecision.party_id))
        ),
        "amendment_id",
    )
    dump_amendment = _element_dumper("amendments")

    def amendment_records() -> Iterator[dict[str, Any]]:
        for a in amendments:
            if a.proposed_by:
                named.users.add(a.proposed_by)
            if a.proposing_party_id:
                named.parties.add(a.proposing_party_id)
            for d in decisions.get(a.id, []):
                named.parties.add(d.party_id)
                named.users.add(d.user_id)
            yield dump_amendment(
                {
                    **_columns(a, *_AMENDMENT_FIELDS),
                    "decisions": [_columns(d, *_DECISION_FIELDS) for d in decisions.get(a.id, [])],
                }
            )

    yield b'  "amendments": '
    yield from _json_array(amendment_records(), 1)
    progress("amendments", len(amendments), len(amendments))

    # attachments (metadata), a batch at a time
    dump_attachment = _element_dumper("attachments")

    def attachment_records() -> Iterator[dict[str, Any]]:
        done = 0
        for batch in exported_attachments(session=session, actor=actor, plan=plan):
            for a in batch:
                named.parties.add(a.owner_party_id)
                if a.created_by:
                    named.users.add(a.created_by)
                yield dump_attachment(
                    {**_columns(a, *_ATTACHMENT_FIELDS), "deleted": a.deleted_at is not None}
                )
                done += 1
            progress("attachments", done, done)

    yield b',\n  "attachments": '
    yield from _json_array(attachment_records(), 1)

    # commitments, a batch at a time
    dump_commitment = _element_dumper("commitments")
    total = len(visible_commitments)

    def commitment_records() -> Iterator[dict[str, Any]]:
        done = 0
        query = select(Commitment).where(Commitment.plan_id == plan_id, visible_commitment)
        for batch in _keyset(session, query, Commitment, "reference", "id"):
            ids = [c.id for c in batch]
            milestones = _by(
                session.scalars(
                    select(Milestone)
                    .where(col(Milestone.commitment_id).in_(ids))
                    .order_by(col(Milestone.position), col(Milestone.id))
                ),
                "commitment_id",
            )
            supporters = _by(
                session.scalars(
                    select(CommitmentSupporter)
                    .where(col(CommitmentSupporter.commitment_id).in_(ids))
                    .order_by(col(CommitmentSupporter.position))
                ),
                "commitment_id",
            )
            updates, evidence = _progress_updates(session, actor, ids)
            for c in batch:
                supporting = [s.organisation_id for s in supporters.get(c.id, [])]
                named.parties.add(c.lead_party_id)
                named.organisation(c.lead_organisation_id, *supporting)
                for u in updates.get(c.id, []):
                    if u.author_party_id:
                        named.parties.add(u.author_party_id)
                    named.users.update(x for x in (u.created_by, u.decided_by) if x)
                yield dump_commitment(
                    {
                        **_columns(c, *_COMMITMENT_FIELDS),
                        "supporting_organisation_ids": supporting,
                        "milestones": [
                            _columns(m, *_MILESTONE_FIELDS) for m in milestones.get(c.id, [])
                        ],
                        "progress_updates": [
                            {
                                **_columns(u, *_UPDATE_FIELDS),
                                "attachments": [
                                    {
                                        **_columns(a, *_EVIDENCE_FIELDS),
                                        "deleted": a.deleted_at is not None,
                                    }
                                    for a in evidence.get(u.id, [])
                                ],
                            }
                            for u in updates.get(c.id, [])
                        ],
                    }
                )
                done += 1
            progress("commitments", done, total)

    yield b',\n  "commitments": '
    yield from _json_array(commitment_records(), 1)

    # exchanges, a batch at a time
    dump_exchange = _element_dumper("exchanges")

    def exchange_records() -> Iterator[dict[str, Any]]:
        done = 0
        query = select(Exchange).where(
            Exchange.plan_id == plan_id, policy.visible_exchanges(table_of(Exchange).c, actor)
        )
        for batch in _keyset(session, query, Exchange, "reference", "id"):
            links = _by(
                session.scalars(
                    select(ExchangeCommitment).where(
                        col(ExchangeCommitment.exchange_id).in_([e.id for e in batch])
                    )
                ),
                "exchange_id",
            )
            for e in batch:
                named.parties.update((e.from_party_id, e.to_party_id))
                named.organisation(
                    e.from_organisation_id, e.to_organisation_id, e.host_organisation_id
                )
                for participant in e.participants:
                    if participant.get("organisation_id"):
                        named.organisations.add(uuid.UUID(str(participant["organisation_id"])))
                yield dump_exchange(
                    {
                        **_columns(e, *_EXCHANGE_FIELDS),
                        "commitment_ids": sorted(
                            (
                                link.commitment_id
                                for link in links.get(e.id, [])
                                if link.commitment_id in visible_commitments
                            ),
                            key=str,
                        ),
                    }
                )
                done += 1
            progress("exchanges", done, done)

    yield b',\n  "exchanges": '
    yield from _json_array(exchange_records(), 1)

    # The reference data, now that everything that names it is known.
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(col(Organisation.id).in_(named.organisations))
            .order_by(col(Organisation.code))
        )
    )
    users = list(
        session.scalars(select(User).where(col(User.id).in_(named.users)).order_by(col(User.email)))
    )
    named.parties.update(o.party_id for o in organisations)
    named.parties.update(u.party_id for u in users)
    parties = list(
        session.scalars(
            select(Party).where(col(Party.id).in_(named.parties)).order_by(col(Party.code))
        )
    )
    # The small part of the document, through the schema as a whole.
    small: dict[str, Any] = PlanExport.model_validate(
        {
            "format": EXPORT_FORMAT,
            "format_version": EXPORT_FORMAT_VERSION,
            "plan": record,
            "lineage": lineage,
            "parties": [_columns(p, *_PARTY_FIELDS) for p in parties],
            "organisations": [_columns(o, *_ORGANISATION_FIELDS) for o in organisations],
            "users": [_columns(u, *_USER_FIELDS) for u in users],
            "priority_areas": [_columns(a, *_AREA_FIELDS) for a in areas],
        },
        context=STORED,
    ).model_dump(mode="json", include=_SMALL_PARTS)
    for key in ("format", "format_version", "lineage", "organisations", "parties", "plan"):
        yield b",\n  " + orjson.dumps(key) + b": " + _json_at(small[key], 1)
    yield b',\n  "priority_areas": ' + _json_at(small["priority_areas"], 1)

    # reviews, one at a time
    dump_review = _element_dumper("reviews")

    def review_records() -> Iterator[dict[str, Any]]:
        for r in reviews:
            items = [
                i
                for i in session.scalars(
                    select(ReviewItem)
                    .where(ReviewItem.review_id == r.id)
                    .order_by(col(ReviewItem.id))
                )
                if i.commitment_id in visible_commitments
            ]
            assessments = _by(
                session.scalars(
                    select(ReviewAssessment)
                    .join(ReviewItem, col(ReviewItem.id) == col(ReviewAssessment.review_item_id))
                    .where(ReviewItem.review_id == r.id)
                    .order_by(col(ReviewAssessment.party_id))
                ),
                "review_item_id",
            )
            sign_offs = session.scalars(
                select(ReviewSignOff)
                .where(ReviewSignOff.review_id == r.id)
                .order_by(col(ReviewSignOff.party_id))
            )
            yield dump_review(
                {
                    **_columns(r, *_REVIEW_FIELDS),
                    "items": [
                        {
                            **_columns(i, *_ITEM_FIELDS),
                            "assessments": [
                                _columns(a, *_ASSESSMENT_FIELDS) for a in assessments.get(i.id, [])
                            ],
                        }
                        for i in items
                    ],
                    "sign_offs": [_columns(s, *_SIGN_OFF_FIELDS) for s in sign_offs],
                }
            )

    yield b',\n  "reviews": '
    yield from _json_array(review_records(), 1)
    progress("reviews", len(reviews), len(reviews))
    yield b',\n  "users": ' + _json_at(small["users"], 1)

    # versions, one at a time: each holds a snapshot of the whole plan
    dump_version = _element_dumper("versions")
    numbers = list(
        session.scalars(
            select(PlanVersion.number)
            .where(PlanVersion.plan_id == plan_id)
            .order_by(col(PlanVersion.number))
        )
    )

    def version_records() -> Iterator[dict[str, Any]]:
        for number in numbers:
            v = session.scalars(
                select(PlanVersion).where(
                    PlanVersion.plan_id == plan_id, PlanVersion.number == number
                )
            ).one()
            yield dump_version(
                {**_columns(v, *_VERSION_FIELDS), "snapshot": versions.version_snapshot(v)}
            )

    yield b',\n  "versions": '
    yield from _json_array(version_records(), 1)
    progress("versions", len(numbers), len(numbers))
    yield b"\n}\n"


_SMALL_PARTS = {
    "format",
    "format_version",
    "plan",
    "lineage",
    "parties",
    "organisations",
    "users",
    "priority_areas",
}


def export_plan(
    *, session: Session, actor: Actor, plan: Plan, progress: Progress = _no_progress
) -> dict[str, Any]:
    """The whole plan as the actor may see it, as JSON data of the PlanExport schema (in
    memory: for tests and small plans; the API and the command line stream `export_chunks`)."""
    data: dict[str, Any] = orjson.loads(
        b"".join(export_chunks(session=session, actor=actor, plan=plan, progress=progress))
    )
    return data


# --- import -------------------------------------------------------------------------------


def parse_export(raw: bytes) -> PlanExport:
    """A plan export from its JSON bytes (for the command line); ValidationFailed if not one."""
    try:
        return PlanExport.model_validate_json(raw)
    except ValidationError as exc:
        raise _not_an_export(exc) from None


def validate_export(data: dict[str, Any]) -> PlanExport:
    """A plan export from JSON data (a request body); ValidationFailed if not one."""
    try:
        return PlanExport.model_validate(data)
    except ValidationError as exc:
        raise _not_an_export(exc) from None


def _not_an_export(exc: ValidationError, at: Sequence[str | int] = ()) -> ValidationFailed:
    errors = [
        FieldError(
            loc=["body", *at, *[p for p in e["loc"] if isinstance(p, str | int)]],
            msg=str(e["msg"]),
            type=str(e["type"]),
        )
        for e in exc.errors()[:50]
    ]
    return ValidationFailed(
        "This is not a plan export: "
        + "; ".join(f"{'.'.join(map(str, e.loc[1:])) or 'document'}: {e.msg}" for e in errors[:5]),
        errors=errors,
    )


@dataclass
class _Checker:
    """Collects the references of a document that point nowhere."""

    errors: list[FieldError] = field(default_factory=list)

    def require(self, value: uuid.UUID | None, known: set[uuid.UUID], *loc: str | int) -> None:
        if value is not None and value not in known:
            self.errors.append(
                FieldError(loc=["body", *loc], msg=f"unknown id {value}", type="unknown_reference")
            )


def _check_references(document: PlanExport) -> None:
    check = _Checker()
    parties = {p.id for p in document.parties}
    plan_parties = set(document.plan.party_ids)
    organisations = {o.id for o in document.organisations}
    users = {u.id for u in document.users}
    areas = {a.id for a in document.priority_areas}
    commitments = {c.id for c in document.commitments}
    reviews = {r.id for r in document.reviews}
    for index, party_id in enumerate(document.plan.party_ids):
        check.require(party_id, parties, "plan", "party_ids", index)
    lineage_ids = {p.id for p in document.lineage}
    for index, entry in enumerate(document.lineage):
        for p_index, party_id in enumerate(entry.party_ids):
            check.require(party_id, parties, "lineage", index, "party_ids", p_index)
        check.require(entry.predecessor_id, lineage_ids, "lineage", index, "predecessor_id")
    for index, o in enumerate(document.organisations):
        check.require(o.party_id, parties, "organisations", index, "party_id")
    for index, u in enumerate(document.users):
        check.require(u.party_id, parties, "users", index, "party_id")
    for index, c in enumerate(document.commitments):
        check.require(c.priority_area_id, areas, "commitments", index, "priority_area_id")
        check.require(c.lead_party_id, plan_parties, "commitments", index, "lead_party_id")
        check.require(
            c.lead_organisation_id, organisations, "commitments", index, "lead_organisation_id"
        )
        for s_index, org in enumerate(c.supporting_organisation_ids):
            check.require(
                org, organisations, "commitments", index, "supporting_organisation_ids", s_index
            )
    for index, e in enumerate(document.exchanges):
        check.require(e.from_party_id, plan_parties, "exchanges", index, "from_party_id")
        check.require(e.to_party_id, plan_parties, "exchanges", index, "to_party_id")
        for name in ("from_organisation_id", "to_organisation_id", "host_organisation_id"):
            check.require(getattr(e, name), organisations, "exchanges", index, name)
        for l_index, commitment_id in enumerate(e.commitment_ids):
            check.require(commitment_id, commitments, "exchanges", index, "commitment_ids", l_index)
    for index, r in enumerate(document.reviews):
        for i_index, item in enumerate(r.items):
            check.require(
                item.commitment_id, commitments, "reviews", index, "items", i_index, "commitment_id"
            )
            for a_index, a in enumerate(item.assessments):
                where = ("reviews", index, "items", i_index, "assessments", a_index)
                check.require(a.party_id, plan_parties, *where, "party_id")
                check.require(a.updated_by, users, *where, "updated_by")
        for s_index, s in enumerate(r.sign_offs):
            check.require(
                s.party_id, plan_parties, "reviews", index, "sign_offs", s_index, "party_id"
            )
            check.require(s.user_id, users, "reviews", index, "sign_offs", s_index, "user_id")
    for index, amendment in enumerate(document.amendments):
        check.require(amendment.review_id, reviews, "amendments", index, "review_id")
        check.require(amendment.proposed_by, users, "amendments", index, "proposed_by")
        check.require(
            amendment.proposing_party_id, plan_parties, "amendments", index, "proposing_party_id"
        )
        for d_index, d in enumerate(amendment.decisions):
            check.require(
                d.party_id, plan_parties, "amendments", index, "decisions", d_index, "party_id"
            )
            check.require(d.user_id, users, "amendments", index, "decisions", d_index, "user_id")
    if check.errors:
        raise RuleViolation(
            f"The export refers to records it does not contain ({len(check.errors)} references).",
            errors=check.errors[:100],
        )


def _acting_parties(document: PlanExport) -> set[uuid.UUID]:
    """The parties whose own acts the document records: assessments, sign-offs, decisions,
    proposals, and records internal to a party."""
    acting: set[uuid.UUID] = set()
    for r in document.reviews:
        acting.update(s.party_id for s in r.sign_offs)
        for item in r.items:
            acting.update(a.party_id for a in item.assessments)
    for amendment in document.amendments:
        acting.update(d.party_id for d in amendment.decisions)
        if amendment.proposing_party_id:
            acting.add(amendment.proposing_party_id)
    acting.update(
        c.lead_party_id for c in document.commitments if c.visibility is Visibility.INTERNAL
    )
    acting.update(
        e.from_party_id for e in document.exchanges if e.visibility is Visibility.INTERNAL
    )
    return acting


def _party_mapping(session: Session, document: PlanExport) -> dict[uuid.UUID, uuid.UUID]:
    """The parties of the export this database has, by id or else by code: export id → id."""
    mapping: dict[uuid.UUID, uuid.UUID] = {}
    for party in document.parties:
        if session.get(Party, party.id) is not None:
            mapping[party.id] = party.id
            continue
        existing = session.scalars(select(Party.id).where(Party.code == party.code)).first()
        if existing is not None:
            mapping[party.id] = existing
    return mapping


def _states(translations: Mapping[str, TranslationState]) -> dict[str, Any]:
    """Imported translation states as stored (a `translations` column)."""
    return {name: state.model_dump(mode="json") for name, state in translations.items()}


def _plain(model: BaseModel, exclude: set[str] | None = None) -> dict[str, Any]:
    """A record's fields as column values: enums as their values (dates stay dates)."""
    return {
        name: value.value if isinstance(value, Enum) else value
        for name, value in model.model_dump(exclude=exclude).items()
    }


def _remap(value: Any, mapping: dict[str, str]) -> Any:
    """JSON data with every id string of the mapping replaced (in snapshots, change sets)."""
    if not mapping:
        return value
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_remap(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _remap(v, mapping) for k, v in value.items()}
    return value


@dataclass
class _Importer:
    session: Session
    actor: Actor
    document: PlanExport
    progress: Progress
    ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: list[str] = field(default_factory=list)

    def id(self, value: uuid.UUID | None) -> uuid.UUID | None:
        return None if value is None else self.ids.get(value, value)

    def must(self, value: uuid.UUID) -> uuid.UUID:
        return self.ids.get(value, value)

    def json(self, value: Any) -> Any:
        return _remap(
            orjson.loads(orjson.dumps(value)), {str(k): str(v) for k, v in self.ids.items()}
        )

    def add(self, row: SQLModel, kind: str) -> None:
        self.session.add(row)
        self.created[kind] += 1

    def audit(
        self,
        entity_type: str,
        entity_id: uuid.UUID,
        after: dict[str, Any],
        owner_party_id: uuid.UUID | None = None,
        subject_id: uuid.UUID | None = None,
    ) -> None:
        audit.record(
            session=self.session,
            actor=self.actor,
            action="import",
            entity_type=entity_type,
            entity_id=entity_id,
            plan_id=self.document.plan.id,
            owner_party_id=owner_party_id,
            subject_id=subject_id,
            after=after,
        )

    def missing(self, what: str, loc: list[str | int], detail: str) -> FieldError:
        return FieldError(
            loc=["body", *loc],
            msg=f"{what} {detail} is not in this database",
            type="unknown_reference",
        )

    def reference_data(self) -> None:
        """Match parties, organisations and officials by id, then code or email; the system
        creates the ones missing (an API caller gets 422 naming them)."""
        errors: list[FieldError] = []
        session = self.session
        for index, p in enumerate(self.document.parties):
            if session.get(Party, p.id) is not None:
                continue
            existing = session.scalars(select(Party).where(Party.code == p.code)).first()
            if existing is not None:
                self.ids[p.id] = existing.id
            elif self.actor.is_system:
                self.add(
                    Party(
                        id=p.id,
                        code=p.code,
                        name=p.name,
                        translations=_states(p.translations),
                        created_at=p.created_at,
                    ),
                    "parties",
                )
                session.flush()
                audit.record(
                    session=session,
                    actor=self.actor,
                    action="import",
                    entity_type="party",
                    entity_id=p.id,
                    after={"code": p.code, "name": p.name},
                )
            else:
                errors.append(self.missing("party", ["parties", index], p.code))
        for index, o in enumerate(self.document.organisations):
            if session.get(Organisation, o.id) is not None:
                continue
            existing_org = session.scalars(
                select(Organisation).where(Organisation.code == o.code)
            ).first()
            if existing_org is not None and existing_org.party_id == self.id(o.party_id):
                self.ids[o.id] = existing_org.id
            elif existing_org is not None:
                errors.append(
                    FieldError(
                        loc=["body", "organisations", index, "code"],
                        msg=f"organisation {o.code} belongs to another party here",
                        type="conflicting_reference",
                    )
                )
            elif self.actor.is_system:
                self.add(
                    Organisation(
                        id=o.id,
                        party_id=self.must(o.party_id),
                        code=o.code,
                        name=o.name,
                        translations=_states(o.translations),
                        created_at=o.created_at,
                    ),
                    "organisations",
                )
                session.flush()
                audit.record(
                    session=session,
                    actor=self.actor,
                    action="import",
                    entity_type="organisation",
                    entity_id=o.id,
                    after={"code": o.code, "party_id": self.must(o.party_id)},
                )
            else:
                errors.append(self.missing("organisation", ["organisations", index], o.code))
        for index, u in enumerate(self.document.users):
            if session.get(User, u.id) is not None:
                continue
            existing_user = session.scalars(select(User).where(User.email == u.email)).first()
            if existing_user is not None and existing_user.party_id == self.id(u.party_id):
                self.ids[u.id] = existing_user.id
            elif existing_user is not None:
                errors.append(
                    FieldError(
                        loc=["body", "users", index, "email"],
                        msg=f"{u.email} belongs to another party here",
                        type="conflicting_reference",
                    )
                )
            elif self.actor.is_system:
                # A record of who acted, not an account: deactivated, with a password nobody
                # knows, until a party admin activates it and sets one.
                self.add(
                    User(
                        id=u.id,
                        party_id=self.must(u.party_id),
                        email=u.email,
                        display_name=u.display_name,
                        role=Role.VIEWER,
                        preferred_language="en",
                        is_active=False,
                        password_hash=hash_password(secrets.token_urlsafe(32)),
                    ),
                    "users",
                )
                session.flush()
                audit.record(
                    session=session,
                    actor=self.actor,
                    action="import",
                    entity_type="user",
                    entity_id=u.id,
                    after={"email": u.email, "is_active": False},
                )
                self.notes.append(
                    f"{u.email} was created as a deactivated account (viewer): a record of "
                    "who acted, not a login."
                )
            else:
                errors.append(self.missing("official", ["users", index], u.email))
        if errors:
            raise RuleViolation(
                "The export names parties, organisations or officials this database does not "
                "have; an admin imports it with `itpp import json`, which creates them.",
                errors=errors,
            )
        session.flush()

    def plan_row(self, entry: ExportedPlan) -> Plan:
        plan = Plan(
            id=entry.id,
            reference=entry.reference,
            title=entry.title,
            sections=[s.model_dump(mode="json") for s in entry.sections],
            objectives=[dict(o) for o in entry.objectives],
            lead_texts=lead_texts_data(entry.lead_texts),
            status=entry.status,
            approval_date=entry.approval_date,
            term_months=entry.term_months,
            review_interval_months=entry.review_interval_months,
            predecessor_id=entry.predecessor_id,
            progress_updates_need_confirmation=entry.progress_updates_need_confirmation,
            termination_date=entry.termination_date,
            translations={
                name: state.model_dump(mode="json") for name, state in entry.translations.items()
            },
            row_version=entry.row_version,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )
        plan.expiry_date = lifecycle.expiry_date(plan)
        self.add(plan, "plans")
        self.session.flush()
        for position, party_id in enumerate(entry.party_ids):
            self.session.add(
                PlanParty(plan_id=plan.id, party_id=self.must(party_id), position=position)
            )
        self.session.flush()
        audit.record(
            session=self.session,
            actor=self.actor,
            action="import",
            entity_type="plan",
            entity_id=plan.id,
            plan_id=plan.id,
            after={"reference": plan.reference, "status": plan.status},
        )
        return plan

    def lineage(self) -> None:
        for entry in self.document.lineage:
            existing = self.session.get(Plan, entry.id)
            if existing is not None:
                continue
            if self.session.scalar(select(Plan.id).where(Plan.reference == entry.reference)):
                raise Conflict(
                    f"A different plan with reference {entry.reference} (a predecessor in the "
                    "export) already exists."
                )
            self.plan_row(entry)
            self.notes.append(f"Predecessor {entry.reference} was created (plan record only).")

    def run(self) -> Plan:
        document = self.document
        self.reference_data()
        self.lineage()
        plan = self.plan_row(document.plan)
        for area in document.priority_areas:
            self.add(PriorityArea(plan_id=plan.id, **_plain(area)), "priority_areas")
        self.session.flush()
        for area in document.priority_areas:
            self.audit("priority_area", area.id, {"code": area.code, "title": area.title})
        self.progress("priority areas", len(document.priority_areas), len(document.priority_areas))
        total = len(document.commitments)
        for index, c in enumerate(document.commitments, start=1):
            data = _plain(c, {"milestones", "supporting_organisation_ids", "progress_updates"})
            commitment = Commitment(
                plan_id=plan.id,
                **{
                    **data,
                    "lead_party_id": self.must(c.lead_party_id),
                    "lead_organisation_id": self.id(c.lead_organisation_id),
                },
                search_text=search_text(c.title, extra=(c.reference,)),
            )
            self.add(commitment, "commitments")
            self.session.flush()
            for position, org in enumerate(c.supporting_organisation_ids):
                self.session.add(
                    CommitmentSupporter(
                        commitment_id=c.id, organisation_id=self.must(org), position=position
                    )
                )
            for m in c.milestones:
                self.add(Milestone(commitment_id=c.id, **_plain(m)), "milestones")
            owner = c.lead_party_id if c.visibility is Visibility.INTERNAL else None
            self.audit(
                "commitment",
                c.id,
                {"reference": c.reference, "title": c.title},
                owner_party_id=self.id(owner),
            )
            for m in c.milestones:
                self.audit(
                    "milestone",
                    m.id,
                    {"commitment_id": c.id, "title": m.title},
                    owner_party_id=self.id(owner),
                    subject_id=c.id,
                )
            self.progress("commitments", index, total)
        self.session.flush()
        total = len(document.exchanges)
        for index, e in enumerate(document.exchanges, start=1):
            data = _plain(e, {"commitment_ids"})
            data.update(
                from_party_id=self.must(e.from_party_id),
                to_party_id=self.must(e.to_party_id),
                from_organisation_id=self.id(e.from_organisation_id),
                to_organisation_id=self.id(e.to_organisation_id),
                host_organisation_id=self.id(e.host_organisation_id),
                participants=self.json(e.participants),
            )
            exchange = Exchange(plan_id=plan.id, **data, search_text="")
            exchange.search_text = search_text(
                exchange.title,
                exchange.post_title,
                extra=tuple(v for v in (exchange.reference, exchange.location) if v),
            )
            self.add(exchange, "exchanges")
            self.session.flush()
            for commitment_id in e.commitment_ids:
                self.session.add(ExchangeCommitment(exchange_id=e.id, commitment_id=commitment_id))
            owner = e.from_party_id if e.visibility is Visibility.INTERNAL else None
            self.audit(
                "exchange",
                e.id,
                {"reference": e.reference, "title": e.title},
                owner_party_id=self.id(owner),
            )
            self.progress("exchanges", index, total)
        self.session.flush()
        for r in document.reviews:
            data = _plain(r, {"items", "sign_offs"})
            self.add(ReviewCycle(plan_id=plan.id, **data), "reviews")
            self.session.flush()
            for item in r.items:
                self.add(
                    ReviewItem(review_id=r.id, **_plain(item, {"assessments"})), "review_items"
                )
                self.session.flush()
                for assessment in item.assessments:
                    self.add(
                        ReviewAssessment(
                            review_item_id=item.id,
                            **{
                                **_plain(assessment),
                                "party_id": self.must(assessment.party_id),
                                "updated_by": self.id(assessment.updated_by),
                            },
                        ),
                        "review_assessments",
                    )
            for s in r.sign_offs:
                self.add(
                    ReviewSignOff(
                        review_id=r.id,
                        id=s.id,
                        party_id=self.must(s.party_id),
                        user_id=self.must(s.user_id),
                        signed_at=s.signed_at,
                    ),
                    "review_sign_offs",
                )
            self.audit(
                "review_cycle",
                r.id,
                {
                    "number": r.number,
                    "status": r.status.value,
                    "items": len(r.items),
                    "sign_offs": len(r.sign_offs),
                },
            )
        self.session.flush()
        self.progress("reviews", len(document.reviews), len(document.reviews))
        existing_plans: set[uuid.UUID] = set()
        successors = {a.successor_plan_id for a in document.amendments if a.successor_plan_id}
        if successors:
            existing_plans = set(
                self.session.scalars(select(Plan.id).where(col(Plan.id).in_(successors)))
            )
        for amendment in document.amendments:
            data = _plain(amendment, {"decisions"})
            successor = amendment.successor_plan_id
            if successor is not None and successor not in existing_plans:
                self.notes.append(
                    f"Amendment {amendment.number} created successor plan {successor}, which is "
                    "not in this database: the link is left empty (import the successor to "
                    "keep it)."
                )
                successor = None
            data.update(
                changes=self.json(data["changes"]),
                proposed_by=self.id(amendment.proposed_by),
                proposing_party_id=self.id(amendment.proposing_party_id),
                successor_plan_id=successor,
            )
            self.add(Amendment(plan_id=plan.id, **data), "amendments")
            self.session.flush()
            for d in amendment.decisions:
                self.add(
                    AmendmentDecision(
                        amendment_id=amendment.id,
                        id=d.id,
                        party_id=self.must(d.party_id),
                        decision=d.decision,
                        user_id=self.must(d.user_id),
                        note=d.note,
                        decided_at=d.decided_at,
                    ),
                    "amendment_decisions",
                )
            self.audit(
                "amendment",
                amendment.id,
                {
                    "number": amendment.number,
                    "status": amendment.status.value,
                    "decisions": len(amendment.decisions),
                },
            )
        self.session.flush()
        self.progress("amendments", len(document.amendments), len(document.amendments))
        # A version names the consent that made it: kept when that amendment is here (a
        # renewal's successor names its predecessor's amendment, which may not be).
        consents = {a.id for a in document.amendments}
        named = {v.amendment_id for v in document.versions if v.amendment_id} - consents
        if named:
            consents |= set(
                self.session.scalars(select(Amendment.id).where(col(Amendment.id).in_(named)))
            )
        for index, v in enumerate(document.versions):
            agreed_on = v.agreed_on or (
                _snapshot_approval(v.snapshot, index) if v.number == 1 else None
            )
            agreed_on = agreed_on or v.created_at.date()
            self.add(
                PlanVersion(
                    plan_id=plan.id,
                    id=v.id,
                    number=v.number,
                    reason=v.reason,
                    snapshot=self.json(v.snapshot),
                    agreed_on=agreed_on,
                    amendment_id=v.amendment_id if v.amendment_id in consents else None,
                    created_at=v.created_at,
                ),
                "versions",
            )
            self.session.flush()
            self.audit("plan_version", v.id, {"number": v.number, "reason": v.reason})
        self.progress("versions", len(document.versions), len(document.versions))
        self.session.flush()
        return plan


def _snapshot_approval(snapshot: dict[str, Any], index: int) -> date | None:
    """The approval date a version's snapshot records (of an export made before versions
    recorded the day they were agreed from), held to the dates the API accepts."""
    plan = snapshot.get("plan")
    approval = plan.get("approval_date") if isinstance(plan, dict) else None
    if approval is None:
        return None
    try:
        return _SNAPSHOT_DATE.validate_python(approval)
    except ValidationError as error:
        raise _not_an_export(
            error, ["versions", index, "snapshot", "plan", "approval_date"]
        ) from None


def import_plan(
    *, session: Session, actor: Actor, document: PlanExport, progress: Progress = _no_progress
) -> tuple[Plan, dict[str, int], list[str]]:
    """Create a whole plan from an export, in the caller's transaction."""
    # Parties are matched by id, then by code: decide on the parties as this database knows
    # them.
    known = _party_mapping(session, document)
    policy.authorize_plan_import(
        actor,
        [known.get(p, p) for p in document.plan.party_ids],
        {known.get(p, p) for p in _acting_parties(document)},
    )
    _check_references(document)
    agreement.check_plan_import(
        actor=actor,
        plans=[
            (document.plan.reference, document.plan.status),
            *(
                (entry.reference, entry.status)
                for entry in document.lineage
                if session.get(Plan, entry.id) is None
            ),
        ],
        versions=len(document.versions),
        consents=sum(a.status is AmendmentStatus.APPLIED for a in document.amendments),
    )
    plan_id, reference = document.plan.id, document.plan.reference
    if session.get(Plan, plan_id) is not None:
        raise Conflict(f"Plan {reference} ({plan_id}) is already in this database.")
    if session.scalar(select(Plan.id).where(Plan.reference == reference)) is not None:
        raise Conflict(f"A different plan with reference {reference} already exists.")
    lineage_ids = {p.id for p in document.lineage}
    predecessor = document.plan.predecessor_id
    if (
        predecessor is not None
        and predecessor not in lineage_ids
        and session.get(Plan, predecessor) is None
    ):
        raise RuleViolation(
            "The plan's predecessor is neither in the export nor in this database.",
            errors=[
                FieldError(
                    loc=["body", "plan", "predecessor_id"],
                    msg=f"unknown plan {predecessor}",
                    type="unknown_plan",
                )
            ],
        )
    importer = _Importer(session=session, actor=actor, document=document, progress=progress)
    plan = importer.run()
    updates = sum(len(c.progress_updates) for c in document.commitments)
    if updates:
        # The commitments keep the status and progress the updates gave them.
        importer.notes.append(
            f"{updates} progress update(s) listed in the export were not imported (the "
            "commitments keep the status and progress they had)."
        )
    if document.attachments:
        # An export holds the files' metadata, not the files: nothing is attached on import.
        importer.notes.append(
            f"{len(document.attachments)} attachment(s) listed in the export were not "
            "imported (an export holds their metadata and hash, not the files)."
        )
    return plan, dict(importer.created), importer.notes
