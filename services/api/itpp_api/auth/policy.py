"""The access policy, in one place: who may do what to which record.

Every service asks here before it reads or writes; routers never decide. The rules
(DESIGN.md §3 and the access-control issue):

- viewers read; editors, approvers and admins also write the records of plans their party
  belongs to; only approvers give or refuse consent and sign-offs, and only for their own
  party; admins manage their own party's users; parties and organisations are managed by
  admins.
- a plan and everything in it is invisible (404) to users of parties outside the plan;
  records with visibility `internal` are invisible (404) to every party but their owner.
- read-only tokens never write; a token that may only enrol a second factor does nothing else.

The same rules, asked the other way round, say what a reader may do with each record it gets
(`PlanActions`, the records' `allowed_actions`): clients show those controls and no others.
"""

import uuid
from collections.abc import Collection, Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from itpp_api import agreement
from itpp_api.auth.actor import Actor
from itpp_api.enums import (
    AllowedAction,
    AmendmentStatus,
    CommitmentStatus,
    ConsentKind,
    Decision,
    ExchangeStatus,
    PlanStatus,
    ProgressUpdateState,
    ReviewStatus,
    Role,
    TokenScope,
    Visibility,
)
from itpp_api.errors import Forbidden, NotFound, PlanNotDeletable
from itpp_api.plans.lifecycle import CLOSED_STATUSES, effective_status
from itpp_api.plans.models import Plan, PlanParty

WRITER_ROLES = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    CONSENT = "consent"
    MANAGE_USERS = "manage_users"
    MANAGE_REFERENCE_DATA = "manage_reference_data"


def _require_full_token(actor: Actor) -> None:
    if actor.scope is TokenScope.ENROL_TOTP:
        raise Forbidden(
            "Set up your second factor first (POST /api/v1/users/me/totp), then sign in again."
        )


def _require_write_token(actor: Actor) -> None:
    _require_full_token(actor)
    if actor.scope is not TokenScope.READ_WRITE:
        raise Forbidden("This token is read-only.")


def require_signed_in(actor: Actor) -> None:
    """Any full token may read what its party may see."""
    _require_full_token(actor)


def authorize_own_account(actor: Actor, *, enrolment: bool = False) -> None:
    """Changes to one's own account need a full read-write token.

    A read-only API token never changes its owner's account; a token that may only enrol a
    second factor may do exactly that (`enrolment=True`) and nothing else.
    """
    if actor.is_system:
        return
    if enrolment and actor.scope is TokenScope.ENROL_TOTP:
        return
    _require_write_token(actor)


def no_plan(plan_id: uuid.UUID) -> NotFound:
    """The one answer for a plan the caller may not see: exactly an unknown id's, whether the plan
    does not exist, was deleted, or belongs to other parties (promise 2: no inference from the
    message)."""
    return NotFound(f"No plan with id {plan_id}.")


def authorize_plan(
    actor: Actor, plan_party_ids: Collection[uuid.UUID], action: Action, *, plan_id: uuid.UUID
) -> None:
    """May the actor do `action` on the plan `plan_id` (or a record in it) whose parties are
    given? A plan of other parties is missing exactly like an unknown id (`no_plan`)."""
    if actor.is_system:
        return
    _require_full_token(actor)
    if actor.party_id not in plan_party_ids:
        raise no_plan(plan_id)
    if action is Action.READ:
        return
    _require_write_token(actor)
    if action is Action.WRITE:
        if actor.role not in WRITER_ROLES:
            raise Forbidden("Your role can read this plan but not change it.")
        return
    if action is Action.CONSENT:
        if actor.role is not Role.APPROVER:
            raise Forbidden("Only an approver can give or refuse consent for a party.")
        return
    raise Forbidden("Not allowed.")


