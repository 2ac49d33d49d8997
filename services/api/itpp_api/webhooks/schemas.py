"""Request and response models of webhook endpoints and their deliveries."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.notifications.kinds import EventKind
from itpp_api.webhooks.targets import MAX_URL_LENGTH

MAX_DESCRIPTION_LENGTH = 500
EventKinds = Annotated[
    list[EventKind],
    Field(
        min_length=1,
        max_length=len(EventKind),
        description="The events sent to the endpoint (each at most once): "
        + ", ".join(f"`{kind.value}`" for kind in EventKind)
        + ".",
    ),
]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="Where the events are POSTed: an https URL of a public host (plain http "
        "and private addresses only for the hosts the server allows).",
    ),
]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)]


class WebhookEndpointCreate(BaseModel):
    """A new endpoint of your party; the response carries its signing secret, this once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://hooks.example.org/itpp",
                "event_kinds": ["amendment_proposed", "amendment_decided"],
                "description": "Cabinet office workflow",
            }
        },
    )

    url: Url
    event_kinds: EventKinds
    description: Description | None = None


class WebhookEndpointUpdate(BaseModel):
    """Changes to an endpoint: its URL, events, description, or `is_enabled: false` to stop
    deliveries (they wait, and go out when it is enabled again)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"is_enabled": False}})

    url: Url | None = None
    event_kinds: EventKinds | None = None
    description: Description | None = None
    is_enabled: bool | None = None


class WebhookEndpointPublic(BaseModel):
    """An endpoint as read (never its secret)."""

    id: uuid.UUID
    party_id: uuid.UUID
    url: str
    description: str | None
    event_kinds: list[EventKind]
    is_enabled: bool
    etag: str
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointPublic):
    """An endpoint with its signing secret, shown once (at creation, and when rotated):
    verify each request's `webhook-signature` with it."""

    secret: str = Field(description="`whsec_` and the base64 of the key's bytes.")


class WebhookEndpointList(BaseModel):
    """Your party's endpoints."""

    items: list[WebhookEndpointPublic]


class WebhookDeliveryPublic(BaseModel):
    """One event sent (or to be sent) to an endpoint."""

    id: uuid.UUID
    webhook_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    endpoint_id: uuid.UUID
    kind: EventKind
    plan_id: uuid.UUID
    payload: dict[str, object] = Field(description="The request body sent.")
    status: str = Field(description="`pending`, `delivered` or `failed` (given up).")
    attempts: int
    next_attempt_at: datetime | None = Field(description="Null once delivered or given up.")
    delivered_at: datetime | None
    last_status_code: int | None = Field(description="The receiver's last HTTP status.")
    last_error: str | None
    replayed_at: datetime | None
    created_at: datetime


class WebhookDeliveryList(BaseModel):
    """An endpoint's deliveries, newest first."""

    items: list[WebhookDeliveryPublic]
    next_cursor: str | None
