"""HTTP routes of webhooks: a party's admins manage its endpoints and read their deliveries."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.config import get_settings
from itpp_api.conventions import (
    NO_STORE_HEADER,
    IdempotencyKey,
    IfMatch,
    json_response,
    record_response,
    secret_bearing,
)
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.webhooks import service
from itpp_api.webhooks.models import WebhookEndpoint
from itpp_api.webhooks.schemas import (
    WebhookDeliveryList,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointList,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from itpp_api.wire import require_if_match

router = APIRouter(tags=["webhooks"], route_class=OneHopRoute)
_MAX = get_settings().page_size_max
Limit = Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the last page.")]


def _endpoint(endpoint: WebhookEndpoint, *, status_code: int = 200) -> Response:
    body = service.endpoint_to_dict(endpoint)
    return json_response(body, status_code=status_code, etag=body["etag"])


def _with_secret(endpoint: WebhookEndpoint, *, status_code: int = 200) -> Response:
    body = service.endpoint_to_dict(endpoint, with_secret=True)
    location = f"/api/v1/webhook-endpoints/{endpoint.id}" if status_code == 201 else None
    return secret_bearing(
        json_response(body, status_code=status_code, etag=body["etag"], location=location)
    )


@router.get(
    "/webhook-endpoints",
    operation_id="listWebhookEndpoints",
    summary="List my party's webhook endpoints (admins)",
    response_model=WebhookEndpointList,
    responses=problem_responses(),
)
def list_webhook_endpoints(actor: ActorDep, session: SessionDep) -> Response:
    endpoints = service.list_endpoints(session=session, actor=actor)
    return json_response({"items": [service.endpoint_to_dict(e) for e in endpoints]})


@router.post(
    "/webhook-endpoints",
    operation_id="createWebhookEndpoint",
    summary="Register a webhook endpoint for my party (admins); its secret is shown this once",
    status_code=201,
    response_model=WebhookEndpointWithSecret,
    responses={
        201: {"headers": {**record_response(201, created=True)[201]["headers"], **NO_STORE_HEADER}},
        **problem_responses(413, 422),
    },
)
def create_webhook_endpoint(
    data: WebhookEndpointCreate,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    endpoint = service.create_endpoint(session=session, actor=actor, data=data)
    return _with_secret(endpoint, status_code=201)


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="getWebhookEndpoint",
    summary="Get a webhook endpoint of my party (admins; never its secret)",
    response_model=WebhookEndpointPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_webhook_endpoint(endpoint_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    return _endpoint(service.get_endpoint(session=session, actor=actor, endpoint_id=endpoint_id))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="updateWebhookEndpoint",
    summary="Change or disable a webhook endpoint (admins; If-Match required)",
    response_model=WebhookEndpointPublic,
    responses={**record_response(), **problem_responses(404, 412, 413, 422, 428)},
)
def update_webhook_endpoint(
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    actor: ActorDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    endpoint = service.get_endpoint(
        session=session, actor=actor, endpoint_id=endpoint_id, write=True
    )
    require_if_match(if_match, service.endpoint_to_dict(endpoint)["etag"])
    return _endpoint(
        service.update_endpoint(session=session, actor=actor, endpoint=endpoint, data=data)
    )


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="deleteWebhookEndpoint",
    summary="Remove a webhook endpoint and its deliveries (admins; If-Match required)",
    status_code=204,
    responses={204: {"description": "Removed."}, **problem_responses(404, 412, 422, 428)},
)
def delete_webhook_endpoint(
    endpoint_id: uuid.UUID, actor: ActorDep, session: SessionDep, if_match: IfMatch = None
) -> Response:
    endpoint = service.get_endpoint(
        session=session, actor=actor, endpoint_id=endpoint_id, write=True
    )
    require_if_match(if_match, service.endpoint_to_dict(endpoint)["etag"])
    service.delete_endpoint(session=session, actor=actor, endpoint=endpoint)
    return Response(status_code=204)


@router.post(
    "/webhook-endpoints/{endpoint_id}/secret",
    operation_id="rotateWebhookSecret",
    summary="Replace an endpoint's signing secret (admins); the new one is shown this once",
    response_model=WebhookEndpointWithSecret,
    responses={
        200: {"headers": {**record_response()[200]["headers"], **NO_STORE_HEADER}},
        **problem_responses(404, 422),
    },
)
def rotate_webhook_secret(
    endpoint_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    endpoint = service.get_endpoint(
        session=session, actor=actor, endpoint_id=endpoint_id, write=True
    )
    return _with_secret(service.rotate_secret(session=session, actor=actor, endpoint=endpoint))


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    operation_id="listWebhookDeliveries",
    summary="List what was sent (or is to be sent) to an endpoint, newest first (admins)",
    response_model=WebhookDeliveryList,
    responses=problem_responses(400, 404, 422),
)
def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    endpoint = service.get_endpoint(session=session, actor=actor, endpoint_id=endpoint_id)
    rows, next_cursor = service.list_deliveries(
        session=session, actor=actor, endpoint=endpoint, cursor=cursor, limit=limit
    )
    return json_response(
        {"items": [service.delivery_to_dict(row) for row in rows], "next_cursor": next_cursor}
    )


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}",
    operation_id="getWebhookDelivery",
    summary="Get one delivery of an endpoint (admins)",
    response_model=WebhookDeliveryPublic,
    responses=problem_responses(404, 422),
)
def get_webhook_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, actor: ActorDep, session: SessionDep
) -> Response:
    endpoint = service.get_endpoint(session=session, actor=actor, endpoint_id=endpoint_id)
    delivery = service.get_delivery(session=session, endpoint=endpoint, delivery_id=delivery_id)
    return json_response(service.delivery_to_dict(delivery))


@router.post(
    "/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay",
    operation_id="replayWebhookDelivery",
    summary="Send a delivery again, with the same webhook-id and body (admins)",
    status_code=202,
    response_model=WebhookDeliveryPublic,
    responses={
        202: {"description": "Queued: the worker sends it next."},
        **problem_responses(404, 422),
    },
)
def replay_webhook_delivery(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    actor: ActorDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    endpoint = service.get_endpoint(
        session=session, actor=actor, endpoint_id=endpoint_id, write=True
    )
    delivery = service.get_delivery(
        session=session, endpoint=endpoint, delivery_id=delivery_id, write=True
    )
    delivery = service.replay_delivery(
        session=session, actor=actor, endpoint=endpoint, delivery=delivery
    )
    return json_response(service.delivery_to_dict(delivery), status_code=202)
