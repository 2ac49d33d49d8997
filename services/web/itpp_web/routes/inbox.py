"""The signed-in user's inbox, and its count in the header (polled by htmx)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web.contract import models, operations
from itpp_web.web import ViewerDep, api_of, csrf_protect, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])

# Where each kind of record the API names is worked on in the web.
PAGES = {
    "amendment": "/amendments/{id}",
    "review": "/reviews/{id}",
    "commitment": "/commitments/{id}",
    "exchange": "/exchanges/{id}",
    "plan": "/plans/{id}",
}


def _with_page(item: models.InboxItem) -> dict[str, Any]:
    subject = item["subject"]
    return {**item, "page": PAGES[subject["type"]].format(id=subject["id"])}


@router.get("/me/inbox")
async def inbox(request: Request, viewer: ViewerDep) -> Response:
    data = await operations.get_current_user_inbox(api_of(request), token=viewer.token)
    items = [_with_page(item) for item in data["items"]]
    return renderer_of(request)(
        request, "inbox.html", {"items": items, "as_of": data["as_of"]}, block="content"
    )


@router.get("/me/inbox/count")
async def inbox_count(request: Request, viewer: ViewerDep) -> Response:
    data = await operations.get_current_user_inbox(api_of(request), token=viewer.token)
    return renderer_of(request)(request, "_inbox_count.html", {"count": data["count"]})
