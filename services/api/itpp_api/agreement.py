"""What the parties agreed, declared once, and the one check every write to a plan asks.

Seed §4.2: the plan is amended or updated by mutual consent. Once a plan is in force, what the
parties agreed changes only through an amendment every party has approved; a plan comes into
force and ends the same way. Delivery — how the agreed commitments are being carried out — is
written directly by the parties' editors, and so is each party's internal business.

This module is the single place that says which is which:

- the tables below classify every field of every record of a plan as `agreed`, `delivery` or
  `system` (kept by the system: ids, timestamps, derived values, translation bookkeeping);
  a test fails when a table column or a request field is not classified;
- `Consent` is the proof of every party's approval that the amendment path holds while it
  applies a change set; nothing else can make one;
- the `check_*` functions are what every write service calls before it changes a plan's
  records: on an active plan a direct write of agreed content is refused with 409
  `/problems/amendment-required`, naming the fields and carrying the change set that would make
  the change (`proposal`), ready to post as an amendment;
- `agreed_snapshot` projects a plan version's snapshot to agreed content, so versions and their
  diffs show what the parties agreed and nothing else.

The system actor (the server's command line: the sample loader, `itpp import json`, test
factories) records what was agreed outside the system and is not held to consent; no HTTP
request ever acts as the system.
"""

import hashlib
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from enum import StrEnum
from typing import Any, Final

import orjson
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, select

from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.amendments.schemas import AmendmentChange
from itpp_api.auth.actor import Actor
from itpp_api.enums import CommitmentStatus, ConsentKind, Decision, PlanStatus, Visibility
from itpp_api.errors import AmendmentRequired, Forbidden, ProposalDraft
from itpp_api.plans.lifecycle import effective_status, ensure_plan_writable
from itpp_api.plans.models import Plan, PlanParty
from itpp_api.wire import dump_json


class Part(StrEnum):
    """Which side of the line a field is on."""

    AGREED = "agreed"  # changes on an active plan only by every party's consent
    DELIVERY = "delivery"  # written directly by the parties' editors
    SYSTEM = "system"  # kept by the system, never a matter of agreement


A, D, S = Part.AGREED, Part.DELIVERY, Part.SYSTEM

# --- the classification ---------------------------------------------------------------------
# Every column of the record's table and every field of its create and update requests.

PLAN: Final[Mapping[str, Part]] = {
    "id": S,
    "reference": A,
    "title": A,
    "sections": A,
    "objectives": A,
    "lead_texts": A,
    "party_ids": A,
    # Coming into force (draft → active) and ending (terminated, superseded) are consents.
    "status": A,
    "approval_date": A,
    "term_months": A,
    "review_interval_months": A,
    "predecessor_id": A,
    # How delivery is reported: whether progress updates count only once confirmed.
    "progress_updates_need_confirmation": A,
    "termination_date": A,
    "expiry_date": S,  # approval date + term
    "translations": S,
    "source_languages": S,
    "reviewed_translations": S,
    # Set by deletePlan, which only a draft that never came into force takes (the policy's
    # authorize_plan_deletion): nothing agreed is removed.
    "deleted_at": S,
    "row_version": S,
    "created_at": S,
    "updated_at": S,
}

# Everything about the priority areas is agreed: adding, changing, reordering, retiring.
PRIORITY_AREA: Final[Mapping[str, Part]] = {
    "id": S,
    "plan_id": S,
    "code": A,
    "short_code": A,
    "position": A,
    "title": A,
    "description": A,
    "retired_at": A,
    "translations": S,
    "source_languages": S,
    "reviewed_translations": S,
    "row_version": S,
    "created_at": S,
    "updated_at": S,
}

