"""HTTP routes for signing in and out and for the caller's tokens."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from itpp_api.auth import service, sign_in, throttle
from itpp_api.auth.addresses import client_address
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.passwords import DUMMY_HASH, verify_password
from itpp_api.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenList,
    TokenRequest,
    TokenResponse,
)
from itpp_api.concurrency import run_db
from itpp_api.conventions import NO_STORE_HEADER, IdempotencyKey, json_response, secret_bearing
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.observability import SIGN_IN_FAILURES, SIGN_IN_THROTTLED
from itpp_api.routing import OneHopRoute

router = APIRouter(tags=["authentication"], route_class=OneHopRoute)


async def _signed_in(request: Request, form: TokenRequest) -> service.SignIn:
    email = form.username.strip().casefold()
    # The attempt is charged (or refused with 429) before the slow password check.
    reservation = await run_db(sign_in.reserve, email, client_address(request.scope), write=True)
    stored_hash = await run_db(sign_in.password_hash_of, email, write=False)
    matches = await run_in_threadpool(verify_password, form.password, stored_hash or DUMMY_HASH)
    if not matches or stored_hash is None:
        raise service.InvalidCredentials("Wrong email, password or one-time code.")
    try:
        return await run_db(sign_in.sign_in, reservation, stored_hash, form.otp, write=True)
    except service.SecondFactorRequired:
        await run_db(sign_in.password_proven, reservation, write=True)
        raise


@router.post(
    "/auth/token",
    operation_id="createToken",
    summary="Sign in: exchange credentials for a token",
    response_model=TokenResponse,
    responses={
        200: {"headers": NO_STORE_HEADER},
        **problem_responses(401, 413, 422, 429, authenticated=False),
    },
)
async def create_token(request: Request, form: Annotated[TokenRequest, Form()]) -> Response:
    try:
        result = await _signed_in(request, form)
    except service.InvalidCredentials:
        SIGN_IN_FAILURES.inc()
        raise
    except throttle.SignInsTooFast:
        SIGN_IN_THROTTLED.inc()
        raise
    return secret_bearing(
        json_response(
            {
                "access_token": result.secret,
                "token_type": "bearer",
                "expires_at": result.token.expires_at,
                "scope": result.token.scope,
            }
        )
    )


@router.post(
    "/auth/logout",
    operation_id="deleteCurrentToken",
    summary="Sign out: end this token now",
    status_code=204,
    responses={204: {"description": "Signed out."}, **problem_responses(401)},
)
def sign_out(actor: ActorDep, session: SessionDep) -> Response:
    if actor.token_id is not None:
        service.revoke_token(session=session, actor=actor, token_id=actor.token_id)
    return Response(status_code=204)


@router.get(
    "/users/me/tokens",
    operation_id="listMyTokens",
    summary="List my live tokens",
    response_model=ApiTokenList,
    responses=problem_responses(401),
)
def list_my_tokens(actor: ActorDep, session: SessionDep) -> Response:
    tokens = service.list_tokens(session=session, actor=actor)
    return json_response({"items": [service.token_to_dict(t, actor) for t in tokens]})


@router.post(
    "/users/me/tokens",
    operation_id="createApiToken",
    summary="Create a named API token for an automated client",
    status_code=201,
    response_model=ApiTokenCreated,
    responses={201: {"headers": NO_STORE_HEADER}, **problem_responses(401, 403, 413, 422)},
)
def create_api_token(
    data: ApiTokenCreate,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    token, secret = service.create_api_token(
        session=session,
        actor=actor,
        name=data.name,
        scope=data.scope,
        expires_in_days=data.expires_in_days,
    )
    return secret_bearing(
        json_response({**service.token_to_dict(token, actor), "token": secret}, status_code=201)
    )


@router.delete(
    "/users/me/tokens/{token_id}",
    operation_id="revokeToken",
    summary="Revoke one of my tokens",
    status_code=204,
    responses={204: {"description": "Revoked."}, **problem_responses(401, 404, 422)},
)
def revoke_token(token_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    service.revoke_token(session=session, actor=actor, token_id=token_id)
    return Response(status_code=204)
