"""Calendars: the user's personal calendar-feed addresses (create, copy, revoke) and the
plan's iCalendar download."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
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


async def _page(
    request: Request,
    viewer: Viewer,
    *,
    created: models.CalendarFeedCreated | None = None,
    values: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    api = api_of(request)
    feeds = await operations.list_calendar_feeds(api, token=viewer.token)
    plans = await operations.list_plans(api, token=viewer.token, params={"limit": 100})
    return renderer_of(request)(
        request,
        "calendar.html",
        {
            "feeds": feeds["items"],
            "plans": plans["items"],
            "plan_by_id": {plan["id"]: plan for plan in plans["items"]},
            "created": created,
            "values": values or {},
            "problem": problem,
            "idempotency_key": str(uuid.uuid4()),
        },
        block="feeds",
        status_code=status_code,
        headers=headers,
    )


@router.get("/me/calendar")
async def calendar_page(request: Request, viewer: ViewerDep) -> Response:
    return await _page(request, viewer)


@router.post("/me/calendar")
async def create_feed(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    name = text(form, "name")
    plan_id = text(form, "plan_id") or None
    values = {"name": name, "plan_id": plan_id or ""}
    if not name:
        return await _page(
            request,
            viewer,
            values=values,
            problem=fmt.gettext("Give the feed a name, so you can tell it from others later."),
            status_code=422,
        )
    try:
        result = await operations.create_calendar_feed(
            api_of(request),
            {"name": name, "plan_id": plan_id},
            token=viewer.token,
            headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return await _page(
            request,
            viewer,
            values=values,
            problem=messages.problem_message(fmt, exc),
            status_code=422,
        )
    # The address is shown this once (the API keeps only its hash): no redirect here.
    return await _page(request, viewer, created=result.data, status_code=201)


@router.post("/me/calendar/{feed_id}/revoke")
async def revoke_feed(request: Request, feed_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "revoke-feed",
            form,
            action=f"/me/calendar/{feed_id}/revoke",
            back="/me/calendar",
        )
    try:
        await operations.revoke_calendar_feed(api_of(request), feed_id, token=viewer.token)
    except ApiError as exc:
        if exc.status != 404:  # already revoked: the same end result
            raise
    if is_htmx(request):
        return await _page(
            request, viewer, headers=feedback.notice_headers(formatter(request), "feed-revoked")
        )
    return redirect(request, "/me/calendar", notice="feed-revoked")


@router.get("/plans/{plan_id}/calendar.ics")
async def plan_calendar(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """The plan's dates as iCalendar, fetched with the user's token (the browser has none)."""
    result = await operations.get_plan_calendar(
        api_of(request), plan_id, token=viewer.token, accept="text/calendar"
    )
    plan = await operations.get_plan(api_of(request), plan_id, token=viewer.token)
    filename = f"{plan['reference']}.ics".replace('"', "")
    return Response(
        result.content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
