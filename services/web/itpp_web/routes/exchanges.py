"""Exchanges: the filterable list, the detail page, the create and edit forms, cancelling,
and the timeline of placements."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiClient, ApiError
from itpp_web.forms import exchange_body, exchange_values, form_values, text
from itpp_web.labels import LABELS
from itpp_web.messages import translate
from itpp_web.routes.common import (
    EditOutcome,
    changes_since,
    form_errors,
    if_match,
    list_filters,
    plan_context,
    query_string,
    send_edit,
)
from itpp_web.timeline import placement_timeline
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    csrf_protect,
    formatter,
    is_htmx,
    redirect,
    renderer_of,
    settings_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

LIST_FILTERS = ("kind", "status", "party")
SINGLE_FILTERS = ("q", "starts_before", "ends_after", "commitment_id", "sort")
SORTABLE = ("start_date", "reference", "updated_at")
KINDS = tuple(LABELS["exchange_kind"])
STATUSES = tuple(LABELS["exchange_status"])
FORM_ERRORS = {
    "title-missing": messages.N_("Give the title in at least one language."),
    "date-invalid": messages.N_("Enter a date as YYYY-MM-DD."),
    "required": messages.N_("This field is required."),
    "dates-out-of-order": messages.N_("The end date cannot be before the start date."),
    "participant-role-missing": messages.N_(
        "Each participant line starts with a role: role | name (the name only where needed)."
    ),
}
# The most pages of a plan's commitments or placements fetched for one page (200 each).
MAX_PAGES = 10


async def _all_pages(
    api: ApiClient, path: str, token: str, params: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list (up to MAX_PAGES pages of 200)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        sent = [*params, ("limit", "200"), *([("cursor", cursor)] if cursor else [])]
        page = await api.get(path, token=token, params=sent)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


async def _commitments_of(request: Request, viewer: Viewer, plan_id: str) -> list[dict[str, Any]]:
    return await _all_pages(
        api_of(request),
        f"/plans/{plan_id}/commitments",
        viewer.token,
        [("sort", "reference")],
    )


def _names(context: dict[str, Any]) -> dict[str, Any]:
    """Look-ups the templates use to name parties and organisations by id."""
    return {
        "organisation_by_id": {org["id"]: org for org in context["organisations"]},
        "party_by_id": {party["id"]: party for party in context["parties"]},
    }


@router.get("/plans/{plan_id}/exchanges")
async def exchange_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    filters = list_filters(request, LIST_FILTERS, SINGLE_FILTERS)
    cursor = request.query_params.get("cursor") or None
    params: list[tuple[str, str]] = [("limit", str(settings_of(request).page_size))]
    for name, value in filters.items():
        params.extend((name, item) for item in (value if isinstance(value, list) else [value]))
    if cursor:
        params.append(("cursor", cursor))
    api = api_of(request)
    context = await plan_context(viewer, request, str(plan_id))
    # The filter form (and its list of commitments) is not part of the htmx fragment.
    commitments = [] if is_htmx(request) else await _commitments_of(request, viewer, str(plan_id))
    error = None
    try:
        page = await api.get(f"/plans/{plan_id}/exchanges", token=viewer.token, params=params)
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        page = {"items": [], "next_cursor": None}
        error = formatter(request).gettext(
            "These filters are not valid: %(detail)s", detail=exc.detail
        )
    return renderer_of(request)(
        request,
        "exchanges.html",
        {
            **context,
            **_names(context),
            "plan_id": str(plan_id),
            "commitments": commitments,
            "filters": filters,
            "items": page["items"],
            "next_cursor": page.get("next_cursor"),
            "cursor": cursor,
            "error": error,
            "sort": str(filters.get("sort", "start_date")),
            "sortable": SORTABLE,
            "kinds": KINDS,
            "statuses": STATUSES,
            "query": query_string,
            "list_url": f"/plans/{plan_id}/exchanges",
        },
        block="results",
        status_code=422 if error else 200,
    )


@router.get("/plans/{plan_id}/placements")
async def placement_timeline_page(
    request: Request, plan_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    context, placements = await asyncio.gather(
        plan_context(viewer, request, str(plan_id)),
        _all_pages(
            api_of(request),
            f"/plans/{plan_id}/exchanges",
            viewer.token,
            [("kind", "placement"), ("sort", "start_date")],
        ),
    )
    fmt = formatter(request)
    names = _names(context)
    timeline = placement_timeline(
        placements,
        today=dt.date.today(),
        post_name=lambda placement: fmt.pick(placement.get("post_title") or placement["title"]),
        host_name=lambda org_id: (names["organisation_by_id"].get(org_id) or {}).get("code", ""),
    )
    return renderer_of(request)(
        request,
        "placements.html",
        {**context, **names, "timeline": timeline},
    )


async def _history(request: Request, viewer: Viewer, exchange_id: str) -> list[dict[str, Any]]:
    """The exchange's recorded changes, newest first, each with only the fields that changed."""
    page = await api_of(request).get(
        f"/exchanges/{exchange_id}/history", token=viewer.token, params={"limit": 50}
    )
    events = []
    for event in page["items"]:
        before = event.get("before") or {}
        after = event.get("after") or {}
        changed = {
            name: (before.get(name), value)
            for name, value in after.items()
            if event.get("action") != "create" and before.get(name) != value
        }
        events.append({**event, "changed": changed})
    events.sort(key=lambda event: str(event.get("occurred_at")), reverse=True)
    return events


