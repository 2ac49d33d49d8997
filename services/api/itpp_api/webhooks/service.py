"""The rules of webhooks: a party's admins manage its endpoints (secrets shown once, targets
checked against SSRF) and read what was sent to them; `queue` is the one place deliveries are
created, called by notifications/service.py in the transaction of the event's cause.

An endpoint is a record of its party alone: every query of one carries the policy's
own-party criterion, so another party's endpoint — and its deliveries — is a 404.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.config import get_settings
from itpp_api.db import table_of, utcnow
from itpp_api.errors import FieldError, NotFound, RuleViolation, ValidationFailed
from itpp_api.notifications.kinds import EventKind, NotificationKind
from itpp_api.pagination import SortOrder, apply_keyset, next_cursor
from itpp_api.plans.models import PlanParty
from itpp_api.webhooks import signing
from itpp_api.webhooks.models import WebhookDelivery, WebhookEndpoint
from itpp_api.webhooks.schemas import WebhookEndpointCreate, WebhookEndpointUpdate
from itpp_api.webhooks.targets import TargetRefused, check_url
from itpp_api.wire import make_etag

MAX_ENDPOINTS_PER_PARTY = 20
_EP = table_of(WebhookEndpoint).c
_D = table_of(WebhookDelivery).c
_PP = table_of(PlanParty).c
DELIVERIES_NEWEST_FIRST = SortOrder(
    name="-created_at", key=_D.created_at, id_column=_D.id, descending=True, key_type=datetime
)


def webhook_id(delivery_id: uuid.UUID) -> str:
    """The `webhook-id` of a delivery: the same on every attempt and replay."""
    return f"msg_{delivery_id.hex}"


def endpoint_to_dict(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """An endpoint as the API shows it: its secret only when `with_secret` (create, rotate)."""
    body: dict[str, Any] = {
        "id": endpoint.id,
        "party_id": endpoint.party_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_kinds": endpoint.event_kinds,
        "is_enabled": endpoint.is_enabled,
        "etag": make_etag(endpoint.id, endpoint.row_version),
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def delivery_status(delivery: WebhookDelivery | Any, max_attempts: int) -> str:
    if delivery.delivered_at is not None:
        return "delivered"
    return "failed" if delivery.attempts >= max_attempts else "pending"


def delivery_to_dict(delivery: WebhookDelivery | Any) -> dict[str, Any]:
    """A delivery as the API shows it, with the body that is (or was) sent."""
    status = delivery_status(delivery, get_settings().worker_max_attempts)
    return {
        "id": delivery.id,
        "webhook_id": webhook_id(delivery.id),
        "endpoint_id": delivery.endpoint_id,
        "kind": delivery.kind,
        "plan_id": delivery.plan_id,
        "payload": request_body(delivery.kind, delivery.created_at, delivery.payload),
        "status": status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if status == "pending" else None,
        "delivered_at": delivery.delivered_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "replayed_at": delivery.replayed_at,
        "created_at": delivery.created_at,
    }


def request_body(kind: str, created_at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    """What is POSTed: the Standard Webhooks envelope (`type`, `timestamp`, `data`) around the
    notification's shared payload."""
    return {"type": kind, "timestamp": created_at, "data": payload}


def _checked_url(url: str) -> str:
    try:
        return check_url(url, get_settings())
    except TargetRefused as refused:
        raise ValidationFailed(
            f"The URL {refused}.",
            errors=[FieldError(loc=["body", "url"], msg=str(refused), type="webhook_target")],
        ) from None


def _kinds(kinds: list[EventKind]) -> list[str]:
    """Each kind once, in the vocabulary's order."""
    chosen = set(kinds)
    return [kind.value for kind in EventKind if kind in chosen]


def list_endpoints(*, session: Session, actor: Actor) -> list[WebhookEndpoint]:
    """The endpoints of the admin's party, oldest first."""
    policy.authorize_manage_webhooks(actor, write=False)
    statement = (
        select(WebhookEndpoint)
        .where(policy.own_party_records(_EP.party_id, actor))
        .order_by(_EP.created_at, _EP.id)
    )
    return list(session.scalars(statement))


def get_endpoint(
    *, session: Session, actor: Actor, endpoint_id: uuid.UUID, write: bool = False
) -> WebhookEndpoint:
    """One endpoint of the caller's party (404 for any other party's: it does not exist)."""
    statement = select(WebhookEndpoint).where(
        _EP.id == endpoint_id, policy.own_party_records(_EP.party_id, actor)
    )
    if write:
        statement = statement.with_for_update()
    endpoint = session.scalars(statement).first()
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id} in your party.")
    policy.authorize_manage_webhooks(actor, write=write)
    return endpoint