def authorize_new_plan(actor: Actor, party_ids: Collection[uuid.UUID]) -> None:
    """A plan is created by a writer of one of its own parties."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role not in WRITER_ROLES:
        raise Forbidden("Your role cannot create plans.")
    if actor.party_id not in party_ids:
        raise Forbidden("You can only create a plan your own party is a party to.")


def authorize_plan_import(
    actor: Actor, party_ids: Collection[uuid.UUID], acting_party_ids: Collection[uuid.UUID]
) -> None:
    """A whole plan is imported by a writer of one of its parties, and only with the acts of
    the caller's own party: another party's sign-offs, assessments, decisions, proposals and
    internal records come in only through the command line (the system)."""
    authorize_new_plan(actor, party_ids)
    if actor.is_system:
        return
    others = set(acting_party_ids) - {actor.party_id}
    if others:
        raise Forbidden(
            "The export records acts or internal records of another party (sign-offs, "
            "assessments, decisions, proposals): only an operator can import it, with "
            "`itpp import json` on the server."
        )


def authorize_consent_for(actor: Actor, party_id: uuid.UUID) -> None:
    """Consent and sign-off are given for the actor's own party, by its approver, only."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role is not Role.APPROVER:
        raise Forbidden("Only an approver can give or refuse consent for a party.")
    if actor.party_id != party_id:
        raise Forbidden("You can only act for your own party.")


def authorize_update_confirmation(actor: Actor, lead_party_id: uuid.UUID) -> None:
    """A pending progress update is confirmed (or rejected) by an approver of the commitment's
    lead party, for that party only."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role is not Role.APPROVER or actor.party_id != lead_party_id:
        raise Forbidden(
            "Only an approver of the commitment's lead party can confirm or reject its progress "
            "updates."
        )


def can_see(actor: Actor, visibility: str, owner_party_id: uuid.UUID | None) -> bool:
    """Whether a record of this visibility and owner exists for the actor."""
    if actor.is_system or visibility == Visibility.SHARED.value:
        return True
    return owner_party_id is not None and owner_party_id == actor.party_id


def require_visible(
    actor: Actor, visibility: str, owner_party_id: uuid.UUID | None, what: str
) -> None:
    """404 for records internal to another party: as if they did not exist."""
    if not can_see(actor, visibility, owner_party_id):
        raise NotFound(f"No such {what}.")


def authorize_internal_owner(actor: Actor, visibility: str, owner_party_id: uuid.UUID) -> None:
    """Only a party's own users may make a record internal to that party."""
    if actor.is_system or visibility != Visibility.INTERNAL.value:
        return
    if owner_party_id != actor.party_id:
        raise Forbidden("A record can only be made internal to your own party.")


def authorize_manage_users(actor: Actor, party_id: uuid.UUID) -> None:
    """Admins manage the users of their own party."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can manage users.")
    if actor.party_id != party_id:
        raise Forbidden("Admins manage the users of their own party only.")


def authorize_manage_user(actor: Actor, user_id: uuid.UUID, party_id: uuid.UUID) -> None:
    """Admins change the other users of their own party. Their own account they change only
    through the self-service routes, which ask for the current password (and one-time code):
    a stolen admin token cannot reset its owner's password or second factor."""
    authorize_manage_users(actor, party_id)
    if not actor.is_system and actor.user_id == user_id:
        raise Forbidden(
            "Admins cannot use the user-management routes on their own account: change your "
            "password with POST /api/v1/users/me/password (with your current password) and "
            "your second factor with POST /api/v1/users/me/totp; another admin of your party "
            "resets them if you have lost them."
        )


def authorize_list_users(actor: Actor) -> None:
    """Admins list their own party's users."""
    if actor.is_system:
        return
    _require_full_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can list users.")


