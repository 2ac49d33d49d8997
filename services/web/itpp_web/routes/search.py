"""The search page: every record the reader may see, across their plans (the API decides what
that is; the page only shows it, the matches marked)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.web import ViewerDep, api_of, csrf_protect, formatter, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])

# The API's bounds of a search (GET /api/v1/search): checked here too, to say so in the
# reader's language without a round trip.
QUERY_MAX = 200
PAGE_SIZE = 20
KINDS: tuple[models.SearchKind, ...] = (
    "plan",
    "priority_area",
    "commitment",
    "exchange",
    "review",
    "amendment",
)

# Where each kind of record is read in the web (a priority area: its plan's commitments under it).
PAGES = {
    "plan": "/plans/{id}",
    "priority_area": "/plans/{plan_id}/commitments?priority_area={id}",
    "commitment": "/commitments/{id}",
    "exchange": "/exchanges/{id}",
    "review": "/reviews/{id}",
    "amendment": "/amendments/{id}",
}


def segments(text: str, highlights: list[models.SearchHighlight]) -> list[tuple[str, bool]]:
    """The snippet's text cut into plain and matched pieces (the template escapes each)."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted((int(h["start"]), int(h["end"])) for h in highlights):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def _shown(item: models.SearchResult) -> dict[str, Any]:
    snippet = item["snippet"]
    return {
        **item,
        "page": PAGES[item["kind"]].format(id=item["id"], plan_id=item["plan"]["id"]),
        "pieces": segments(snippet["text"], snippet["highlights"]),
    }


@router.get("/search")
async def search_page(request: Request, viewer: ViewerDep) -> Response:
    q = (request.query_params.get("q") or "").strip()
    kind = request.query_params.get("kind") or ""
    cursor = request.query_params.get("cursor") or None
    items: list[dict[str, Any]] = []
    next_cursor = None
    error = None
    filter_errors: dict[str, str] = {}
    if len(q) > QUERY_MAX:
        error = formatter(request).gettext(
            "Search for at most %(count)s characters.", count=QUERY_MAX
        )
    elif kind and kind not in KINDS:
        error = formatter(request).gettext("There is no such kind of record to search.")
    elif q:
        params: models.SearchParametersQuery = {"q": q, "limit": PAGE_SIZE}
        chosen = next((known for known in KINDS if known == kind), None)
        if chosen:
            params["kind"] = [chosen]
        if cursor:
            params["cursor"] = cursor
        try:
            page = await operations.search(api_of(request), token=viewer.token, params=params)
        except ApiError as exc:
            if exc.status not in (400, 422):
                raise
            error = formatter(request).gettext("This search is not valid.")
            filter_errors = messages.field_errors(formatter(request), exc, ("q", "kind"))
        else:
            items = [_shown(item) for item in page["items"]]
            next_cursor = page.get("next_cursor")
    return renderer_of(request)(
        request,
        "search.html",
        {
            "q": q,
            "kind": kind,
            "kinds": KINDS,
            "items": items,
            "cursor": cursor,
            "next_cursor": next_cursor,
            "error": error,
            "filter_errors": filter_errors,
            "query_max": QUERY_MAX,
        },
        block="results",
        status_code=422 if error else 200,
    )
