"""Progress updates: recording a dated report on a commitment, counting it (through the
commitment's own update path), confirming it where the plan asks for that, and reading the
timeline. Every read goes through `policy`: an update is seen exactly when its commitment is.

An update that counts sets the commitment's status and progress with
`commitments.service.update_commitment` — the same rules, version bump, audit event and live
event as a direct PATCH — unless a counted update with a later as-of date exists (an update
dated earlier joins the timeline without turning the commitment back).
"""

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from itpp_api.attachments import service as attachments
from itpp_api.attachments.models import AttachmentParent
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action
from itpp_api.clock import today
from itpp_api.commitments import service as commitments
from itpp_api.commitments.models import Commitment
from itpp_api.commitments.schemas import CommitmentUpdate
from itpp_api.db import table_of, utcnow
from itpp_api.enums import CommitmentStatus, ProgressUpdateState, Visibility
from itpp_api.errors import Conflict, FieldError, RuleViolation
from itpp_api.localized import record_translations, translations_view
from itpp_api.pagination import SortOrder, apply_keyset, trim_page
from itpp_api.plans.lifecycle import ensure_plan_writable
from itpp_api.plans.models import Plan
from itpp_api.updates.models import ProgressUpdate
from itpp_api.updates.schemas import MAX_BACKDATE_DAYS, ProgressUpdateCreate
from itpp_api.users import service as users
from itpp_api.wire import make_etag

_U = table_of(ProgressUpdate).c
_C = table_of(Commitment).c
# The states in which an update counts (sets the commitment's status and progress).
COUNTED = (ProgressUpdateState.RECORDED.value, ProgressUpdateState.CONFIRMED.value)
_TIMELINE = SortOrder(
    name="-as_of_date", key=_U.as_of_date, id_column=_U.id, descending=True, key_type=date
)


def update_etag(update: ProgressUpdate) -> str:
    return make_etag(update.id, update.row_version)


def _owner(commitment: Commitment) -> uuid.UUID | None:
    """The party events about this commitment's updates are restricted to, if it is internal."""
    return commitment.lead_party_id if commitment.visibility == Visibility.INTERNAL.value else None


def get_update(
    *,
    session: Session,
    actor: Actor,
    update_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Plan, Commitment, ProgressUpdate]:
    """An update the actor may `action`, with its commitment and plan; NotFound, exactly like an
    unknown id, when its commitment is not theirs to see."""
    return commitments.load_of_commitment(
        session=session,
        actor=actor,
        model=ProgressUpdate,
        record_id=update_id,
        noun="progress update",
        action=action,
        for_update=for_update,
    )


def _check_as_of(plan: Plan, as_of: date) -> None:
    on = today()
    problem = None
    if as_of > on:
        problem = "An update reports what has happened: its as-of date cannot be in the future."
    elif as_of < on - timedelta(days=MAX_BACKDATE_DAYS):
        problem = f"An update can be dated at most {MAX_BACKDATE_DAYS} days back."
    elif plan.approval_date is not None and as_of < plan.approval_date:
        problem = (
            f"The as-of date is before plan {plan.reference} came into force "
            f"({plan.approval_date.isoformat()})."
        )
    if problem is not None:
        raise RuleViolation(
            problem,
            errors=[FieldError(loc=["body", "as_of_date"], msg=problem, type="as_of_out_of_range")],
        )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    update: ProgressUpdate,
    commitment: Commitment,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity_type="progress_update",
        entity_id=update.id,
        plan_id=update.plan_id,
        owner_party_id=_owner(commitment),
        subject_id=commitment.id,
        before=before,
        after=after,
    )


def _newer_counted(session: Session, update: ProgressUpdate) -> bool:
    """Whether another counted update of the commitment has a later as-of date (or the same
    date, posted later): then this one does not set the commitment's current state."""
    statement = select(ProgressUpdate.id).where(
        ProgressUpdate.commitment_id == update.commitment_id,
        ProgressUpdate.id != update.id,
        col(ProgressUpdate.state).in_(COUNTED),
        or_(
            col(ProgressUpdate.as_of_date) > update.as_of_date,
            and_(
                col(ProgressUpdate.as_of_date) == update.as_of_date,
                col(ProgressUpdate.created_at) > update.created_at,
            ),
        ),
    )
    return session.scalars(statement.limit(1)).first() is not None


