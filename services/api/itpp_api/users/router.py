"""HTTP routes for the caller's own profile and for party admins managing users."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.addresses import client_address
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.auth.schemas import (
    AdminReauthentication,
    InvitationAcceptance,
    InvitationPublic,
    PasswordChange,
    PasswordReset,
    ProfileUpdate,
    TotpConfirmation,
    TotpEnrolment,
    TotpEnrolmentStart,
    UserCreate,
    UserInvite,
    UserList,
    UserPublic,
    UserUpdate,
)
from itpp_api.auth.service import lock_own_account
from itpp_api.conventions import (
    NO_STORE_HEADER,
    IdempotencyKey,
    IfMatch,
    json_response,
    problem_response,
    record_response,
    secret_bearing,
)
from itpp_api.deps import SessionDep
from itpp_api.enums import TokenScope
from itpp_api.errors import RuleViolation, problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.users import invitations, service
from itpp_api.wire import make_etag, require_if_match

# Handlers that hash passwords are plain `def`: FastAPI runs them in a worker thread, so the
# deliberately slow Argon2 work never blocks the event loop.
router = APIRouter(tags=["users"], route_class=OneHopRoute)
_NO_PROOF = TotpEnrolmentStart()


def _public(
    session: SessionDep, user: User, actor: Actor | None = None, *, status_code: int = 200
) -> Response:
    """A user as the caller reads them: their own account with what it may do across the
    service, another user (an admin's read) with what the admin may do with them."""
    if actor is None:
        actions: tuple[str, ...] = ()
    elif actor.user_id == user.id:
        actions = policy.account_actions(actor)
    else:
        actions = policy.user_actions(
            actor, user.id, user.party_id, totp_enabled=user.totp_confirmed_at is not None
        )
    body = service.user_to_dict(
        user,
        service.party_code(session=session, party_id=user.party_id),
        allowed_actions=actions,
        invitation_pending=bool(invitations.pending_user_ids(session=session, user_ids=[user.id]))
        if not user.is_active
        else False,
    )
    return json_response(body, etag=body["etag"], status_code=status_code)


def _me(session: SessionDep, actor: ActorDep) -> User:
    return service.current_user(session=session, actor=actor)


@router.get(
    "/users/me",
    operation_id="getCurrentUser",
    summary="Who am I",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401)},
)
def get_current_user(actor: ActorDep, session: SessionDep) -> Response:
    return _public(session, _me(session, actor), actor)


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
    return _public(session, user, actor)


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
        session,
        service.confirm_totp(session=session, actor=actor, user=user, code=data.code),
        actor,
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
    pending = invitations.pending_user_ids(
        session=session, user_ids=[u.id for u in users if not u.is_active]
    )
    return json_response(
        {
            "items": [
                service.user_to_dict(
                    u,
                    code,
                    allowed_actions=policy.user_actions(
                        actor, u.id, u.party_id, totp_enabled=u.totp_confirmed_at is not None
                    ),
                    invitation_pending=u.id in pending,
                )
                for u in users
            ]
        }
    )


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
    response = _public(session, user, actor, status_code=201)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return response


