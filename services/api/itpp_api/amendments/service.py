"""Amendments by mutual consent: proposing, deciding for one's own party, withdrawing.

An amendment is whatever the parties must consent to together (seed §4.2): a draft coming into
force, a change to the agreed content of a plan in force, its termination, its renewal. It
applies only when every party of the plan has approved it, in the transaction of the last
approval, which holds that consent (`agreement.Consent`) while the change set applies. Every
decision locks the plan row first (then the amendment), so two final approvals arriving at
once on different API processes queue: the second sees the first and the change set applies
exactly once. An approval is given to the agreed content as it was proposed: once the plan
has a newer version (or, for a draft, once its content changed), approving is refused.
"""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from itpp_api import agreement
from itpp_api.amendments import changeset
from itpp_api.amendments.currency import AgreedContent
from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.amendments.schemas import AmendmentCreate, AmendmentDecisionCreate
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.policy import Action
from itpp_api.db import table_of, utcnow
from itpp_api.enums import AmendmentStatus, ConsentKind, Decision, PlanStatus
from itpp_api.errors import (
    AmendmentOutdated,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    RuleViolation,
)
from itpp_api.localized import record_translations, translations_view
from itpp_api.notifications import service as notifications
from itpp_api.notifications.kinds import NotificationKind
from itpp_api.pagination import AnySelect, SortOrder, apply_keyset, next_cursor
from itpp_api.parties.models import Party
from itpp_api.plans import lifecycle
from itpp_api.plans import service as plans
from itpp_api.plans.models import Plan, PlanVersion
from itpp_api.reviews.models import ReviewCycle
from itpp_api.wire import make_etag

_AMENDMENT = table_of(Amendment).c
_SORT = SortOrder(
    name="-number",
    key=_AMENDMENT.number,
    id_column=_AMENDMENT.id,
    descending=True,
    key_type=int,
)
_DECISION_WORD = {Decision.APPROVE.value: "approved", Decision.REJECT.value: "rejected"}


# --- reading ------------------------------------------------------------------------------------


def amendment_etag(amendment: Amendment) -> str:
    return make_etag(amendment.id, amendment.row_version)


def as_dicts(
    *, session: Session, actor: Actor, plan: Plan, amendments: list[Amendment]
) -> list[dict[str, Any]]:
    """The public representation of a plan's amendments as the actor reads them (with what the
    actor may do with each), in a constant number of queries."""
    if not amendments:
        return []
    parties = plans.parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    decisions: dict[uuid.UUID, dict[uuid.UUID, AmendmentDecision]] = defaultdict(dict)
    for decision in session.scalars(
        select(AmendmentDecision).where(
            col(AmendmentDecision.amendment_id).in_([a.id for a in amendments])
        )
    ):
        decisions[decision.amendment_id][decision.party_id] = decision
    user_ids = {a.proposed_by for a in amendments if a.proposed_by} | {
        d.user_id for by_party in decisions.values() for d in by_party.values()
    }
    names: dict[uuid.UUID, str] = (
        dict(
            session.execute(
                select(User.id, User.display_name).where(col(User.id).in_(user_ids))
            ).all()
        )
        if user_ids
        else {}
    )
    agreed_now = AgreedContent(session, plan)
    current = agreed_now.version
    actions = policy.PlanActions.of(actor, plan)
    out = []
    for amendment in amendments:
        by_party = decisions.get(amendment.id, {})
        kind = changeset.kind_of(changeset.parse(amendment.changes))
        is_outdated = amendment.status == AmendmentStatus.PROPOSED.value and agreed_now.is_outdated(
            amendment
        )
        own = by_party.get(actor.party_id) if actor.party_id is not None else None
        out.append(
            {
                "id": amendment.id,
                "plan_id": amendment.plan_id,
                "number": amendment.number,
                "title": amendment.title,
                "rationale": amendment.rationale,
                "translations": translations_view(amendment.translations),
                "review_id": amendment.review_id,
                "changes": amendment.changes,
                "base_version": amendment.base_version,
                "current_version": current,
                "kind": kind.value,
                "is_outdated": is_outdated,
                "status": amendment.status,
                "proposed_by": amendment.proposed_by,
                "proposed_by_name": names.get(amendment.proposed_by)
                if amendment.proposed_by
                else None,
                "proposing_party_id": amendment.proposing_party_id,
                "decisions": [
                    _party_decision(party, by_party.get(party.id), names) for party in parties
                ],
                "applied_version": amendment.applied_version,
                "successor_plan_id": amendment.successor_plan_id,
                "decided_at": amendment.decided_at,
                "etag": amendment_etag(amendment),
                "created_at": amendment.created_at,
                "updated_at": amendment.updated_at,
                "allowed_actions": actions.amendment(
                    status=amendment.status,
                    kind=kind,
                    proposing_party_id=amendment.proposing_party_id,
                    own_decision=own.decision if own is not None else None,
                    is_outdated=is_outdated,
                ),
            }
        )
    return out