async def _detail_context(
    request: Request, viewer: Viewer, exchange: dict[str, Any]
) -> dict[str, Any]:
    history, context, commitments = await asyncio.gather(
        _history(request, viewer, str(exchange["id"])),
        plan_context(viewer, request, str(exchange["plan_id"])),
        _commitments_of(request, viewer, str(exchange["plan_id"])),
    )
    names = {
        **{party["id"]: party["code"] for party in context["parties"]},
        **{org["id"]: org["code"] for org in context["organisations"]},
        **{commitment["id"]: commitment["reference"] for commitment in commitments},
    }
    return {
        **context,
        **_names(context),
        "exchange": exchange,
        "history": history,
        "names": names,
    }


@router.get("/exchanges/{exchange_id}")
async def exchange_detail(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    exchange = await api_of(request).get(f"/exchanges/{exchange_id}", token=viewer.token)
    context = await _detail_context(request, viewer, exchange)
    return renderer_of(request)(request, "exchange.html", context, block="detail")


@router.post("/exchanges/{exchange_id}/cancel")
async def cancel_exchange(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    api = api_of(request)
    try:
        await api.request(
            "DELETE",
            f"/exchanges/{exchange_id}",
            token=viewer.token,
            headers=if_match(text(form, "etag")),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        fmt = formatter(request)
        exchange = await api.get(f"/exchanges/{exchange_id}", token=viewer.token)
        context = await _detail_context(request, viewer, exchange)
        conflict = None
        if exc.status in (412, 428):
            conflict = changes_since(context["history"], text(form, "seen"))
        return renderer_of(request)(
            request,
            "exchange.html",
            {
                **context,
                "problem": messages.problem_message(fmt, exc),
                "problem_detail": exc.detail,
                "conflict": conflict,
            },
            block="detail",
            status_code=409 if conflict is not None else 422,
        )
    return redirect(request, f"/exchanges/{exchange_id}")


async def _form_context(request: Request, viewer: Viewer, plan_id: str) -> dict[str, Any]:
    context, commitments = await asyncio.gather(
        plan_context(viewer, request, plan_id),
        _commitments_of(request, viewer, plan_id),
    )
    return {**context, "commitments": commitments, "kinds": KINDS, "statuses": STATUSES}


@router.get("/plans/{plan_id}/exchanges/new")
async def new_exchange(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await _form_context(request, viewer, str(plan_id))
    other = next((p["id"] for p in context["parties"] if p["id"] != viewer.party_id), "")
    linked = [value for value in request.query_params.getlist("commitment_id") if value]
    kind = request.query_params.get("kind", "")
    values = {
        "visibility": "shared",
        "status": "planned",
        "kind": kind if kind in KINDS else "",
        "from_party_id": viewer.party_id,
        "to_party_id": other,
        "commitment_ids": linked,
    }
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": values,
            "errors": {},
            "exchange": None,
            "idempotency_key": str(uuid.uuid4()),
            "problem": None,
        },
    )


@router.post("/plans/{plan_id}/exchanges/new")
async def create_exchange(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body, codes = exchange_body(form)
    errors = form_errors(request, FORM_ERRORS, codes)
    problem = problem_detail = None
    if not errors:
        try:
            result = await api_of(request).request(
                "POST",
                f"/plans/{plan_id}/exchanges",
                token=viewer.token,
                json=body,
                headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
            )
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            problem = messages.problem_message(formatter(request), exc)
            errors = messages.field_errors(exc)
            problem_detail = exc.detail
        else:
            return redirect(request, f"/exchanges/{result.data['id']}")
    context = await _form_context(request, viewer, str(plan_id))
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": form_values(form),
            "errors": errors,
            "exchange": None,
            "idempotency_key": str(uuid.uuid4()),
            "problem": problem
            or translate(formatter(request), messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": problem_detail,
        },
        block="form",
        status_code=422,
    )


@router.get("/exchanges/{exchange_id}/edit")
async def edit_exchange(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    exchange = await api_of(request).get(f"/exchanges/{exchange_id}", token=viewer.token)
    context = await _form_context(request, viewer, str(exchange["plan_id"]))
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": exchange_values(exchange),
            "errors": {},
            "exchange": exchange,
            "problem": None,
        },
    )


@router.post("/exchanges/{exchange_id}/edit")
async def save_exchange(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    api = api_of(request)
    fmt = formatter(request)
    current = await api.get(f"/exchanges/{exchange_id}", token=viewer.token)
    body, codes = exchange_body(form, current=current)
    outcome = EditOutcome(errors=form_errors(request, FORM_ERRORS, codes))
    if not outcome.errors:
        if not body:
            return redirect(request, f"/exchanges/{exchange_id}")
        outcome = await send_edit(
            request,
            viewer,
            f"/exchanges/{exchange_id}",
            body,
            form,
            lambda: _history(request, viewer, str(exchange_id)),
        )
        if outcome.saved:
            return redirect(request, f"/exchanges/{exchange_id}")
    context = await _form_context(request, viewer, str(current["plan_id"]))
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": form_values(form),
            "errors": outcome.errors,
            "exchange": current,
            "conflict": outcome.conflict,
            "problem": outcome.problem
            or translate(fmt, messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": outcome.problem_detail,
        },
        block="form",
        status_code=outcome.status_code,
    )