# A shared commitment's existence and definition are agreed; its delivery is not. Status is
# delivery, except that cancelling a shared commitment retires it from the agreement and
# leaving `cancelled` brings it back: both are changes of its existence. A commitment internal
# to one party is that party's own business: every field of it is written directly, but
# sharing it adds it to what the parties agreed.
COMMITMENT: Final[Mapping[str, Part]] = {
    "id": S,
    "plan_id": S,
    "reference": A,
    "priority_area_id": A,
    "title": A,
    "description": A,
    "modality": A,
    "lead_party_id": A,
    "lead_organisation_id": A,
    "supporting_organisation_ids": A,
    "start_date": A,
    "due_date": A,
    "pcm_activity_ref": A,
    "visibility": A,
    "status": D,
    "progress": D,
    "health": D,  # the agreed rating of the last concluded review
    "milestones": D,
    "is_example": S,
    "search_text": S,
    "translations": S,
    "source_languages": S,
    "reviewed_translations": S,
    "row_version": S,
    "created_at": S,
    "updated_at": S,
}

MILESTONE: Final[Mapping[str, Part]] = {
    "id": S,
    "commitment_id": S,
    "position": D,
    "title": D,
    "due_date": D,
    "done_on": D,
    "translations": S,
    "source_languages": S,
    "reviewed_translations": S,
    "row_version": S,
    "created_at": S,
    "updated_at": S,
}

# Exchanges deliver the plan: every field is written directly by the parties' editors.
EXCHANGE_PART: Final = D

RECORDS: Final[Mapping[str, Mapping[str, Part]]] = {
    "plan": PLAN,
    "priority_area": PRIORITY_AREA,
    "commitment": COMMITMENT,
    "milestone": MILESTONE,
}


def agreed(record: Mapping[str, Part]) -> tuple[str, ...]:
    """The agreed fields of a record type, in declaration order."""
    return tuple(name for name, part in record.items() if part is A)


# The plan's agreed fields a change set changes one by one (status has its own operations, the
# parties and the reference never change).
PLAN_AGREED_CHANGES: Final = (
    "title",
    "sections",
    "objectives",
    "lead_texts",
    "term_months",
    "review_interval_months",
    "approval_date",
    "predecessor_id",
    "progress_updates_need_confirmation",
)
AREA_DEFINITION: Final = ("code", "short_code", "title", "description")
# What modify_commitment may change: the agreed fields but the reference and the visibility.
COMMITMENT_DEFINITION: Final = tuple(
    name for name in agreed(COMMITMENT) if name not in ("reference", "visibility")
)

# How the fields are named in a proposal's suggested title.
_FIELD_NAMES: Final[Mapping[str, Mapping[str, str]]] = {
    "title": {"en": "title", "ja": "表題"},
    "sections": {"en": "sections", "ja": "本文"},
    "objectives": {"en": "objectives", "ja": "目的"},
    "lead_texts": {"en": "lead texts", "ja": "導入文"},
    "term_months": {"en": "term", "ja": "期限"},
    "review_interval_months": {"en": "review interval", "ja": "見直しの間隔"},
    "approval_date": {"en": "approval date", "ja": "承認日"},
    "predecessor_id": {"en": "predecessor", "ja": "前身計画"},
    "progress_updates_need_confirmation": {
        "en": "confirmation of progress updates",
        "ja": "進捗報告の確認要否",
    },
    "code": {"en": "code", "ja": "番号"},
    "short_code": {"en": "short code", "ja": "略号"},
    "description": {"en": "description", "ja": "説明"},
    "position": {"en": "order", "ja": "順序"},
    "priority_area_id": {"en": "priority area", "ja": "優先分野"},
    "modality": {"en": "modality", "ja": "様式"},
    "lead_party_id": {"en": "lead party", "ja": "主導当事者"},
    "lead_organisation_id": {"en": "lead organisation", "ja": "主導機関"},
    "supporting_organisation_ids": {"en": "supporting organisations", "ja": "支援機関"},
    "start_date": {"en": "start date", "ja": "開始日"},
    "due_date": {"en": "due date", "ja": "期日"},
    "pcm_activity_ref": {"en": "PCM reference", "ja": "PCM 参照"},
    "visibility": {"en": "visibility", "ja": "公開範囲"},
    "status": {"en": "status", "ja": "状態"},
    "existence": {"en": "existence", "ja": "存否"},
}


# --- consent --------------------------------------------------------------------------------

_SEAL: Final = object()


class ConsentMissing(RuntimeError):
    """A Consent was asked of an amendment that not every party has approved (a bug)."""


