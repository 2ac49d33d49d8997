"""HTTP route of the signed-in user's inbox."""

from fastapi import APIRouter
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.service import unauthorized
from itpp_api.conventions import json_response
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.inbox import service
from itpp_api.inbox.schemas import Inbox
from itpp_api.routing import OneHopRoute

router = APIRouter(tags=["users"], route_class=OneHopRoute)


@router.get(
    "/users/me/inbox",
    operation_id="getCurrentUserInbox",
    summary="What waits on me or my party: consents, reviews, overdue commitments, "
    "exchanges and expiry ahead",
    description="Computed from the records on each request (nothing is stored), under the "
    "access policy: another party's internal records never appear and are never counted. "
    "Each item says what it asks of you (`action`) and links to the record where it is done "
    "(`href`).",
    response_model=Inbox,
    responses=problem_responses(401, 403),
)
def get_current_user_inbox(actor: ActorDep, session: SessionDep) -> Response:
    policy.require_signed_in(actor)
    if actor.party_id is None:
        raise unauthorized("Sign in as a user.")
    return json_response(service.inbox(session=session, actor=actor))
