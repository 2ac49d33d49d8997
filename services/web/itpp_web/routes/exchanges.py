"""Exchanges: the filterable list, the detail page, the create and edit forms, cancelling,
and the timeline of placements."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages, tables
from itpp_web.api import ApiClient, ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import EXCHANGE_FORM_FIELDS, exchange_body, exchange_values, form_values, text
from itpp_web.labels import LABELS
from itpp_web.messages import translate
from itpp_web.routes.attachments import attachment_context
from itpp_web.routes.comments import Parent, thread_context
from itpp_web.routes.common import (
    CommitmentChoices,
    EditOutcome,
    changes_since,
    commitment_choices,
    commitments_by_id,
    form_errors,
    if_match,
    plan_context,
    require_allowed,
    send_edit,
)
from itpp_web.routes.live import watch_start
from itpp_web.submit import idempotency, refusal_context, submit_form
from itpp_web.timeline import placement_timeline
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

LIST_FILTERS = ("kind", "status", "party", "organisation")
SINGLE_FILTERS = ("q", "starts_before", "ends_after", "commitment_id", "sort")
# The commitment picker's search without JavaScript is kept in the address while it is used.
TABLE = tables.TableSpec(
    "exchanges", LIST_FILTERS, SINGLE_FILTERS, default_sort="start_date", kept=("commitment_q",)
)
SORTABLE = ("start_date", "reference", "updated_at")
KINDS = tuple(LABELS["exchange_kind"])
STATUSES = tuple(LABELS["exchange_status"])
FORM_ERRORS = {
    "title-missing": messages.N_("Give the title in at least one language."),
    "date-invalid": messages.N_("Enter a date as YYYY-MM-DD."),
    "required": messages.N_("This field is required."),
    "dates-out-of-order": messages.N_("The end date cannot be before the start date."),
    "participant-role-missing": messages.N_(
        "Each participant line starts with a role: role | name | organisation code (the name "
        "and the organisation only where needed)."
    ),
    "participant-organisation-unknown": messages.N_(
        "A participant line names an organisation code that is not in the list of organisations."
    ),
}
# The most pages of a plan's placements fetched for one page (200 each).
MAX_PAGES = 10


async def _all_placements(api: ApiClient, plan_id: uuid.UUID, token: str) -> list[dict[str, Any]]:
    """Every placement of the plan by start date (up to MAX_PAGES pages of 200)."""
    items: list[dict[str, Any]] = []
    params: models.ListExchangesParametersQuery = {
        "kind": ["placement"],
        "sort": "start_date",
        "limit": 200,
    }
    for _ in range(MAX_PAGES):
        page = await operations.list_exchanges(api, plan_id, token=token, params=params)
        # The timeline reads placements as plain records (timeline.placement_timeline).
        items.extend(cast("list[dict[str, Any]]", page["items"]))
        cursor = page.get("next_cursor")
        if not cursor:
            break
        params["cursor"] = cursor
    return items


def _names(context: dict[str, Any]) -> dict[str, Any]:
    """Look-ups the templates use to name parties and organisations by id."""
    return {
        "organisation_by_id": {org["id"]: org for org in context["organisations"]},
        "party_by_id": {party["id"]: party for party in context["parties"]},
    }


@router.get("/plans/{plan_id}/exchanges")
async def exchange_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    list_url = f"/plans/{plan_id}/exchanges"
    filters = tables.chosen_filters(request, TABLE)
    page = tables.page_number(request)
    kept = {name: request.query_params.get(name, "").strip() for name in TABLE.kept}
    clean = tables.clean_query(filters, page, **kept)
    unclean = tables.unclean_redirect(request, list_url, clean)
    if unclean is not None:
        return unclean
    # The filter form (and its commitment picker) is not part of the htmx fragment.
    choices_call = (
        asyncio.sleep(0, CommitmentChoices([], []))
        if is_htmx(request)
        else commitment_choices(
            request,
            viewer,
            str(plan_id),
            q=kept["commitment_q"],
            chosen=[str(filters["commitment_id"])] if filters.get("commitment_id") else [],
        )
    )
    context, choices, ((body, error, filter_errors), views) = await asyncio.gather(
        plan_context(viewer, request, str(plan_id)),
        choices_call,
        tables.page_and_views(
            request,
            viewer,
            TABLE,
            lambda query: operations.list_exchanges(
                api_of(request),
                plan_id,
                token=viewer.token,
                # The address's filters: the API refuses a value it does not know (422).
                params=cast("models.ListExchangesParametersQuery", query),
            ),
            filters,
            page,
        ),
    )
    response = renderer_of(request)(
        request,
        "exchanges.html",
        {
            **context,
            **_names(context),
            **tables.table_context(request, TABLE, list_url, filters, page, body),
            **tables.choice_options(request, context),
            "kind_options": tables.enum_options(request, "exchange_kind", KINDS),
            "status_options": tables.enum_options(request, "exchange_status", STATUSES),
            "plan_id": str(plan_id),
            "commitment_choices": choices,
            "error": error,
            "filter_errors": filter_errors,
            "saved_views": views,
            "sortable": SORTABLE,
            "kinds": KINDS,
            "statuses": STATUSES,
        },
        block="results",
        status_code=422 if error else 200,
    )
    tables.set_address(request, response, f"{list_url}?{clean}" if clean else list_url)
    return response


@router.get("/plans/{plan_id}/placements")
async def placement_timeline_page(
    request: Request, plan_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    context, placements = await asyncio.gather(
        plan_context(viewer, request, str(plan_id)),
        _all_placements(api_of(request), plan_id, viewer.token),
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
    page = await operations.get_exchange_history(
        api_of(request), exchange_id, token=viewer.token, params={"limit": 50}
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
    request: Request, viewer: Viewer, exchange: models.ExchangePublic
) -> dict[str, Any]:
    history, context = await asyncio.gather(
        _history(request, viewer, str(exchange["id"])),
        plan_context(viewer, request, str(exchange["plan_id"])),
    )
    # The history names the commitments linked once: those and the linked ones, not the plan's
    # every commitment (thousands, for a large plan).
    named = {
        str(commitment_id)
        for event in history
        for change in event["changed"].values()
        for side in change
        if isinstance(side, list)
        for commitment_id in side
    }
    linked = {str(c["id"]): str(c["reference"]) for c in exchange.get("commitments") or []}
    unlinked = await commitments_by_id(
        request, viewer, str(exchange["plan_id"]), sorted(named - set(linked))
    )
    names = {
        **{party["id"]: party["code"] for party in context["parties"]},
        **{org["id"]: org["code"] for org in context["organisations"]},
        **linked,
        **{c["id"]: c["reference"] for c in unlinked},
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
    exchange = await operations.get_exchange(api_of(request), exchange_id, token=viewer.token)
    internal = exchange["visibility"] == "internal"
    context, threads, files, live_after = await asyncio.gather(
        _detail_context(request, viewer, exchange),
        thread_context(request, viewer, Parent("exchange", str(exchange_id)), internal=internal),
        attachment_context(
            request, viewer, Parent("exchange", str(exchange_id)), internal=internal
        ),
        watch_start(request, viewer, str(exchange["plan_id"])),
    )
    return renderer_of(request)(
        request,
        "exchange.html",
        {**context, **threads, **files, "live_after": live_after},
        block="detail",
    )


@router.post("/exchanges/{exchange_id}/cancel")
async def cancel_exchange(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "cancel-exchange",
            form,
            action=f"/exchanges/{exchange_id}/cancel",
            back=f"/exchanges/{exchange_id}",
        )
    api = api_of(request)
    try:
        await operations.cancel_exchange(
            api, exchange_id, token=viewer.token, headers=if_match(text(form, "etag"))
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        fmt = formatter(request)
        exchange = await operations.get_exchange(api, exchange_id, token=viewer.token)
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
    return redirect(request, f"/exchanges/{exchange_id}", notice="exchange-cancelled")


async def _form_context(
    request: Request, viewer: Viewer, plan_id: str, *, chosen: list[str], q: str = ""
) -> dict[str, Any]:
    """What the exchange form shows around its values; its commitment picker lists the chosen
    commitments and the first that match `q`."""
    context, choices = await asyncio.gather(
        plan_context(viewer, request, plan_id),
        commitment_choices(request, viewer, plan_id, q=q, chosen=chosen),
    )
    return {**context, "commitment_choices": choices, "kinds": KINDS, "statuses": STATUSES}


def _posted_choices(form: Any) -> dict[str, Any]:
    """The picker's state in a posted form: the chosen commitments and the search."""
    return {
        "chosen": [str(value) for value in form.getlist("commitment_ids") if value],
        "q": text(form, "commitment_q"),
    }


