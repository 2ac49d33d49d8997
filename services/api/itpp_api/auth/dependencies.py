"""The authenticated caller of a request, resolved once from its bearer token."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from itpp_api.auth.actor import Actor
from itpp_api.auth.service import authenticate
from itpp_api.deps import READ_METHODS, SessionDep

# Documents the bearer scheme (and lets the interactive docs sign in); we check it ourselves.
bearer_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    scheme_name="bearer",
    description="A token from POST /api/v1/auth/token or a named API token.",
)


def current_actor(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> Actor:
    """The actor behind the request's bearer token (401 without a valid one)."""
    return authenticate(session=session, secret=token, write=request.method not in READ_METHODS)


ActorDep = Annotated[Actor, Depends(current_actor)]
