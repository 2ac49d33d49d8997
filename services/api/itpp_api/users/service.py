"""Rules and queries for users: their own profile and their management by party admins."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from itpp_api.audit import service as audit
from itpp_api.auth import policy, throttle, totp
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.passwords import policy_problems, verify_password
from itpp_api.auth.service import lock_own_account, revoke_all_tokens, unauthorized
from itpp_api.db import utcnow
from itpp_api.enums import Role
from itpp_api.errors import (
    Conflict,
    DomainError,
    EmailNotAllowed,
    FieldError,
    LastAdmin,
    NotFound,
    RuleViolation,
    ValidationFailed,
)
from itpp_api.parties.models import Party
from itpp_api.wire import make_etag


def current_user(*, session: Session, actor: Actor) -> User:
    """The signed-in user (401 when the actor is not a user, as a service token is not)."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise unauthorized("Sign in as a user.")
    return user


def display_names(session: Session, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The display names of some users, by id (one query)."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(col(User.id).in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def mention_names(*, email: str, display_name: str) -> set[str]:
    """The names `@name` finds a user by, compared case-insensitively: their login name (the part
    of their e-mail address before the @) and their display name without spaces."""
    names = {email.partition("@")[0].casefold()}
    compact = "".join(display_name.split()).casefold()
    if compact:
        names.add(compact)
    return names


def user_to_dict(
    user: User,
    party_code: str,
    *,
    allowed_actions: tuple[str, ...] = (),
    invitation_pending: bool = False,
) -> dict[str, Any]:
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
        "invitation_pending": invitation_pending,
        "allowed_actions": list(allowed_actions),
        "etag": make_etag(user.id, user.row_version),
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


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


class CredentialRefused(Exception):
    """A wrong current password or one-time code. The attempt was counted like a failed
    sign-in: the router returns `error` rather than raising it, so that count is committed."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


@dataclass(frozen=True)
class OwnAccountChange:
    """The caller's own user, locked for a change of its credentials, and the attempt charged
    to the sign-in throttle when the change needs the owner's proof (else None)."""

    user: User
    attempt: throttle.Reservation | None


def own_account_for_change(
    *, session: Session, actor: Actor, address: str, proof_needed: bool
) -> OwnAccountChange:
    """Charge the attempt (when proof is needed), then lock the caller's user while its token
    is still alive (auth.service.lock_own_account).

    The throttle's counters are locked first, then the user, and the audit chain last, as
    sign-in does: one order everywhere, so two transactions never wait for each other.
    """
    attempt = (
        throttle.reserve(session=session, email=actor.email or "", address=address)
        if proof_needed
        else None
    )
    return OwnAccountChange(user=lock_own_account(session=session, actor=actor), attempt=attempt)


def verify_current_credentials(
    *, session: Session, change: OwnAccountChange, password: str, code: str | None = None
) -> None:
    """Check the owner's current password (and a current code of their second factor).

    The attempt was charged like a sign-in (auth/throttle.py) before this slow check: a stolen
    token cannot be used to guess the password faster than signing in would (429 while the
    account waits).
    """
    user, attempt = change.user, change.attempt
    assert attempt is not None, "own_account_for_change(proof_needed=True) charges the attempt"
    if not verify_password(password, user.password_hash):
        raise CredentialRefused(
            RuleViolation(
                "The current password is wrong.",
                errors=[
                    FieldError(
                        loc=["body", "current_password"],
                        msg="wrong password",
                        type="wrong_password",
                    )
                ],
            )
        )
    if code is not None:
        step = (
            totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
            if user.totp_secret
            else None
        )
        if step is None:
            raise CredentialRefused(
                RuleViolation(
                    "The code of your current second factor does not match; check the time "
                    "on your device and try the next code.",
                    errors=[
                        FieldError(
                            loc=["body", "current_code"], msg="wrong code", type="wrong_code"
                        )
                    ],
                )
            )
        user.totp_last_step = step
        session.add(user)
    throttle.succeeded(session=session, reservation=attempt)


def missing(field: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field}: {why}",
        errors=[FieldError(loc=["body", field], msg=why, type="missing")],
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
    is_active: bool = True,
) -> User:
    """Record a new user of a party (the password was checked and hashed by the caller; an
    invited user starts inactive, users/invitations.py)."""
    policy.authorize_manage_users(actor, party_id)
    email = email.strip().casefold()
    _check_address_is_free(session=session, actor=actor, party_id=party_id, email=email)
    if session.get(Party, party_id) is None:
        raise RuleViolation(f"No party {party_id}.")
    user = User(
        email=email,
        display_name=display_name.strip(),
        party_id=party_id,
        role=role,
        preferred_language=preferred_language,
        password_hash=password_hash,
        is_active=is_active,
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
        after=audit.audited(user),
    )
    return user