def authorize_reference_data(actor: Actor, party_id: uuid.UUID | None = None) -> None:
    """Parties are created by admins; an organisation is added or edited by an admin of its
    party (organisations are reference data every signed-in user reads: another party's is
    refused with 403, not hidden)."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can manage parties and organisations.")
    if party_id is not None and actor.party_id != party_id:
        raise Forbidden("Admins manage the organisations of their own party only.")


def organisation_actions(actor: Actor, party_id: uuid.UUID) -> tuple[str, ...]:
    """What the caller may do with one organisation (`update`: its names and code), by the
    same check as the route."""
    if not _allowed(lambda: authorize_reference_data(actor, party_id)):
        return ()
    return _listed([AllowedAction.UPDATE])


def authorize_manage_webhooks(actor: Actor, *, write: bool) -> None:
    """A party's webhook endpoints, and what was sent to them, are its admins' to read and
    manage (writes with a read-write token)."""
    if actor.is_system:
        return
    if write:
        _require_write_token(actor)
    else:
        _require_full_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can manage webhooks.")


def authorize_verify_audit_chain(actor: Actor) -> None:
    """A party's admins may run the audit chain's verification (it reads every event, so it
    is not for every reader; it reports only whether the chain holds and where it breaks)."""
    if actor.is_system:
        return
    _require_full_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can verify the audit chain.")


def _allowed(check: Any) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


def account_actions(actor: Actor) -> tuple[str, ...]:
    """What the signed-in user's account may do across the service (`allowed_actions` of
    GET /users/me), by the same checks as the routes themselves."""
    if actor.is_system or actor.party_id is None:
        return ()
    party = actor.party_id
    return _listed(
        action
        for action, check in (
            (AllowedAction.MANAGE_USERS, lambda: authorize_manage_users(actor, party)),
            (AllowedAction.MANAGE_ORGANISATIONS, lambda: authorize_reference_data(actor, party)),
            (AllowedAction.MANAGE_WEBHOOKS, lambda: authorize_manage_webhooks(actor, write=True)),
            (AllowedAction.VERIFY_AUDIT_CHAIN, lambda: authorize_verify_audit_chain(actor)),
        )
        if _allowed(check)
    )


def user_actions(
    actor: Actor, user_id: uuid.UUID, party_id: uuid.UUID, *, totp_enabled: bool
) -> tuple[str, ...]:
    """What an admin may do with one user of their party (never with their own account)."""
    if not _allowed(lambda: authorize_manage_user(actor, user_id, party_id)):
        return ()
    actions = [AllowedAction.UPDATE]
    if totp_enabled:
        actions.append(AllowedAction.RESET_SECOND_FACTOR)
    return _listed(actions)


def visible_party_filter(actor: Actor) -> uuid.UUID | None:
    """The party whose internal records the actor sees (None: the system sees all)."""
    return None if actor.is_system else actor.party_id


# --- the visibility filter, in SQL ---------------------------------------------------------------
# Every query of a record that has a visibility (commitments, exchanges) and of the audit events
# about them takes its criterion from here. The viewer's party is always the bound parameter
# VIEWER_PARTY, so a test can see that a query carries the filter (tests/api/test_one_filter.py),
# and a query that must read across parties says so with `unfiltered` (for the system's own
# bookkeeping, never for what a user is shown).

VIEWER_PARTY = "policy_viewer_party"
SHARED_ONLY = "policy_shared_only"
UNFILTERED = "policy_unfiltered"


def unfiltered(statement: Any, reason: str) -> Any:
    """Mark a query that reads records of every party on purpose (the system's bookkeeping, such
    as the next number of a reference series), never to show them to a user: the reason is
    kept with the statement, and the one-filter test accepts only queries that carry either
    the filter or this mark."""
    return statement.execution_options(**{UNFILTERED: reason})


def viewer_party(actor: Actor | None) -> BindParameter[Any]:
    """The viewer's party as the filter's bound parameter (its value set now, or, with None,
    supplied at execution under the name VIEWER_PARTY: statements built once and cached)."""
    if actor is None:
        return bindparam(VIEWER_PARTY)
    return bindparam(VIEWER_PARTY, actor.party_id)


def visible_record(
    visibility: Any, owner: Any, party: BindParameter[Any] | None
) -> ColumnElement[bool]:
    """A record is visible to a party when it is shared, or internal to that party (its owner:
    a commitment's lead party, an exchange's sending party). `party` None: the system."""
    if party is None:
        return true()
    return or_(visibility == Visibility.SHARED.value, owner == party)


def own_party_records(owner: Any, actor: Actor) -> ColumnElement[bool]:
    """The criterion on records a party keeps to itself whole (webhook endpoints): the
    viewer's party's own, and no other party's, whatever their ids."""
    if actor.is_system:
        return true()
    criterion: ColumnElement[bool] = owner == viewer_party(actor)
    return criterion


def own_user_records(owner: Any, actor: Actor) -> ColumnElement[bool]:
    """The criterion on records a user keeps to themselves (saved views): the viewer's own, and
    no one else's — not another user's of the same party, not the system's (it has none)."""
    if actor.user_id is None:
        return false()
    criterion: ColumnElement[bool] = owner == bindparam("policy_viewer_user", actor.user_id)
    return criterion