class Consent:
    """Every party's approval of one amendment, held by the code that applies it.

    Only `Consent.of_amendment` makes one, and only after reading from the database that every
    party of the plan has approved the amendment; the services accept agreed changes of an
    active plan, its coming into force and its end only with one that covers the plan.
    """

    __slots__ = ("amendment_id", "plan_id", "renewal")

    def __init__(
        self, *, plan_id: uuid.UUID, amendment_id: uuid.UUID, renewal: bool, seal: object
    ) -> None:
        if seal is not _SEAL:
            raise TypeError("A Consent is made by Consent.of_amendment only.")
        self.plan_id = plan_id
        self.amendment_id = amendment_id
        self.renewal = renewal

    @classmethod
    def of_amendment(cls, session: Session, amendment: Amendment, *, renewal: bool) -> "Consent":
        """The consent of every party of the amendment's plan, read afresh; ConsentMissing if
        any party has not approved it."""
        parties = set(
            session.scalars(
                select(PlanParty.party_id).where(PlanParty.plan_id == amendment.plan_id)
            )
        )
        approved = set(
            session.scalars(
                select(AmendmentDecision.party_id).where(
                    AmendmentDecision.amendment_id == amendment.id,
                    AmendmentDecision.decision == Decision.APPROVE.value,
                )
            )
        )
        if not parties or not approved >= parties:
            raise ConsentMissing(
                f"amendment {amendment.id} lacks the approval of {parties - approved}"
            )
        return cls(
            plan_id=amendment.plan_id, amendment_id=amendment.id, renewal=renewal, seal=_SEAL
        )

    def covers(self, plan: Plan) -> bool:
        """This plan, or the successor plan its renewal creates."""
        return plan.id == self.plan_id or (self.renewal and plan.predecessor_id == self.plan_id)


# --- the check ------------------------------------------------------------------------------

_CHANGES: Final = TypeAdapter(list[AmendmentChange])


def json_data(value: Any) -> Any:
    """Dates, UUIDs and enums as the JSON the API shows (values compare as the API sees them)."""
    return orjson.loads(dump_json(value))


def _changed(
    names: Iterable[str], changes: Mapping[str, Any], current: Mapping[str, Any]
) -> list[str]:
    return [
        name
        for name in names
        if name in changes and json_data(changes[name]) != json_data(current.get(name))
    ]


def _proposal(
    plan: Plan, title: Mapping[str, str], changes: list[dict[str, Any]]
) -> ProposalDraft | None:
    """The change set as the amendment schemas have it (None if they cannot express it)."""
    try:
        parsed = _CHANGES.validate_python(json_data(changes))
    except ValidationError:
        return None
    return ProposalDraft(
        plan_id=str(plan.id),
        title=dict(title),
        changes=_CHANGES.dump_python(parsed, mode="json", exclude_unset=True),
    )


def _names(fields: Collection[str], lang: str) -> str:
    separator = "、" if lang == "ja" else ", "
    return separator.join(_FIELD_NAMES.get(f, {}).get(lang, f) for f in fields)


def _change_title(subject: str, fields: Collection[str]) -> dict[str, str]:
    return {
        "en": f"{subject}: change of {_names(fields, 'en')}",
        "ja": f"{subject}：{_names(fields, 'ja')}の変更",
    }


def consent_required(*, actor: Actor, plan: Plan, consent: Consent | None) -> bool:
    """Whether a write of agreed content to this plan needs every party's consent now (the plan
    is in force, and neither the operator nor an applied amendment is writing)."""
    if actor.is_system or (consent is not None and consent.covers(plan)):
        return False
    return needs_consent(effective_status(plan))


def needs_consent(status: PlanStatus, *, shared: bool = True) -> bool:
    """Whether agreed content of a plan in this (effective) status changes only by every
    party's consent: on a plan in force. A draft is being negotiated (its writers change it
    directly); a closed plan takes no writes at all. A record internal to one party is that
    party's own business (`shared=False`): never a matter of consent."""
    return shared and status is PlanStatus.ACTIVE