def _check_address_is_free(
    *, session: Session, actor: Actor, party_id: uuid.UUID, email: str
) -> None:
    """Refuse an address another user has, without confirming to an admin that it exists.

    E-mail addresses are unique across parties, but an admin sees only their own party. A
    clash within it is named (they can list those users); any other refusal is one answer,
    the same for every address at a domain another party's users use (and none of this
    party's), taken or not — as a provider allows addresses only at its customer's own
    domains. An address taken at a domain both parties use is refused with the same answer
    (the residual case: docs/accounts.md, SECURITY.md).
    """
    holder = session.scalars(select(User.party_id).where(col(User.email) == email)).first()
    if actor.is_system:
        if holder is not None:
            raise Conflict(f"A user with email {email} already exists.")
        return
    if holder == party_id:
        raise Conflict("A user of your party already has this e-mail address.")
    domain = email.rpartition("@")[2]
    at_domain = col(User.email).endswith(f"@{domain}", autoescape=True)
    other_parties = session.scalars(
        select(User.id).where(at_domain, col(User.party_id) != party_id).limit(1)
    ).first()
    this_party = session.scalars(
        select(User.id).where(at_domain, col(User.party_id) == party_id).limit(1)
    ).first()
    if holder is not None or (other_parties is not None and this_party is None):
        raise EmailNotAllowed(
            "This address cannot be given to a user of your party: it is at a domain another "
            "party's users use, or it is not available. Use the person's address at your own "
            "organisation, or ask the operator.",
            errors=[FieldError(loc=["body", "email"], msg="not allowed", type="email_not_allowed")],
        )


def lock_party_admins(*, session: Session, party_id: uuid.UUID) -> list[uuid.UUID]:
    """Lock the party's active admins (in id order) and return their ids: taken before any
    other user's row by every change that could leave the party without one, so two admins
    demoting each other at once are decided one after the other (the second is refused)."""
    return list(
        session.scalars(
            select(User.id)
            .where(
                User.party_id == party_id,
                User.role == Role.ADMIN.value,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.id))
            .with_for_update()
        )
    )


def _keep_an_admin(*, session: Session, user: User, changes: dict[str, Any]) -> None:
    """Refuse a change that would leave the user's party without an active admin."""
    was_admin = user.role == Role.ADMIN.value and user.is_active
    role = changes.get("role", user.role)
    stays_admin = (role.value if isinstance(role, Role) else role) == Role.ADMIN.value and bool(
        changes.get("is_active", user.is_active)
    )
    if not was_admin or stays_admin:
        return
    others = [
        admin
        for admin in lock_party_admins(session=session, party_id=user.party_id)
        if admin != user.id
    ]
    if not others:
        raise LastAdmin(
            "This is the last active admin of the party: make another user an admin first.",
        )


