"""Webhooks: a party's admins register endpoints, see what was sent to them, disable, replay,
rotate the secret or remove them. Whether the reader may is the API's answer (403 for
anyone but an admin), never decided here."""

from __future__ import annotations

import uuid
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.labels import LABELS
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    ask_first,
    csrf_protect,
    formatter,
    is_htmx,
    redirect,
    renderer_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])
EVENT_KINDS = tuple(LABELS["event_kind"])
RECENT_DELIVERIES = 10


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    secret: models.WebhookEndpointWithSecret | None = None,
    values: dict[str, Any] | None = None,
    problem: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    api = api_of(request)
    context: dict[str, Any] = {
        "secret": secret,
        "values": values or {"event_kinds": list(EVENT_KINDS)},
        "problem": problem,
        "event_kinds": EVENT_KINDS,
        "idempotency_key": str(uuid.uuid4()),
        "refused": False,
        "endpoints": [],
        "deliveries": {},
    }
    try:
        endpoints = (await operations.list_webhook_endpoints(api, token=viewer.token))["items"]
    except ApiError as exc:
        if exc.status != 403:
            raise
        context["refused"] = True
        return renderer_of(request)(
            request, "webhooks.html", context, block="webhooks", status_code=403
        )
    deliveries: dict[str, list[models.WebhookDeliveryPublic]] = {}
    for endpoint in endpoints:  # at most 20 a party
        page = await operations.list_webhook_deliveries(
            api, endpoint["id"], token=viewer.token, params={"limit": RECENT_DELIVERIES}
        )
        deliveries[endpoint["id"]] = page["items"]
    context.update(endpoints=endpoints, deliveries=deliveries)
    return renderer_of(request)(
        request,
        "webhooks.html",
        context,
        block="webhooks",
        status_code=status_code,
        headers=headers,
    )


async def _after_change(request: Request, viewer: Viewer, notice: str) -> Response:
    if is_htmx(request):
        headers = feedback.notice_headers(formatter(request), notice)
        return await _page(request, viewer, headers=headers)
    return redirect(request, "/me/webhooks", notice=notice)


@router.get("/me/webhooks")
async def webhooks_page(request: Request, viewer: ViewerDep) -> Response:
    return await _page(request, viewer)


@router.post("/me/webhooks")
async def create_endpoint(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    url = text(form, "url")
    description = text(form, "description") or None
    # Only the kinds the page offers (the contract's EventKind values).
    kinds = cast(
        "list[models.EventKind]",
        [str(kind) for kind in form.getlist("event_kinds") if kind in EVENT_KINDS],
    )
    values = {"url": url, "description": description or "", "event_kinds": kinds}
    if not url or not kinds:
        return await _page(
            request,
            viewer,
            values=values,
            problem=fmt.gettext("Give the endpoint's address and choose at least one event."),
            status_code=422,
        )
    try:
        result = await operations.create_webhook_endpoint(
            api_of(request),
            {"url": url, "event_kinds": kinds, "description": description},
            token=viewer.token,
            headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        problem = (
            fmt.gettext(
                "This address cannot be used: give an https address of a public server "
                "(not a local or private network address), without a user name or password."
            )
            if "url" in messages.field_errors(fmt, exc)
            else messages.problem_message(fmt, exc)
        )
        return await _page(request, viewer, values=values, problem=problem, status_code=422)
    # The secret is shown this once (the API never shows it again): no redirect here.
    return await _page(request, viewer, secret=result.data, status_code=201)


@router.post("/me/webhooks/{endpoint_id}/enabled")
async def set_enabled(request: Request, endpoint_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    enabled = text(form, "is_enabled") == "true"
    await operations.update_webhook_endpoint(
        api_of(request),
        endpoint_id,
        {"is_enabled": enabled},
        token=viewer.token,
        headers={"If-Match": text(form, "etag")},
    )
    return await _after_change(
        request, viewer, "webhook-enabled" if enabled else "webhook-disabled"
    )


@router.post("/me/webhooks/{endpoint_id}/secret")
async def rotate_secret(request: Request, endpoint_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "rotate-webhook-secret",
            form,
            action=f"/me/webhooks/{endpoint_id}/secret",
            back="/me/webhooks",
        )
    result = await operations.rotate_webhook_secret(
        api_of(request), endpoint_id, token=viewer.token
    )
    return await _page(request, viewer, secret=result.data)


@router.post("/me/webhooks/{endpoint_id}/delete")
async def delete_endpoint(request: Request, endpoint_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "delete-webhook",
            form,
            action=f"/me/webhooks/{endpoint_id}/delete",
            back="/me/webhooks",
        )
    try:
        await operations.delete_webhook_endpoint(
            api_of(request),
            endpoint_id,
            token=viewer.token,
            headers={"If-Match": text(form, "etag")},
        )
    except ApiError as exc:
        if exc.status != 404:  # already removed: the same end result
            raise
    return await _after_change(request, viewer, "webhook-deleted")


@router.post("/me/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay")
async def replay_delivery(
    request: Request, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    await operations.replay_webhook_delivery(
        api_of(request), endpoint_id, delivery_id, token=viewer.token
    )
    return await _after_change(request, viewer, "webhook-replayed")
