"""Sign-in, bearer-token authentication and token management.

Passwords are checked in worker threads by the callers (Argon2 is slow by design); everything
here is plain database work inside the caller's transaction.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from time import monotonic
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select, update

from itpp_api import driver
from itpp_api.audit import service as audit
from itpp_api.auth import policy, token_key, totp
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import AccessToken, User
from itpp_api.auth.tokens import hash_secret, new_token
from itpp_api.config import get_settings
from itpp_api.db import table_of, transaction, utcnow
from itpp_api.enums import Role, TokenKind, TokenScope
from itpp_api.errors import Forbidden, NotFound, Unauthorized

# Writing last_used_at on every request would turn reads into writes; once a minute is enough
# for idle expiry measured in minutes.
_TOUCH_EVERY = timedelta(seconds=60)
_ENROLMENT_LIFETIME = timedelta(minutes=15)
SECOND_FACTOR_ROLES = frozenset({Role.APPROVER, Role.ADMIN})


def unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": "Bearer"})


def find_user_by_email(*, session: Session, email: str) -> User | None:
    """The user with this address (case-insensitive), if any."""
    return session.scalars(select(User).where(User.email == email.strip().casefold())).first()


def actor_for(user: User, token: AccessToken | None, party_code: str | None = None) -> Actor:
    del party_code
    return Actor(
        user_id=user.id,
        party_id=user.party_id,
        role=Role(user.role),
        scope=TokenScope(token.scope) if token else TokenScope.READ_WRITE,
        token_id=token.id if token else None,
        email=user.email,
        display_name=user.display_name,
        language=user.preferred_language,
    )


def _alive(
    *,
    revoked_at: datetime | None,
    expires_at: datetime,
    last_used_at: datetime,
    idle_timeout_seconds: int,
    now: datetime,
) -> bool:
    if revoked_at is not None or expires_at <= now:
        return False
    return last_used_at + timedelta(seconds=idle_timeout_seconds) > now


def _token_alive(token: AccessToken, now: datetime) -> bool:
    return _alive(
        revoked_at=token.revoked_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        idle_timeout_seconds=token.idle_timeout_seconds,
        now=now,
    )


_T = table_of(AccessToken).c
_U = table_of(User).c
# Every request runs this: only the columns the checks and the Actor need (no password hash,
# no TOTP secret), built once.
_AUTHENTICATE = (
    core_select(
        _T.id,
        _T.scope,
        _T.revoked_at,
        _T.expires_at,
        _T.last_used_at,
        _T.idle_timeout_seconds,
        _U.id.label("user_id"),
        _U.party_id,
        _U.role,
        _U.is_active,
        _U.email,
        _U.display_name,
        _U.preferred_language,
    )
    .join_from(table_of(AccessToken), table_of(User), _U.id == _T.user_id)
    .where(_T.token_hash == bindparam("token_hash"))
)


_ROLES = {role.value: role for role in Role}
_SCOPES = {scope.value: scope for scope in TokenScope}


def _token_row(session: Session, token_hash: str) -> Sequence[Any] | None:
    """The token's row of `_AUTHENTICATE`, read on the request's own connection with the
    driver's cursor (`driver.run`): every request runs it, and SQLAlchemy's execution of a
    statement costs more than the query itself."""
    rows = driver.run(session.connection(), _AUTHENTICATE, {"token_hash": token_hash})
    return rows[0] if rows else None


class RefusedTokens:
    """Token hashes refused lately for good: unknown (a secret is 256 random bits, so one never
    seen cannot become valid), expired, revoked. Refused again from memory, without a turn at
    the database, so a client retrying a dead token, or a flood of invalid ones, costs the
    database nothing after the first time. A token of an inactive user is not kept here (its
    user may be made active again). Per process, at most `capacity` hashes, the oldest dropped
    first, each kept `seconds`.
    """

    def __init__(self, capacity: int = 10_000, seconds: float = 600) -> None:
        self.capacity = capacity
        self.seconds = seconds
        self._refusals: dict[str, tuple[float, str]] = {}

    def refusal(self, token_hash: str) -> str | None:
        """Why this token was refused, if it was lately."""
        found = self._refusals.get(token_hash)
        if found is None:
            return None
        until, detail = found
        if until < monotonic():
            self._refusals.pop(token_hash, None)
            return None
        return detail

    def remember(self, token_hash: str, detail: str) -> None:
        if len(self._refusals) >= self.capacity:
            # dicts keep insertion order: drop the oldest tenth at once
            for key in list(islice(self._refusals, self.capacity // 10 or 1)):
                self._refusals.pop(key, None)
        self._refusals[token_hash] = (monotonic() + self.seconds, detail)


REFUSED_TOKENS = RefusedTokens()
_UNKNOWN = "The token is not valid."
_DEAD = "The token has expired or was revoked; sign in again."


@dataclass(frozen=True)
class Touch:
    """A due move of a token's idle clock: set its last_used_at to `at`."""

    token_id: uuid.UUID
    at: datetime