def update_user(*, session: Session, actor: Actor, user: User, changes: dict[str, Any]) -> User:
    """An admin changes another user of their party; deactivation or a new role ends their
    tokens. A party always keeps an active admin (409 last-admin)."""
    policy.authorize_manage_user(actor, user.id, user.party_id)
    _keep_an_admin(session=session, user=user, changes=changes)
    before = audit.audited(user)
    for name, value in changes.items():
        setattr(user, name, value.value if isinstance(value, Role) else value)
    if before["is_active"] != user.is_active or before["role"] != user.role:
        revoke_all_tokens(session=session, user_id=user.id)
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
        after=audit.audited(user),
    )
    return user


def update_profile(*, session: Session, actor: Actor, changes: dict[str, Any]) -> User:
    """Users change their own display name and language."""
    policy.authorize_own_account(actor)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound("No such user.")
    before = audit.audited(user)
    for name, value in changes.items():
        setattr(user, name, value)
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
        after=audit.audited(user),
    )
    return user


def reset_password(*, session: Session, actor: Actor, user: User, password_hash: str) -> None:
    """An admin sets a new password for another user of their party (ends their tokens)."""
    policy.authorize_manage_user(actor, user.id, user.party_id)
    set_password(session=session, actor=actor, user=user, password_hash=password_hash)


def set_password(*, session: Session, actor: Actor, user: User, password_hash: str) -> None:
    """Store a new password hash and end every token of the user."""
    user.password_hash = password_hash
    user.password_changed_at = utcnow()
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


def start_totp(
    *,
    session: Session,
    actor: Actor,
    change: OwnAccountChange,
    current_password: str | None,
    current_code: str | None,
) -> tuple[str, str]:
    """Begin setting up a second factor: a new secret, in use once a code of it is confirmed.

    A token that may only enrol was just issued by a sign-in with the password: it needs
    nothing more (`change` charged no attempt). Any other token proves the owner again: the
    current password and, to replace a second factor already set up, a current code of it
    (OWASP ASVS 5.0 V7.5.1).
    """
    policy.authorize_own_account(actor, enrolment=True)
    user = change.user
    if change.attempt is not None:
        if current_password is None:
            raise missing("current_password", "your current password is required")
        confirmed = user.totp_confirmed_at is not None
        if confirmed and current_code is None:
            raise missing(
                "current_code", "a current code of the second factor you have is required"
            )
        verify_current_credentials(
            session=session,
            change=change,
            password=current_password,
            code=current_code if confirmed else None,
        )
    user.totp_pending_secret = totp.new_secret()
    session.add(user)
    return user.totp_pending_secret, totp.provisioning_uri(user.totp_pending_secret, user.email)


def confirm_totp(*, session: Session, actor: Actor, user: User, code: str) -> User:
    """Finish setting up a second factor with a valid code of it; every token then ends."""
    policy.authorize_own_account(actor, enrolment=True)
    pending = user.totp_pending_secret
    if not pending:
        if user.totp_confirmed_at is not None:
            raise Conflict(
                "Your second factor is already set up; to replace it, start again "
                "(POST /api/v1/users/me/totp) with your password and a current code."
            )
        raise RuleViolation("Start the enrolment first (POST /api/v1/users/me/totp).")
    # A new secret: none of its codes was used before.
    step = totp.matching_step(pending, code, last_step=None)
    if step is None:
        raise RuleViolation(
            "The code does not match; check the time on your device and try the next code.",
            errors=[FieldError(loc=["body", "code"], msg="wrong code", type="wrong_code")],
        )
    replaced = user.totp_confirmed_at is not None
    user.totp_secret = pending
    user.totp_pending_secret = None
    user.totp_last_step = step
    user.totp_confirmed_at = utcnow()
    user.updated_at = utcnow()
    session.add(user)
    revoke_all_tokens(session=session, user_id=user.id)
    audit.record(
        session=session,
        actor=actor,
        action="replace_totp" if replaced else "enable_totp",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
    )
    return user


def reset_totp(*, session: Session, actor: Actor, user: User) -> User:
    """An admin clears another user's second factor (a lost phone); the user enrols again."""
    policy.authorize_manage_user(actor, user.id, user.party_id)
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
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
