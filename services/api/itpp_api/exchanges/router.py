"""HTTP routes for exchanges and placements."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action, PlanActions
from itpp_api.bounds import BoundedDate
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, IfMatch, PageNumber, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.enums import ExchangeKind, ExchangeStatus
from itpp_api.errors import ValidationFailed, problem_responses
from itpp_api.exchanges import service
from itpp_api.exchanges.schemas import (
    ExchangeCreate,
    ExchangePage,
    ExchangePublic,
    ExchangeSort,
    ExchangeUpdate,
)
from itpp_api.pagination import check_page_or_cursor
from itpp_api.plans.service import get_plan
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["exchanges"], route_class=OneHopRoute)
_MAX = get_settings().page_size_max


async def exchange_filters(
    kind: Annotated[list[ExchangeKind] | None, Query(description="Any of these kinds.")] = None,
    status: Annotated[list[ExchangeStatus] | None, Query()] = None,
    party: Annotated[
        list[str] | None,
        Query(description="Party id or code (e.g. JP), as sender or receiver; repeatable."),
    ] = None,
    organisation: Annotated[
        list[str] | None,
        Query(description="Organisation id or code (e.g. MARCOM): from, to or host."),
    ] = None,
    starts_before: Annotated[
        BoundedDate | None, Query(description="Overlap: starting on or before this date.")
    ] = None,
    ends_after: Annotated[
        BoundedDate | None,
        Query(description="Overlap: ending on or after this date (open-ended never ends)."),
    ] = None,
    commitment_id: Annotated[
        uuid.UUID | None, Query(description="Only exchanges delivering this commitment.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=200, description="Text in title, post, location, reference."
        ),
    ] = None,
) -> service.ExchangeFilters:
    """The exchange list's filters from the query; its CSV/XLSX export takes the same."""
    for values in (party, organisation):
        if values and any(len(v) > 64 or not v.strip() for v in values):
            raise ValidationFailed("party and organisation values are ids or short codes.")
    return service.ExchangeFilters(
        kind=kind or [],
        status=status or [],
        party=party or [],
        organisation=organisation or [],
        starts_before=starts_before,
        ends_after=ends_after,
        commitment_id=commitment_id,
        q=q,
    )


ExchangeFiltersDep = Annotated[service.ExchangeFilters, Depends(exchange_filters)]


@router.get(
    "/plans/{plan_id}/exchanges",
    operation_id="listExchanges",
    summary="List a plan's exchanges and placements (filtered, sorted, paginated, counted)",
    response_model=ExchangePage,
    responses=problem_responses(400, 404, 422),
)
def list_exchanges(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    filters: ExchangeFiltersDep,
    sort: Annotated[ExchangeSort, Query()] = ExchangeSort.START_DATE,
    limit: Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    page: PageNumber = None,
) -> Response:
    check_page_or_cursor(page, cursor)
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    items, next_cursor, total = service.list_exchanges(
        session=session,
        actor=actor,
        plan_id=plan.id,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
        actions=PlanActions.of(actor, plan),
        page=page,
    )
    return json_response({"items": items, "next_cursor": next_cursor, "total": total})


@router.post(
    "/plans/{plan_id}/exchanges",
    operation_id="createExchange",
    summary="Record an exchange or placement",
    status_code=201,
    response_model=ExchangePublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def create_exchange(
    plan_id: uuid.UUID,
    data: ExchangeCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan = get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    exchange = service.create_exchange(session=session, actor=actor, plan=plan, data=data)
    body = service.exchange_as_dict(
        session=session, actor=actor, exchange_id=exchange.id, plan=plan
    )
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/exchanges/{exchange.id}"
    )


@router.get(
    "/exchanges/{exchange_id}",
    operation_id="getExchange",
    summary="Get an exchange with the commitments it delivers",
    response_model=ExchangePublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_exchange(exchange_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, _ = service.get_exchange(session=session, actor=actor, exchange_id=exchange_id)
    body = service.exchange_as_dict(
        session=session, actor=actor, exchange_id=exchange_id, plan=plan
    )
    return json_response(body, etag=body["etag"])


@router.patch(
    "/exchanges/{exchange_id}",
    operation_id="updateExchange",
    summary="Update an exchange: status, outcome, lessons, links (If-Match required)",
    response_model=ExchangePublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def update_exchange(
    exchange_id: uuid.UUID,
    data: ExchangeUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, exchange = service.get_exchange(
        session=session,
        actor=actor,
        exchange_id=exchange_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(if_match, service.exchange_etag(exchange))
    service.update_exchange(session=session, actor=actor, plan=plan, exchange=exchange, data=data)
    body = service.exchange_as_dict(
        session=session, actor=actor, exchange_id=exchange.id, plan=plan
    )
    return json_response(body, etag=body["etag"])


@router.delete(
    "/exchanges/{exchange_id}",
    operation_id="cancelExchange",
    summary="Cancel an exchange (it stays on record with its history; If-Match required)",
    response_model=ExchangePublic,
    responses={**record_response(), **problem_responses(404, 409, 412, 422, 428)},
)
def cancel_exchange(
    exchange_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    plan, exchange = service.get_exchange(
        session=session,
        actor=actor,
        exchange_id=exchange_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(if_match, service.exchange_etag(exchange))
    service.cancel_exchange(session=session, actor=actor, plan=plan, exchange=exchange)
    body = service.exchange_as_dict(
        session=session, actor=actor, exchange_id=exchange.id, plan=plan
    )
    return json_response(body, etag=body["etag"])