def check_token(*, session: Session, secret: str | None) -> tuple[Actor, Touch | None]:
    """The actor behind a bearer token, or 401; with the idle-clock touch, if one is due.

    The caller moves the token's idle clock (touch_token): in its own transaction when it
    writes, else after it (auth.dependencies).
    """
    if not secret:
        raise unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    if not token_key.may_be_issued(secret):
        raise unauthorized(_UNKNOWN)
    now = utcnow()
    token_hash = hash_secret(secret)
    refused = REFUSED_TOKENS.refusal(token_hash)
    if refused is not None:
        raise unauthorized(refused)
    if (
        token_key.known() is None
        and token_key.load(session)
        and not token_key.may_be_issued(secret)
    ):
        raise unauthorized(_UNKNOWN)  # the first token this process checks
    row = _token_row(session, token_hash)
    if row is None:
        REFUSED_TOKENS.remember(token_hash, _UNKNOWN)
        raise unauthorized(_UNKNOWN)
    (token_id, scope, revoked_at, expires_at, last_used_at, idle_timeout_seconds, user_id,
     party_id, role, is_active, email, display_name, language) = row  # fmt: skip
    alive = _alive(
        revoked_at=revoked_at,
        expires_at=expires_at,
        last_used_at=last_used_at,
        idle_timeout_seconds=idle_timeout_seconds,
        now=now,
    )
    if not alive:
        REFUSED_TOKENS.remember(token_hash, _DEAD)
    if not alive or not is_active:
        raise unauthorized(_DEAD)
    touch = Touch(token_id=token_id, at=now) if now - last_used_at >= _TOUCH_EVERY else None
    # The same Actor as actor_for(user, token).
    actor = Actor(
        user_id=user_id,
        party_id=party_id,
        role=_ROLES[role],
        scope=_SCOPES[scope],
        token_id=token_id,
        email=email,
        display_name=display_name,
        language=language,
    )
    return actor, touch


def touch_token(touch: Touch, *, session: Session | None = None) -> None:
    """Move the token's idle clock: in `session`, or in a write transaction of its own.

    A reading request's transaction may not write on SQLite, so readers touch in their own.
    """
    statement = (
        update(AccessToken)
        .where(col(AccessToken.id) == touch.token_id)
        .values(last_used_at=touch.at)
    )
    if session is not None:
        session.execute(statement)
        return
    with transaction(write=True) as touch_session:
        touch_session.execute(statement)


