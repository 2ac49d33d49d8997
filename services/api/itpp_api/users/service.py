"""Rules and queries for users: their own profile and their management by party admins."""

import uuid
from typing import Any

from sqlmodel import Session, col, select

from itpp_api.audit import service as audit
from itpp_api.auth import policy, totp
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.passwords import policy_problems
from itpp_api.auth.service import revoke_all_tokens
from itpp_api.conventions import make_etag
from itpp_api.db import utcnow
from itpp_api.enums import Role
from itpp_api.errors import Conflict, FieldError, NotFound, RuleViolation, ValidationFailed
from itpp_api.parties.models import Party

_AUDITED = ("email", "display_name", "role", "preferred_language", "is_active", "party_id")


def user_to_dict(user: User, party_code: str) -> dict[str, Any]:
    """The public representation of a user (never the password hash or TOTP secret)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "party_id": user.party_id,
        "party_code": party_code,
        "role": user.role,
        "preferred_language": user.preferred_language,
        "is_active": user.is_active,
        "totp_enabled": user.totp_confirmed_at is not None,
        "etag": make_etag(user.id, user.row_version),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def _snapshot(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _AUDITED}


def party_code(*, session: Session, party_id: uuid.UUID) -> str:
    party = session.get(Party, party_id)
    return party.code if party else ""


def check_password(password: str, *, field: str, user_inputs: tuple[str, ...]) -> None:
    """422 with the reasons when a new password breaks the policy."""
    problems = policy_problems(password, user_inputs=user_inputs)
    if problems:
        raise ValidationFailed(
            " ".join(problems),
            errors=[FieldError(loc=["body", field], msg=p, type="weak_password") for p in problems],
        )


def get_user(
    *, session: Session, actor: Actor, user_id: uuid.UUID, for_update: bool = False
) -> User:
    """A user an admin may manage (404 for users of other parties: they are not listed)."""
    statement = select(User).where(User.id == user_id)
    if for_update:
        statement = statement.with_for_update()
    user = session.scalars(statement).first()
    if user is None or (not actor.is_system and user.party_id != actor.party_id):
        raise NotFound(f"No user {user_id} in your party.")
    policy.authorize_list_users(actor)
    return user


def list_users(*, session: Session, actor: Actor) -> list[User]:
    """The users of the admin's own party, by email."""
    policy.authorize_list_users(actor)
    statement = select(User).order_by(col(User.email))
    if not actor.is_system:
        statement = statement.where(User.party_id == actor.party_id)
    return list(session.scalars(statement))


def create_user(
    *,
    session: Session,
    actor: Actor,
    party_id: uuid.UUID,
    email: str,
    display_name: str,
    role: Role,
    preferred_language: str,
    password_hash: str,
) -> User:
    """Record a new user of a party (the password was checked and hashed by the caller)."""
    policy.authorize_manage_users(actor, party_id)
    email = email.strip().casefold()
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(f"A user with email {email} already exists.")
    if session.get(Party, party_id) is None:
        raise RuleViolation(f"No party {party_id}.")
    user = User(
        email=email,
        display_name=display_name.strip(),
        party_id=party_id,
        role=role.value,
        preferred_language=preferred_language,
        password_hash=password_hash,
    )
    session.add(user)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=party_id,
        after=_snapshot(user),
    )
    return user


def update_user(*, session: Session, actor: Actor, user: User, changes: dict[str, Any]) -> User:
    """An admin changes a user of their party; deactivation or a new role ends their tokens."""
    policy.authorize_manage_users(actor, user.party_id)
    if user.id == actor.user_id and (
        changes.get("is_active") is False or changes.get("role", user.role) != user.role
    ):
        raise RuleViolation("You cannot deactivate yourself or change your own role.")
    before = _snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value.value if isinstance(value, Role) else value)
    if before["is_active"] != user.is_active or before["role"] != user.role:
        revoke_all_tokens(session=session, user_id=user.id)
    user.row_version += 1
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
        before=before,
        after=_snapshot(user),
    )
    return user


def update_profile(*, session: Session, actor: Actor, changes: dict[str, Any]) -> User:
    """Users change their own display name and language."""
    policy.authorize_own_account(actor)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("No such user.")
    before = _snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value)
    user.row_version += 1
    user.updated_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
        before=before,
        after=_snapshot(user),
    )
    return user


def set_password(*, session: Session, actor: Actor, user: User, password_hash: str) -> None:
    """Store a new password hash and end every token of the user."""
    user.password_hash = password_hash
    user.password_changed_at = utcnow()
    user.row_version += 1
    user.updated_at = utcnow()
    session.add(user)
    revoke_all_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor,
        action="change_password",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
    )


def start_totp(*, session: Session, actor: Actor) -> tuple[str, str]:
    """Begin second-factor enrolment: a new secret, confirmed by the first code."""
    policy.authorize_own_account(actor, enrolment=True)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.totp_confirmed_at is not None:
        raise Conflict("Your second factor is already set up; an admin can reset it.")
    user.totp_secret = totp.new_secret()
    session.add(user)
    return user.totp_secret, totp.provisioning_uri(user.totp_secret, user.email)


def confirm_totp(*, session: Session, actor: Actor, code: str) -> User:
    """Finish enrolment with a valid code; an enrolment-only token then ends."""
    policy.authorize_own_account(actor, enrolment=True)
    user = session.get(User, actor.user_id)
    if user is None or not user.totp_secret:
        raise RuleViolation("Start the enrolment first (POST /api/v1/users/me/totp).")
    if user.totp_confirmed_at is not None:
        raise Conflict("Your second factor is already set up.")
    step = totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is None:
        raise RuleViolation(
            "The code does not match; check the time on your device and try the next code.",
            errors=[FieldError(loc=["body", "code"], msg="wrong code", type="wrong_code")],
        )
    user.totp_last_step = step
    user.totp_confirmed_at = utcnow()
    user.row_version += 1
    session.add(user)
    revoke_all_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor,
        action="enable_totp",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
    )
    return user


def reset_totp(*, session: Session, actor: Actor, user: User) -> User:
    """An admin clears a user's second factor (a lost phone); the user enrols again."""
    policy.authorize_manage_users(actor, user.party_id)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    user.row_version += 1
    session.add(user)
    revoke_all_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor,
        action="reset_totp",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
    )
    return user
