"""Saved views of the commitment and exchange tables: save the current filters and order
under a name, delete one. Listing and applying them is the tables' own (itpp_web.tables)."""

from __future__ import annotations

import uuid
from typing import cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.web import ViewerDep, api_of, ask_first, csrf_protect, redirect, safe_next

router = APIRouter(dependencies=[Depends(csrf_protect)])

LISTS = ("commitments", "exchanges")


@router.post("/saved-views")
async def save_view(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    back = safe_next(text(form, "next"))
    # The list's name as the form sent it: the API refuses an unknown one (422).
    body = cast(
        "models.SavedViewCreate",
        {"name": text(form, "name"), "list": text(form, "list"), "query": text(form, "query")},
    )
    try:
        await operations.create_saved_view(api_of(request), body, token=viewer.token)
    except ApiError as exc:
        if exc.status == 409:
            return redirect(request, back, notice="view-name-taken")
        if exc.slug == "rule-violation":
            return redirect(request, back, notice="views-full")
        if exc.status == 422:
            return redirect(request, back, notice="view-name-invalid")
        raise
    return redirect(request, back, notice="view-saved")


@router.post("/saved-views/{view_id}/delete")
async def delete_view(request: Request, view_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    back = safe_next(text(form, "next"))
    if not feedback.confirmed(form):
        return ask_first(
            request, "delete-view", form, action=f"/saved-views/{view_id}/delete", back=back
        )
    try:
        await operations.delete_saved_view(api_of(request), view_id, token=viewer.token)
    except ApiError as exc:
        if exc.status != 404:  # already deleted: the same end result
            raise
    return redirect(request, back, notice="view-deleted")
