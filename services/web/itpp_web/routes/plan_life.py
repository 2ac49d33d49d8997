"""A plan's life before it comes into force: create a draft, import a plan document or a plan
export, edit the draft's texts, term and priority areas, download its export, delete it.

Every rule is the API's: who may create, edit or delete a plan, which plans can be deleted,
what a document import makes of a text. The pages offer what the API's allowed actions on the
plan and its areas list, and show the API's refusals beside the fields they name.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from itpp_web import feedback, messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import localized, text
from itpp_web.i18n import LANGUAGES
from itpp_web.routes.amendments import plan_texts_from_form, text_defaults
from itpp_web.routes.common import form_errors
from itpp_web.submit import Adjust, Render, idempotency, submit_form
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

# What the web's own checks say before anything is sent (the API checks everything again).
FORM_ERRORS = {
    "title-missing": messages.N_("Give the title in at least one language."),
    "parties": messages.N_("Choose at least two parties, your own among them."),
    "months": messages.N_("Enter a whole number of months from 1 to 240."),
    "reference": messages.N_(
        "Give the plan's reference: capital letters, digits and hyphens (such as JP-NATO-2027)."
    ),
    "file": messages.N_("Choose the file to import."),
    "file-kind": messages.N_(
        "Choose a text (.txt), Markdown (.md), Word (.docx) or OpenDocument (.odt) file."
    ),
    "json": messages.N_("This file is not a plan export (JSON) as the plan's download gives it."),
    "codes": messages.N_("Give the code (such as 3.1.10) and the short code (such as NEW)."),
    "section-incomplete": messages.N_(
        "Give each section its number and its text in at least one language (empty a row "
        "entirely to take the section out)."
    ),
    "lead-number-missing": messages.N_(
        "Give the number of the list or chapter each lead text belongs to (such as 2.2 or 3)."
    ),
    "nothing-changed": messages.N_("Nothing was changed."),
    "area-in-use": messages.N_(
        "This priority area still has commitments in progress: cancel them or move them to "
        "another area first."
    ),
}
# Why a line of an imported document is not in the draft (the API's UnmappedLine.kind).
UNMAPPED_REASONS = {
    "after_end": messages.N_("After the end of the plan's text."),
    "chapter_without_heading": messages.N_("A chapter number without a heading."),
    "chapter_before_title": messages.N_("A chapter before the plan's title."),
    "duplicate_chapter": messages.N_("This chapter number appears twice."),
    "duplicate_section": messages.N_("This section number appears twice."),
    "item_outside_section": messages.N_("An item numbered outside the section it stands in."),
    "area_without_title": messages.N_("A priority area without a title."),
    "duplicate_area": messages.N_("This priority area's number appears twice."),
    "numbering_too_deep": messages.N_("Numbering deeper than three levels (such as 3.1.1)."),
    "text_before_chapter_1": messages.N_("Text between the title and chapter 1."),
    "text_outside_section": messages.N_("Text in a chapter outside any numbered section."),
    "bullet_without_code": messages.N_(
        "A bullet among the priority areas without a code such as 3.1.1."
    ),
    "second_area_list": messages.N_(
        "The introduction of a second list of priority areas: a plan keeps one."
    ),
    "text_after_area_list": messages.N_("Text after the list of priority areas."),
    "text_after_objectives": messages.N_("Text after the list of objectives."),
    "empty_section": messages.N_("A section without text."),
}
UNMAPPED_FALLBACK = messages.N_("Not taken into the draft.")
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".odt")
# Word and OpenDocument files: their text is read by the API, not shown beside the report.
PACKAGED_SUFFIXES = (".docx", ".odt")
MONTHS_MAX = 240
# The plan export's own limit at the API (16 MiB): a larger file is refused before it is read.
UPLOAD_MAX = 16 * 1024 * 1024
PLAN_FORM_FIELDS = frozenset(
    {
        "reference",
        "title",
        *(f"title.{lang}" for lang in LANGUAGES),
        "party_ids",
        "term_months",
        "review_interval_months",
    }
)
DRAFT_FORM_FIELDS = frozenset(
    {"term_months", "review_interval_months", "title", "sections", "objectives"}
)
AREA_FORM_FIELDS = frozenset(
    {"code", "short_code", "title", *(f"title.{lang}" for lang in LANGUAGES)}
)


def _months(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= MONTHS_MAX else None


def _problem(request: Request, exc: ApiError, fields: frozenset[str]) -> tuple[str, dict[str, str]]:
    fmt = formatter(request)
    return messages.problem_message(fmt, exc), messages.field_errors(fmt, exc, fields)


def _conflict_at(field: str, *, slug: str | None = None) -> Adjust:
    """A 409 (of `slug`, when given) shown at `field` unless the API named a field itself."""

    def adjust(exc: ApiError, problem: str, errors: dict[str, str]) -> None:
        if exc.status == 409 and (slug is None or exc.slug == slug):
            errors.setdefault(field, problem)

    return adjust


# --- a new draft -----------------------------------------------------------------------------


async def _parties(request: Request, viewer: Viewer) -> list[models.PartyPublic]:
    listed = await operations.list_parties(api_of(request), token=viewer.token)
    return sorted(listed["items"], key=lambda party: party["code"])


async def _new_plan_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> Response:
    return renderer_of(request)(
        request,
        "plan_new.html",
        {
            "parties": await _parties(request, viewer),
            "values": values
            or {
                "party_ids": [viewer.party_id],
                "term_months": "24",
                "review_interval_months": "12",
            },
            "errors": errors or {},
            "problem": problem,
            "problem_detail": detail,
            "idempotency_key": str(uuid.uuid4()),
        },
        status_code=status_code,
    )


@router.get("/plans/new")
async def new_plan(request: Request, viewer: ViewerDep) -> Response:
    return await _new_plan_page(request, viewer)


@router.post("/plans/new")
async def create_plan(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    party_ids = [str(value) for value in form.getlist("party_ids") if value]
    values: dict[str, Any] = {
        "reference": text(form, "reference").upper(),
        **{f"title.{lang}": text(form, f"title.{lang}") for lang in LANGUAGES},
        "party_ids": party_ids,
        "term_months": text(form, "term_months"),
        "review_interval_months": text(form, "review_interval_months"),
    }
    codes: dict[str, str] = {}
    title = localized(form, "title")
    if not values["reference"]:
        codes["reference"] = "reference"
    if title is None:
        codes["title"] = "title-missing"
    if len(party_ids) < 2:
        codes["party_ids"] = "parties"
    term = _months(values["term_months"])
    interval = _months(values["review_interval_months"])
    if term is None:
        codes["term_months"] = "months"
    if interval is None:
        codes["review_interval_months"] = "months"
    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _new_plan_page(
            request,
            viewer,
            values=values,
            errors=errors,
            problem=problem,
            detail=exc.detail if exc else None,
            status_code=status,
        ),
        own_errors=form_errors(request, FORM_ERRORS, codes),
        send=lambda: operations.create_plan(
            api_of(request),
            # Sent only without own errors: the title, the term and the interval are then set.
            cast(
                "models.PlanCreate",
                {
                    "reference": values["reference"],
                    "title": title,
                    "party_ids": party_ids,
                    "term_months": term,
                    "review_interval_months": interval,
                },
            ),
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(403, 409, 422),
        fields=PLAN_FORM_FIELDS,
        adjust=_conflict_at("reference"),
        done=lambda created: redirect(
            request, f"/plans/{created.data['id']}/draft", notice="plan-created"
        ),
    )


# --- imports -------------------------------------------------------------------------------


async def _import_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    detail: str | None = None,
    which: str = "document",
    status_code: int = 200,
) -> Response:
    return renderer_of(request)(
        request,
        "plan_import.html",
        {
            "parties": await _parties(request, viewer),
            "values": values or {"party_ids": [viewer.party_id]},
            "errors": errors or {},
            "problem": problem,
            "problem_detail": detail,
            "which": which,
            "idempotency_key": str(uuid.uuid4()),
        },
        status_code=status_code,
    )


async def _upload(form: FormData, name: str) -> tuple[str, bytes] | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read(UPLOAD_MAX + 1)


@router.get("/plans/import")
async def import_page(request: Request, viewer: ViewerDep) -> Response:
    return await _import_page(request, viewer)


@router.post("/plans/import")
async def import_document(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form(max_files=1)
    fmt = formatter(request)
    party_ids = [str(value) for value in form.getlist("party_ids") if value]
    values: dict[str, Any] = {"party_ids": party_ids, "reference": text(form, "reference").upper()}
    uploaded = await _upload(form, "file")
    codes: dict[str, str] = {}
    if uploaded is None:
        codes["file"] = "file"
    elif not uploaded[0].lower().endswith(DOCUMENT_SUFFIXES):
        codes["file"] = "file-kind"
    if len(party_ids) < 2:
        codes["party_ids"] = "parties"
    if codes or uploaded is None:
        return await _import_page(
            request,
            viewer,
            values=values,
            errors=form_errors(request, FORM_ERRORS, codes),
            problem=fmt.gettext("Some fields need correcting."),
            status_code=422,
        )
    name, content = uploaded
    params: models.ImportPlanDocumentParametersQuery = {"party": list(party_ids)}
    if values["reference"]:
        params["reference"] = values["reference"]
    try:
        result = await operations.import_plan_document(
            api_of(request),
            token=viewer.token,
            params=params,
            files={"file": (name, content)},
            headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 413, 415, 422):
            raise
        problem, errors = _problem(request, exc, frozenset({"file", "reference", "party_ids"}))
        # The query's `party` is the form's parties.
        errors = {
            ("party_ids" if key == "party" else key): message for key, message in errors.items()
        }
        return await _import_page(
            request,
            viewer,
            values=values,
            errors=errors,
            problem=problem,
            detail=exc.detail,
            status_code=exc.status,
        )
    report = result.data["report"]
    unmapped = {
        int(item["line"]): {
            **item,
            "why": fmt.gettext(UNMAPPED_REASONS.get(item.get("kind", ""), UNMAPPED_FALLBACK)),
        }
        for item in report["unmapped"]
    }
    lines: list[str] = []
    if not name.lower().endswith(PACKAGED_SUFFIXES):
        # The document's lines as the import numbered them (a Word or OpenDocument file's
        # paragraphs are not read here: its report stands alone).
        lines = content.decode("utf-8-sig", errors="replace").splitlines()
    return renderer_of(request)(
        request,
        "plan_imported.html",
        {
            "plan": result.data["plan"],
            "report": report,
            "unmapped": unmapped,
            "lines": lines,
            "file_name": name,
        },
        status_code=201,
    )


@router.post("/plans/import-json")
async def import_export(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form(max_files=1)
    fmt = formatter(request)
    uploaded = await _upload(form, "export")
    document: Any = None
    if uploaded is not None and len(uploaded[1]) <= UPLOAD_MAX:
        try:
            document = json.loads(uploaded[1])
        except ValueError:
            document = None
    if not isinstance(document, dict):
        return await _import_page(
            request,
            viewer,
            errors=form_errors(
                request, FORM_ERRORS, {"export": "file" if uploaded is None else "json"}
            ),
            problem=fmt.gettext("Some fields need correcting."),
            which="export",
            status_code=422,
        )
    try:
        result = await operations.import_plan_export(
            api_of(request),
            document,
            token=viewer.token,
            headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 413, 422):
            raise
        problem, _errors = _problem(request, exc, frozenset())
        return await _import_page(
            request,
            viewer,
            errors={"export": problem},
            problem=problem,
            detail=exc.detail,
            which="export",
            status_code=exc.status,
        )
    return redirect(request, f"/plans/{result.data['plan_id']}", notice="plan-imported")


@router.get("/plans/{plan_id}/export.json")
async def export_download(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """The whole plan as the API exports it (what the reader may see of it)."""
    # The whole answer: its bytes passed on as they are, with the API's file name.
    result = await operations.export_plan_response(api_of(request), plan_id, token=viewer.token)
    return Response(
        result.content,
        media_type="application/json",
        headers={
            "Content-Disposition": result.headers.get("content-disposition")
            or 'attachment; filename="plan.json"'
        },
    )


# --- the draft -----------------------------------------------------------------------------


async def _draft_page(
    request: Request,
    viewer: Viewer,
    plan_id: uuid.UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    detail: str | None = None,
    area_errors: dict[str, dict[str, str]] | None = None,
    area_values: dict[str, dict[str, str]] | None = None,
    area_problem: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    api = api_of(request)
    plan = await operations.get_plan(api, plan_id, token=viewer.token)
    areas = (await operations.list_priority_areas(api, plan_id, token=viewer.token))["items"]
    defaults = text_defaults(plan)
    defaults["term_months"] = str(plan["term_months"])
    defaults["review_interval_months"] = str(plan["review_interval_months"])
    return renderer_of(request)(
        request,
        "plan_draft.html",
        {
            "plan": plan,
            "areas": areas,
            "values": values or {},
            "defaults": defaults,
            "errors": errors or {},
            "problem": problem,
            "problem_detail": detail,
            "area_errors": area_errors or {},
            "area_values": area_values or {},
            "area_problem": area_problem or {},
            "problem_status": status_code,
            "section_rows": len(plan.get("sections") or []) + 2,
            "objective_rows": len(plan.get("objectives") or []) + 2,
            "chapter_rows": len((plan.get("lead_texts") or {}).get("chapters") or []) + 1,
            "idempotency_key": str(uuid.uuid4()),
        },
        status_code=status_code,
    )


@router.get("/plans/{plan_id}/draft")
async def draft_page(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _draft_page(request, viewer, plan_id)


@router.post("/plans/{plan_id}/draft")
async def save_draft(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    plan = await operations.get_plan(api_of(request), plan_id, token=viewer.token)
    codes: dict[str, str] = {}
    changes, text_error = plan_texts_from_form(form, plan)
    if text_error and text_error != "nothing-changed":
        codes["title" if text_error == "title-missing" else "sections"] = text_error
    for name in ("term_months", "review_interval_months"):
        months = _months(text(form, name))
        if months is None:
            codes[name] = "months"
        elif months != plan[name]:
            changes[name] = months
    if not codes and not changes:
        return redirect(request, f"/plans/{plan_id}/draft", notice="draft-unchanged")
    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _draft_page(
            request,
            viewer,
            plan_id,
            values=values,
            errors=errors,
            problem=problem,
            detail=exc.detail if exc else None,
            status_code=status,
        ),
        own_errors=form_errors(request, FORM_ERRORS, codes),
        send=lambda: operations.update_plan(
            api_of(request),
            plan_id,
            cast("models.PlanUpdate", changes),
            token=viewer.token,
            headers={"If-Match": text(form, "etag")},
        ),
        refusals=(403, 409, 412, 422, 428),
        fields=DRAFT_FORM_FIELDS,
        done=lambda result: redirect(request, f"/plans/{plan_id}/draft", notice="saved"),
    )


def _area_body(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """An area's fields from its form, and the web's own objections (field → message key)."""
    codes: dict[str, str] = {}
    body: dict[str, Any] = {
        "code": text(form, "code"),
        "short_code": text(form, "short_code").upper(),
        "title": localized(form, "title"),
    }
    if not body["code"] or not body["short_code"]:
        codes["code" if not body["code"] else "short_code"] = "codes"
    if body["title"] is None:
        codes["title"] = "title-missing"
    return body, codes


async def _area_refused(
    request: Request,
    viewer: Viewer,
    plan_id: uuid.UUID,
    key: str,
    form: FormData,
    *,
    errors: dict[str, str],
    problem: str,
    status_code: int,
) -> Response:
    values = {name: value for name, value in form.items() if isinstance(value, str)}
    return await _draft_page(
        request,
        viewer,
        plan_id,
        area_errors={key: errors},
        area_values={key: values},
        area_problem={key: problem},
        status_code=status_code,
    )


def _area_render(
    request: Request, viewer: Viewer, plan_id: uuid.UUID, key: str, form: FormData
) -> Render:
    """The draft page with area `key`'s form refused (`submit_form`'s render)."""

    async def render(
        errors: dict[str, str], problem: str, status: int, exc: ApiError | None
    ) -> Response:
        return await _area_refused(
            request, viewer, plan_id, key, form, errors=errors, problem=problem, status_code=status
        )

    return render


@router.post("/plans/{plan_id}/areas")
async def add_area(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body, codes = _area_body(form)
    return await submit_form(
        request,
        render=_area_render(request, viewer, plan_id, "new", form),
        own_errors=form_errors(request, FORM_ERRORS, codes),
        send=lambda: operations.create_priority_area(
            api_of(request),
            plan_id,
            cast("models.PriorityAreaCreate", body),
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(403, 409, 422),
        fields=AREA_FORM_FIELDS,
        adjust=_conflict_at("code"),
        done=lambda result: redirect(request, f"/plans/{plan_id}/draft#areas", notice="area-added"),
    )


@router.post("/plans/{plan_id}/areas/{area_id}")
async def save_area(
    request: Request, plan_id: uuid.UUID, area_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    body, codes = _area_body(form)
    return await submit_form(
        request,
        render=_area_render(request, viewer, plan_id, str(area_id), form),
        own_errors=form_errors(request, FORM_ERRORS, codes),
        send=lambda: operations.update_priority_area(
            api_of(request),
            area_id,
            cast("models.PriorityAreaUpdate", body),
            token=viewer.token,
            headers={"If-Match": text(form, "etag")},
        ),
        refusals=(403, 409, 412, 422, 428),
        fields=AREA_FORM_FIELDS,
        adjust=_conflict_at("code", slug="conflict"),
        done=lambda result: redirect(
            request, f"/plans/{plan_id}/draft#area-{area_id}", notice="saved"
        ),
    )


@router.post("/plans/{plan_id}/areas/{area_id}/move")
async def move_area(
    request: Request, plan_id: uuid.UUID, area_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    """One place up or down: the new order of every area, as the API takes it."""
    form = await request.form()
    api = api_of(request)
    areas = (await operations.list_priority_areas(api, plan_id, token=viewer.token))["items"]
    order = [area["id"] for area in areas]
    if str(area_id) in order:
        index = order.index(str(area_id))
        other = index - 1 if text(form, "direction") == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            await operations.reorder_priority_areas(
                api, plan_id, {"priority_area_ids": order}, token=viewer.token
            )
    return redirect(request, f"/plans/{plan_id}/draft#area-{area_id}", notice="areas-reordered")


@router.post("/plans/{plan_id}/areas/{area_id}/retire")
async def retire_area(
    request: Request, plan_id: uuid.UUID, area_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "retire-area",
            form,
            action=f"/plans/{plan_id}/areas/{area_id}/retire",
            back=f"/plans/{plan_id}/draft#area-{area_id}",
        )
    try:
        await operations.retire_priority_area(
            api_of(request), area_id, token=viewer.token, headers={"If-Match": text(form, "etag")}
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        fmt = formatter(request)
        problem = (
            fmt.gettext(FORM_ERRORS["area-in-use"])
            if any(e.get("type") == "priority_area_in_use" for e in exc.field_errors)
            else messages.problem_message(fmt, exc)
        )
        return await _area_refused(
            request,
            viewer,
            plan_id,
            str(area_id),
            form,
            errors={},
            problem=problem,
            status_code=exc.status,
        )
    return redirect(request, f"/plans/{plan_id}/draft#area-{area_id}", notice="area-retired")


@router.post("/plans/{plan_id}/delete")
async def delete_plan(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "delete-plan",
            form,
            action=f"/plans/{plan_id}/delete",
            back=f"/plans/{plan_id}/draft",
        )
    return await submit_form(
        request,
        # The refusal is the plan's, not a field's.
        render=lambda errors, problem, status, exc: _draft_page(
            request,
            viewer,
            plan_id,
            problem=problem,
            detail=exc.detail if exc else None,
            status_code=status,
        ),
        send=lambda: operations.delete_plan(
            api_of(request), plan_id, token=viewer.token, headers={"If-Match": text(form, "etag")}
        ),
        refusals=(409, 412),
        done=lambda result: redirect(request, "/plans", notice="plan-deleted"),
    )