def lock_own_account(*, session: Session, actor: Actor) -> User:
    """The caller's own user, locked for a change of its credentials, while the request's
    token is still alive (else 401).

    Two such changes sent at once with one token queue on this lock; the second then finds the
    token the first one ended (a new password or second factor ends every token of the user)
    and is refused. On SQLite the request already holds the database's write lock.
    """
    if actor.user_id is None or actor.token_id is None:
        raise unauthorized("Sign in as a user.")
    user = session.scalars(
        select(User)
        .where(col(User.id) == actor.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    # Read after the lock: a revocation committed while this request waited is seen here.
    token = session.scalars(
        select(AccessToken)
        .where(col(AccessToken.id) == actor.token_id)
        .execution_options(populate_existing=True)
    ).first()
    if user is None or not user.is_active or token is None or not _token_alive(token, utcnow()):
        raise unauthorized("The token has expired or was revoked; sign in again.")
    return user


def issue_token(
    *,
    session: Session,
    user: User,
    kind: TokenKind,
    scope: TokenScope,
    name: str | None = None,
    lifetime: timedelta,
    idle: timedelta,
) -> tuple[AccessToken, str]:
    """Create a token; returns the row and the secret (which is never stored)."""
    secret = new_token(token_key.for_issuing(session))
    now = utcnow()
    token = AccessToken(
        user_id=user.id,
        kind=kind,
        name=name,
        scope=scope,
        token_hash=hash_secret(secret),
        created_at=now,
        last_used_at=now,
        expires_at=now + lifetime,
        idle_timeout_seconds=int(idle.total_seconds()),
    )
    session.add(token)
    session.flush()
    return token, secret


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in."""

    token: AccessToken
    secret: str


class SecondFactorRequired(Unauthorized):
    slug = "second-factor-required"
    title = "One-time code required"


class InvalidCredentials(Unauthorized):
    slug = "invalid-credentials"
    title = "Wrong email, password or one-time code"


def complete_sign_in(*, session: Session, user: User, otp: str | None) -> SignIn:
    """After the password matched: check the second factor and issue a session token."""
    settings = get_settings()
    if not user.is_active:
        raise InvalidCredentials("This account is deactivated; ask your party's admin.")
    if user.totp_confirmed_at is not None and user.totp_secret:
        if not otp:
            raise SecondFactorRequired(
                "Enter the current code from your authenticator app (field 'otp').",
                headers={"WWW-Authenticate": "Bearer"},
            )
        step = totp.matching_step(user.totp_secret, otp, last_step=user.totp_last_step)
        if step is None:
            raise InvalidCredentials("Wrong email, password or one-time code.")
        user.totp_last_step = step
        session.add(user)
        scope = TokenScope.READ_WRITE
        lifetime = timedelta(hours=settings.session_absolute_hours)
        idle = timedelta(minutes=settings.session_idle_minutes)
    elif Role(user.role) in SECOND_FACTOR_ROLES:
        # Approvers and admins must set up the second factor before anything else.
        scope = TokenScope.ENROL_TOTP
        lifetime = idle = _ENROLMENT_LIFETIME
    else:
        scope = TokenScope.READ_WRITE
        lifetime = timedelta(hours=settings.session_absolute_hours)
        idle = timedelta(minutes=settings.session_idle_minutes)
    token, secret = issue_token(
        session=session,
        user=user,
        kind=TokenKind.SESSION,
        scope=scope,
        lifetime=lifetime,
        idle=idle,
    )
    audit.record(
        session=session,
        actor=actor_for(user, token),
        action="sign_in",
        entity_type="user",
        entity_id=user.id,
        owner_party_id=user.party_id,
    )
    return SignIn(token=token, secret=secret)


def revoke_token(*, session: Session, actor: Actor, token_id: uuid.UUID) -> AccessToken:
    """End one of the actor's own tokens at once (any token may end itself)."""
    if token_id != actor.token_id:
        policy.authorize_own_account(actor)
    token = session.get(AccessToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise NotFound(f"You have no token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.record(
            session=session,
            actor=actor,
            action="revoke_token",
            entity_type="access_token",
            entity_id=token.id,
            owner_party_id=actor.party_id,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
    return token


def revoke_all_tokens(*, session: Session, user_id: uuid.UUID) -> int:
    """End every live token of a user (password change, deactivation, role change)."""
    result = session.execute(
        update(AccessToken)
        .where(col(AccessToken.user_id) == user_id, col(AccessToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_every_token(*, session: Session, actor: Actor, user_id: uuid.UUID | None = None) -> int:
    """End every live token, sign-ins and API tokens alike, of one user or of all users (an
    operator's step, e.g. after a leak); one audit event per user whose tokens ended."""
    live = (
        select(AccessToken.user_id, User.party_id)
        .join(User, col(User.id) == col(AccessToken.user_id))
        .where(col(AccessToken.revoked_at).is_(None))
        .distinct()
    )
    if user_id is not None:
        live = live.where(col(AccessToken.user_id) == user_id)
    total = 0
    for owner_id, party_id in session.execute(live).all():
        ended = revoke_all_tokens(session=session, user_id=owner_id)
        total += ended
        audit.record(
            session=session,
            actor=actor,
            action="revoke_all_tokens",
            entity_type="user",
            entity_id=owner_id,
            owner_party_id=party_id,
            after={"tokens_revoked": ended},
        )
    return total


def list_tokens(*, session: Session, actor: Actor) -> list[AccessToken]:
    """The actor's live tokens, newest first."""
    policy.require_signed_in(actor)
    now = utcnow()
    tokens = session.scalars(
        select(AccessToken)
        .where(AccessToken.user_id == actor.user_id)
        .order_by(col(AccessToken.created_at).desc())
    )
    return [t for t in tokens if _token_alive(t, now)]


def create_api_token(
    *, session: Session, actor: Actor, name: str, scope: TokenScope, expires_in_days: int
) -> tuple[AccessToken, str]:
    """A named token for an automated client, made from a sign-in session."""
    if actor.is_system or actor.user_id is None:
        raise Forbidden("Only users create API tokens.")
    policy.authorize_own_account(actor)
    if scope not in (TokenScope.READ, TokenScope.READ_WRITE):
        raise Forbidden("An API token is read or read_write.")
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("Sign in again.")
    current = session.get(AccessToken, actor.token_id) if actor.token_id else None
    if current is None or current.kind != TokenKind.SESSION.value:
        raise Forbidden("API tokens are created from a sign-in session, not by another token.")
    if scope is TokenScope.READ_WRITE and actor.scope is not TokenScope.READ_WRITE:
        raise Forbidden("A read-only session cannot create a read-write token.")
    settings = get_settings()
    days = min(expires_in_days, settings.api_token_max_days)
    token, secret = issue_token(
        session=session,
        user=user,
        kind=TokenKind.API,
        scope=scope,
        name=name,
        lifetime=timedelta(days=days),
        idle=timedelta(days=min(settings.api_token_idle_days, days)),
    )
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="access_token",
        entity_id=token.id,
        owner_party_id=actor.party_id,
        after={"name": name, "scope": scope.value, "expires_at": token.expires_at},
    )
    return token, secret


def token_to_dict(token: AccessToken, actor: Actor) -> dict[str, Any]:
    """The public representation of a token (never its secret or hash)."""
    return {
        "id": token.id,
        "kind": token.kind,
        "name": token.name,
        "scope": token.scope,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "is_current": token.id == actor.token_id,
    }