def shared_only(columns: Any) -> ColumnElement[bool]:
    """Shared records only, whoever reads (what the parties agreed: a plan's versions and
    documents hold no party's internal records)."""
    criterion: ColumnElement[bool] = columns.visibility == bindparam(
        SHARED_ONLY, Visibility.SHARED.value
    )
    return criterion


def _viewer(actor: Actor | None) -> BindParameter[Any] | None:
    """The party a filter compares with: the actor's, the one supplied at execution (None: a
    party's user, in a statement built once and cached), or no filter (the system)."""
    if actor is not None and actor.is_system:
        return None
    return viewer_party(actor)


def visible_commitments(columns: Any, actor: Actor | None) -> ColumnElement[bool]:
    """The criterion on a commitment table (or alias) `columns` for the actor (None: a party's
    user whose party is supplied at execution under VIEWER_PARTY)."""
    return visible_record(columns.visibility, columns.lead_party_id, _viewer(actor))


def visible_exchanges(columns: Any, actor: Actor | None) -> ColumnElement[bool]:
    """The criterion on an exchange table (or alias) `columns` for the actor (None: a party's
    user whose party is supplied at execution under VIEWER_PARTY)."""
    return visible_record(columns.visibility, columns.from_party_id, _viewer(actor))


def visible_attachments(columns: Any, actor: Actor) -> ColumnElement[bool]:
    """The criterion on the attachment table for the actor: shared attachments and those
    internal to the actor's party, never a deleted one, and none whose commitment or exchange
    (its subject) the actor may not see now (the caller has checked the parent record)."""
    alive: ColumnElement[bool] = columns.deleted_at.is_(None)
    if actor.is_system:
        return alive
    return and_(
        alive, visible_record(columns.visibility, columns.owner_party_id, viewer_party(actor))
    )


def exported_attachments(columns: Any, actor: Actor, *visible_subjects: Any) -> ColumnElement[bool]:
    """The criterion on the attachment table for a plan export: what `visible_attachments`
    lets the actor see, deleted ones included (listed with their hash, flagged deleted), of
    records the export holds: no subject (a review's, an amendment's) or a subject among
    `visible_subjects` (selects of the ids of the commitments and exchanges the actor sees)."""
    subject = or_(
        columns.subject_id.is_(None), *(columns.subject_id.in_(ids) for ids in visible_subjects)
    )
    if actor.is_system:
        return subject
    return and_(
        subject, visible_record(columns.visibility, columns.owner_party_id, viewer_party(actor))
    )


def document_evidence(columns: Any, actor: Actor) -> ColumnElement[bool]:
    """The criterion on the attachment table for the evidence a plan document counts: what the
    actor sees (`visible_attachments`); a document made by the system (the command line) is for
    both parties, so it counts shared evidence only."""
    if actor.is_system:
        return and_(columns.deleted_at.is_(None), shared_only(columns))
    return visible_attachments(columns, actor)


# --- comments ------------------------------------------------------------------------------------
# A comment follows its parent record (found through the parent's own getter, as attachments are)
# and may be internal to its author's party; these are its rules, in one place.


def visible_comments(columns: Any, actor: Actor) -> ColumnElement[bool]:
    """The criterion on the comment table for the actor: shared comments and those internal to
    the actor's party. Deleted ones stay (a thread shows them as deleted to keep its replies in
    place); the caller has checked the parent record."""
    if actor.is_system:
        return true()
    return visible_record(columns.visibility, columns.owner_party_id, viewer_party(actor))


def comment_visibility(
    requested: Visibility, parent_internal_to: uuid.UUID | None, thread_visibility: str | None
) -> Visibility:
    """A comment on an internal record, or a reply in an internal thread, is internal whatever
    was asked (a shared one would tell the other party the record or thread exists)."""
    if parent_internal_to is not None or thread_visibility == Visibility.INTERNAL.value:
        return Visibility.INTERNAL
    return requested


def authorize_comment(actor: Actor) -> uuid.UUID:
    """Comments are written by a party's users (for the party whose internal comments they are);
    the plan's WRITE is checked on the parent. Returns the author's party."""
    if actor.party_id is None:
        raise Forbidden("Only a party's user can comment.")
    return actor.party_id