@router.post(
    "/users/invitations",
    operation_id="inviteUser",
    summary="Invite a user to my party: they choose their password by a one-time link (admins)",
    description="The user is created inactive and a mail with a one-time link is queued; the "
    "link works once, for ITPP_INVITATION_HOURS. Opening it (the web's set-password page) the "
    "user chooses a password (`POST /invitations/{token}`), which makes them active.",
    status_code=201,
    response_model=UserPublic,
    responses={**record_response(201, created=True), **problem_responses(401, 403, 409, 413, 422)},
)
def invite_user(
    data: UserInvite,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if actor.party_id is None:
        raise RuleViolation("The system account has no party; use `itpp users create`.")
    policy.authorize_manage_users(actor, actor.party_id)
    user = service.create_user(
        session=session,
        actor=actor,
        party_id=actor.party_id,
        email=data.email,
        display_name=data.display_name,
        role=data.role,
        preferred_language=data.preferred_language,
        password_hash=invitations.unusable_password_hash(),
        is_active=False,
    )
    invitations.invite(session=session, actor=actor, user=user)
    response = _public(session, user, actor, status_code=201)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return response


InvitationToken = Annotated[
    str, Path(max_length=invitations.MAX_TOKEN_LENGTH, description="The link's token.")
]


@router.get(
    "/invitations/{token}",
    operation_id="getInvitation",
    summary="Whom a one-time set-password link is for (no sign-in)",
    response_model=InvitationPublic,
    responses={
        200: {"headers": NO_STORE_HEADER},
        **problem_responses(404, 422, authenticated=False),
    },
)
def get_invitation(token: InvitationToken, session: SessionDep) -> Response:
    opened = invitations.open_invitation(session=session, token=token)
    return secret_bearing(json_response(invitations.invitation_to_dict(opened)))


@router.post(
    "/invitations/{token}",
    operation_id="acceptInvitation",
    summary="Choose my password with a one-time link, which makes my account active (no sign-in)",
    status_code=204,
    responses={
        204: {"description": "The password is set: sign in with it."},
        **problem_responses(404, 413, 422, authenticated=False),
    },
)
def accept_invitation(
    token: InvitationToken,
    data: InvitationAcceptance,
    session: SessionDep,
    # Documented like every POST; a replay finds the link spent (404), never a second password.
    idempotency_key: IdempotencyKey = None,
) -> Response:
    opened = invitations.open_invitation(session=session, token=token, for_update=True)
    user = opened.user
    service.check_password(
        data.password, field="password", user_inputs=(user.email, user.display_name)
    )
    invitations.accept(session=session, opened=opened, password_hash=hash_password(data.password))
    return Response(status_code=204)


@router.get(
    "/users/{user_id}",
    operation_id="getUser",
    summary="Get a user of my party (admins)",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 403, 404, 422)},
)
def get_user(user_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    return _public(session, service.get_user(session=session, actor=actor, user_id=user_id), actor)


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
    if actor.party_id is not None:
        # The party's admins before the user (one lock order: services.lock_party_admins).
        service.lock_party_admins(session=session, party_id=actor.party_id)
    user = service.get_user(session=session, actor=actor, user_id=user_id, for_update=True)
    require_if_match(if_match, make_etag(user.id, user.row_version))
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    return _public(
        session,
        service.update_user(session=session, actor=actor, user=user, changes=changes),
        actor,
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
    summary="Clear another user's second factor so they enrol again (admins; re-authenticate)",
    description="The admin proves themselves again in this request: `current_password`, and "
    "`current_code` of their own second factor when they have one. A wrong one counts like a "
    "failed sign-in (and is refused with 429 while the account waits).",
    response_model=UserPublic,
    responses={**record_response(), **problem_responses(401, 403, 404, 413, 422, 429)},
)
def reset_totp(
    user_id: uuid.UUID,
    proof: AdminReauthentication,
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if actor.party_id is None:
        raise RuleViolation("The system account resets second factors with `itpp users`.")
    # A user of another party does not exist for the caller (404); the admin's own account is
    # refused (403): both before any proof is asked for.
    target = service.get_user(session=session, actor=actor, user_id=user_id)
    policy.authorize_manage_user(actor, target.id, target.party_id)
    # The throttle, then the admin's own user, then the other user: the lock order of sign-in.
    change = service.own_account_for_change(
        session=session, actor=actor, address=client_address(request.scope), proof_needed=True
    )
    needs_code = change.user.totp_confirmed_at is not None
    if needs_code and proof.current_code is None:
        raise service.missing("current_code", "a current code of your own second factor")
    try:
        service.verify_current_credentials(
            session=session,
            change=change,
            password=proof.current_password,
            code=proof.current_code if needs_code else None,
        )
    except service.CredentialRefused as refused:
        return problem_response(refused.error, request.url.path)
    user = service.get_user(session=session, actor=actor, user_id=user_id, for_update=True)
    return _public(session, service.reset_totp(session=session, actor=actor, user=user), actor)
