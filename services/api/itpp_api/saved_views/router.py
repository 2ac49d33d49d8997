"""HTTP routes for saved views (each user's own)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.conventions import IdempotencyKey, json_response
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.saved_views import service
from itpp_api.saved_views.schemas import (
    SavedViewCreate,
    SavedViewList,
    SavedViewPage,
    SavedViewPublic,
)

router = APIRouter(tags=["saved views"], route_class=OneHopRoute)


@router.get(
    "/users/me/saved-views",
    operation_id="listSavedViews",
    summary="List my saved views (of one list, or of both), by name",
    response_model=SavedViewPage,
    responses=problem_responses(422),
)
def list_saved_views(
    session: SessionDep,
    actor: ActorDep,
    list_: Annotated[
        SavedViewList | None, Query(alias="list", description="Only the views of this list.")
    ] = None,
) -> Response:
    views = service.list_views(session=session, actor=actor, list_=list_)
    return json_response({"items": [service.view_to_dict(view) for view in views]})


@router.post(
    "/users/me/saved-views",
    operation_id="createSavedView",
    summary="Save a list's filters and order under a name (for me alone)",
    status_code=201,
    response_model=SavedViewPublic,
    responses=problem_responses(404, 409, 413, 422),
)
def create_saved_view(
    data: SavedViewCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    view = service.create_view(session=session, actor=actor, data=data)
    return json_response(
        service.view_to_dict(view),
        status_code=201,
        location=f"/api/v1/users/me/saved-views/{view.id}",
    )


@router.delete(
    "/users/me/saved-views/{view_id}",
    operation_id="deleteSavedView",
    summary="Delete one of my saved views",
    status_code=204,
    responses={204: {"description": "Deleted."}, **problem_responses(404, 422)},
)
def delete_saved_view(view_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    service.delete_view(session=session, actor=actor, view_id=view_id)
    return Response(status_code=204)
