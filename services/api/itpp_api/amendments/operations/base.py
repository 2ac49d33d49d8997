"""What every amendment operation shares: the model of the plan a change set is checked
against, the helpers the checks use, what applying one is given, and `Operation`, the class
each kind of operation is written as (its schema, its checks, how it is applied, and how it
describes itself to clients)."""

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar, get_args

from pydantic import BaseModel
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from itpp_api.agreement import Consent
from itpp_api.amendments.models import Amendment
from itpp_api.amendments.operations.description import fields_of
from itpp_api.amendments.schemas import OperationEffect
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of
from itpp_api.enums import CommitmentStatus, ConsentKind, PlanStatus, Visibility
from itpp_api.errors import FieldError, RuleViolation
from itpp_api.localized import TranslationRequestError, next_translations
from itpp_api.plans import service as plans
from itpp_api.plans.models import Plan

NOT_LIVE = frozenset({CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value})

# --- a model of the plan the operations are checked against -----------------------------------


@dataclass
class AreaModel:
    code: str
    short_code: str
    retired: bool


@dataclass
class CommitmentModel:
    reference: str
    area_id: uuid.UUID
    status: str
    visibility: str
    lead_party_id: uuid.UUID


@dataclass
class PlanModel:
    plan: Plan
    areas: dict[uuid.UUID, AreaModel]
    commitments: dict[uuid.UUID, CommitmentModel]
    references: set[str]
    term_months: int
    review_interval_months: int
    approval_date: date | None
    # The areas the plan has now (an order can name only these).
    existing_areas: frozenset[uuid.UUID] = frozenset()
    # The index of the last operation that set the term or the interval.
    schedule_op: int | None = None
    errors: list[FieldError] = field(default_factory=list)


def load_model(session: Session, plan: Plan, actor: Actor) -> PlanModel:
    """The plan as the operations are checked against it: its areas, and the commitments the
    actor may see (the system, applying an amendment, sees them all)."""
    areas = {
        a.id: AreaModel(a.code, a.short_code, a.retired_at is not None)
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
        row.id: CommitmentModel(
            row.reference, row.priority_area_id, row.status, row.visibility, row.lead_party_id
        )
        for row in rows
    }
    return PlanModel(
        plan=plan,
        areas=areas,
        commitments=found,
        references={c.reference for c in found.values()},
        term_months=plan.term_months,
        review_interval_months=plan.review_interval_months,
        approval_date=plan.approval_date,
        existing_areas=frozenset(areas),
    )


# --- helpers of the checks ----------------------------------------------------------------------


class OperationError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].msg)
        self.errors = errors


def fail(path: list[str | int], msg: str, kind: str) -> OperationError:
    return OperationError([FieldError(loc=path, msg=msg, type=kind)])


@contextmanager
def rules_under(path: list[str | int]) -> Iterator[None]:
    """Re-home the field errors of a service's rule check under an operation's field."""
    try:
        yield
    except RuleViolation as error:
        raise OperationError(
            [
                FieldError(loc=[*path, *e.loc[1:]], msg=e.msg, type=e.type)
                for e in (error.errors or [])
            ]
            or [FieldError(loc=path, msg=error.detail, type="rule_violation")]
        ) from None