def _count(
    session: Session, actor: Actor, plan: Plan, commitment: Commitment, update: ProgressUpdate
) -> None:
    """Set the commitment's status and progress from the update, through the commitment's own
    update path (its rules, version, audit and live events)."""
    if _newer_counted(session, update):
        return
    if update.status == commitment.status and update.progress == commitment.progress:
        return
    commitments.update_commitment(
        session=session,
        actor=actor,
        plan=plan,
        commitment=commitment,
        data=CommitmentUpdate(status=CommitmentStatus(update.status), progress=update.progress),
    )


def _confirmed_by_poster(actor: Actor, commitment: Commitment) -> bool:
    """An approver of the lead party posting an update confirms it by posting it."""
    return policy.may_consent(actor) and actor.party_id == commitment.lead_party_id


def create_update(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    data: ProgressUpdateCreate,
) -> ProgressUpdate:
    """Record a progress update. It counts at once, or — on a plan whose updates need
    confirmation — stays pending until an approver of the lead party confirms it."""
    ensure_plan_writable(plan)
    if commitment.status == CommitmentStatus.CANCELLED.value:
        raise Conflict(
            f"Commitment {commitment.reference} is cancelled: it takes no progress updates."
        )
    as_of = data.as_of_date or today()
    _check_as_of(plan, as_of)
    pending = plan.progress_updates_need_confirmation and not actor.is_system
    confirmed = pending and _confirmed_by_poster(actor, commitment)
    now = utcnow()
    if not pending:
        state = ProgressUpdateState.RECORDED
    elif confirmed:
        state = ProgressUpdateState.CONFIRMED
    else:
        state = ProgressUpdateState.PENDING
    update = ProgressUpdate(
        plan_id=plan.id,
        commitment_id=commitment.id,
        as_of_date=as_of,
        status=data.status,
        progress=data.progress,
        narrative=data.narrative,
        translations=record_translations(
            None, {"narrative": data.narrative}, {}, source_languages=data.source_languages
        ),
        state=state,
        author_party_id=actor.party_id,
        created_by=actor.user_id,
        decided_by=actor.user_id if confirmed else None,
        decided_at=now if confirmed else None,
        created_at=now,
        updated_at=now,
    )
    session.add(update)
    session.flush()
    _audit(session, actor, "create", update, commitment, None, audit.audited(update))
    if state is not ProgressUpdateState.PENDING:
        _count(session, actor, plan, commitment, update)
    return update


def decide(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    update: ProgressUpdate,
    confirm: bool,
) -> ProgressUpdate:
    """Confirm (it counts now) or reject a pending update: an approver of the commitment's lead
    party only."""
    ensure_plan_writable(plan)
    policy.authorize_update_confirmation(actor, commitment.lead_party_id)
    if update.state != ProgressUpdateState.PENDING.value:
        raise Conflict(f"This progress update is {update.state}: only a pending one is decided.")
    if confirm and commitment.status == CommitmentStatus.CANCELLED.value:
        raise Conflict(
            f"Commitment {commitment.reference} was cancelled since: its updates no longer count."
        )
    before = {"state": update.state}
    update.state = ProgressUpdateState.CONFIRMED if confirm else ProgressUpdateState.REJECTED
    update.decided_by = actor.user_id
    update.decided_at = update.updated_at = utcnow()
    session.add(update)
    session.flush()
    _audit(
        session,
        actor,
        "confirm" if confirm else "reject",
        update,
        commitment,
        before,
        {"state": update.state},
    )
    if confirm:
        _count(session, actor, plan, commitment, update)
    return update


# --- reads ------------------------------------------------------------------------------------


