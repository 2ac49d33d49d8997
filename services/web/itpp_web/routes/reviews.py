"""Joint reviews: a plan's review cycles, and the workspace of one review — each party's own
assessment beside the other's, the agreed ratings, the joint summary, the sign-offs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.forms import localized, text
from itpp_web.labels import LABELS
from itpp_web.routes.common import if_match
from itpp_web.routes.live import watch_start
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    csrf_protect,
    formatter,
    is_htmx,
    redirect,
    renderer_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

RATINGS = ("on_track", "at_risk", "off_track")
OUTCOMES = tuple(LABELS["review_outcome"])
# The API's refusals a review page shows in place (anything else is an error page).
SHOWN_IN_PLACE = (403, 404, 409, 412, 422, 428)


@router.get("/plans/{plan_id}/reviews")
async def review_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    plan, reviews = await asyncio.gather(
        api.get(f"/plans/{plan_id}", token=viewer.token),
        api.get(f"/plans/{plan_id}/reviews", token=viewer.token),
    )
    return renderer_of(request)(
        request, "reviews.html", {"plan": plan, "reviews": reviews["items"]}
    )


def needs_of(review: dict[str, Any]) -> dict[str, Any]:
    """What an open review still lacks, as the page lists it (the API's list is in English)."""
    unrated = [
        item["commitment"]["reference"] for item in review["items"] if not item["agreed_rating"]
    ]
    return {
        "summary": not review.get("summary"),
        "outcome": review.get("outcome") is None,
        "unrated": unrated,
        "unsigned": [s["party_code"] for s in review["sign_offs"] if not s["signed"]],
        # The API's own list is the authority: it names what the reader may see, and each
        # party's missing sign-off (which stands for what only that party sees).
        "api": list(review.get("missing") or []),
    }


async def _review_context(request: Request, viewer: Viewer, review_id: str) -> dict[str, Any]:
    api = api_of(request)
    review = await api.get(f"/reviews/{review_id}", token=viewer.token)
    # Where to start watching is read before the page's data: nothing falls in between.
    live_after = await watch_start(request, viewer, str(review["plan_id"]))
    review, plan = await asyncio.gather(
        api.get(f"/reviews/{review_id}", token=viewer.token),
        api.get(f"/plans/{review['plan_id']}", token=viewer.token),
    )
    return {
        "plan": plan,
        "review": review,
        "needs": needs_of(review),
        "ratings": RATINGS,
        "outcomes": OUTCOMES,
        "live_after": live_after,
    }


def _render(
    request: Request,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    block: str | None = "workspace",
) -> Response:
    defaults: dict[str, Any] = {
        "problem": None,
        "problem_detail": None,
        "summary_problem": None,
        "summary_values": None,
        "item_state": {},
    }
    return renderer_of(request)(
        request, "review.html", {**defaults, **context}, block=block, status_code=status_code
    )


@router.get("/reviews/{review_id}")
async def review_page(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await _review_context(request, viewer, str(review_id))
    return _render(request, context)


async def _action(
    request: Request,
    viewer: Viewer,
    review_id: uuid.UUID,
    method: str,
    path: str,
    *,
    json: Any = None,
    headers: dict[str, str] | None = None,
    anchor: str = "",
) -> Response:
    """One of the review's buttons: do it, then show the review (or why it was refused)."""
    try:
        await api_of(request).request(method, path, token=viewer.token, json=json, headers=headers)
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _review_context(request, viewer, str(review_id))
        context["problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        return _render(
            request, context, status_code=exc.status if exc.status != 428 else 412, block=None
        )
    return redirect(request, f"/reviews/{review_id}{anchor}")


@router.post("/reviews/{review_id}/open")
async def open_review(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _action(request, viewer, review_id, "POST", f"/reviews/{review_id}/open")


@router.post("/reviews/{review_id}/sign-off")
async def sign_off(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    # The form names the party it signs for (always the signer's own): the API checks it, so
    # a form altered to sign for another party is refused there, not only hidden here.
    body = {"party_id": text(form, "party_id") or viewer.party_id}
    # The review's ETag as the page showed it: the approver signs the text they read (a form
    # without it is refused by the API, 428, and the page says so).
    headers = if_match(text(form, "etag"))
    return await _action(
        request,
        viewer,
        review_id,
        "POST",
        f"/reviews/{review_id}/sign-offs",
        json=body,
        headers=headers,
        anchor="#sign-offs",
    )


@router.post("/reviews/{review_id}/conclude")
async def conclude(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _action(request, viewer, review_id, "POST", f"/reviews/{review_id}/conclude")


@router.post("/reviews/{review_id}/summary")
async def save_summary(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {}
    summary = localized(form, "summary")
    if summary is not None:
        body["summary"] = summary
    body["outcome"] = text(form, "outcome") or None
    try:
        await api_of(request).request(
            "PATCH",
            f"/reviews/{review_id}",
            token=viewer.token,
            json=body,
            headers=if_match(text(form, "etag")),
        )
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _review_context(request, viewer, str(review_id))
        context["summary_problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        context["summary_values"] = {name: str(value) for name, value in form.items()}
        status = 409 if exc.status in (412, 428) else 422 if exc.status != 403 else 403
        return _render(request, context, status_code=status, block=None)
    return redirect(request, f"/reviews/{review_id}#summary")


async def _item_write(
    request: Request,
    viewer: Viewer,
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    method: str,
    path: str,
    body: dict[str, Any],
    etag: str,
    form: dict[str, str],
) -> Response:
    api = api_of(request)
    fmt = formatter(request)
    state: dict[str, Any] = {}
    status_code = 200
    try:
        result = await api.request(
            method, path, token=viewer.token, json=body, headers=if_match(etag)
        )
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        status_code = 409 if exc.status in (412, 428) else 422 if exc.status != 403 else 403
        state = {
            "problem": messages.problem_message(fmt, exc),
            "detail": exc.detail,
            "mine": form,
            "conflict": exc.status in (412, 428),
        }
    else:
        withdrawn = (result.data or {}).get("sign_offs_withdrawn") or []
        state = {"saved": True, "withdrawn": withdrawn}
        if not is_htmx(request):
            return redirect(request, f"/reviews/{review_id}#item-{item_id}")
    context = await _review_context(request, viewer, str(review_id))
    context["item_state"] = {str(item_id): state}
    if is_htmx(request):
        item = next((i for i in context["review"]["items"] if i["id"] == str(item_id)), None)
        if item is not None:
            return renderer_of(request)(
                request,
                "review.html",
                {**context, "item": item, "item_state": {str(item_id): state}},
                block="item_row",
                status_code=status_code,
            )
    return _render(request, context, status_code=status_code, block=None)


@router.post("/reviews/{review_id}/items/{item_id}/assessment")
async def save_assessment(
    request: Request, review_id: uuid.UUID, item_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    body = {
        "rating": text(form, "rating"),
        "note": text(form, "note") or None,
        "recommended_action": text(form, "recommended_action") or None,
    }
    return await _item_write(
        request,
        viewer,
        review_id,
        item_id,
        "PUT",
        f"/reviews/{review_id}/items/{item_id}/assessment",
        body,
        text(form, "etag"),
        {name: str(value) for name, value in form.items()},
    )


@router.post("/reviews/{review_id}/items/{item_id}/agreed")
async def save_agreed(
    request: Request, review_id: uuid.UUID, item_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    body = {
        "agreed_rating": text(form, "agreed_rating") or None,
        "agreed_note": text(form, "agreed_note") or None,
    }
    return await _item_write(
        request,
        viewer,
        review_id,
        item_id,
        "PATCH",
        f"/reviews/{review_id}/items/{item_id}",
        body,
        text(form, "etag"),
        {name: str(value) for name, value in form.items()},
    )
