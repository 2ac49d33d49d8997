"""Progress updates on the commitment page: the timeline, posting an update with its evidence
file, and confirming or rejecting a pending one. What a reader may do comes from the API's
allowed actions on the commitment and on each update."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from itpp_web import feedback, messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import progress_value, text
from itpp_web.labels import LABELS
from itpp_web.messages import translate
from itpp_web.routes.attachments import attachment_context
from itpp_web.routes.comments import Parent
from itpp_web.routes.common import (
    COMMITMENT_STATUSES,
    commitment_history,
    etag_missing,
    if_match,
    plan_context,
)
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    ask_first,
    csrf_protect,
    formatter,
    redirect,
    renderer_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

# A commitment's status an update may report (cancelling is done on the commitment itself).
UPDATE_STATUSES = tuple(s for s in LABELS["commitment_status"] if s != "cancelled")
UPDATE_FIELDS = ("as_of_date", "status", "progress", "narrative")
TIMELINE_LIMIT = 50
FORM_ERRORS = {
    "progress-invalid": messages.N_("Progress is a whole number from 0 to 100."),
    "narrative-missing": messages.N_("Say what was done: the narrative is empty."),
}


async def timeline(
    request: Request, viewer: Viewer, commitment_id: str
) -> list[models.ProgressUpdatePublic]:
    """The commitment's newest progress updates, with their evidence."""
    page = await operations.list_progress_updates(
        api_of(request), commitment_id, token=viewer.token, params={"limit": TIMELINE_LIMIT}
    )
    return list(page["items"])


async def _page_with_problem(
    request: Request,
    viewer: Viewer,
    commitment_id: uuid.UUID,
    problem: str,
    *,
    mine: dict[str, Any],
    status_code: int,
    errors: dict[str, str] | None = None,
    detail: str | None = None,
) -> Response:
    """The commitment page again, with the problem shown at the update form and what the user
    entered kept in it."""
    api = api_of(request)
    commitment, history, updates = await asyncio.gather(
        operations.get_commitment(api, commitment_id, token=viewer.token),
        commitment_history(request, viewer, str(commitment_id)),
        timeline(request, viewer, str(commitment_id)),
    )
    context, files = await asyncio.gather(
        plan_context(viewer, request, str(commitment["plan_id"])),
        attachment_context(
            request,
            viewer,
            Parent("commitment", str(commitment_id)),
            internal=commitment["visibility"] == "internal",
        ),
    )
    return renderer_of(request)(
        request,
        "commitment.html",
        {
            **context,
            **files,
            "commitment": commitment,
            "history": history,
            "statuses": COMMITMENT_STATUSES,
            "updates": updates,
            "update_statuses": UPDATE_STATUSES,
            "update_problem": problem,
            "update_problem_detail": detail,
            "update_errors": errors or {},
            "update_mine": mine,
        },
        status_code=status_code,
    )


@router.post("/commitments/{commitment_id}/updates")
async def post_update(request: Request, commitment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    api = api_of(request)
    mine = {name: text(form, name) for name in UPDATE_FIELDS}
    etag = text(form, "etag")
    progress = progress_value(text(form, "progress"))
    narrative = text(form, "narrative")
    problem = None
    if progress is None:
        problem = translate(fmt, FORM_ERRORS, "progress-invalid")
    elif not narrative:
        problem = translate(fmt, FORM_ERRORS, "narrative-missing")
    elif not etag:
        problem = etag_missing(request)
    if problem is not None:
        return await _page_with_problem(
            request, viewer, commitment_id, problem, mine=mine, status_code=422
        )
    body: dict[str, Any] = {
        "status": text(form, "status"),
        "progress": progress,
        # The narrative is in the author's language: the language they use the site in.
        "narrative": {fmt.language: narrative},
    }
    if mine["as_of_date"]:
        body["as_of_date"] = mine["as_of_date"]
    try:
        created = await operations.create_progress_update(
            api,
            commitment_id,
            # The status as the form sent it: the API refuses an unknown one (422).
            cast("models.ProgressUpdateCreate", body),
            token=viewer.token,
            headers=if_match(etag),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        return await _page_with_problem(
            request,
            viewer,
            commitment_id,
            messages.problem_message(fmt, exc),
            mine=mine,
            status_code=409 if exc.status in (409, 412, 428) else 422,
            errors=messages.field_errors(fmt, exc, UPDATE_FIELDS),
            detail=exc.detail,
        )
    evidence = form.get("evidence")
    if isinstance(evidence, UploadFile) and evidence.filename and evidence.size:
        try:
            await operations.upload_progress_update_attachment(
                api,
                created.data["id"],
                token=viewer.token,
                files={
                    "file": (
                        evidence.filename,
                        evidence.file,
                        evidence.content_type or "application/octet-stream",
                    )
                },
            )
        except ApiError as exc:
            if exc.status not in (400, 413, 415, 422):
                raise
            # The update stands; the file was refused: say why, beside the timeline.
            return await _page_with_problem(
                request,
                viewer,
                commitment_id,
                fmt.gettext(
                    "The update was posted, but its evidence file was refused: %(reason)s",
                    reason=messages.problem_message(fmt, exc),
                ),
                mine={},
                status_code=exc.status,
                detail=exc.detail,
            )
    return redirect(request, f"/commitments/{commitment_id}#updates", notice="update-posted")


async def _decide(request: Request, update_id: uuid.UUID, viewer: Viewer, action: str) -> Response:
    form = await request.form()
    try:
        commitment_id = uuid.UUID(text(form, "commitment_id"))
    except ValueError:
        return redirect(request, "/plans")
    if action == "reject" and not feedback.confirmed(form):
        return ask_first(
            request,
            "reject-update",
            form,
            action=f"/updates/{update_id}/reject",
            back=f"/commitments/{commitment_id}#updates",
        )
    try:
        decide = (
            operations.reject_progress_update
            if action == "reject"
            else operations.confirm_progress_update
        )
        await decide(
            api_of(request), update_id, token=viewer.token, headers=if_match(text(form, "etag"))
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 412, 428):
            raise
        return await _page_with_problem(
            request,
            viewer,
            commitment_id,
            messages.problem_message(formatter(request), exc),
            mine={},
            status_code=exc.status if exc.status == 403 else 409,
            detail=exc.detail,
        )
    notice = "update-confirmed" if action == "confirm" else "update-rejected"
    return redirect(request, f"/commitments/{commitment_id}#updates", notice=notice)


@router.post("/updates/{update_id}/confirm")
async def confirm_update(request: Request, update_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _decide(request, update_id, viewer, "confirm")


@router.post("/updates/{update_id}/reject")
async def reject_update(request: Request, update_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _decide(request, update_id, viewer, "reject")
