"""HTTP routes of notification preferences and of one-click unsubscribe links (RFC 8058)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.service import lock_own_account, unauthorized
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, IfMatch, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.errors import NotFound, problem_responses
from itpp_api.notifications import preferences, unsubscribe
from itpp_api.notifications.schemas import (
    NotificationPreferences,
    NotificationPreferencesUpdate,
    Unsubscription,
)
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["users"], route_class=OneHopRoute)

Token = Annotated[
    str,
    Path(
        max_length=unsubscribe.MAX_TOKEN_LENGTH,
        description="The token of an unsubscribe link (from a mail's List-Unsubscribe).",
    ),
]
_INVALID = "This unsubscribe link is not valid (it may be incomplete or out of date)."


def _preferences_response(user_id: uuid.UUID, body: dict[str, str]) -> Response:
    document = preferences.to_dict(user_id, body)
    return json_response(document, etag=document["etag"])


@router.get(
    "/users/me/notification-preferences",
    operation_id="getNotificationPreferences",
    summary="How I hear of each kind of notification",
    response_model=NotificationPreferences,
    responses={**record_response(), **problem_responses(401, 403)},
)
def get_notification_preferences(actor: ActorDep, session: SessionDep) -> Response:
    policy.require_signed_in(actor)
    if actor.user_id is None:
        raise unauthorized("Sign in as a user.")
    return _preferences_response(
        actor.user_id, preferences.preferences_of(session=session, user_id=actor.user_id)
    )


@router.patch(
    "/users/me/notification-preferences",
    operation_id="updateNotificationPreferences",
    summary="Change how I hear of some kinds of notification (If-Match required)",
    description="Applies to notifications queued from now on: those already queued are "
    "delivered as they were queued, neither dropped nor sent twice.",
    response_model=NotificationPreferences,
    responses={**record_response(), **problem_responses(401, 403, 412, 413, 422, 428)},
)
def update_notification_preferences(
    data: NotificationPreferencesUpdate,
    actor: ActorDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    policy.authorize_own_account(actor)
    # The user's row lock serializes changes: the If-Match check and the write see one state.
    user = lock_own_account(session=session, actor=actor)
    current = preferences.preferences_of(session=session, user_id=user.id)
    require_if_match(if_match, preferences.etag_of(user.id, current))
    changed = preferences.change_preferences(
        session=session, actor=actor, user=user, changes=data.preferences
    )
    return _preferences_response(user.id, changed)


def _verified(token: str) -> unsubscribe.Unsubscription:
    found = unsubscribe.verify(unsubscribe.secret_key(get_settings()), token)
    if found is None:
        raise NotFound(_INVALID)
    return found


@router.get(
    "/notification-unsubscriptions/{token}",
    operation_id="getUnsubscription",
    summary="What an unsubscribe link would turn off (no header needed: the link is the "
    "credential); changes nothing",
    response_model=Unsubscription,
    responses=problem_responses(404, 422, authenticated=False),
)
def get_unsubscription(token: Token, session: SessionDep) -> Response:
    found = _verified(token)
    language = preferences.language_of(session=session, user_id=found.user_id)
    if language is None:
        raise NotFound(_INVALID)
    return _unsubscription(session, found, language)


def _unsubscription(
    session: SessionDep, found: unsubscribe.Unsubscription, language: str
) -> Response:
    now = preferences.preferences_of(session=session, user_id=found.user_id)
    return json_response(
        {
            "kinds": list(found.kinds),
            "preferences": {kind: now[kind] for kind in found.kinds},
            "language": language,
        }
    )


@router.post(
    "/notification-unsubscriptions/{token}",
    operation_id="unsubscribe",
    summary="Turn off the kinds of notification an unsubscribe link names (RFC 8058 one-click; "
    "no header needed)",
    response_model=Unsubscription,
    responses=problem_responses(404, 422, authenticated=False),
)
def post_unsubscription(
    token: Token,
    session: SessionDep,
    # Documented like every POST; the change is idempotent anyway (off stays off).
    idempotency_key: IdempotencyKey = None,
) -> Response:
    found = _verified(token)
    language = preferences.language_of(session=session, user_id=found.user_id)
    if language is None or not preferences.unsubscribe(
        session=session, user_id=found.user_id, kinds=found.kinds
    ):
        raise NotFound(_INVALID)
    return _unsubscription(session, found, language)