def check_translations(
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
        raise OperationError(
            [FieldError(loc=[*path, *e.loc], msg=e.msg, type=e.type) for e in error.errors]
        ) from None


def commitment_of(
    model: PlanModel, actor: Actor, commitment_id: uuid.UUID, path: list[str | int]
) -> CommitmentModel:
    """A shared commitment of the plan the actor may see, or the operation's error."""
    found = model.commitments.get(commitment_id)
    reference = model.plan.reference
    if found is None or (
        found.visibility == Visibility.INTERNAL.value
        and not actor.is_system
        and found.lead_party_id != actor.party_id
    ):
        raise fail(
            path,
            f"Plan {reference} has no commitment {commitment_id}.",
            "unknown_commitment",
        )
    if found.visibility == Visibility.INTERNAL.value:
        raise fail(
            path,
            f"Commitment {found.reference} is internal to one party, so it is not part of what "
            "the parties agreed: change it directly, or make it shared first.",
            "internal_commitment",
        )
    return found


def area_of(
    model: PlanModel,
    area_id: uuid.UUID,
    path: list[str | int],
    *,
    allow_retired: uuid.UUID | None = None,
) -> AreaModel:
    """A priority area of the plan, not retired (but `allow_retired`), or the error."""
    area = model.areas.get(area_id)
    if area is None:
        raise fail(
            path,
            f"Plan {model.plan.reference} has no priority area {area_id}.",
            "unknown_priority_area",
        )
    if area.retired and area_id != allow_retired:
        raise fail(
            path,
            f"Priority area {area.code} is retired: it takes no new commitments or changes.",
            "retired_priority_area",
        )
    return area


def codes_free(
    model: PlanModel,
    code: str | None,
    short_code: str | None,
    path: list[str | int],
    except_id: uuid.UUID | None = None,
) -> None:
    """No other priority area of the plan has the code or the short code."""
    for area_id, area in model.areas.items():
        if area_id == except_id:
            continue
        if code is not None and area.code == code:
            raise fail(
                [*path, "code"],
                f"Plan {model.plan.reference} already has a priority area {code}"
                + (" (retired)." if area.retired else "."),
                "area_code_in_use",
            )
        if short_code is not None and area.short_code == short_code:
            raise fail(
                [*path, "short_code"],
                f"Plan {model.plan.reference} already has a priority area with short code "
                f"{short_code}.",
                "area_code_in_use",
            )


# --- checking and applying ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckContext:
    """What an operation is checked with: the session, who asks, and the plan's model as the
    operations before it leave it."""

    session: Session
    actor: Actor
    model: PlanModel


@dataclass(frozen=True)
class Applied:
    """What applying a change set produced."""

    version: int
    successor: Plan | None = None


@dataclass
class ApplyContext:
    """What an operation is applied with. Plan fields are gathered in `plan_changes` (and
    their texts' languages in `plan_sources`) and written once, after every operation: the
    database checks interval <= term on each write."""

    session: Session
    actor: Actor
    plan: Plan
    amendment: Amendment
    consent: Consent
    plan_changes: dict[str, Any] = field(default_factory=dict)
    plan_sources: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The amendment's title, for the reason of the version it records."""
        title = self.amendment.title
        return title.get("en") or next(iter(title.values()), "")


S = TypeVar("S", bound=BaseModel)


class Labels(NamedTuple):
    """An operation's name in each language of the application."""

    ja: str
    en: str


class Operation(ABC, Generic[S]):
    """One kind of change set operation: `schema` is its request schema (a member of the
    `AmendmentChange` union, discriminated by its `op` literal); `check` judges it against the
    plan's model (and updates the model for the operations after it); `apply` performs it.

    An operation whose `consent_kind` is not `amendment` is the only operation of its change
    set; `plan_statuses` are the plan statuses it can be proposed in; `schedule_field` names
    the field that sets the term or the review interval (checked against each other after the
    last operation). `effect`, `sets_status` and `note` tell a client how to show it to a
    reader (what it adds, changes or retires, the status it gives, what follows from it)."""

    schema: ClassVar[type[BaseModel]]
    labels: ClassVar[Labels]
    consent_kind: ClassVar[ConsentKind] = ConsentKind.AMENDMENT
    plan_statuses: ClassVar[tuple[PlanStatus, ...]] = (PlanStatus.ACTIVE,)
    schedule_field: ClassVar[str | None] = None
    effect: ClassVar[OperationEffect] = OperationEffect.PLAN
    sets_status: ClassVar[PlanStatus | CommitmentStatus | None] = None
    note: ClassVar[Labels | None] = None

    @classmethod
    def kind(cls) -> str:
        """The value of the schema's `op` discriminator."""
        annotation = cls.schema.model_fields["op"].annotation
        (value,) = get_args(annotation)
        return str(value)

    @property
    def alone(self) -> bool:
        return self.consent_kind is not ConsentKind.AMENDMENT

    def check(self, ctx: CheckContext, op: S, path: list[str | int]) -> None:
        """Raise OperationError if `op` does not fit the plan as the model has it."""

    @abstractmethod
    def apply(self, ctx: ApplyContext, op: S) -> Applied | None:
        """Perform `op`; an operation alone in its change set returns what it produced."""

    def describe(self) -> dict[str, Any]:
        """The operation as clients are told of it (GET /amendment-operations)."""
        return {
            "kind": self.kind(),
            "labels": self.labels._asdict(),
            "description": " ".join((self.schema.__doc__ or "").split()),
            "consent_kind": self.consent_kind,
            "alone": self.alone,
            "plan_statuses": list(self.plan_statuses),
            "effect": self.effect,
            "sets_status": self.sets_status,
            "note": self.note._asdict() if self.note else None,
            "fields": fields_of(self.schema, skip=("op",)),
        }