@router.get("/plans/{plan_id}/exchanges/new")
async def new_exchange(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    linked = [value for value in request.query_params.getlist("commitment_id") if value]
    context = await _form_context(request, viewer, str(plan_id), chosen=linked)
    require_allowed(context["plan"], "create_exchange")
    other = next((p["id"] for p in context["parties"] if p["id"] != viewer.party_id), "")
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
    if text(form, "search_commitments"):
        # The picker's Search button (without JavaScript): the form again, with the matches.
        context = await _form_context(request, viewer, str(plan_id), **_posted_choices(form))
        return renderer_of(request)(
            request,
            "exchange_form.html",
            {
                **context,
                "values": form_values(form),
                "errors": {},
                "exchange": None,
                "idempotency_key": text(form, "idempotency_key"),
                "problem": None,
            },
            block="form",
        )
    organisations = await operations.list_organisations(api_of(request), token=viewer.token)
    body, codes = exchange_body(form, organisations=organisations["items"])

    async def render(
        errors: dict[str, str], problem: str, status: int, exc: ApiError | None
    ) -> Response:
        context = await _form_context(request, viewer, str(plan_id), **_posted_choices(form))
        return renderer_of(request)(
            request,
            "exchange_form.html",
            {
                **context,
                "values": form_values(form),
                "errors": errors,
                "exchange": None,
                "idempotency_key": str(uuid.uuid4()),
                **refusal_context(request, problem, exc),
            },
            block="form",
            status_code=422,
        )

    return await submit_form(
        request,
        render=render,
        own_errors=form_errors(request, FORM_ERRORS, codes),
        send=lambda: operations.create_exchange(
            api_of(request),
            plan_id,
            cast("models.ExchangeCreate", body),
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(409, 422),
        fields=EXCHANGE_FORM_FIELDS,
        done=lambda result: redirect(
            request, f"/exchanges/{result.data['id']}", notice="exchange-created"
        ),
    )


@router.get("/exchanges/{exchange_id}/edit")
async def edit_exchange(request: Request, exchange_id: uuid.UUID, viewer: ViewerDep) -> Response:
    exchange = await operations.get_exchange(api_of(request), exchange_id, token=viewer.token)
    require_allowed(exchange, "update")
    linked = [str(commitment["id"]) for commitment in exchange.get("commitments") or []]
    context = await _form_context(request, viewer, str(exchange["plan_id"]), chosen=linked)
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": exchange_values(exchange, context["organisations"]),
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
    current, organisations = await asyncio.gather(
        operations.get_exchange(api, exchange_id, token=viewer.token),
        operations.list_organisations(api, token=viewer.token),
    )
    body, codes = exchange_body(form, current=current, organisations=organisations["items"])
    outcome = EditOutcome(errors=form_errors(request, FORM_ERRORS, codes))
    if text(form, "search_commitments"):
        # The picker's Search button (without JavaScript): the form again, with the matches.
        outcome = EditOutcome()
    elif not outcome.errors:
        if not body:
            return redirect(request, f"/exchanges/{exchange_id}")
        outcome = await send_edit(
            request,
            lambda headers: operations.update_exchange(
                api,
                exchange_id,
                # Values the API checks (a status, a kind): it refuses one it does not know.
                cast("models.ExchangeUpdate", body),
                token=viewer.token,
                headers=headers,
            ),
            form,
            lambda: _history(request, viewer, str(exchange_id)),
            EXCHANGE_FORM_FIELDS,
        )
        if outcome.saved:
            return redirect(request, f"/exchanges/{exchange_id}", notice="saved")
    context = await _form_context(request, viewer, str(current["plan_id"]), **_posted_choices(form))
    searching = bool(text(form, "search_commitments"))
    return renderer_of(request)(
        request,
        "exchange_form.html",
        {
            **context,
            "values": form_values(form),
            "errors": outcome.errors,
            "exchange": current,
            "conflict": outcome.conflict,
            "problem": None
            if searching
            else outcome.problem or translate(fmt, messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": outcome.problem_detail,
        },
        block="form",
        status_code=200 if searching else outcome.status_code,
    )
