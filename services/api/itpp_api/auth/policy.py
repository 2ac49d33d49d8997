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
"""

import uuid
from collections.abc import Collection
from enum import StrEnum

from itpp_api.auth.actor import Actor
from itpp_api.enums import Role, TokenScope, Visibility
from itpp_api.errors import Forbidden, NotFound

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


def authorize_plan(actor: Actor, plan_party_ids: Collection[uuid.UUID], action: Action) -> None:
    """May the actor do `action` on a plan (or a record in it) whose parties are given?"""
    if actor.is_system:
        return
    _require_full_token(actor)
    if actor.party_id not in plan_party_ids:
        raise NotFound("No such plan.")
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


def authorize_list_users(actor: Actor) -> None:
    """Admins list their own party's users."""
    if actor.is_system:
        return
    _require_full_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can list users.")


def authorize_reference_data(actor: Actor, party_id: uuid.UUID | None = None) -> None:
    """Parties are created by admins; an organisation by an admin of its party."""
    if actor.is_system:
        return
    _require_write_token(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("Only an admin can manage parties and organisations.")
    if party_id is not None and actor.party_id != party_id:
        raise Forbidden("Admins add organisations to their own party only.")


def visible_party_filter(actor: Actor) -> uuid.UUID | None:
    """The party whose internal records the actor sees (None: the system sees all)."""
    return None if actor.is_system else actor.party_id