def _party_decision(
    party: Party, decision: AmendmentDecision | None, names: dict[uuid.UUID, str]
) -> dict[str, Any]:
    return {
        "party_id": party.id,
        "party_code": party.code,
        "decision": _DECISION_WORD[decision.decision] if decision else "pending",
        "decided_by": decision.user_id if decision else None,
        "decided_by_name": names.get(decision.user_id) if decision else None,
        "decided_at": decision.decided_at if decision else None,
        "note": decision.note if decision else None,
    }


def as_dict(*, session: Session, actor: Actor, plan: Plan, amendment: Amendment) -> dict[str, Any]:
    return as_dicts(session=session, actor=actor, plan=plan, amendments=[amendment])[0]


def consent_record(*, session: Session, plan: Plan) -> list[dict[str, Any]]:
    """Every consent applied to the plan, oldest first: its coming into force (for a successor,
    the renewal of its predecessor that created it), its amendments, its termination or
    renewal — each with who approved it for each party and when.

    Two queries for the amendments and their decisions, one for the names: constant.
    """
    consents = list(
        session.scalars(
            select(Amendment)
            .where(
                (col(Amendment.plan_id) == plan.id) | (col(Amendment.successor_plan_id) == plan.id),
                col(Amendment.status) == AmendmentStatus.APPLIED.value,
            )
            .order_by(col(Amendment.decided_at), col(Amendment.number))
        )
    )
    if not consents:
        return []
    decisions: dict[uuid.UUID, list[AmendmentDecision]] = defaultdict(list)
    for decision in session.scalars(
        select(AmendmentDecision)
        .where(col(AmendmentDecision.amendment_id).in_([a.id for a in consents]))
        .order_by(col(AmendmentDecision.decided_at))
    ):
        decisions[decision.amendment_id].append(decision)
    parties = {
        p.id: p for p in plans.parties_of_plans(session=session, plan_ids=[plan.id])[plan.id]
    }
    user_ids = {d.user_id for found in decisions.values() for d in found}
    names: dict[uuid.UUID, str] = dict(
        session.execute(select(User.id, User.display_name).where(col(User.id).in_(user_ids))).all()
    )
    versions = dict(
        session.execute(
            select(PlanVersion.amendment_id, PlanVersion.number).where(
                PlanVersion.plan_id == plan.id, col(PlanVersion.amendment_id).is_not(None)
            )
        ).all()
    )
    out = []
    for amendment in consents:
        changes = changeset.parse(amendment.changes)
        kind = changeset.kind_of(changes)
        out.append(
            {
                "amendment_id": amendment.id,
                "plan_id": amendment.plan_id,
                "number": amendment.number,
                "kind": kind.value,
                # A successor came into force by its predecessor's renewal.
                "brought_into_force": kind is ConsentKind.ENTRY_INTO_FORCE
                or amendment.successor_plan_id == plan.id,
                "title": amendment.title,
                "rationale": amendment.rationale,
                "translations": translations_view(amendment.translations),
                "applied_at": amendment.decided_at,
                "version": versions.get(amendment.id),
                "successor_plan_id": amendment.successor_plan_id,
                "approvals": [
                    {
                        "party_id": d.party_id,
                        "party_code": parties[d.party_id].code if d.party_id in parties else "",
                        "decided_by": d.user_id,
                        "decided_by_name": names.get(d.user_id),
                        "decided_at": d.decided_at,
                        "note": d.note,
                    }
                    for d in decisions.get(amendment.id, [])
                    if d.decision == Decision.APPROVE.value
                ],
            }
        )
    return out


