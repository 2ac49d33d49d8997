"""HTTP routes for commitments and milestones."""

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep, bearer_scheme, well_formed
from itpp_api.auth.policy import Action
from itpp_api.auth.service import Touch, touch_token
from itpp_api.bounds import BoundedDate
from itpp_api.commitments import service
from itpp_api.commitments.schemas import (
    CommitmentCreate,
    CommitmentDetail,
    CommitmentPage,
    CommitmentPublic,
    CommitmentSort,
    CommitmentTable,
    CommitmentUpdate,
    MilestoneCreate,
    MilestoneList,
    MilestonePublic,
    MilestoneUpdate,
)
from itpp_api.concurrency import run_db, run_read
from itpp_api.config import get_settings
from itpp_api.conventions import (
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    PageNumber,
    conditional_json,
    conditional_response,
    json_response,
    record_response,
)
from itpp_api.deps import SessionDep
from itpp_api.enums import CommitmentStatus, Health, Modality
from itpp_api.errors import ValidationFailed, problem_responses
from itpp_api.exchanges.service import exchanges_of_commitment
from itpp_api.pagination import check_page_or_cursor
from itpp_api.plans.service import get_plan
from itpp_api.routing import OneHopRoute, canonical_uuid
from itpp_api.wire import require_if_match

router = APIRouter(tags=["commitments"], route_class=OneHopRoute)
_MAX = get_settings().page_size_max
_DEFAULT_LIMIT = 50
_NO_FILTERS = service.CommitmentFilters()


async def commitment_filters(
    status: Annotated[
        list[CommitmentStatus] | None, Query(description="Any of these statuses.")
    ] = None,
    priority_area: Annotated[
        list[str] | None,
        Query(description="Priority area id or code (e.g. 3.1.1); repeat for several."),
    ] = None,
    modality: Annotated[list[Modality] | None, Query()] = None,
    lead_party: Annotated[
        list[str] | None, Query(description="Lead party id or code (e.g. JP); repeat for several.")
    ] = None,
    organisation: Annotated[
        list[str] | None,
        Query(
            description="Organisation id or code leading or supporting the commitment; "
            "repeat for several."
        ),
    ] = None,
    health: Annotated[list[Health] | None, Query()] = None,
    due_before: Annotated[
        BoundedDate | None, Query(description="Due strictly before this date.")
    ] = None,
    due_after: Annotated[
        BoundedDate | None, Query(description="Due strictly after this date.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Text in the reference, the title or the description (any "
            "language), or in the name or code of the lead or a supporting organisation.",
        ),
    ] = None,
) -> service.CommitmentFilters:
    """The commitment list's filters from the query; its CSV/XLSX export takes the same.
    (Async: it only checks values, so it runs inline, off the thread pool.)"""
    for values in (priority_area, lead_party, organisation):
        if values and any(len(v) > 64 or not v.strip() for v in values):
            raise ValidationFailed(
                "priority_area, lead_party and organisation values are ids or short codes."
            )
    return service.CommitmentFilters(
        status=status or [],
        priority_area=priority_area or [],
        modality=modality or [],
        lead_party=lead_party or [],
        organisation=organisation or [],
        health=health or [],
        due_before=due_before,
        due_after=due_after,
        q=q,
    )


CommitmentFiltersDep = Annotated[service.CommitmentFilters, Depends(commitment_filters)]


async def list_commitments(
    plan_id: uuid.UUID,
    token: Annotated[str | None, Depends(bearer_scheme)],
    filters: CommitmentFiltersDep,
    sort: Annotated[
        CommitmentSort, Query(description="Stable order; '-' for descending.")
    ] = CommitmentSort.REFERENCE,
    limit: Annotated[
        int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")
    ] = _DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: PageNumber = None,
) -> Response:
    well_formed(token)  # a malformed token costs no connection
    check_page_or_cursor(page, cursor)
    touches: list[Touch] = []
    try:
        body = await run_read(
            service.list_page_json, token, plan_id, filters, sort, cursor, limit, page, touches
        )
    finally:
        for touch in touches:  # once a minute per token; in a write transaction of its own
            await run_db(touch_token, touch, write=True)
    return Response(content=body, media_type="application/json")