def create_endpoint(
    *, session: Session, actor: Actor, data: WebhookEndpointCreate
) -> WebhookEndpoint:
    """Register an endpoint for the admin's party, with a new secret."""
    policy.authorize_manage_webhooks(actor, write=True)
    if actor.party_id is None:
        raise RuleViolation("The system account has no party to register an endpoint for.")
    count = session.scalar(
        core_select(func.count())
        .select_from(table_of(WebhookEndpoint))
        .where(policy.own_party_records(_EP.party_id, actor))
    )
    if (count or 0) >= MAX_ENDPOINTS_PER_PARTY:
        raise RuleViolation(
            f"Your party has {MAX_ENDPOINTS_PER_PARTY} webhook endpoints, the most it may have: "
            "delete one first."
        )
    endpoint = WebhookEndpoint(
        party_id=actor.party_id,
        url=_checked_url(data.url),
        description=data.description,
        event_kinds=_kinds(data.event_kinds),
        secret=signing.new_secret(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        owner_party_id=endpoint.party_id,
        after=audit.audited(endpoint),
    )
    return endpoint


def update_endpoint(
    *, session: Session, actor: Actor, endpoint: WebhookEndpoint, data: WebhookEndpointUpdate
) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description or whether it is enabled."""
    policy.authorize_manage_webhooks(actor, write=True)
    changes = data.model_dump(exclude_unset=True)
    before = audit.audited(endpoint)
    if changes.get("url") is not None:
        endpoint.url = _checked_url(changes["url"])
    if changes.get("event_kinds") is not None:
        endpoint.event_kinds = _kinds(data.event_kinds or [])
    if "description" in changes:
        endpoint.description = changes["description"]
    if changes.get("is_enabled") is not None:
        endpoint.is_enabled = changes["is_enabled"]
    if audit.audited(endpoint) == before:
        return endpoint
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        owner_party_id=endpoint.party_id,
        before=before,
        after=audit.audited(endpoint),
    )
    return endpoint


def rotate_secret(*, session: Session, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret: requests are signed with it from now on."""
    policy.authorize_manage_webhooks(actor, write=True)
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="rotate_secret",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        owner_party_id=endpoint.party_id,
    )
    return endpoint


def delete_endpoint(*, session: Session, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its deliveries (sent or not)."""
    policy.authorize_manage_webhooks(actor, write=True)
    before = audit.audited(endpoint)
    session.delete(endpoint)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="delete",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        owner_party_id=endpoint.party_id,
        before=before,
    )


def list_deliveries(
    *,
    session: Session,
    actor: Actor,
    endpoint: WebhookEndpoint,
    cursor: str | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    """A page of an endpoint's deliveries, newest first (the endpoint was resolved through
    get_endpoint: it is the caller's party's)."""
    statement = core_select(*table_of(WebhookDelivery).c).where(_D.endpoint_id == endpoint.id)
    statement = apply_keyset(statement, DELIVERIES_NEWEST_FIRST, cursor, limit)
    rows = list(session.execute(statement))
    return next_cursor(rows, DELIVERIES_NEWEST_FIRST, limit, key_of="created_at")


def get_delivery(
    *, session: Session, endpoint: WebhookEndpoint, delivery_id: uuid.UUID, write: bool = False
) -> WebhookDelivery:
    statement = select(WebhookDelivery).where(_D.id == delivery_id, _D.endpoint_id == endpoint.id)
    if write:
        statement = statement.with_for_update()
    delivery = session.scalars(statement).first()
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} of this endpoint.")
    return delivery


def replay_delivery(
    *, session: Session, actor: Actor, endpoint: WebhookEndpoint, delivery: WebhookDelivery
) -> WebhookDelivery:
    """Queue a delivery again, due now, with the same webhook-id and body: the worker sends it
    once more (with a new timestamp and signature), whatever became of it before."""
    policy.authorize_manage_webhooks(actor, write=True)
    now = utcnow()
    delivery.delivered_at = None
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.last_error = None
    delivery.replayed_at = now
    session.add(delivery)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="replay_delivery",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        owner_party_id=endpoint.party_id,
        after={"delivery_id": delivery.id, "webhook_id": webhook_id(delivery.id)},
    )
    return delivery


# --- the outbox side: called by notifications.service.notify ------------------------------


def endpoints_told(
    *,
    session: Session,
    plan_id: uuid.UUID,
    kind: NotificationKind,
    excluded_party_id: uuid.UUID | None,
) -> list[uuid.UUID]:
    """The enabled endpoints, of the plan's parties (but `excluded_party_id`), that take
    this kind of event (one query)."""
    statement = policy.unfiltered(
        core_select(_EP.id, _EP.event_kinds)
        .join(table_of(PlanParty), _PP.party_id == _EP.party_id)
        .where(_PP.plan_id == plan_id, _EP.is_enabled.is_(True))
        .order_by(_EP.id),
        "the outbox: every party of the plan that hears of a shared event",
    )
    if excluded_party_id is not None:
        statement = statement.where(_EP.party_id != excluded_party_id)
    return [row.id for row in session.execute(statement) if kind.value in row.event_kinds]


def queue(
    *,
    session: Session,
    endpoints: list[uuid.UUID],
    plan_id: uuid.UUID,
    kind: NotificationKind,
    payload: dict[str, Any],
) -> None:
    """One delivery per endpoint, in the caller's transaction (flushed by the caller)."""
    now = utcnow()
    for endpoint_id in endpoints:
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                kind=EventKind(kind),
                plan_id=plan_id,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
            )
        )
