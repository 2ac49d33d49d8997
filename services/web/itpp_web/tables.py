"""What the commitment and exchange tables share: clean addresses, numbered pages from the
API's `total`, the address bar kept clean under htmx, and the user's saved views.

An address carries only what is chosen: no empty parameter, no default order, no page 1. A
plain request whose address is not in that form (the filter form sent without JavaScript
sends every field, empty or not) is redirected once to the clean one. An htmx request gets
the clean address in `HX-Replace-Url` when the filter form sent it (a change of filters
replaces the history entry: typing or ticking never piles up entries) and in `HX-Push-Url`
when a link did (a column's sort, a page number: Back returns to the previous one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.labels import label
from itpp_web.routes.common import list_filters, query_string
from itpp_web.web import Viewer, api_of, formatter, is_htmx, redirect, settings_of

# The filter form's id: htmx names the element that sent a request in `HX-Trigger`.
FILTER_FORM = "filters"
# The API's bound on page numbers (bounds.PAGE_NUMBER_MAX).
PAGE_MAX = 10_000
# How many page numbers the pager shows on each side of the current one.
PAGE_WINDOW = 2

# A numbered page's query: its size, its number and the filters (a repeated one as a list).
PageQuery = dict[str, Any]
# A list's page, or a composite read with one (`fetch_with_page`), as the API answers it.
Answer = TypeVar("Answer", bound=Mapping[str, Any])
# The typed operation a table reads its page with, given the page's query: the caller binds
# it (`operations.list_exchanges` of its plan) and passes the query on as its operation's
# parameters, whose values the API checks (400 or 422: the filters' problem).
Read = Callable[[PageQuery], Awaitable[Answer]]
# A page of a list: its body, what is wrong with its filters, the errors of each filter.
Page = tuple[Mapping[str, Any], str | None, dict[str, str]]


@dataclass(frozen=True)
class TableSpec:
    """One list page: the API list it shows and the query parameters it takes."""

    list_name: models.SavedViewList  # the saved views' list: "commitments" or "exchanges"
    repeatable: tuple[str, ...]
    single: tuple[str, ...]
    default_sort: str
    # Parameters of the page that are not filters but are kept in its address when set.
    kept: tuple[str, ...] = ()


def page_number(request: Request) -> int:
    """The page asked for (1 when absent or not a page number)."""
    raw = request.query_params.get("page", "")
    if raw.isdigit() and 1 <= int(raw) <= PAGE_MAX:
        return int(raw)
    return 1


def chosen_filters(request: Request, spec: TableSpec) -> dict[str, Any]:
    """The filters and order in the address, without empty values and the default order."""
    filters = list_filters(request, spec.repeatable, spec.single)
    if filters.get("sort") == spec.default_sort:
        del filters["sort"]
    return filters


def clean_query(filters: dict[str, Any], page: int = 1, **kept: str) -> str:
    return query_string(filters, page=page if page > 1 else None, **kept)


def pages(total: int, page: int, size: int) -> dict[str, Any]:
    """The pager: the last page, and the page numbers to show (None: a gap)."""
    last = max(1, -(-total // size))
    shown: list[int | None] = []
    for number in range(1, last + 1):
        if number in (1, last) or abs(number - page) <= PAGE_WINDOW:
            shown.append(number)
        elif shown and shown[-1] is not None:
            shown.append(None)
    first_item = (page - 1) * size + 1
    return {
        "page": page,
        "last": last,
        "numbers": shown,
        "first_item": first_item,
        "last_item": min(total, page * size),
        "total": total,
    }


def unclean_redirect(request: Request, list_url: str, clean: str) -> Response | None:
    """A plain request whose address is not the clean one (an empty value, the default order,
    page 1, a parameter the page does not take): the redirect to it. The order of the
    parameters is the sender's business."""
    if is_htmx(request):
        return None
    sent = parse_qsl(request.url.query, keep_blank_values=True)
    if sorted(sent) == sorted(parse_qsl(clean)):
        return None
    return redirect(request, f"{list_url}?{clean}" if clean else list_url)


def set_address(request: Request, response: Response, address: str) -> None:
    """The address bar after an htmx swap: the clean address, replacing the entry when the
    filter form asked, else a new entry."""
    if not is_htmx(request):
        return
    header = "HX-Replace-Url" if request.headers.get("hx-trigger") == FILTER_FORM else "HX-Push-Url"
    response.headers[header] = address


