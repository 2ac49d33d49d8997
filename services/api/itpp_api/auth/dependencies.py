"""The authenticated caller of a request, resolved once from its bearer token."""

from dataclasses import dataclass
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from itpp_api.auth import token_key
from itpp_api.auth.actor import Actor
from itpp_api.auth.service import REFUSED_TOKENS, check_token, touch_token, unauthorized
from itpp_api.auth.tokens import hash_secret
from itpp_api.deps import READ_METHODS, SessionDep, afterwards, commit_writer
from itpp_api.errors import Unauthorized

# Documents the bearer scheme (and lets the interactive docs sign in); we check it ourselves.
bearer_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    scheme_name="bearer",
    description="A token from POST /api/v1/auth/token or a named API token.",
)


def _authenticate(session: Session, token: str, write: bool) -> Actor:
    actor, touch = check_token(session=session, secret=token)
    if touch is not None:
        # The idle clock moves at most once a minute: in a writing request's own transaction;
        # a reading one records it after its transaction (on SQLite a read may not write).
        if write:
            touch_token(touch, session=session)
        else:
            afterwards(session, partial(touch_token, touch))
    return actor


def well_formed(token: str | None) -> str:
    """The token, if it could be one of ours (well formed, and not made up: token_key) and
    was not refused lately for good (service.RefusedTokens); else 401 at once, before any
    database work."""
    if not token:
        raise unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    if not token_key.may_be_issued(token):
        raise unauthorized("The token is not valid.")
    refused = REFUSED_TOKENS.refusal(hash_secret(token))
    if refused is not None:
        raise unauthorized(refused)
    return token


def bearer_token(request: Request) -> str | None:
    """The request's bearer token, read as the bearer scheme reads it."""
    kind, _, token = request.headers.get("authorization", "").partition(" ")
    return token if kind.lower() == "bearer" and token else None


def refuse_malformed_token(request: Request) -> None:
    """401 for a request without a well-formed token (deps.check_before_admission: before
    the request waits for its turn at the database, which its session dependency, resolved
    before this one, would take)."""
    well_formed(bearer_token(request))


def refused_token(authorization: str) -> Unauthorized | None:
    """The 401 of an Authorization header carrying a bearer token that is malformed or was
    refused lately for good, if it is one (middleware.Gateway: before routing, on the paths
    where every route authenticates)."""
    kind, _, token = authorization.partition(" ")
    if kind.lower() != "bearer" or not token:
        return None
    try:
        well_formed(token)
    except Unauthorized as refusal:
        return refusal
    return None


def authenticates(dependant: Dependant) -> bool:
    """Whether an endpoint needs a bearer token: it depends on `current_actor`, or reads the
    token itself (`bearer_scheme`) and checks it with service.check_token."""
    return dependant.call in (current_actor, pending_actor, bearer_scheme) or any(
        authenticates(sub) for sub in dependant.dependencies
    )


@dataclass(frozen=True, slots=True)
class PendingActor:
    """A request's well-formed token, to be checked in the thread that runs its handler
    (routing.OneHopRoute)."""

    request: Request
    session: Session
    token: str

    def resolve(self) -> Actor:
        """The actor behind the token (401 without a valid one); in a worker thread."""
        actor = _authenticate(self.session, self.token, self.request.method not in READ_METHODS)
        self.request.state.actor = actor  # for the request's log line (middleware.Gateway)
        return actor

    def commit_writer(self) -> None:
        """After the handler, in its thread: commit a writing request's transaction
        (deps.commit_writer)."""
        commit_writer(self.session)


async def pending_actor(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> PendingActor:
    """`current_actor` up to its hop to a worker thread: a missing or malformed token is
    refused here; the rest is left to the handler's thread (routing.OneHopRoute)."""
    return PendingActor(request, session, well_formed(token))


async def current_actor(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> Actor:
    """The actor behind the request's bearer token (401 without a valid one).

    A missing or malformed token is refused here, before the request takes a connection or a
    worker thread: a flood of them costs the database nothing.
    """
    pending = await pending_actor(request, session, token)
    return await run_in_threadpool(pending.resolve)


ActorDep = Annotated[Actor, Depends(current_actor)]
