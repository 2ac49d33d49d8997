"""Commitments: the filterable table, the detail page, inline progress and milestone edits,
and the create and edit forms."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.forms import (
    commitment_body,
    commitment_values,
    delivery_part,
    progress_value,
    text,
)
from itpp_web.labels import LABELS, field_name
from itpp_web.messages import translate
from itpp_web.routes.amendments import offer_proposal
from itpp_web.routes.common import (
    EditOutcome,
    changes_since,
    etag_missing,
    form_errors,
    if_match,
    list_filters,
    plan_context,
    query_string,
    send_edit,
)
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    csrf_protect,
    formatter,
    is_htmx,
    redirect,
    renderer_of,
    safe_next,
    settings_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

LIST_FILTERS = ("status", "priority_area", "lead_party", "health", "modality")
SINGLE_FILTERS = ("q", "due_before", "due_after", "sort")
SORTABLE = ("reference", "due_date", "progress", "updated_at")
STATUSES = tuple(LABELS["commitment_status"])
FORM_ERRORS = {
    "title-missing": messages.N_("Give the title in at least one language."),
    "date-invalid": messages.N_("Enter a date as YYYY-MM-DD."),
    "progress-invalid": messages.N_("Progress is a whole number from 0 to 100."),
}


@router.get("/plans/{plan_id}/commitments")
async def commitment_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    filters = list_filters(request, LIST_FILTERS, SINGLE_FILTERS)
    cursor = request.query_params.get("cursor") or None
    params: list[tuple[str, str]] = [("limit", str(settings_of(request).page_size))]
    for name, value in filters.items():
        params.extend((name, item) for item in (value if isinstance(value, list) else [value]))
    if cursor:
        params.append(("cursor", cursor))
    api = api_of(request)
    context = await plan_context(viewer, request, str(plan_id))
    error = None
    try:
        page = await api.get(f"/plans/{plan_id}/commitments", token=viewer.token, params=params)
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        page = {"items": [], "next_cursor": None}
        error = formatter(request).gettext(
            "These filters are not valid: %(detail)s", detail=exc.detail
        )
    sort = str(filters.get("sort", "reference"))
    return renderer_of(request)(
        request,
        "commitments.html",
        {
            **context,
            "plan_id": str(plan_id),
            "filters": filters,
            "items": page["items"],
            "next_cursor": page.get("next_cursor"),
            "cursor": cursor,
            "error": error,
            "sort": sort,
            "sortable": SORTABLE,
            "statuses": STATUSES,
            "query": query_string,
            "list_url": f"/plans/{plan_id}/commitments",
        },
        block="results",
        status_code=422 if error else 200,
    )


async def _history(request: Request, viewer: Viewer, commitment_id: str) -> list[dict[str, Any]]:
    page = await api_of(request).get(
        f"/commitments/{commitment_id}/history", token=viewer.token, params={"limit": 50}
    )
    return list(page["items"])


@router.get("/commitments/{commitment_id}")
async def commitment_detail(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    api = api_of(request)
    commitment, history = await asyncio.gather(
        api.get(f"/commitments/{commitment_id}", token=viewer.token),
        _history(request, viewer, str(commitment_id)),
    )
    context = await plan_context(viewer, request, str(commitment["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment.html",
        {**context, "commitment": commitment, "history": history, "statuses": STATUSES},
        block="detail",
    )


@router.get("/commitments/{commitment_id}/progress")
async def progress_form(request: Request, commitment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """The inline progress form with the commitment as it is now (the conflict's "reload")."""
    if not is_htmx(request):
        return redirect(request, f"/commitments/{commitment_id}")
    commitment = await api_of(request).get(f"/commitments/{commitment_id}", token=viewer.token)
    return _render_progress(request, commitment, {})


def _render_progress(
    request: Request, commitment: dict[str, Any], state: dict[str, Any], status_code: int = 200
) -> Response:
    """The progress form alone (htmx requests only: plain ones get whole pages)."""
    context = {"commitment": commitment, "statuses": STATUSES, **state}
    return renderer_of(request)(
        request, "commitment.html", context, block="progress_form", status_code=status_code
    )


@router.post("/commitments/{commitment_id}/progress")
async def update_progress(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    fmt = formatter(request)
    api = api_of(request)
    etag = text(form, "etag")
    seen = text(form, "seen")
    back = safe_next(text(form, "next"), f"/commitments/{commitment_id}")
    body: dict[str, Any] = {}
    status = text(form, "status")
    if status:
        body["status"] = status
    progress = progress_value(text(form, "progress"))
    if progress is None:
        commitment = await api.get(f"/commitments/{commitment_id}", token=viewer.token)
        return await _progress_problem(
            request,
            viewer,
            commitment,
            translate(fmt, FORM_ERRORS, "progress-invalid"),
            mine=dict(form),
            back=back,
            status_code=422,
        )
    body["progress"] = progress
    if not etag:
        commitment = await api.get(f"/commitments/{commitment_id}", token=viewer.token)
        return await _progress_problem(
            request,
            viewer,
            commitment,
            etag_missing(request),
            mine=dict(form),
            back=back,
            status_code=428,
        )
    try:
        result = await api.request(
            "PATCH",
            f"/commitments/{commitment_id}",
            token=viewer.token,
            json=body,
            headers=if_match(etag),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        commitment = await api.get(f"/commitments/{commitment_id}", token=viewer.token)
        if exc.proposal is not None:
            # Cancelling a shared commitment of a plan in force retires it from what the
            # parties agreed: offered as an amendment; a new progress is saved at once.
            changed = {name: value for name, value in body.items() if value != commitment.get(name)}
            return await _propose_instead(
                request,
                viewer,
                commitment,
                delivery_part(changed, exc.agreed_fields),
                etag,
                exc.proposal,
                back=back,
            )
        if exc.status in (412, 428):
            history = await _history(request, viewer, str(commitment_id))
            return await _progress_problem(
                request,
                viewer,
                commitment,
                messages.problem_message(fmt, exc),
                mine=dict(form),
                back=back,
                status_code=409,
                conflict=changes_since(history, seen),
            )
        return await _progress_problem(
            request,
            viewer,
            commitment,
            messages.problem_message(fmt, exc),
            mine=dict(form),
            back=back,
            status_code=422,
            detail=exc.detail,
        )
    if not is_htmx(request):
        return redirect(request, back)
    return _render_progress(request, result.data, {"saved": True})


async def _progress_problem(
    request: Request,
    viewer: Viewer,
    commitment: dict[str, Any],
    message: str,
    *,
    mine: dict[str, Any],
    back: str,
    status_code: int,
    conflict: list[dict[str, Any]] | None = None,
    detail: str | None = None,
) -> Response:
    state = {"problem": message, "problem_detail": detail, "conflict": conflict, "mine": mine}
    if is_htmx(request):
        return _render_progress(request, commitment, state, status_code)
    # Without JavaScript: the whole detail page, with the problem shown at the form.
    history = await _history(request, viewer, str(commitment["id"]))
    context = await plan_context(viewer, request, str(commitment["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment.html",
        {
            **context,
            "commitment": commitment,
            "history": history,
            "statuses": STATUSES,
            "back": back,
            **state,
        },
        status_code=status_code,
    )


@router.post("/milestones/{milestone_id}")
async def update_milestone(
    request: Request, milestone_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    fmt = formatter(request)
    api = api_of(request)
    commitment_id = text(form, "commitment_id")
    body: dict[str, Any] = {}
    action = text(form, "action")
    if action == "done":
        body["done_on"] = dt.date.today().isoformat()
    elif action == "reopen":
        body["done_on"] = None
    due = text(form, "due_date")
    if action == "save":
        try:
            body["due_date"] = dt.date.fromisoformat(due).isoformat() if due else None
        except ValueError:
            return await _milestone_result(
                request,
                viewer,
                milestone_id,
                commitment_id,
                translate(fmt, FORM_ERRORS, "date-invalid"),
                422,
            )
    problem = None
    status_code = 200
    if not text(form, "etag"):
        return await _milestone_result(
            request, viewer, milestone_id, commitment_id, etag_missing(request), 428
        )
    try:
        await api.request(
            "PATCH",
            f"/milestones/{milestone_id}",
            token=viewer.token,
            json=body,
            headers=if_match(text(form, "etag")),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        problem = messages.problem_message(fmt, exc)
        status_code = 409 if exc.status in (412, 428) else 422
    return await _milestone_result(
        request, viewer, milestone_id, commitment_id, problem, status_code
    )


async def _milestone_result(
    request: Request,
    viewer: Viewer,
    milestone_id: uuid.UUID,
    commitment_id: str,
    problem: str | None,
    status_code: int,
) -> Response:
    api = api_of(request)
    milestone = await api.get(f"/milestones/{milestone_id}", token=viewer.token)
    commitment_id = str(milestone["commitment_id"])
    if not is_htmx(request):
        if problem is None:
            return redirect(request, f"/commitments/{commitment_id}#milestones")
        commitment, history = await asyncio.gather(
            api.get(f"/commitments/{commitment_id}", token=viewer.token),
            _history(request, viewer, commitment_id),
        )
        context = await plan_context(viewer, request, str(commitment["plan_id"]))
        return renderer_of(request)(
            request,
            "commitment.html",
            {
                **context,
                "commitment": commitment,
                "history": history,
                "statuses": STATUSES,
                "milestone_problem": {milestone["id"]: problem},
            },
            status_code=status_code,
        )
    return renderer_of(request)(
        request,
        "commitment.html",
        {
            "milestone": milestone,
            "commitment": {"id": commitment_id},
            "milestone_problem": {milestone["id"]: problem} if problem else {},
        },
        block="milestone_row",
        status_code=status_code,
    )


@router.get("/plans/{plan_id}/commitments/new")
async def new_commitment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await plan_context(viewer, request, str(plan_id))
    values = {"visibility": "shared", "lead_party_id": viewer.party_id}
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": values,
            "errors": {},
            "commitment": None,
            "problem": None,
            "statuses": STATUSES,
        },
    )


@router.post("/plans/{plan_id}/commitments/new")
async def create_commitment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body, codes = commitment_body(form)
    errors = form_errors(request, FORM_ERRORS, codes)
    problem = problem_detail = None
    if not errors:
        try:
            result = await api_of(request).request(
                "POST", f"/plans/{plan_id}/commitments", token=viewer.token, json=body
            )
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            if exc.proposal is not None:
                # A shared commitment joins a plan in force when every party approves it.
                return await offer_proposal(
                    request, viewer, exc.proposal, back=f"/plans/{plan_id}/commitments"
                )
            problem = messages.problem_message(formatter(request), exc)
            errors = messages.field_errors(exc)
            problem_detail = exc.detail
        else:
            return redirect(request, f"/commitments/{result.data['id']}")
    context = await plan_context(viewer, request, str(plan_id))
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": {name: str(value) for name, value in form.items()},
            "errors": errors,
            "statuses": STATUSES,
            "commitment": None,
            "problem": problem
            or translate(formatter(request), messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": problem_detail,
        },
        block="form",
        status_code=422,
    )


@router.get("/commitments/{commitment_id}/edit")
async def edit_commitment(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    commitment = await api_of(request).get(f"/commitments/{commitment_id}", token=viewer.token)
    context = await plan_context(viewer, request, str(commitment["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": commitment_values(commitment),
            "errors": {},
            "statuses": STATUSES,
            "commitment": commitment,
            "problem": None,
        },
    )


@router.post("/commitments/{commitment_id}/edit")
async def save_commitment(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    api = api_of(request)
    fmt = formatter(request)
    current = await api.get(f"/commitments/{commitment_id}", token=viewer.token)
    body, codes = commitment_body(form, current=current)
    outcome = EditOutcome(errors=form_errors(request, FORM_ERRORS, codes))
    if not outcome.errors:
        if not body:
            return redirect(request, f"/commitments/{commitment_id}")
        outcome = await send_edit(
            request,
            viewer,
            f"/commitments/{commitment_id}",
            body,
            form,
            lambda: _history(request, viewer, str(commitment_id)),
        )
        if outcome.saved:
            return redirect(request, f"/commitments/{commitment_id}")
        if outcome.proposal is not None:
            return await _propose_instead(
                request,
                viewer,
                current,
                delivery_part(body, outcome.agreed_fields),
                text(form, "etag"),
                outcome.proposal,
                back=f"/commitments/{commitment_id}",
            )
    context = await plan_context(viewer, request, str(current["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": {name: str(value) for name, value in form.items()},
            "errors": outcome.errors,
            "statuses": STATUSES,
            "commitment": current,
            "conflict": outcome.conflict,
            "problem": outcome.problem
            or translate(fmt, messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": outcome.problem_detail,
        },
        block="form",
        status_code=outcome.status_code,
    )


async def _propose_instead(
    request: Request,
    viewer: Viewer,
    commitment: dict[str, Any],
    delivery: dict[str, Any],
    etag: str,
    proposal: dict[str, Any],
    *,
    back: str,
) -> Response:
    """An edit refused as a change to what the parties agreed: its delivery part (status,
    progress…) is saved directly — or the user is told it was not — and the rest is offered
    as the amendment the API drew up. The refused write changed nothing, so the form's ETag
    is still the record's."""
    fmt = formatter(request)
    names = [field_name(fmt, name) for name in delivery]
    saved: list[str] = []
    not_saved = None
    if delivery:
        try:
            await api_of(request).request(
                "PATCH",
                f"/commitments/{commitment['id']}",
                token=viewer.token,
                json=delivery,
                headers=if_match(etag),
            )
        except ApiError as exc:
            if exc.status not in (409, 412, 422, 428):
                raise
            not_saved = fmt.gettext(
                "Not saved: %(fields)s. %(reason)s Change them again on the commitment's page.",
                fields=fmt.names(names),
                reason=messages.problem_message(fmt, exc),
            )
        else:
            saved = names
    return await offer_proposal(
        request, viewer, proposal, back=back, saved_fields=saved, not_saved=not_saved
    )