# What the parties may be asked to consent to, by the plan's effective status: a draft only
# its coming into force, a plan in force a change, its termination or its renewal, an expired
# plan only its renewal; a superseded or terminated plan nothing more.
_CONSENTS_OPEN: Final[Mapping[PlanStatus, frozenset[ConsentKind]]] = {
    PlanStatus.DRAFT: frozenset({ConsentKind.ENTRY_INTO_FORCE}),
    PlanStatus.ACTIVE: frozenset(
        {ConsentKind.AMENDMENT, ConsentKind.TERMINATION, ConsentKind.RENEWAL}
    ),
    PlanStatus.EXPIRED: frozenset({ConsentKind.RENEWAL}),
}


def consents_open(status: PlanStatus) -> frozenset[ConsentKind]:
    """The kinds of consent a plan in this (effective) status can still be given."""
    return _CONSENTS_OPEN.get(status, frozenset())


def _require(
    *,
    actor: Actor,
    plan: Plan,
    fields: list[str],
    consent: Consent | None,
    what: str,
    proposal: Callable[[], ProposalDraft | None],
    lifecycle: bool = False,
    note: str = "",
) -> None:
    """Refuse the write unless it is free to make directly, or every party consented.

    Agreed content is free on a draft (it is being negotiated), except its coming into force
    (`lifecycle`); on an active plan it needs consent; a closed plan takes no writes at all.
    """
    if not fields or actor.is_system or (consent is not None and consent.covers(plan)):
        return
    status = effective_status(plan)
    if status is PlanStatus.DRAFT and not lifecycle:
        return
    ensure_plan_writable(plan)
    draft = proposal()
    how = (
        " Propose it as an amendment: the `proposal` of this problem is its change set, ready to "
        f"post to POST /api/v1/plans/{plan.id}/amendments with a rationale."
        if draft is not None
        else ""
    )
    raise AmendmentRequired(
        f"{what} needs the consent of every party of plan {plan.reference}: nothing was "
        f"changed.{how}{note}",
        agreed_fields=fields,
        proposal=draft,
    )


# --- plans ----------------------------------------------------------------------------------


def check_plan_update(
    *,
    actor: Actor,
    plan: Plan,
    changes: Mapping[str, Any],
    current: Mapping[str, Any],
    consent: Consent | None,
) -> None:
    """A direct update of a plan: its agreed fields (on an active plan) and its lifecycle."""
    new_status = changes.get("status")
    old_status = effective_status(plan)
    if new_status is not None and PlanStatus(new_status) is not PlanStatus(plan.status):
        _check_plan_status(
            actor=actor,
            plan=plan,
            new=PlanStatus(new_status),
            old=old_status,
            approval_date=changes.get("approval_date", plan.approval_date),
            consent=consent,
        )
    fields = _changed(PLAN_AGREED_CHANGES, changes, current)

    def proposal() -> ProposalDraft | None:
        ops: list[dict[str, Any]] = []
        texts: dict[str, Any] = {
            n: changes[n] for n in ("title", "sections", "objectives", "lead_texts") if n in fields
        }
        if texts:
            ops.append({"op": "change_text", **texts})
        if "term_months" in fields:
            ops.append({"op": "change_term", "term_months": changes["term_months"]})
        if "review_interval_months" in fields:
            ops.append(
                {
                    "op": "change_review_interval",
                    "review_interval_months": changes["review_interval_months"],
                }
            )
        if "approval_date" in fields:
            ops.append({"op": "change_approval_date", "approval_date": changes["approval_date"]})
        if "predecessor_id" in fields:
            ops.append({"op": "change_predecessor", "predecessor_id": changes["predecessor_id"]})
        if "progress_updates_need_confirmation" in fields:
            ops.append(
                {
                    "op": "change_progress_updates_confirmation",
                    "progress_updates_need_confirmation": changes[
                        "progress_updates_need_confirmation"
                    ],
                }
            )
        return _proposal(plan, _change_title(plan.reference, fields), ops)

    _require(
        actor=actor,
        plan=plan,
        fields=fields,
        consent=consent,
        what=f"Changing the {_names(fields, 'en')} of an active plan",
        proposal=proposal,
    )