def as_dicts(
    *,
    session: Session,
    actor: Actor,
    updates: list[ProgressUpdate],
    lead_party_ids: dict[uuid.UUID, uuid.UUID],
    actions: policy.PlanActions | None,
) -> list[dict[str, Any]]:
    """Updates → public dicts, with their evidence the actor sees (one query for all) and, given
    the reader's `actions` in the plan, what they may do with each. `lead_party_ids`: each
    update's commitment's lead party, by commitment id."""
    evidence = attachments.as_dicts_by_parent(
        session=session,
        actor=actor,
        parent_type=AttachmentParent.PROGRESS_UPDATE,
        parent_ids=[u.id for u in updates],
    )
    names = users.display_names(session, {u.created_by for u in updates if u.created_by})
    out = []
    for update in updates:
        out.append(
            {
                "id": update.id,
                "plan_id": update.plan_id,
                "commitment_id": update.commitment_id,
                "as_of_date": update.as_of_date,
                "status": update.status,
                "progress": update.progress,
                "narrative": update.narrative,
                "translations": translations_view(update.translations),
                "state": update.state,
                "counts": update.state in COUNTED,
                "author_party_id": update.author_party_id,
                "created_by": update.created_by,
                "created_by_name": names.get(update.created_by) if update.created_by else None,
                "created_at": update.created_at,
                "decided_by": update.decided_by,
                "decided_at": update.decided_at,
                "attachments": evidence.get(update.id, []),
                "etag": update_etag(update),
                "allowed_actions": actions.progress_update(
                    state=update.state, lead_party_id=lead_party_ids[update.commitment_id]
                )
                if actions is not None
                else (),
            }
        )
    return out


def update_as_dict(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    update: ProgressUpdate,
) -> dict[str, Any]:
    """The public representation of one update the actor sees."""
    return as_dicts(
        session=session,
        actor=actor,
        updates=[update],
        lead_party_ids={commitment.id: commitment.lead_party_id},
        actions=policy.PlanActions.of(actor, plan),
    )[0]


def list_updates(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    commitment: Commitment,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a commitment's timeline (the caller has looked the commitment up through the
    policy), newest as-of date first."""
    statement = apply_keyset(
        select(ProgressUpdate).where(ProgressUpdate.commitment_id == commitment.id),
        _TIMELINE,
        cursor,
        limit,
    )
    rows, next_cursor = trim_page(
        list(session.scalars(statement)),
        _TIMELINE,
        limit,
        lambda update: (update.as_of_date, update.id),
    )
    items = as_dicts(
        session=session,
        actor=actor,
        updates=rows,
        lead_party_ids={commitment.id: commitment.lead_party_id},
        actions=policy.PlanActions.of(actor, plan),
    )
    return items, next_cursor


def updates_since(
    *,
    session: Session,
    actor: Actor,
    commitment_ids: list[uuid.UUID],
    lead_party_ids: dict[uuid.UUID, uuid.UUID],
    dated_after: date | None,
    posted_after: datetime | None,
    posted_before: datetime | None,
    actions: policy.PlanActions | None,
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The updates (not rejected) of these commitments — which the caller has checked the actor
    sees — dated after `dated_after` or posted after `posted_after` (every one, if both are
    None), and posted before `posted_before` (if set), newest first, by commitment: in a fixed
    number of queries whatever their number."""
    if not commitment_ids:
        return {}
    statement = (
        select(ProgressUpdate)
        .join(Commitment, col(Commitment.id) == col(ProgressUpdate.commitment_id))
        .where(
            col(ProgressUpdate.commitment_id).in_(commitment_ids),
            ProgressUpdate.state != ProgressUpdateState.REJECTED.value,
        )
        .order_by(col(ProgressUpdate.as_of_date).desc(), col(ProgressUpdate.created_at).desc())
    )
    if not actor.is_system:
        statement = statement.where(policy.visible_commitments(_C, actor))
    since = [
        criterion
        for criterion in (
            col(ProgressUpdate.as_of_date) > dated_after if dated_after is not None else None,
            col(ProgressUpdate.created_at) > posted_after if posted_after is not None else None,
        )
        if criterion is not None
    ]
    if since:
        statement = statement.where(or_(*since))
    if posted_before is not None:
        statement = statement.where(col(ProgressUpdate.created_at) <= posted_before)
    rows = list(session.scalars(statement))
    by_commitment: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for body in as_dicts(
        session=session,
        actor=actor,
        updates=rows,
        lead_party_ids=lead_party_ids,
        actions=actions,
    ):
        by_commitment[body["commitment_id"]].append(body)
    return by_commitment
