"""HTTP routes for progress updates: post and list on a commitment; read, confirm and reject by
id. Evidence is attached with the attachment routes (`/updates/{id}/attachments`)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action
from itpp_api.commitments import service as commitments
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, IfMatch, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.updates import service
from itpp_api.updates.schemas import (
    ProgressUpdateCreate,
    ProgressUpdatePage,
    ProgressUpdatePublic,
)
from itpp_api.wire import require_if_match

router = APIRouter(tags=["progress updates"], route_class=OneHopRoute)
_MAX = get_settings().page_size_max


@router.post(
    "/commitments/{commitment_id}/updates",
    operation_id="createProgressUpdate",
    summary="Post a progress update on a commitment (If-Match: the commitment's ETag)",
    description="Records a dated report (status, progress, narrative). It sets the commitment's "
    "status and progress as a PATCH does — unless the plan's updates need confirmation, when "
    "it stays `pending` until an approver of the lead party confirms it. If-Match carries the "
    "commitment's ETag: the update changes the commitment.",
    status_code=201,
    response_model=ProgressUpdatePublic,
    responses={
        **record_response(201, created=True),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def create_progress_update(
    commitment_id: uuid.UUID,
    data: ProgressUpdateCreate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, commitment = commitments.get_commitment(
        session=session,
        actor=actor,
        commitment_id=commitment_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(
        if_match, commitments.commitment_etag(session=session, actor=actor, commitment=commitment)
    )
    update = service.create_update(
        session=session, actor=actor, plan=plan, commitment=commitment, data=data
    )
    body = service.update_as_dict(
        session=session, actor=actor, plan=plan, commitment=commitment, update=update
    )
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/updates/{update.id}"
    )


@router.get(
    "/commitments/{commitment_id}/updates",
    operation_id="listProgressUpdates",
    summary="A commitment's progress updates, newest as-of date first (cursor-paginated)",
    response_model=ProgressUpdatePage,
    responses=problem_responses(400, 404, 422),
)
def list_progress_updates(
    commitment_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    plan, commitment = commitments.get_commitment(
        session=session, actor=actor, commitment_id=commitment_id
    )
    items, next_cursor = service.list_updates(
        session=session, actor=actor, plan=plan, commitment=commitment, cursor=cursor, limit=limit
    )
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get(
    "/updates/{update_id}",
    operation_id="getProgressUpdate",
    summary="Get a progress update with its evidence",
    response_model=ProgressUpdatePublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_progress_update(update_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, commitment, update = service.get_update(session=session, actor=actor, update_id=update_id)
    body = service.update_as_dict(
        session=session, actor=actor, plan=plan, commitment=commitment, update=update
    )
    return json_response(body, etag=body["etag"])


def _decide(
    update_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: str | None, confirm: bool
) -> Response:
    plan, commitment, update = service.get_update(
        session=session, actor=actor, update_id=update_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.update_etag(update))
    service.decide(
        session=session,
        actor=actor,
        plan=plan,
        commitment=commitment,
        update=update,
        confirm=confirm,
    )
    body = service.update_as_dict(
        session=session, actor=actor, plan=plan, commitment=commitment, update=update
    )
    return json_response(body, etag=body["etag"])


@router.post(
    "/updates/{update_id}/confirm",
    operation_id="confirmProgressUpdate",
    summary="Confirm a pending progress update: it counts now (an approver of the lead party; "
    "If-Match required)",
    response_model=ProgressUpdatePublic,
    responses={**record_response(), **problem_responses(403, 404, 409, 412, 422, 428)},
)
def confirm_progress_update(
    update_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return _decide(update_id, session, actor, if_match, confirm=True)


@router.post(
    "/updates/{update_id}/reject",
    operation_id="rejectProgressUpdate",
    summary="Reject a pending progress update: it never counts (an approver of the lead party; "
    "If-Match required)",
    response_model=ProgressUpdatePublic,
    responses={**record_response(), **problem_responses(403, 404, 409, 412, 422, 428)},
)
def reject_progress_update(
    update_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return _decide(update_id, session, actor, if_match, confirm=False)