def _check_plan_status(
    *,
    actor: Actor,
    plan: Plan,
    new: PlanStatus,
    old: PlanStatus,
    approval_date: Any,
    consent: Consent | None,
) -> None:
    """Coming into force and ending an agreed plan are consents; abandoning a draft is not."""
    if old is PlanStatus.DRAFT and new is not PlanStatus.ACTIVE:
        return
    if old is PlanStatus.DRAFT:

        def proposal() -> ProposalDraft | None:
            if approval_date is None:
                return None
            return _proposal(
                plan,
                {"en": f"Bringing {plan.reference} into force", "ja": f"{plan.reference} の発効"},
                [{"op": "bring_into_force", "approval_date": approval_date}],
            )

        _require(
            actor=actor,
            plan=plan,
            fields=["status"],
            consent=consent,
            what="Bringing a plan into force",
            proposal=proposal,
            lifecycle=True,
        )
        return
    if new is PlanStatus.TERMINATED:

        def termination() -> ProposalDraft | None:
            return _proposal(
                plan,
                {"en": f"Termination of {plan.reference}", "ja": f"{plan.reference} の終了"},
                [{"op": "terminate"}],
            )

        _require(
            actor=actor,
            plan=plan,
            fields=["status"],
            consent=consent,
            what="Ending a plan in force",
            proposal=termination,
        )
        return
    # Superseded: only a renewal, which names the successor's reference.
    _require(
        actor=actor,
        plan=plan,
        fields=["status"],
        consent=consent,
        what="Superseding a plan (it happens when every party approves a renewal: propose one "
        "with the operation `renew`)",
        proposal=lambda: None,
    )


# --- priority areas -------------------------------------------------------------------------


def check_area_create(
    *, actor: Actor, plan: Plan, data: Mapping[str, Any], consent: Consent | None
) -> None:
    """A new priority area."""

    def proposal() -> ProposalDraft | None:
        title = data.get("title") or {}
        return _proposal(
            plan,
            {
                "en": f"New priority area {data.get('code')}: {title.get('en', '')}".rstrip(": "),
                "ja": f"優先分野 {data.get('code')} の追加",
            },
            [{"op": "add_priority_area", "priority_area": dict(data)}],
        )

    _require(
        actor=actor,
        plan=plan,
        fields=["existence"],
        consent=consent,
        what="Adding a priority area to an active plan",
        proposal=proposal,
    )


def check_area_update(
    *,
    actor: Actor,
    plan: Plan,
    area_id: uuid.UUID,
    code: str,
    changes: Mapping[str, Any],
    current: Mapping[str, Any],
    consent: Consent | None,
) -> None:
    """Changes to a priority area's codes or texts (its translation state alone is free)."""
    fields = _changed(AREA_DEFINITION, changes, current)

    def proposal() -> ProposalDraft | None:
        return _proposal(
            plan,
            _change_title(code, fields),
            [
                {
                    "op": "modify_priority_area",
                    "priority_area_id": area_id,
                    "changes": {name: changes[name] for name in fields},
                }
            ],
        )

    _require(
        actor=actor,
        plan=plan,
        fields=fields,
        consent=consent,
        what=f"Changing the {_names(fields, 'en')} of priority area {code}",
        proposal=proposal,
    )


def check_area_order(
    *,
    actor: Actor,
    plan: Plan,
    order: list[uuid.UUID],
    current: list[uuid.UUID],
    consent: Consent | None,
) -> None:
    """A new order of the priority areas."""

    def proposal() -> ProposalDraft | None:
        return _proposal(
            plan,
            {
                "en": f"{plan.reference}: new order of the priority areas",
                "ja": f"{plan.reference}：優先分野の順序の変更",
            },
            [{"op": "reorder_priority_areas", "priority_area_ids": order}],
        )

    _require(
        actor=actor,
        plan=plan,
        fields=["position"] if order != current else [],
        consent=consent,
        what="Reordering the priority areas of an active plan",
        proposal=proposal,
    )


