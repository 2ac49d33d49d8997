"""The user's profile page: who they are, and how they hear of each kind of notification."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.web import ViewerDep, api_of, csrf_protect, formatter, redirect, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])

DELIVERIES = ("immediately", "daily_digest", "off")


async def _page(
    request: Request,
    viewer: ViewerDep,
    *,
    problem: str | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> Response:
    # The whole answer: the form sends its ETag back with the change (If-Match).
    result = await operations.get_notification_preferences_response(
        api_of(request), token=viewer.token
    )
    return renderer_of(request)(
        request,
        "profile.html",
        {
            "user": viewer.user,
            "preferences": result.data["preferences"],
            "etag": result.etag or result.data["etag"],
            "deliveries": DELIVERIES,
            "problem": problem,
            "saved": saved,
        },
        block="notifications",
        status_code=status_code,
    )


@router.get("/me")
async def profile(request: Request, viewer: ViewerDep) -> Response:
    return await _page(request, viewer, saved=request.query_params.get("saved") == "1")


@router.post("/me/notifications")
async def change_notifications(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    choices: dict[str, Any] = {}
    for name in form:
        if name.startswith("kind."):
            choices[name.removeprefix("kind.")] = text(form, name)
    if not choices:
        return await _page(
            request,
            viewer,
            problem=fmt.gettext("Choose how you want to hear of at least one kind of event."),
            status_code=422,
        )
    try:
        await operations.update_notification_preferences(
            api_of(request),
            # The kinds and choices as the form sent them: the API refuses unknown ones (422).
            cast("models.NotificationPreferencesUpdate", {"preferences": choices}),
            token=viewer.token,
            headers={"If-Match": text(form, "etag")},
        )
    except ApiError as exc:
        if exc.status in (412, 428):
            return await _page(
                request,
                viewer,
                problem=fmt.gettext(
                    "Your notification settings were changed meanwhile (in another window, or "
                    "from an unsubscribe link in a mail). Here they are as they are now: make "
                    "your choice again."
                ),
                status_code=409,
            )
        if exc.status == 422:
            return await _page(
                request,
                viewer,
                problem=fmt.gettext("Choose one of the options offered for each kind of event."),
                status_code=422,
            )
        raise
    return redirect(request, "/me?saved=1")
