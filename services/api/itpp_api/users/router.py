"""HTTP routes for the caller's own profile and for party admins managing users."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.addresses import client_address
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.auth.schemas import (
    PasswordChange,
    PasswordReset,
    ProfileUpdate,
    TotpConfirmation,
    TotpEnrolment,
    TotpEnrolmentStart,
    UserCreate,
    UserList,
    UserPublic,
    UserUpdate,
)
from itpp_api.auth.service import lock_own_account, unauthorized
from itpp_api.conventions import (
    NO_STORE_HEADER,
    IdempotencyKey,
    IfMatch,
    json_response,
    make_etag,
    problem_response,
    record_response,
    require_if_match,
    secret_bearing,
)
from itpp_api.deps import SessionDep
from itpp_api.enums import TokenScope
from itpp_api.errors import RuleViolation, problem_responses
from itpp_api.users import service

# Handlers that hash passwords are plain `def`: FastAPI runs them in a worker thread, so the
# deliberately slow Argon2 work never blocks the event loop.
router = APIRouter(tags=["users"])
_NO_PROOF = TotpEnrolmentStart()


def _public(session: SessionDep, user: User) -> Response:
    body = service.user_to_dict(user, service.party_code(session=session, party_id=user.party_id))
    return json_response(body, etag=body["etag"])


def _me(session: SessionDep, actor: ActorDep) -> User:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise unauthorized("Sign in as a user.")
    return user


@router.get(
    "/users/me",
    operation_id="getCurrentUser",
    summary="Who am I",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401)},
)
def get_current_user(actor: ActorDep, session: SessionDep) -> Response:
    return _public(session, _me(session, actor))


@router.patch(
    "/users/me",
    operation_id="updateCurrentUser",
    summary="Change my display name or language (If-Match required)",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 403, 412, 413, 422, 428)},
)
def update_current_user(
    data: ProfileUpdate, actor: ActorDep, session: SessionDep, if_match: IfMatch = None
) -> Response:
    require_if_match(if_match, make_etag(_me(session, actor).id, _me(session, actor).row_version))
    user = service.update_profile(
        session=session, actor=actor, changes=data.model_dump(exclude_unset=True, exclude_none=True)
    )
    return _public(session, user)


@router.post(
    "/users/me/password",
    operation_id="changePassword",
    summary="Change my password (with the current one; ends all my tokens)",
    status_code=204,
    responses={
        204: {"description": "Changed; sign in again."},
        **problem_responses(401, 403, 413, 422, 429),
    },
)
def change_password(
    data: PasswordChange,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    policy.authorize_own_account(actor)
    change = service.own_account_for_change(
        session=session, actor=actor, address=client_address(request.scope), proof_needed=True
    )
    try:
        service.verify_current_credentials(
            session=session, change=change, password=data.current_password
        )
    except service.CredentialRefused as refused:
        return problem_response(refused.error, request.url.path)
    user = change.user
    service.check_password(
        data.new_password, field="new_password", user_inputs=(user.email, user.display_name)
    )
    new_hash = hash_password(data.new_password)
    service.set_password(session=session, actor=actor, user=user, password_hash=new_hash)
    return Response(status_code=204)


@router.post(
    "/users/me/totp",
    operation_id="startTotpEnrolment",
    summary="Begin setting up (or replacing) my second factor",
    description="A token that may only enrol (from signing in without a second factor) sends "
    "no body. Any other token sends `current_password`, and `current_code` when a second "
    "factor is already set up: the new one replaces it once confirmed.",
    status_code=201,
    response_model=TotpEnrolment,
    responses={
        201: {"headers": NO_STORE_HEADER},
        **problem_responses(401, 403, 413, 422, 429),
    },
)
def start_totp_enrolment(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    # Optional: a token that may only enrol sends no body.
    proof: Annotated[TotpEnrolmentStart, Body()] = _NO_PROOF,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    policy.authorize_own_account(actor, enrolment=True)
    change = service.own_account_for_change(
        session=session,
        actor=actor,
        address=client_address(request.scope),
        # An enrolment-only token comes straight from a sign-in with the password.
        proof_needed=actor.scope is not TokenScope.ENROL_TOTP,
    )
    try:
        secret, uri = service.start_totp(
            session=session,
            actor=actor,
            change=change,
            current_password=proof.current_password,
            current_code=proof.current_code,
        )
    except service.CredentialRefused as refused:
        return problem_response(refused.error, request.url.path)
    return secret_bearing(
        json_response({"secret": secret, "provisioning_uri": uri}, status_code=201)
    )


@router.post(
    "/users/me/totp/confirm",
    operation_id="confirmTotpEnrolment",
    summary="Finish setting up my second factor (ends all my tokens)",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 409, 413, 422)},
)
def confirm_totp_enrolment(
    data: TotpConfirmation,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    policy.authorize_own_account(actor, enrolment=True)
    user = lock_own_account(session=session, actor=actor)
    return _public(
        session, service.confirm_totp(session=session, actor=actor, user=user, code=data.code)
    )


# --- party admins -------------------------------------------------------------------------


@router.get(
    "/users",
    operation_id="listUsers",
    summary="List my party's users (admins)",
    response_model=UserList,
    responses=problem_responses(401, 403),
)
def list_users(actor: ActorDep, session: SessionDep) -> Response:
    users = service.list_users(session=session, actor=actor)
    code = service.party_code(session=session, party_id=actor.party_id) if actor.party_id else ""
    return json_response({"items": [service.user_to_dict(u, code) for u in users]})


@router.post(
    "/users",
    operation_id="createUser",
    summary="Add a user to my party (admins)",
    status_code=201,
    response_model=UserPublic,
    responses={**record_response(201, created=True), **problem_responses(401, 403, 409, 413, 422)},
)
def create_user(
    data: UserCreate,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if actor.party_id is None:
        raise RuleViolation("The system account has no party; use `itpp users create`.")
    policy.authorize_manage_users(actor, actor.party_id)
    service.check_password(
        data.password, field="password", user_inputs=(data.email, data.display_name)
    )
    password_hash = hash_password(data.password)
    user = service.create_user(
        session=session,
        actor=actor,
        party_id=actor.party_id,
        email=data.email,
        display_name=data.display_name,
        role=data.role,
        preferred_language=data.preferred_language,
        password_hash=password_hash,
    )
    response = _public(session, user)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return response


@router.get(
    "/users/{user_id}",
    operation_id="getUser",
    summary="Get a user of my party (admins)",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 403, 404, 422)},
)
def get_user(user_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    return _public(session, service.get_user(session=session, actor=actor, user_id=user_id))


@router.patch(
    "/users/{user_id}",
    operation_id="updateUser",
    summary="Change another user of my party: role, language, active (admins; If-Match)",
    response_model=UserPublic,
    responses={
        **record_response(),
        **problem_responses(401, 403, 404, 412, 413, 422, 428),
    },
)
def update_user(
    user_id: uuid.UUID,
    data: UserUpdate,
    actor: ActorDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    user = service.get_user(session=session, actor=actor, user_id=user_id, for_update=True)
    require_if_match(if_match, make_etag(user.id, user.row_version))
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    return _public(
        session, service.update_user(session=session, actor=actor, user=user, changes=changes)
    )


@router.post(
    "/users/{user_id}/password",
    operation_id="resetPassword",
    summary="Set a new password for another user of my party (admins; ends their tokens)",
    status_code=204,
    responses={204: {"description": "Set."}, **problem_responses(401, 403, 404, 413, 422)},
)
def reset_password(
    user_id: uuid.UUID,
    data: PasswordReset,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    user = service.get_user(session=session, actor=actor, user_id=user_id, for_update=True)
    policy.authorize_manage_user(actor, user.id, user.party_id)
    service.check_password(
        data.new_password, field="new_password", user_inputs=(user.email, user.display_name)
    )
    new_hash = hash_password(data.new_password)
    service.reset_password(session=session, actor=actor, user=user, password_hash=new_hash)
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/totp/reset",
    operation_id="resetTotp",
    summary="Clear another user's second factor so they enrol again (admins)",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 403, 404, 413, 422)},
)
def reset_totp(
    user_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    user = service.get_user(session=session, actor=actor, user_id=user_id, for_update=True)
    return _public(session, service.reset_totp(session=session, actor=actor, user=user))