def check_area_retire(
    *, actor: Actor, plan: Plan, area_id: uuid.UUID, code: str, consent: Consent | None
) -> None:
    """Retiring a priority area."""
    _require(
        actor=actor,
        plan=plan,
        fields=["existence"],
        consent=consent,
        what=f"Retiring priority area {code}",
        proposal=lambda: _proposal(
            plan,
            {"en": f"Retirement of priority area {code}", "ja": f"優先分野 {code} の廃止"},
            [{"op": "retire_priority_area", "priority_area_id": area_id}],
        ),
    )


# --- commitments ----------------------------------------------------------------------------

_CANCELLED = CommitmentStatus.CANCELLED.value
_SHARED = Visibility.SHARED.value


def _add_commitment(definition: Mapping[str, Any]) -> dict[str, Any]:
    """An add_commitment operation of a commitment's definition (the fields it may carry)."""
    keep = (*COMMITMENT_DEFINITION, "reference", "is_example", "milestones", "source_languages")
    return {
        "op": "add_commitment",
        "commitment": {k: v for k, v in definition.items() if k in keep and v is not None},
    }


def check_commitment_create(
    *, actor: Actor, plan: Plan, data: Mapping[str, Any], consent: Consent | None
) -> None:
    """A new commitment: a shared one joins what the parties agreed."""
    if str(data.get("visibility", _SHARED)) != _SHARED:
        return

    def proposal() -> ProposalDraft | None:
        title = data.get("title") or {}
        return _proposal(
            plan,
            {
                "en": f"New commitment: {title.get('en') or next(iter(title.values()), '')}",
                "ja": f"コミットメントの追加：{title.get('ja') or next(iter(title.values()), '')}",
            },
            [_add_commitment(data)],
        )

    delivery = sorted({"status", "progress"} & set(data))
    _require(
        actor=actor,
        plan=plan,
        fields=["existence"],
        consent=consent,
        what="Adding a shared commitment to an active plan",
        proposal=proposal,
        note=f" The proposal leaves out {' and '.join(delivery)}: a commitment the parties add "
        "starts planned, at 0 %; report its delivery once it is agreed."
        if delivery
        else "",
    )


def check_commitment_update(
    *,
    actor: Actor,
    plan: Plan,
    commitment_id: uuid.UUID,
    reference: str,
    changes: Mapping[str, Any],
    current: Mapping[str, Any],
    consent: Consent | None,
) -> None:
    """Changes to a commitment: its definition, its sharing, its retirement (by status)."""
    shared = str(current.get("visibility")) == _SHARED
    becomes = str(changes.get("visibility", current.get("visibility")))
    merged = {**current, **changes}
    if not shared:
        if becomes != _SHARED:
            return

        def share() -> ProposalDraft | None:
            return _proposal(
                plan,
                {
                    "en": f"Sharing {reference} as a new commitment",
                    "ja": f"{reference} の共有（コミットメントの追加）",
                },
                [_add_commitment({**merged, "reference": None})],
            )

        _require(
            actor=actor,
            plan=plan,
            fields=["visibility"],
            consent=consent,
            what=f"Sharing internal commitment {reference} (it would join what the parties agreed)",
            proposal=share,
        )
        return
    fields = _changed(COMMITMENT_DEFINITION, changes, current)
    if becomes != _SHARED:
        fields.append("visibility")
    old_status, new_status = str(current.get("status")), str(merged.get("status"))
    retiring = new_status == _CANCELLED and old_status != _CANCELLED
    reinstating = old_status == _CANCELLED and new_status != _CANCELLED
    if retiring or reinstating:
        fields.append("existence")

    def proposal() -> ProposalDraft | None:
        if reinstating:
            return _proposal(
                plan,
                {
                    "en": f"Reinstating {reference} as a new commitment",
                    "ja": f"{reference} の再開（コミットメントの追加）",
                },
                [_add_commitment({**merged, "reference": None})],
            )
        ops: list[dict[str, Any]] = []
        definition = [f for f in fields if f in COMMITMENT_DEFINITION]
        if definition:
            ops.append(
                {
                    "op": "modify_commitment",
                    "commitment_id": commitment_id,
                    "changes": {name: changes[name] for name in definition},
                }
            )
        if retiring or "visibility" in fields:
            # A shared commitment leaves the agreement only by being retired.
            ops.append({"op": "retire_commitment", "commitment_id": commitment_id})
        if not definition:
            return _proposal(
                plan, {"en": f"Retirement of {reference}", "ja": f"{reference} の廃止"}, ops
            )
        return _proposal(plan, _change_title(reference, fields), ops)

    _require(
        actor=actor,
        plan=plan,
        fields=fields,
        consent=consent,
        what=f"Changing the {_names(fields, 'en')} of shared commitment {reference}",
        proposal=proposal,
    )