def _plain_page_request(plan_id: str, query_string: bytes) -> tuple[uuid.UUID, int] | None:
    """The plan id and page size of a request for a first page with no filter and the default
    order (`?limit=N` or nothing), when both are in their plainest valid form; else None."""
    if not query_string:
        limit = _DEFAULT_LIMIT
    elif query_string.startswith(b"limit=") and 6 < len(query_string) <= 9:
        digits = query_string[6:]
        if not digits.isdigit() or digits[0] == 48:  # b"0": no leading zeros
            return None
        limit = int(digits)
        if limit > _MAX:
            return None
    else:
        return None
    plan = canonical_uuid(plan_id)
    return None if plan is None else (plan, limit)


class _ListRoute(OneHopRoute):
    """The list's route, with a short way for the request almost every client sends.

    FastAPI solves the list's twelve parameters (eight filters, the order, the page size, the
    cursor, the token) for every request, about a tenth of the list's server time. A request
    with no filter, no cursor and the default order, at most `limit=N` in plain digits, and a
    plan id in its canonical form, has only one possible reading: the endpoint is called with
    those values and the defaults directly. Any other request, including every one FastAPI
    would refuse, goes the whole way, so validation, errors and the OpenAPI document are
    FastAPI's own.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def list_handler(request: Request) -> Response:
            plain = _plain_page_request(
                request.scope["path_params"].get("plan_id", ""), request.scope["query_string"]
            )
            if plain is None:
                return await handler(request)
            plan_id, limit = plain
            return await list_commitments(
                plan_id=plan_id,
                token=await bearer_scheme(request),
                filters=_NO_FILTERS,
                sort=CommitmentSort.REFERENCE,
                limit=limit,
                cursor=None,
                page=None,
            )

        return list_handler


router.add_api_route(
    "/plans/{plan_id}/commitments",
    list_commitments,
    methods=["GET"],
    operation_id="listCommitments",
    summary="List a plan's commitments (filtered, sorted, paginated, counted)",
    response_model=CommitmentPage,
    responses=problem_responses(400, 404, 422),
    route_class_override=_ListRoute,
)


@router.get(
    "/plans/{plan_id}/commitment-table",
    operation_id="getPlanCommitmentTable",
    summary="A plan's commitments page in one read: the plan and one page of its commitments",
    description="The answers of `GET /plans/{plan_id}` and `GET /plans/{plan_id}/commitments` "
    "(with the same query: filters, order, page) together, read under the same access rules (a "
    "plan you may not read is a 404, as for each of them). An `ETag` follows the whole answer; "
    "`If-None-Match` with it answers 304 while nothing in it changed.",
    response_model=CommitmentTable,
    responses={**conditional_response(), **problem_responses(400, 404, 422)},
)
def get_plan_commitment_table(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    filters: CommitmentFiltersDep,
    sort: Annotated[
        CommitmentSort, Query(description="Stable order; '-' for descending.")
    ] = CommitmentSort.REFERENCE,
    limit: Annotated[
        int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")
    ] = _DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: PageNumber = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    check_page_or_cursor(page, cursor)
    body = service.commitment_table(
        session=session,
        actor=actor,
        plan_id=plan_id,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
        page=page,
    )
    return conditional_json(body, if_none_match)


@router.post(
    "/plans/{plan_id}/commitments",
    operation_id="createCommitment",
    summary="Create a commitment under a priority area",
    status_code=201,
    response_model=CommitmentPublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def create_commitment(
    plan_id: uuid.UUID,
    data: CommitmentCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan = get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    commitment = service.create_commitment(session=session, actor=actor, plan=plan, data=data)
    body = service.commitment_as_dict(
        session=session, actor=actor, commitment_id=commitment.id, plan=plan
    )
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/commitments/{commitment.id}"
    )


@router.get(
    "/commitments/{commitment_id}",
    operation_id="getCommitment",
    summary="Get a commitment with its milestones and the exchanges that deliver it",
    response_model=CommitmentDetail,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_commitment(commitment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    body = service.read_commitment(session=session, actor=actor, commitment_id=commitment_id)
    body["exchanges"] = exchanges_of_commitment(
        session=session, actor=actor, commitment_id=commitment_id
    )
    return json_response(body, etag=body["etag"])


@router.patch(
    "/commitments/{commitment_id}",
    operation_id="updateCommitment",
    summary="Update a commitment (If-Match required)",
    response_model=CommitmentPublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def update_commitment(
    commitment_id: uuid.UUID,
    data: CommitmentUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, commitment = service.get_commitment(
        session=session,
        actor=actor,
        commitment_id=commitment_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(
        if_match, service.commitment_etag(session=session, actor=actor, commitment=commitment)
    )
    service.update_commitment(
        session=session, actor=actor, plan=plan, commitment=commitment, data=data
    )
    body = service.commitment_as_dict(
        session=session, actor=actor, commitment_id=commitment.id, plan=plan
    )
    return json_response(body, etag=body["etag"])


@router.delete(
    "/commitments/{commitment_id}",
    operation_id="cancelCommitment",
    summary="Cancel a commitment (it stays on record; If-Match required)",
    response_model=CommitmentPublic,
    responses={**record_response(), **problem_responses(404, 409, 412, 422, 428)},
)
def cancel_commitment(
    commitment_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    plan, commitment = service.get_commitment(
        session=session,
        actor=actor,
        commitment_id=commitment_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(
        if_match, service.commitment_etag(session=session, actor=actor, commitment=commitment)
    )
    service.cancel_commitment(session=session, actor=actor, plan=plan, commitment=commitment)
    body = service.commitment_as_dict(
        session=session, actor=actor, commitment_id=commitment.id, plan=plan
    )
    return json_response(body, etag=body["etag"])


# --- milestones ---------------------------------------------------------------------------


@router.get(
    "/commitments/{commitment_id}/milestones",
    operation_id="listMilestones",
    summary="List a commitment's milestones",
    response_model=MilestoneList,
    responses=problem_responses(404, 422),
)
def list_milestones(commitment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, commitment = service.get_commitment(
        session=session, actor=actor, commitment_id=commitment_id
    )
    milestones = service.list_milestones(session=session, commitment_id=commitment.id)
    return json_response(
        {
            "items": [
                service.milestone_as_dict(m, actor=actor, plan=plan, commitment=commitment)
                for m in milestones
            ]
        }
    )


@router.post(
    "/commitments/{commitment_id}/milestones",
    operation_id="createMilestone",
    summary="Add a milestone to a commitment",
    status_code=201,
    response_model=MilestonePublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def create_milestone(
    commitment_id: uuid.UUID,
    data: MilestoneCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, commitment = service.get_commitment(
        session=session,
        actor=actor,
        commitment_id=commitment_id,
        action=Action.WRITE,
        for_update=True,
    )
    milestone = service.create_milestone(
        session=session, actor=actor, plan=plan, commitment=commitment, data=data
    )
    body = service.milestone_as_dict(milestone, actor=actor, plan=plan, commitment=commitment)
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/milestones/{milestone.id}"
    )


@router.get(
    "/milestones/{milestone_id}",
    operation_id="getMilestone",
    summary="Get a milestone",
    response_model=MilestonePublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_milestone(milestone_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, commitment, milestone = service.get_milestone(
        session=session, actor=actor, milestone_id=milestone_id
    )
    body = service.milestone_as_dict(milestone, actor=actor, plan=plan, commitment=commitment)
    return json_response(body, etag=body["etag"])


@router.patch(
    "/milestones/{milestone_id}",
    operation_id="updateMilestone",
    summary="Update a milestone (If-Match required)",
    response_model=MilestonePublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def update_milestone(
    milestone_id: uuid.UUID,
    data: MilestoneUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, commitment, milestone = service.get_milestone(
        session=session,
        actor=actor,
        milestone_id=milestone_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(if_match, service.milestone_as_dict(milestone)["etag"])
    service.update_milestone(
        session=session,
        actor=actor,
        plan=plan,
        commitment=commitment,
        milestone=milestone,
        data=data,
    )
    body = service.milestone_as_dict(milestone, actor=actor, plan=plan, commitment=commitment)
    return json_response(body, etag=body["etag"])


@router.delete(
    "/milestones/{milestone_id}",
    operation_id="deleteMilestone",
    summary="Remove a milestone (If-Match required)",
    status_code=204,
    responses={204: {"description": "Removed."}, **problem_responses(404, 409, 412, 422, 428)},
)
def delete_milestone(
    milestone_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    plan, commitment, milestone = service.get_milestone(
        session=session,
        actor=actor,
        milestone_id=milestone_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(if_match, service.milestone_as_dict(milestone)["etag"])
    service.delete_milestone(
        session=session, actor=actor, plan=plan, commitment=commitment, milestone=milestone
    )
    return Response(status_code=204)