def list_amendments(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    status: list[AmendmentStatus] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the plan's amendments, newest first, optionally by status."""
    statement: AnySelect = core_select(
        Amendment, col(Amendment.number).label("sort_key"), col(Amendment.id).label("id")
    ).where(col(Amendment.plan_id) == plan.id)
    if status:
        statement = statement.where(col(Amendment.status).in_([s.value for s in status]))
    rows = list(session.execute(apply_keyset(statement, _SORT, cursor, limit)))
    page, cursor_out = next_cursor(rows, _SORT, limit, key_of="sort_key")
    amendments = [row[0] for row in page]
    return as_dicts(session=session, actor=actor, plan=plan, amendments=amendments), cursor_out


def get_amendment(
    *, session: Session, actor: Actor, amendment_id: uuid.UUID
) -> tuple[Plan, Amendment]:
    """An amendment of a plan the actor's party belongs to (404 otherwise), with its plan."""
    return plans.load_in_plan(
        session=session, model=Amendment, record_id=amendment_id, actor=actor, noun="amendment"
    )


def _locked(
    session: Session, actor: Actor, amendment_id: uuid.UUID, action: Action
) -> tuple[Plan, list[uuid.UUID], Amendment]:
    """Lock the amendment's plan, then the amendment, reading both afresh; authorize `action`.

    Every decision and withdrawal takes the locks in this order, so they queue per plan.
    """
    missing = NotFound(f"No amendment with id {amendment_id}.")
    plan_id = session.scalar(
        select(Amendment.plan_id).where(
            Amendment.id == amendment_id,
            policy.in_party_plans(table_of(Amendment).c.plan_id, actor),
        )
    )
    if plan_id is None:
        raise missing
    plan = session.scalars(
        select(Plan)
        .where(Plan.id == plan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    party_ids = plans.plan_party_ids(session=session, plan_id=plan.id)
    try:
        policy.require_plan_not_deleted(plan.id, plan.deleted_at is not None)
        policy.authorize_plan(actor, party_ids, action, plan_id=plan.id)
    except NotFound:
        raise missing from None
    amendment = session.scalars(
        select(Amendment)
        .where(Amendment.id == amendment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return plan, party_ids, amendment


# --- proposing ----------------------------------------------------------------------------------


def _ensure_open_to_amendment(plan: Plan, renewal: bool) -> None:
    """Drafts (to come into force) and plans in force take amendments; an expired plan only a
    renewal; a superseded or terminated one none (which operation fits which plan is for
    changeset.validate to say)."""
    status = lifecycle.effective_status(plan)
    if status in (PlanStatus.ACTIVE, PlanStatus.DRAFT):
        return
    if renewal and status is PlanStatus.EXPIRED:
        return
    lifecycle.ensure_plan_writable(plan)


def propose(*, session: Session, actor: Actor, plan: Plan, data: AmendmentCreate) -> Amendment:
    """Record a proposed amendment; the plan is locked by the caller (writers of its parties).

    The change set is checked against the plan as it is now; base_version is its current
    version. Every party's approver must then approve it.
    """
    renewal = changeset.is_renewal(data.changes)
    _ensure_open_to_amendment(plan, renewal)
    if data.review_id is not None:
        review_plan = session.scalar(
            select(ReviewCycle.plan_id).where(ReviewCycle.id == data.review_id)
        )
        if review_plan != plan.id:
            raise RuleViolation(
                f"Plan {plan.reference} has no review {data.review_id}.",
                errors=[
                    FieldError(
                        loc=["body", "review_id"],
                        msg=f"no review {data.review_id} of this plan",
                        type="unknown_review",
                    )
                ],
            )
    changeset.validate(session=session, actor=actor, plan=plan, changes=data.changes)
    agreed_now = AgreedContent(session, plan)
    last = session.scalar(select(func.max(Amendment.number)).where(Amendment.plan_id == plan.id))
    amendment = Amendment(
        plan_id=plan.id,
        number=(last or 0) + 1,
        title=data.title,
        rationale=data.rationale,
        translations=record_translations(
            None,
            {"title": data.title, "rationale": data.rationale},
            {},
            source_languages=data.source_languages,
        ),
        review_id=data.review_id,
        changes=[op.model_dump(mode="json", exclude_unset=True) for op in data.changes],
        base_version=agreed_now.version,
        base_digest=agreed_now.digest(),
        status=AmendmentStatus.PROPOSED,
        proposed_by=actor.user_id,
        proposing_party_id=actor.party_id,
    )
    session.add(amendment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="propose",
        entity_type="amendment",
        entity_id=amendment.id,
        plan_id=plan.id,
        after={
            "number": amendment.number,
            "title": amendment.title,
            "base_version": amendment.base_version,
            "review_id": amendment.review_id,
            "changes": amendment.changes,
            "status": amendment.status,
        },
    )
    notifications.notify(
        session=session,
        actor=actor,
        plan=plan,
        kind=NotificationKind.AMENDMENT_PROPOSED,
        subject=notifications.amendment_subject(amendment),
    )
    return amendment


# --- deciding -----------------------------------------------------------------------------------


def _touch(session: Session, amendment: Amendment) -> None:
    amendment.updated_at = utcnow()
    session.add(amendment)


def decide(
    *, session: Session, actor: Actor, amendment_id: uuid.UUID, data: AmendmentDecisionCreate
) -> tuple[Plan, Amendment]:
    """Record the approver's decision for their own party.

    Repeating the decision the party already gave changes nothing. A rejection ends the
    amendment; the approval that completes every party's consent applies the change set and
    records the plan's next version, in this transaction. Approving an amendment whose base
    version is no longer current is refused (409): it must be proposed again.
    """
    # The policy's consent rule, once: an approver of one of the plan's parties.
    plan, party_ids, amendment = _locked(session, actor, amendment_id, Action.CONSENT)
    if actor.party_id is None:
        raise Forbidden("Consent is given by an approver of a party; the system has no party.")
    # The party is never taken from the request: an approver decides for their own party only.
    party_id = actor.party_id
    existing = session.scalars(
        select(AmendmentDecision).where(
            AmendmentDecision.amendment_id == amendment.id,
            AmendmentDecision.party_id == party_id,
        )
    ).first()
    if existing is not None and existing.decision == data.decision.value:
        return plan, amendment
    if amendment.status != AmendmentStatus.PROPOSED.value:
        raise Conflict(
            f"Amendment {amendment.number} is {amendment.status}: its decisions are final."
        )
    if data.decision is Decision.APPROVE:
        _ensure_open_to_amendment(plan, changeset.is_renewal(changeset.parse(amendment.changes)))
        agreed_now = AgreedContent(session, plan)
        if agreed_now.is_outdated(amendment):
            raise AmendmentOutdated(
                f"What amendment {amendment.number} changes in plan {plan.reference} has "
                f"changed since it was proposed (against version {amendment.base_version}; the "
                f"plan is at version {agreed_now.version}): an approval is given to the change "
                "as proposed. Withdraw it and propose it again for the plan as it is now."
            )
    assert actor.user_id is not None
    now = utcnow()
    before: dict[str, Any] | None = {"decision": existing.decision} if existing else None
    if existing is None:
        existing = AmendmentDecision(
            amendment_id=amendment.id,
            party_id=party_id,
            decision=data.decision,
            user_id=actor.user_id,
            note=data.note,
            decided_at=now,
        )
    else:
        existing.decision = data.decision
        existing.user_id = actor.user_id
        existing.note = data.note
        existing.decided_at = now
    session.add(existing)
    after: dict[str, Any] = {
        "party_id": party_id,
        "decision": data.decision.value,
        "note": data.note,
    }
    if data.decision is Decision.REJECT:
        # A rejection ends the amendment: one event records both.
        before = {**(before or {}), "status": amendment.status}
        after["status"] = AmendmentStatus.REJECTED.value
        amendment.status = AmendmentStatus.REJECTED
        amendment.decided_at = now
    _touch(session, amendment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action=data.decision.value,
        entity_type="amendment",
        entity_id=amendment.id,
        plan_id=plan.id,
        before=before,
        after=after,
    )
    notifications.notify(
        session=session,
        actor=actor,
        plan=plan,
        kind=NotificationKind.AMENDMENT_DECIDED,
        subject=notifications.amendment_subject(amendment),
        decision=data.decision.value,
    )
    if data.decision is Decision.REJECT:
        return plan, amendment
    approved = set(
        session.scalars(
            select(AmendmentDecision.party_id).where(
                AmendmentDecision.amendment_id == amendment.id,
                AmendmentDecision.decision == Decision.APPROVE.value,
            )
        )
    )
    if approved >= set(party_ids):
        changes = changeset.parse(amendment.changes)
        consent = agreement.Consent.of_amendment(
            session, amendment, renewal=changeset.is_renewal(changes)
        )
        result = changeset.apply(
            session=session, actor=actor, plan=plan, amendment=amendment, consent=consent
        )
        amendment.applied_version = result.version
        amendment.successor_plan_id = result.successor.id if result.successor else None
        _close(session, actor, plan, amendment, AmendmentStatus.APPLIED)
    return plan, amendment


def _close(
    session: Session, actor: Actor, plan: Plan, amendment: Amendment, status: AmendmentStatus
) -> None:
    """Applied or withdrawn, with its audit event (a rejection is recorded with the decision)."""
    before = {"status": amendment.status}
    amendment.status = status
    amendment.decided_at = utcnow()
    _touch(session, amendment)
    session.flush()
    after: dict[str, Any] = {"status": amendment.status}
    if status is AmendmentStatus.APPLIED:
        after |= {
            "applied_version": amendment.applied_version,
            "successor_plan_id": amendment.successor_plan_id,
        }
    audit.record(
        session=session,
        actor=actor,
        action="apply" if status is AmendmentStatus.APPLIED else "withdraw",
        entity_type="amendment",
        entity_id=amendment.id,
        plan_id=plan.id,
        before=before,
        after=after,
    )


def withdraw(*, session: Session, actor: Actor, amendment_id: uuid.UUID) -> tuple[Plan, Amendment]:
    """The proposing party's writers take back an amendment nobody has decided yet.

    Withdrawing again changes nothing; an applied or rejected amendment stays as it is (409).
    """
    plan, _, amendment = _locked(session, actor, amendment_id, Action.WRITE)
    if not actor.is_system and actor.party_id != amendment.proposing_party_id:
        raise Forbidden("Only the party that proposed an amendment can withdraw it.")
    if amendment.status == AmendmentStatus.WITHDRAWN.value:
        return plan, amendment
    if amendment.status != AmendmentStatus.PROPOSED.value:
        raise Conflict(
            f"Amendment {amendment.number} is {amendment.status}: it can no longer be withdrawn."
        )
    _close(session, actor, plan, amendment, AmendmentStatus.WITHDRAWN)
    return plan, amendment