def check_commitment_cancel(
    *,
    actor: Actor,
    plan: Plan,
    commitment_id: uuid.UUID,
    reference: str,
    visibility: str,
    consent: Consent | None,
) -> None:
    """Cancelling a commitment: for a shared one, retiring it from the agreement."""
    if visibility != _SHARED:
        return
    _require(
        actor=actor,
        plan=plan,
        fields=["existence"],
        consent=consent,
        what=f"Retiring shared commitment {reference}",
        proposal=lambda: _proposal(
            plan,
            {"en": f"Retirement of {reference}", "ja": f"{reference} の廃止"},
            [{"op": "retire_commitment", "commitment_id": commitment_id}],
        ),
    )


# --- imports --------------------------------------------------------------------------------


def check_plan_import(
    *, actor: Actor, plans: Iterable[tuple[str, PlanStatus]], versions: int, consents: int
) -> None:
    """A whole plan comes in through the API only as a draft: a plan in force (or a predecessor
    that was) carries every party's consent, which only the operator imports (`itpp import
    json`, from an export that records the consents)."""
    if actor.is_system:
        return
    agreed_plans = [reference for reference, status in plans if status is not PlanStatus.DRAFT]
    if agreed_plans or versions or consents:
        named = ", ".join(agreed_plans) or "the plan"
        raise Forbidden(
            f"The export records what the parties agreed ({named}: in force, ended, or with "
            "versions and applied amendments). Through the API a plan comes in as a draft, to be "
            "brought into force by every party's approval; an operator imports a plan in force "
            "with `itpp import json` on the server."
        )


# --- versions hold agreed content only --------------------------------------------------------

# What a version's snapshot keeps of each record besides its agreed fields.
_PLAN_CARRIED: Final = ("id", "parties", "expiry_date", "translations")
_AREA_CARRIED: Final = ("id", "plan_id", "translations")
_COMMITMENT_CARRIED: Final = ("id", "plan_id", "priority_area_code", "translations")


def _keep(record: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: record[name] for name in names if name in record}


def agreed_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A plan version's snapshot as agreed content only: the plan's agreed fields, its priority
    areas, and its shared commitments' definitions with whether each is retired.

    Works on snapshots recorded before versions were limited to agreed content too (their
    delivery fields and internal commitments are dropped), so every version reads alike.
    """
    plan = snapshot.get("plan", {})
    commitments = []
    for commitment in snapshot.get("commitments", []):
        if commitment.get("visibility", _SHARED) != _SHARED:
            continue
        kept = _keep(commitment, (*_COMMITMENT_CARRIED, *agreed(COMMITMENT)))
        kept.pop("visibility", None)
        kept["retired"] = bool(commitment.get("retired")) or commitment.get("status") == _CANCELLED
        commitments.append(kept)
    return {
        "plan": _keep(plan, (*_PLAN_CARRIED, *agreed(PLAN))),
        "priority_areas": [
            _keep(area, (*_AREA_CARRIED, *agreed(PRIORITY_AREA)))
            for area in snapshot.get("priority_areas", [])
        ],
        "commitments": commitments,
    }


def without_translations(value: Any) -> Any:
    """JSON data without the translation bookkeeping (it follows the texts it is about)."""
    if isinstance(value, dict):
        return {k: without_translations(v) for k, v in value.items() if k != "translations"}
    if isinstance(value, list):
        return [without_translations(v) for v in value]
    return value


def digest(snapshot: Mapping[str, Any]) -> str:
    """A fingerprint of the agreed content of a snapshot (translation bookkeeping left out):
    an approval is given to exactly this content."""
    content = without_translations(json_data(agreed_snapshot(snapshot)))
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