def _page_query(request: Request, filters: dict[str, Any], page: int) -> PageQuery:
    """The query of a numbered page of an API list with these filters."""
    return {"limit": settings_of(request).page_size, "page": page, **filters}


def _refused(request: Request, exc: ApiError, fields: tuple[str, ...]) -> Page:
    """An empty page and what is wrong with its filters (the API's 400 or 422)."""
    if exc.status not in (400, 422):
        raise exc
    fmt = formatter(request)
    return (
        {"items": [], "total": 0},
        fmt.gettext("These filters are not valid."),
        messages.field_errors(fmt, exc, fields),
    )


async def fetch_page(
    request: Request,
    read: Read[Answer],
    filters: dict[str, Any],
    page: int,
    fields: tuple[str, ...],
) -> Page:
    """A numbered page of an API list (`read`) with these filters, or the filters' problem."""
    try:
        body = await read(_page_query(request, filters, page))
    except ApiError as exc:
        return _refused(request, exc, fields)
    return body, None, {}


async def fetch_with_page(
    request: Request,
    read: Read[Answer],
    part: str,
    filters: dict[str, Any],
    page: int,
    fields: tuple[str, ...],
) -> tuple[Answer | None, Page]:
    """A composite read (`read`, which the caller sends with `cache="etag"`: `If-None-Match`)
    of the record a list's page is about and the page (its `part`), with these filters: the
    answer (None when the filters were refused) and the page as fetch_page gives it."""
    try:
        answer = await read(_page_query(request, filters, page))
    except ApiError as exc:
        return None, _refused(request, exc, fields)
    return answer, (answer[part], None, {})


async def saved_views(
    request: Request, viewer: Viewer, list_name: models.SavedViewList
) -> list[models.SavedViewPublic]:
    """The user's saved views of a list (none in a fragment: the list is not part of it)."""
    if is_htmx(request):
        return []
    # Only their owner changes them, and a write forgets the writer's entries: read through the
    # per-token read cache.
    body = await operations.list_saved_views(
        api_of(request), token=viewer.token, params={"list": list_name}, cache="ttl"
    )
    return list(body["items"])


async def page_and_views(
    request: Request,
    viewer: Viewer,
    spec: TableSpec,
    read: Read[Answer],
    filters: dict[str, Any],
    page: int,
) -> tuple[Page, list[models.SavedViewPublic]]:
    """The page of the list (`read`) and the user's saved views of it, at once."""
    page_body, views = await asyncio.gather(
        fetch_page(request, read, filters, page, (*spec.repeatable, *spec.single)),
        saved_views(request, viewer, spec.list_name),
    )
    return page_body, views


def table_context(
    request: Request,
    spec: TableSpec,
    list_url: str,
    filters: dict[str, Any],
    page: int,
    body: Mapping[str, Any],
) -> dict[str, Any]:
    """What the table's templates read: the chosen filters and order, the pager, addresses."""
    size = settings_of(request).page_size
    return {
        "filters": filters,
        "sort": str(filters.get("sort", spec.default_sort)),
        "default_sort": spec.default_sort,
        "items": body["items"],
        "paging": pages(int(body.get("total") or 0), page, size),
        "list_url": list_url,
        "list_name": spec.list_name,
        "view_query": query_string(filters),
        "query": query_string,
        # A link's response carries the sort control too (out of band), so the column's order
        # and the control stay one state; the filter form's own response leaves its control be.
        "sort_oob": is_htmx(request) and request.headers.get("hx-trigger") != FILTER_FORM,
    }


def choice_options(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """The filter bar's choices from the plan's context: each (value, text), and the codes of
    organisations by id (what a row shows)."""
    fmt = formatter(request)
    return {
        "area_options": [
            (area["code"], f"{area['code']} {fmt.pick(area['title']).text}")
            for area in context["areas"]
        ],
        "party_options": [
            (party["code"], fmt.pick(party["name"]).text) for party in context["parties"]
        ],
        "organisation_options": [
            (org["code"], f"{org['code']} · {fmt.pick(org['name']).text}")
            if fmt.pick(org["name"]).text != org["code"]
            else (org["code"], org["code"])
            for org in context["organisations"]
        ],
        "organisation_codes": {org["id"]: org["code"] for org in context["organisations"]},
    }


def enum_options(request: Request, kind: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
    """An enumeration's values with their names in the reader's language."""
    fmt = formatter(request)
    return [(value, label(fmt, kind, value)) for value in values]
