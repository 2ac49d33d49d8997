"""HTTP routes for plans, priority areas and plan versions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from itpp_api.amendments import diff, history
from itpp_api.amendments.schemas import PlanAsOf, PlanVersionDiff
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action, PlanActions
from itpp_api.bounds import BoundedDate
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, IfMatch, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.enums import PlanStatus
from itpp_api.errors import problem_responses
from itpp_api.plans import changes, service
from itpp_api.plans import versions as plan_versions
from itpp_api.plans.schemas import (
    PlanCreate,
    PlanPage,
    PlanPublic,
    PlanUpdate,
    PlanVersionList,
    PlanVersionPublic,
    PriorityAreaCreate,
    PriorityAreaList,
    PriorityAreaOrder,
    PriorityAreaPublic,
    PriorityAreaUpdate,
)
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(route_class=OneHopRoute)
_MAX = get_settings().page_size_max

Limit = Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="next_cursor of the previous page.")
]


@router.get(
    "/plans",
    tags=["plans"],
    operation_id="listPlans",
    summary="List plans",
    response_model=PlanPage,
    responses=problem_responses(400, 422),
)
def list_plans(
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[list[PlanStatus] | None, Query(description="Only these statuses.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    items, next_cursor = service.list_plans(
        session=session, actor=actor, status=status, cursor=cursor, limit=limit
    )
    return json_response({"items": items, "next_cursor": next_cursor})


@router.post(
    "/plans",
    tags=["plans"],
    operation_id="createPlan",
    summary="Create a draft plan",
    status_code=201,
    response_model=PlanPublic,
    responses={**record_response(201, created=True), **problem_responses(409, 413, 422)},
)
def create_plan(
    data: PlanCreate, session: SessionDep, actor: ActorDep, idempotency_key: IdempotencyKey = None
) -> Response:
    plan = service.create_plan(session=session, actor=actor, data=data)
    return json_response(
        service.plan_as_dict(session=session, plan=plan, actor=actor),
        status_code=201,
        etag=service.plan_etag(plan),
        location=f"/api/v1/plans/{plan.id}",
    )


@router.get(
    "/plans/{plan_id}",
    tags=["plans"],
    operation_id="getPlan",
    summary="Get a plan",
    response_model=PlanPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_plan(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response(
        service.plan_as_dict(session=session, plan=plan, actor=actor), etag=service.plan_etag(plan)
    )


@router.patch(
    "/plans/{plan_id}",
    tags=["plans"],
    operation_id="updatePlan",
    summary="Update a plan (If-Match required)",
    response_model=PlanPublic,
    responses={**record_response(), **problem_responses(404, 409, 412, 413, 422, 428)},
)
def update_plan(
    plan_id: uuid.UUID,
    data: PlanUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan = service.get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.plan_etag(plan))
    plan = changes.update_plan(session=session, actor=actor, plan=plan, data=data)
    return json_response(
        service.plan_as_dict(session=session, plan=plan, actor=actor), etag=service.plan_etag(plan)
    )


@router.delete(
    "/plans/{plan_id}",
    tags=["plans"],
    operation_id="deletePlan",
    summary="Delete a draft that never came into force (softly; If-Match required)",
    description=(
        "Only a draft that awaits no party's approval, by an editor, approver or admin of one "
        "of its parties (`delete` in its allowed actions). The plan leaves every list and "
        "reads 404 from then on; its records are kept and the deletion is an audit event. A "
        "plan that was ever in force, an abandoned draft and a draft proposed for coming into "
        "force get 409 `/problems/plan-not-deletable`."
    ),
    status_code=204,
    responses={204: {"description": "Deleted."}, **problem_responses(404, 409, 412, 422, 428)},
)
def delete_plan(
    plan_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    plan = service.get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.plan_etag(plan))
    service.delete_plan(session=session, actor=actor, plan=plan)
    return Response(status_code=204)


# --- priority areas -----------------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/priority-areas",
    tags=["priority areas"],
    operation_id="listPriorityAreas",
    summary="List a plan's priority areas in order",
    response_model=PriorityAreaList,
    responses=problem_responses(404, 422),
)
def list_priority_areas(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    areas = service.list_areas(session=session, plan_id=plan.id)
    actions = PlanActions.of(actor, plan)
    return json_response({"items": [service.area_to_dict(a, actions) for a in areas]})


@router.post(
    "/plans/{plan_id}/priority-areas",
    tags=["priority areas"],
    operation_id="createPriorityArea",
    summary="Add a priority area",
    status_code=201,
    response_model=PriorityAreaPublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def create_priority_area(
    plan_id: uuid.UUID,
    data: PriorityAreaCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan = service.get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    area = service.create_area(session=session, actor=actor, plan=plan, data=data)
    body = service.area_to_dict(area, PlanActions.of(actor, plan))
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/priority-areas/{area.id}"
    )


@router.post(
    "/plans/{plan_id}/priority-areas/order",
    tags=["priority areas"],
    operation_id="reorderPriorityAreas",
    summary="Put a plan's priority areas in a new order",
    response_model=PriorityAreaList,
    responses=problem_responses(404, 409, 413, 422),
)
def reorder_priority_areas(
    plan_id: uuid.UUID,
    data: PriorityAreaOrder,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan = service.get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    areas = service.reorder_areas(session=session, actor=actor, plan=plan, data=data)
    actions = PlanActions.of(actor, plan)
    return json_response({"items": [service.area_to_dict(a, actions) for a in areas]})


@router.get(
    "/priority-areas/{area_id}",
    tags=["priority areas"],
    operation_id="getPriorityArea",
    summary="Get a priority area",
    response_model=PriorityAreaPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_priority_area(area_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, area = service.get_area_for(session=session, actor=actor, area_id=area_id)
    body = service.area_to_dict(area, PlanActions.of(actor, plan))
    return json_response(body, etag=body["etag"])


@router.patch(
    "/priority-areas/{area_id}",
    tags=["priority areas"],
    operation_id="updatePriorityArea",
    summary="Update a priority area (If-Match required)",
    response_model=PriorityAreaPublic,
    responses={**record_response(), **problem_responses(404, 409, 412, 413, 422, 428)},
)
def update_priority_area(
    area_id: uuid.UUID,
    data: PriorityAreaUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, area = service.get_area_for(
        session=session, actor=actor, area_id=area_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.area_to_dict(area)["etag"])
    body = service.area_to_dict(
        service.update_area(session=session, actor=actor, plan=plan, area=area, data=data),
        PlanActions.of(actor, plan),
    )
    return json_response(body, etag=body["etag"])


@router.post(
    "/priority-areas/{area_id}/retire",
    tags=["priority areas"],
    operation_id="retirePriorityArea",
    summary="Retire a draft's priority area (If-Match required)",
    description=(
        "On a draft only (`retire` with `update` in the area's allowed actions): the area stays "
        "on record with `retired_at` and takes no new commitments. Refused (422 "
        "`priority_area_in_use`) while live commitments stand under it. On a plan in force "
        "retiring an area is an amendment: 409 `/problems/amendment-required` with the change "
        "set to propose."
    ),
    response_model=PriorityAreaPublic,
    responses={**record_response(), **problem_responses(404, 409, 412, 422, 428)},
)
def retire_priority_area(
    area_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, area = service.get_area_for(
        session=session, actor=actor, area_id=area_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.area_to_dict(area)["etag"])
    body = service.area_to_dict(
        service.retire_draft_area(session=session, actor=actor, plan=plan, area=area),
        PlanActions.of(actor, plan),
    )
    return json_response(body, etag=body["etag"])


# --- versions -----------------------------------------------------------------------------


@router.get(
    "/plans/{plan_id}/versions",
    tags=["versions"],
    operation_id="listPlanVersions",
    summary="List a plan's versions, newest first",
    response_model=PlanVersionList,
    responses=problem_responses(404, 422),
)
def list_plan_versions(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    versions = plan_versions.list_versions(session=session, plan_id=plan.id)
    return json_response(
        {"items": [plan_versions.version_to_dict(v, with_snapshot=False) for v in versions]}
    )


# Before /versions/{number}, which would take 'diff' for a number.
@router.get(
    "/plans/{plan_id}/versions/diff",
    tags=["versions"],
    operation_id="diffPlanVersions",
    summary="What changed between two versions of a plan",
    response_model=PlanVersionDiff,
    responses=problem_responses(404, 422),
)
def diff_plan_versions(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    from_version: Annotated[
        int, Query(alias="from", ge=1, le=1_000_000, description="The older version's number.")
    ],
    to_version: Annotated[
        int, Query(alias="to", ge=1, le=1_000_000, description="The newer version's number.")
    ],
) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    older = plan_versions.get_version(session=session, plan_id=plan.id, number=from_version)
    newer = plan_versions.get_version(session=session, plan_id=plan.id, number=to_version)
    return json_response(diff.diff_versions(older, newer))


@router.get(
    "/plans/{plan_id}/as-of",
    tags=["versions"],
    operation_id="getPlanAsOf",
    summary="The plan and its commitments' status and progress as they stood on a date",
    response_model=PlanAsOf,
    responses=problem_responses(404, 422),
)
def get_plan_as_of(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    on: Annotated[
        BoundedDate,
        Query(alias="date", description="YYYY-MM-DD; the state at the end of that day (UTC)."),
    ],
) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response(history.plan_as_of(session=session, actor=actor, plan=plan, day=on))


@router.get(
    "/plans/{plan_id}/versions/{number}",
    tags=["versions"],
    operation_id="getPlanVersion",
    summary="Get one version of a plan with its full snapshot",
    response_model=PlanVersionPublic,
    responses=problem_responses(404, 422),
)
def get_plan_version(
    plan_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    plan = service.get_plan(session=session, plan_id=plan_id, actor=actor)
    version = plan_versions.get_version(session=session, plan_id=plan.id, number=number)
    return json_response(plan_versions.version_to_dict(version, with_snapshot=True))