def authorize_comment_edit(actor: Actor, author_id: uuid.UUID | None) -> None:
    """Only its author edits a comment, with a read-write token."""
    _require_write_token(actor)
    if actor.user_id is None or actor.user_id != author_id:
        raise Forbidden("Only the author of a comment can edit it.")


def authorize_comment_delete(
    actor: Actor, author_id: uuid.UUID | None, owner_party_id: uuid.UUID
) -> None:
    """Its author deletes a comment, or an admin of the author's party."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.user_id is not None and actor.user_id == author_id:
        return
    if actor.role is Role.ADMIN and actor.party_id == owner_party_id:
        return
    raise Forbidden("Only the author of a comment, or an admin of their party, can delete it.")


def comment_readers(visibility: str, owner_party_id: uuid.UUID) -> uuid.UUID | None:
    """The only party whose users may read a comment (None: every party of the plan): who may be
    mentioned in it and told of it."""
    return owner_party_id if visibility == Visibility.INTERNAL.value else None


def party_plans(party: Any, *, with_deleted: bool = False) -> Select[Any]:
    """The ids of the plans `party` (an id or a bound parameter) is a party to, as a subquery:
    the plans its users may read (authorize_plan's rule, in SQL). A deleted draft is no longer
    one of them (it reads 404 and leaves every list); `with_deleted`: the plans whose history
    the party keeps reading (the audit log, where a deletion is itself an event)."""
    statement = select(col(PlanParty.plan_id)).where(col(PlanParty.party_id) == party)
    if with_deleted:
        return statement
    return statement.join(Plan, col(Plan.id) == col(PlanParty.plan_id)).where(
        col(Plan.deleted_at).is_(None)
    )


def in_party_plans(plan_id: ColumnElement[Any], actor: Actor) -> ColumnElement[bool]:
    """A lookup by id limited to the plans of the caller's party (everything for the system):
    a record of other parties' plan is then not found by the same one statement as an unknown
    id, so neither the answer nor the work tells that it exists. Every loader of a plan's
    records by id (plans.service.load_in_plan, commitments.service.load_of_commitment, the
    amendment decisions' lookup) puts it in its first statement."""
    if actor.is_system or actor.party_id is None:
        return true()
    return plan_id.in_(party_plans(actor.party_id))


def require_plan_not_deleted(plan_id: uuid.UUID, deleted: bool) -> None:
    """A deleted draft answers exactly like a plan that never existed, whoever asks."""
    if deleted:
        raise no_plan(plan_id)


def authorize_plan_deletion(
    actor: Actor,
    plan_party_ids: Collection[uuid.UUID],
    *,
    plan_id: uuid.UUID,
    reference: str,
    stored_status: str,
    awaiting_consent: bool,
) -> None:
    """May the actor delete the plan? A writer of one of its parties (authorize_plan's WRITE),
    and only a draft that never came into force and awaits no party's approval: a plan that
    was ever in force (active, expired, superseded, terminated) stays on record for good, and
    an abandoned draft (terminated) too, as the record of the negotiation it ended."""
    authorize_plan(actor, plan_party_ids, Action.WRITE, plan_id=plan_id)
    if stored_status != PlanStatus.DRAFT.value:
        raise PlanNotDeletable(
            f"Plan {reference} is not a draft: only a draft that never came into force can be "
            "deleted; this plan stays on record."
        )
    if awaiting_consent:
        raise PlanNotDeletable(
            f"Plan {reference} has been proposed for coming into force and awaits the parties' "
            "approval: withdraw the proposal first, then delete the draft."
        )


def hidden_subjects(commitments: Any, exchanges: Any, subject: Any, actor: Actor) -> Any:
    """Whether `subject` names a commitment or exchange the actor may not see now."""
    party = viewer_party(actor)
    return or_(
        exists(
            select(commitments.id).where(
                commitments.id == subject,
                not_(visible_record(commitments.visibility, commitments.lead_party_id, party)),
            )
        ),
        exists(
            select(exchanges.id).where(
                exchanges.id == subject,
                not_(visible_record(exchanges.visibility, exchanges.from_party_id, party)),
            )
        ),
    )


def visible_events(events: Any, commitments: Any, exchanges: Any, actor: Actor) -> Any:
    """The criterion on audit events: never an event written about another party's internal
    record, nor any event about a record that is internal to another party now (events follow
    the record's current visibility, so sharing then hiding a record leaves no trace)."""
    if actor.is_system:
        return true()
    party = viewer_party(actor)
    return and_(
        or_(events.owner_party_id.is_(None), events.owner_party_id == party),
        or_(
            events.subject_id.is_(None),
            not_(hidden_subjects(commitments, exchanges, events.subject_id, actor)),
        ),
    )


# --- allowed actions -----------------------------------------------------------------------------
# What the caller may do with each record it reads (`allowed_actions`), decided here by the same
# rules as the authorize_* functions above and, for what needs every party's consent, by
# itpp_api.agreement: clients (the web among them) show exactly these controls and keep no role
# rules of their own. tests/api/test_allowed_actions.py holds the table.

Actions = tuple[str, ...]
_NONE: Actions = ()
_ORDER = {action: position for position, action in enumerate(AllowedAction)}


def _listed(actions: Iterable[AllowedAction]) -> Actions:
    """The actions in the vocabulary's order (a stable answer for clients and tests)."""
    return tuple(action.value for action in sorted(actions, key=_ORDER.__getitem__))


def may_write(actor: Actor) -> bool:
    """A writer (editor, approver, admin) with a read-write token — authorize_plan's WRITE, for
    a plan the actor's party belongs to."""
    return actor.is_system or (actor.scope is TokenScope.READ_WRITE and actor.role in WRITER_ROLES)


def may_consent(actor: Actor) -> bool:
    """An approver with a read-write token, acting for their own party — authorize_consent_for
    (the system has no party to consent for)."""
    return (
        not actor.is_system
        and actor.party_id is not None
        and actor.scope is TokenScope.READ_WRITE
        and actor.role is Role.APPROVER
    )


# Plain strings for the per-row checks of a page (an enum member's `.value` is a lookup).
_SHARED = Visibility.SHARED.value
_CANCELLED = CommitmentStatus.CANCELLED.value
_UPDATE = AllowedAction.UPDATE.value
_MILESTONE_WRITES: Actions = (_UPDATE, AllowedAction.DELETE.value)
_PENDING = ProgressUpdateState.PENDING.value
_UPDATE_DECISIONS: Actions = (AllowedAction.REJECT.value, AllowedAction.CONFIRM.value)


class PlanActions:
    """The allowed actions of one actor on the records of one plan its party belongs to (every
    read has checked that before it builds a record), given the plan's effective status.

    Built once per request and asked per record. A commitment's actions depend on a few facts
    of its row (whether it is shared, whether it is cancelled; its lead party only decides
    whether the actor sees it at all), so a page is answered from a memo of those facts: no
    query, a dictionary look-up per row. The answers are tuples, shared between records.
    """

    def __init__(self, actor: Actor, status: PlanStatus) -> None:
        self.actor = actor
        self.status = status
        self.writes = may_write(actor) and status not in CLOSED_STATUSES
        self.consents = may_consent(actor)
        self._commitments: dict[tuple[bool, bool], Actions] = {}

    @classmethod
    def of(cls, actor: Actor, plan: Plan) -> "PlanActions":
        return cls(actor, effective_status(plan))

    def plan(self, *, awaiting_consent: bool = False) -> Actions:
        """A plan: its own fields, what can be added to it, and the consents it can be given.
        `awaiting_consent`: its coming into force is proposed (a draft is then not deleted:
        authorize_plan_deletion)."""
        if not may_write(self.actor):
            return _NONE
        actions: set[AllowedAction] = set()
        if self.writes:
            actions |= {AllowedAction.CREATE_COMMITMENT, AllowedAction.CREATE_EXCHANGE}
            if agreement.needs_consent(self.status):
                actions.add(AllowedAction.PROPOSE_CHANGE)
            else:
                actions |= {
                    AllowedAction.UPDATE,
                    AllowedAction.CREATE_PRIORITY_AREA,
                    AllowedAction.REORDER_PRIORITY_AREAS,
                    AllowedAction.ABANDON,
                }
            if self.status is PlanStatus.DRAFT and not awaiting_consent:
                actions.add(AllowedAction.DELETE)
        consents = agreement.consents_open(self.status)
        for kind, action in (
            (ConsentKind.ENTRY_INTO_FORCE, AllowedAction.BRING_INTO_FORCE),
            (ConsentKind.AMENDMENT, AllowedAction.PROPOSE_AMENDMENT),
            (ConsentKind.TERMINATION, AllowedAction.TERMINATE),
            (ConsentKind.RENEWAL, AllowedAction.RENEW),
        ):
            if kind in consents:
                actions.add(action)
        return _listed(actions)

    def priority_area(self, *, retired: bool) -> Actions:
        """A priority area: agreed content through and through."""
        if not self.writes or retired:
            return _NONE
        if agreement.needs_consent(self.status):
            return _listed({AllowedAction.PROPOSE_CHANGE, AllowedAction.RETIRE})
        # A draft's area: changed and retired directly (nothing about it was agreed yet).
        return _listed({AllowedAction.UPDATE, AllowedAction.RETIRE})

    def commitment(self, *, visibility: str, status: str) -> Actions:
        """A commitment the actor sees: its delivery is direct; a shared one's definition and
        existence on a plan in force go by amendment."""
        key = (visibility == _SHARED, status == _CANCELLED)
        found = self._commitments.get(key)
        if found is None:
            found = self._commitments[key] = self._commitment(*key)
        return found

    def _commitment(self, shared: bool, cancelled: bool) -> Actions:
        if not self.writes:
            return _NONE
        actions = {AllowedAction.UPDATE, AllowedAction.CREATE_MILESTONE}
        if agreement.needs_consent(self.status, shared=shared):
            actions.add(AllowedAction.PROPOSE_CHANGE)
            if not cancelled:
                actions.add(AllowedAction.RETIRE)
        elif not cancelled:
            actions.add(AllowedAction.CANCEL)
        return _listed(actions)

    def milestone(self, commitment_actions: Collection[str]) -> Actions:
        """A milestone is its commitment's delivery: written whenever the commitment is."""
        if _UPDATE not in commitment_actions:
            return _NONE
        return _MILESTONE_WRITES

    def progress_update(self, *, state: str, lead_party_id: uuid.UUID) -> Actions:
        """A progress update the actor sees: a pending one is confirmed or rejected by an approver
        of the commitment's lead party while the plan takes writes."""
        if (
            state != _PENDING
            or not self.writes
            or not self.consents
            or self.actor.party_id != lead_party_id
        ):
            return _NONE
        return _UPDATE_DECISIONS

    def exchange(self, *, status: str) -> Actions:
        """An exchange the actor sees: delivery, written directly by either party's writers."""
        if not self.writes:
            return _NONE
        if status == ExchangeStatus.CANCELLED.value:
            return _listed({AllowedAction.UPDATE})
        return _listed({AllowedAction.UPDATE, AllowedAction.CANCEL})

    def review(
        self,
        *,
        status: str,
        earlier_pending: bool,
        signed: bool,
        ready_to_sign: bool,
        ready_to_conclude: bool,
        agreeable: bool = False,
    ) -> Actions:
        """A review: opened in order, written while open, signed by each party's approver once
        complete (for what that party sees), concluded once every party has signed.

        `signed`: the actor's party has signed it; `ready_to_sign`: nothing the actor's party
        must see done is missing; `ready_to_conclude`: nothing at all is; `agreeable`: an item
        the actor sees was assessed alike by every party and has no agreed rating yet — an
        approver may agree them all at once (reviews.service)."""
        if self.status in CLOSED_STATUSES:
            return _NONE
        actions: set[AllowedAction] = set()
        if status == ReviewStatus.SCHEDULED.value and self.writes and not earlier_pending:
            actions.add(AllowedAction.OPEN)
        if status == ReviewStatus.OPEN.value:
            if self.writes:
                actions.add(AllowedAction.UPDATE)
                if ready_to_conclude:
                    actions.add(AllowedAction.CONCLUDE)
            if self.consents and not signed and ready_to_sign:
                actions.add(AllowedAction.SIGN_OFF)
            if self.consents and self.writes and agreeable:
                actions.add(AllowedAction.AGREE_ALL)
        return _listed(actions)

    def review_item(self, *, review_status: str) -> Actions:
        """A commitment under review the actor sees: assessed by each party for itself, rated
        together, while the review is open."""
        if not self.writes or review_status != ReviewStatus.OPEN.value:
            return _NONE
        actions = {AllowedAction.AGREE_RATING}
        if self.actor.party_id is not None:  # an assessment is a party's own
            actions.add(AllowedAction.ASSESS)
        return _listed(actions)

    def amendment(
        self,
        *,
        status: str,
        kind: ConsentKind,
        proposing_party_id: uuid.UUID | None,
        own_decision: str | None,
        is_outdated: bool,
    ) -> Actions:
        """An amendment: each party's approver decides for that party while it is proposed (an
        approval only while the plan can still be given that consent and the amendment is not
        outdated; an approval may still be turned into a rejection); the proposing party's
        writers may withdraw it."""
        if status != AmendmentStatus.PROPOSED.value:
            return _NONE
        actions: set[AllowedAction] = set()
        if self.consents:
            if (
                own_decision != Decision.APPROVE.value
                and not is_outdated
                and kind in agreement.consents_open(self.status)
            ):
                actions.add(AllowedAction.APPROVE)
            if own_decision != Decision.REJECT.value:
                actions.add(AllowedAction.REJECT)
        if may_write(self.actor) and (
            self.actor.is_system or self.actor.party_id == proposing_party_id
        ):
            actions.add(AllowedAction.WITHDRAW)
        return _listed(actions)


def plan_open(plan_status: PlanStatus) -> bool:
    """Whether a plan's records still take comments and files: not once it is expired,
    superseded or terminated (attachments.service.ensure_open refuses them, 409 plan-closed)."""
    return plan_status not in CLOSED_STATUSES


def discussion_open(plan_status: PlanStatus, *, pending_renewal: bool = False) -> bool:
    """Whether a record takes comments and files: while its plan is open (plan_open); on an
    expired plan, also an amendment still awaiting the parties' decisions (`pending_renewal`:
    a renewal, the only amendment an expired plan takes), so that the parties can discuss and
    document the renewal they are deciding (attachments.service.ensure_open keeps to it)."""
    return plan_open(plan_status) or (pending_renewal and plan_status is PlanStatus.EXPIRED)


def thread_actions(actor: Actor, *, open_for_discussion: bool) -> Actions:
    """What the reader may do on a record's comments they can read: post, as a writer of one
    of the plan's parties (authorize_plan's WRITE and authorize_comment), while the record takes
    comments (discussion_open)."""
    if actor.party_id is not None and may_write(actor) and open_for_discussion:
        return (AllowedAction.COMMENT.value,)
    return _NONE


def attachment_list_actions(actor: Actor, *, open_for_discussion: bool) -> Actions:
    """What the reader may do on a record's attachments they can read: attach a file, as a
    writer of one of the plan's parties (authorize_plan's WRITE, as for comments), while the
    record takes files (discussion_open)."""
    if actor.party_id is not None and may_write(actor) and open_for_discussion:
        return (AllowedAction.ATTACH.value,)
    return _NONE


def attachment_actions(
    actor: Actor,
    *,
    owner_party_id: uuid.UUID,
    open_for_discussion: bool,
) -> Actions:
    """What the reader may do with an attachment they see: a writer of the party that attached
    it deletes it (attachments.service.delete), while its record takes files (discussion_open)."""
    if not open_for_discussion:
        return _NONE
    if actor.is_system or (actor.party_id == owner_party_id and may_write(actor)):
        return (AllowedAction.DELETE.value,)
    return _NONE


def comment_actions(
    actor: Actor,
    *,
    author_id: uuid.UUID | None,
    owner_party_id: uuid.UUID,
    open_for_discussion: bool,
) -> Actions:
    """What the reader may do with a comment they see: its author edits and deletes it, an
    admin of the author's party deletes it, while its record takes comments (discussion_open)."""
    if not open_for_discussion or (
        actor.scope is not TokenScope.READ_WRITE and not actor.is_system
    ):
        return _NONE
    actions: set[AllowedAction] = set()
    if actor.user_id is not None and actor.user_id == author_id:
        actions |= {AllowedAction.UPDATE, AllowedAction.DELETE}
    elif actor.is_system or (actor.role is Role.ADMIN and actor.party_id == owner_party_id):
        actions.add(AllowedAction.DELETE)
    return _listed(actions)
