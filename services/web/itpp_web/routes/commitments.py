"""Commitments: the filterable table, the detail page, inline progress and milestone edits,
and the create and edit forms."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages, tables
from itpp_web.api import ApiError, ApiResponse
from itpp_web.contract import models, operations
from itpp_web.forms import (
    COMMITMENT_FORM_FIELDS,
    NEW_MILESTONE_ROWS,
    MilestoneChanges,
    commitment_body,
    commitment_values,
    delivery_part,
    milestone_changes,
    milestone_prefix,
    milestone_values,
    progress_value,
    text,
)
from itpp_web.labels import field_label, field_name
from itpp_web.messages import translate
from itpp_web.routes import updates
from itpp_web.routes.amendments import offer_proposal
from itpp_web.routes.attachments import attachment_context
from itpp_web.routes.comments import Parent, thread_context
from itpp_web.routes.common import (
    COMMITMENT_STATUSES,
    EditOutcome,
    changes_since,
    commitment_choices,
    commitment_history,
    etag_missing,
    form_errors,
    if_match,
    plan_context,
    require_allowed,
    send_edit,
)
from itpp_web.routes.live import watch_start
from itpp_web.submit import refusal_context, submit_form
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
    safe_next,
)

# A picker's element id as the page gave it (letters, digits, `_` and `-` only).
_PICKER_ID = re.compile(r"[^A-Za-z0-9_-]")

router = APIRouter(dependencies=[Depends(csrf_protect)])

# A commitment as read (with its milestones and exchanges) or as a write answers it.
Commitment = models.CommitmentDetail | models.CommitmentPublic

LIST_FILTERS = ("status", "priority_area", "lead_party", "organisation", "health", "modality")
SINGLE_FILTERS = ("q", "due_before", "due_after", "sort")
TABLE = tables.TableSpec("commitments", LIST_FILTERS, SINGLE_FILTERS, default_sort="reference")
SORTABLE = ("reference", "due_date", "progress", "updated_at")
HEALTHS = ("on_track", "at_risk", "off_track")
MILESTONE_FIELDS = ("title", "due_date", "done_on")
PROGRESS_FIELDS = ("status", "progress")
FORM_ERRORS = {
    "title-missing": messages.N_("Give the title in at least one language."),
    "date-invalid": messages.N_("Enter a date as YYYY-MM-DD."),
    "progress-invalid": messages.N_("Progress is a whole number from 0 to 100."),
}


@router.get("/plans/{plan_id}/commitments")
async def commitment_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    list_url = f"/plans/{plan_id}/commitments"
    filters = tables.chosen_filters(request, TABLE)
    page = tables.page_number(request)
    clean = tables.clean_query(filters, page)
    unclean = tables.unclean_redirect(request, list_url, clean)
    if unclean is not None:
        return unclean
    # One read for the plan and the table's page (`getPlanCommitmentTable`); the plan alone
    # when the API refused the filters.
    table_read = asyncio.ensure_future(
        tables.fetch_with_page(
            request,
            lambda query: operations.get_plan_commitment_table(
                api_of(request),
                plan_id,
                token=viewer.token,
                # The address's filters: the API refuses a value it does not know (422).
                params=cast("models.GetPlanCommitmentTableParametersQuery", query),
                cache="etag",
            ),
            "commitments",
            filters,
            page,
            (*TABLE.repeatable, *TABLE.single),
        )
    )

    async def plan_read() -> models.PlanPublic:
        answer, _ = await table_read
        if answer is None:
            return await operations.get_plan(api_of(request), plan_id, token=viewer.token)
        # The commitment table's plan (`CommitmentTable.plan`, read by tables.fetch_with_page),
        # as parsed: the render cache names it by the answer's digest (render_cache.AnswersRead).
        return answer["plan"]

    context, (_, (body, error, filter_errors)), views = await asyncio.gather(
        plan_context(viewer, request, str(plan_id), plan_read()),
        table_read,
        tables.saved_views(request, viewer, TABLE.list_name),
    )
    response = renderer_of(request)(
        request,
        "commitments.html",
        {
            **context,
            **tables.table_context(request, TABLE, list_url, filters, page, body),
            **tables.choice_options(request, context),
            "status_options": tables.enum_options(
                request, "commitment_status", COMMITMENT_STATUSES
            ),
            "health_options": tables.enum_options(request, "health", HEALTHS),
            "plan_id": str(plan_id),
            "error": error,
            "filter_errors": filter_errors,
            "saved_views": views,
            "sortable": SORTABLE,
            "statuses": COMMITMENT_STATUSES,
        },
        block="results",
        status_code=422 if error else 200,
    )
    tables.set_address(request, response, f"{list_url}?{clean}" if clean else list_url)
    return response


@router.get("/commitments/{commitment_id}")
async def commitment_detail(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    api = api_of(request)
    commitment, history, timeline = await asyncio.gather(
        operations.get_commitment(api, commitment_id, token=viewer.token),
        commitment_history(request, viewer, str(commitment_id)),
        updates.timeline(request, viewer, str(commitment_id)),
    )
    plan_id = str(commitment["plan_id"])
    internal = commitment["visibility"] == "internal"
    context, threads, files, live_after = await asyncio.gather(
        plan_context(viewer, request, plan_id),
        thread_context(
            request, viewer, Parent("commitment", str(commitment_id)), internal=internal
        ),
        attachment_context(
            request, viewer, Parent("commitment", str(commitment_id)), internal=internal
        ),
        watch_start(request, viewer, plan_id),
    )
    return renderer_of(request)(
        request,
        "commitment.html",
        {
            **context,
            **threads,
            **files,
            "commitment": commitment,
            "history": history,
            "statuses": COMMITMENT_STATUSES,
            "live_after": live_after,
            "updates": timeline,
            "update_statuses": updates.UPDATE_STATUSES,
        },
        block="detail",
    )


@router.get("/commitments/{commitment_id}/progress")
async def progress_form(request: Request, commitment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """The inline progress form with the commitment as it is now (the conflict's "reload")."""
    if not is_htmx(request):
        return redirect(request, f"/commitments/{commitment_id}")
    commitment = await operations.get_commitment(api_of(request), commitment_id, token=viewer.token)
    return _render_progress(request, commitment, {})


def _render_progress(
    request: Request, commitment: Commitment, state: dict[str, Any], status_code: int = 200
) -> Response:
    """The progress form alone (htmx requests only: plain ones get whole pages)."""
    context = {"commitment": commitment, "statuses": COMMITMENT_STATUSES, **state}
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
        commitment = await operations.get_commitment(api, commitment_id, token=viewer.token)
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
        commitment = await operations.get_commitment(api, commitment_id, token=viewer.token)
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
        result = await operations.update_commitment(
            api,
            commitment_id,
            # The status as the form sent it: the API refuses an unknown one (422).
            cast("models.CommitmentUpdate", body),
            token=viewer.token,
            headers=if_match(etag),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        commitment = await operations.get_commitment(api, commitment_id, token=viewer.token)
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
            history = await commitment_history(request, viewer, str(commitment_id))
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
            errors=messages.field_errors(fmt, exc, PROGRESS_FIELDS),
        )
    if not is_htmx(request):
        return redirect(request, back, notice="progress-saved")
    return _render_progress(request, result.data, {"saved": True})


async def _progress_problem(
    request: Request,
    viewer: Viewer,
    commitment: Commitment,
    message: str,
    *,
    mine: dict[str, Any],
    back: str,
    status_code: int,
    conflict: list[Mapping[str, Any]] | None = None,
    detail: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    state = {
        "problem": message,
        "problem_detail": detail,
        "conflict": conflict,
        "mine": mine,
        "errors": errors or {},
    }
    if is_htmx(request):
        return _render_progress(request, commitment, state, status_code)
    # Without JavaScript: the whole detail page, with the problem shown at the form.
    history, timeline = await asyncio.gather(
        commitment_history(request, viewer, str(commitment["id"])),
        updates.timeline(request, viewer, str(commitment["id"])),
    )
    context = await plan_context(viewer, request, str(commitment["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment.html",
        {
            **context,
            "commitment": commitment,
            "history": history,
            "statuses": COMMITMENT_STATUSES,
            "updates": timeline,
            "update_statuses": updates.UPDATE_STATUSES,
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
        await operations.update_milestone(
            api,
            milestone_id,
            cast("models.MilestoneUpdate", body),  # dates checked above
            token=viewer.token,
            headers=if_match(text(form, "etag")),
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        problem = messages.problem_message(fmt, exc)
        refused = messages.field_errors(fmt, exc, MILESTONE_FIELDS)
        if refused:
            problem = " ".join(
                [problem, *(f"{field_label(fmt, n)}: {m}" for n, m in refused.items() if n)]
            )
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
    milestone = await operations.get_milestone(api, milestone_id, token=viewer.token)
    commitment_id = str(milestone["commitment_id"])
    if not is_htmx(request):
        if problem is None:
            return redirect(
                request, f"/commitments/{commitment_id}#milestones", notice="milestone-saved"
            )
        commitment, history = await asyncio.gather(
            operations.get_commitment(api, commitment_id, token=viewer.token),
            commitment_history(request, viewer, commitment_id),
        )
        context = await plan_context(viewer, request, str(commitment["plan_id"]))
        return renderer_of(request)(
            request,
            "commitment.html",
            {
                **context,
                "commitment": commitment,
                "history": history,
                "statuses": COMMITMENT_STATUSES,
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
            "milestone_saved": problem is None,
        },
        block="milestone_row",
        status_code=status_code,
    )


@router.get("/plans/{plan_id}/commitments/new")
async def new_commitment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await plan_context(viewer, request, str(plan_id))
    require_allowed(context["plan"], "create_commitment")
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
            "statuses": COMMITMENT_STATUSES,
            "new_milestone_rows": NEW_MILESTONE_ROWS,
        },
    )


@router.post("/plans/{plan_id}/commitments/new")
async def create_commitment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body, codes = commitment_body(form)
    milestones = milestone_changes(form)
    errors = form_errors(request, FORM_ERRORS, {**codes, **milestones.errors})
    if milestones.create:
        body["milestones"] = [row for _, row in milestones.create]

    async def render(
        errors: dict[str, str], problem: str, status: int, exc: ApiError | None
    ) -> Response:
        if exc is not None and exc.proposal is not None:
            # A shared commitment joins a plan in force when every party approves it.
            return await offer_proposal(
                request, viewer, exc.proposal, back=f"/plans/{plan_id}/commitments"
            )
        context = await plan_context(viewer, request, str(plan_id))
        return renderer_of(request)(
            request,
            "commitment_form.html",
            {
                **context,
                "values": {name: str(value) for name, value in form.items()},
                "errors": errors,
                "statuses": COMMITMENT_STATUSES,
                "new_milestone_rows": NEW_MILESTONE_ROWS,
                "commitment": None,
                **refusal_context(request, problem, exc),
            },
            block="form",
            status_code=422,
        )

    return await submit_form(
        request,
        render=render,
        own_errors=errors,
        send=lambda: operations.create_commitment(
            api_of(request), plan_id, cast("models.CommitmentCreate", body), token=viewer.token
        ),
        refusals=(409, 422),
        fields=COMMITMENT_FORM_FIELDS,
        done=lambda result: redirect(
            request, f"/commitments/{result.data['id']}", notice="commitment-created"
        ),
    )


@router.get("/commitments/{commitment_id}/edit")
async def edit_commitment(
    request: Request, commitment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    commitment = await operations.get_commitment(api_of(request), commitment_id, token=viewer.token)
    require_allowed(commitment, "update", "propose_change")
    context = await plan_context(viewer, request, str(commitment["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": {
                **commitment_values(commitment),
                **milestone_values(commitment.get("milestones") or []),
            },
            "errors": {},
            "statuses": COMMITMENT_STATUSES,
            "new_milestone_rows": NEW_MILESTONE_ROWS,
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
    current = await operations.get_commitment(api, commitment_id, token=viewer.token)
    body, codes = commitment_body(form, current=current)
    milestones = milestone_changes(form, current.get("milestones"))
    outcome = EditOutcome(errors=form_errors(request, FORM_ERRORS, {**codes, **milestones.errors}))
    values = {name: str(value) for name, value in form.items()}
    if not outcome.errors:
        if not body and not milestones:
            return redirect(request, f"/commitments/{commitment_id}")
        if milestones.delete and not feedback.confirmed(form):
            # Removing a milestone is asked first (the dialog, or this page without it).
            edit = f"/commitments/{commitment_id}/edit"
            return ask_first(request, "remove-milestones", form, action=edit, back=edit)
        if body:
            outcome = await send_edit(
                request,
                lambda headers: operations.update_commitment(
                    api,
                    commitment_id,
                    # The status as the form sent it: the API refuses an unknown one (422).
                    cast("models.CommitmentUpdate", body),
                    token=viewer.token,
                    headers=headers,
                ),
                form,
                lambda: commitment_history(request, viewer, str(commitment_id)),
                COMMITMENT_FORM_FIELDS,
            )
        else:
            outcome = EditOutcome(saved=True)
        if outcome.saved:
            # The milestones after the commitment: each write of a milestone changes the
            # commitment's ETag, which the commitment's own write needed first.
            problem, done = await _apply_milestones(request, viewer, str(commitment_id), milestones)
            if problem is None:
                return redirect(request, f"/commitments/{commitment_id}", notice="saved")
            current = await operations.get_commitment(api, commitment_id, token=viewer.token)
            values = _after_partial_save(values, current, done)
            outcome = EditOutcome(problem=problem, refused_status=409)
        elif outcome.proposal is not None:
            return await _propose_instead(
                request,
                viewer,
                current,
                delivery_part(body, outcome.agreed_fields),
                text(form, "etag"),
                outcome.proposal,
                back=f"/commitments/{commitment_id}",
                milestones=milestones,
            )
    context = await plan_context(viewer, request, str(current["plan_id"]))
    return renderer_of(request)(
        request,
        "commitment_form.html",
        {
            **context,
            "values": values,
            "errors": outcome.errors,
            "statuses": COMMITMENT_STATUSES,
            "new_milestone_rows": NEW_MILESTONE_ROWS,
            "commitment": current,
            "conflict": outcome.conflict,
            "problem": outcome.problem
            or translate(fmt, messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": outcome.problem_detail,
        },
        block="form",
        status_code=outcome.status_code,
    )


async def _apply_milestones(
    request: Request, viewer: Viewer, commitment_id: str, changes: MilestoneChanges
) -> tuple[str | None, set[str]]:
    """Write the form's milestone changes, each with its own ETag: removals, changes, then the
    new ones. Stops at the first refusal; returns its message (None when all were written) and
    the rows written."""
    api = api_of(request)
    done: set[str] = set()
    # Each row's write, made when its turn comes (the rows' prefixes name them in the form).
    steps: list[tuple[str, Callable[[], Awaitable[ApiResponse[Any]]]]] = [
        (
            milestone_prefix(key),
            partial(
                operations.delete_milestone, api, key, token=viewer.token, headers=if_match(etag)
            ),
        )
        for key, etag in changes.delete
    ]
    steps += [
        (
            milestone_prefix(key),
            partial(
                operations.update_milestone,
                api,
                key,
                # Dates and titles checked by milestone_changes; the API checks the rest.
                cast("models.MilestoneUpdate", body),
                token=viewer.token,
                headers=if_match(etag),
            ),
        )
        for key, etag, body in changes.update
    ]
    steps += [
        (
            prefix,
            partial(
                operations.create_milestone,
                api,
                commitment_id,
                cast("models.MilestoneCreate", body),
                token=viewer.token,
            ),
        )
        for prefix, body in changes.create
    ]
    for prefix, write in steps:
        try:
            await write()
        except ApiError as exc:
            if exc.status not in (404, 409, 412, 422, 428):
                raise
            fmt = formatter(request)
            return (
                fmt.gettext(
                    "The milestones were not all saved: %(reason)s",
                    reason=messages.problem_message(fmt, exc),
                ),
                done,
            )
        done.add(prefix)
    return None, done


def _after_partial_save(
    typed: dict[str, str], current: Commitment, done: set[str]
) -> dict[str, str]:
    """The edit form's values after the commitment (and some milestones) were saved: the
    record as it is now, with what was typed for the milestones not written yet."""
    values = {
        **commitment_values(current),
        **milestone_values(current.get("milestones") or []),
        "etag": str(current.get("etag") or ""),
        "seen": str(current.get("updated_at") or ""),
    }
    for name, value in typed.items():
        prefix = ".".join(name.split(".")[:2])
        if name.startswith("ms.") and prefix not in done:
            values[name] = value
    return values


async def _propose_instead(
    request: Request,
    viewer: Viewer,
    commitment: Commitment,
    delivery: dict[str, Any],
    etag: str,
    proposal: dict[str, Any],
    *,
    back: str,
    milestones: MilestoneChanges | None = None,
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
            await operations.update_commitment(
                api_of(request),
                commitment["id"],
                # The status as the form sent it: the API refuses an unknown one (422).
                cast("models.CommitmentUpdate", delivery),
                token=viewer.token,
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
    if milestones and not_saved is None:
        # Milestones are delivery: written at once, after the commitment's delivery part.
        problem, _ = await _apply_milestones(request, viewer, str(commitment["id"]), milestones)
        if problem is None:
            saved.append(field_name(fmt, "milestones"))
        else:
            not_saved = problem
    return await offer_proposal(
        request, viewer, proposal, back=back, saved_fields=saved, not_saved=not_saved
    )


@router.get("/plans/{plan_id}/commitment-options")
async def commitment_options(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """A commitment picker's options for what its search field has (htmx active search): the
    options the picker has chosen, then the first matches; and how many matched, for the
    picker's live region."""
    query = request.query_params
    field = query.get("field", "")
    choices = await commitment_choices(
        request,
        viewer,
        str(plan_id),
        q=query.get(query.get("search") or "q", ""),
        chosen=query.getlist(field) if field else [],
        live=query.get("live") == "1",
        shared=query.get("shared") == "1",
    )
    return renderer_of(request)(
        request,
        "_commitment_options.html",
        {
            "choices": choices,
            "select_id": _PICKER_ID.sub("", query.get("select_id", ""))[:100] or "commitments",
            "empty_label": query.get("empty_label", "")[:100],
        },
    )
