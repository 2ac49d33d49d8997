"""Joint reviews: a plan's review cycles, and the workspace of one review — each party's own
assessment beside the other's, the agreed ratings, the joint summary, the sign-offs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Mapping
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages
from itpp_web.api import ApiError, ApiResponse
from itpp_web.contract import models, operations
from itpp_web.forms import localized, text
from itpp_web.labels import LABELS
from itpp_web.routes.attachments import attachment_context, attachment_context_of
from itpp_web.routes.comments import (
    REVIEW_ITEM,
    Parent,
    thread_context,
    thread_context_of,
    threads_wanted,
)
from itpp_web.routes.common import if_match
from itpp_web.routes.live import watch_start
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

RATINGS = ("on_track", "at_risk", "off_track")
OUTCOMES = tuple(LABELS["review_outcome"])
# The API's refusals a review page shows in place (anything else is an error page).
SHOWN_IN_PLACE = (403, 404, 409, 412, 422, 428)


@router.get("/plans/{plan_id}/reviews")
async def review_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    plan, reviews = await asyncio.gather(
        operations.get_plan(api, plan_id, token=viewer.token),
        operations.list_plan_reviews(api, plan_id, token=viewer.token),
    )
    return renderer_of(request)(
        request, "reviews.html", {"plan": plan, "reviews": reviews["items"]}
    )


def needs_of(review: Mapping[str, Any]) -> dict[str, Any]:
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


# The review matrix's filters (`?show=`): the page's URL without one shows every commitment.
FILTERS = ("unassessed", "disagreements", "unagreed")


def _matches(item: dict[str, Any], show: str, party_id: str | None) -> bool:
    if show == "unassessed":
        return not any(a["party_id"] == party_id for a in item["assessments"])
    if show == "disagreements":
        return bool(item["disagreement"])
    if show == "unagreed":
        return item["agreed_rating"] is None
    return True


def matrix_of(
    request: Request, viewer: Viewer, review: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The items the matrix shows under the filter in the URL, and the filters as links (each
    with its count and a clean URL: no parameter for "all")."""
    show = request.query_params.get("show", "")
    if show not in FILTERS:
        show = ""
    fmt = formatter(request)
    items = review["items"]
    base = f"/reviews/{review['id']}"
    names = {
        "": fmt.gettext("All"),
        "unassessed": fmt.gettext("Not assessed by %(party)s") % {"party": viewer.party_code},
        "disagreements": fmt.gettext("Disagreements"),
        "unagreed": fmt.gettext("Not agreed yet"),
    }
    keys = ("", *(f for f in FILTERS if f != "unassessed" or viewer.party_id))
    filters = [
        {
            "key": key or "all",
            "url": f"{base}?show={key}" if key else base,
            "label": names[key],
            "count": sum(1 for i in items if _matches(i, key, viewer.party_id)),
            "current": key == show,
        }
        for key in keys
    ]
    return [i for i in items if _matches(i, show, viewer.party_id)], filters


async def _review_context(request: Request, viewer: Viewer, review_id: str) -> dict[str, Any]:
    # One read of where to start watching (read first by the API: nothing falls in between),
    # the review, its plan, its files and the page of its comment threads the address asks for.
    limit, cursor = threads_wanted(request)
    params: models.GetReviewWorkspaceParametersQuery = {"comments_limit": limit}
    if cursor is not None:
        params["comments_cursor"] = cursor
    workspace = await operations.get_review_workspace(
        api_of(request), review_id, token=viewer.token, params=params, cache="etag"
    )
    review, plan, live_after = workspace["review"], workspace["plan"], workspace["live_after"]
    parent = Parent("review", review_id)
    shown, filters = matrix_of(request, viewer, review)
    # `?edit=<item>`: that row with its forms open (the Edit link without JavaScript).
    editing = request.query_params.get("edit", "")
    return {
        "item_state": {editing: {"edit": True}} if editing else {},
        "plan": plan,
        "review": review,
        "shown_items": shown,
        "filters": filters,
        "needs": needs_of(review),
        "ratings": RATINGS,
        "outcomes": OUTCOMES,
        "live_after": live_after,
        **attachment_context_of(workspace["attachments"], parent, internal=False),
        **thread_context_of(workspace["comments"], parent, internal=False),
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
        "agree_result": None,
        "counter_oob": False,
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
    sent: Awaitable[ApiResponse[models.ReviewPublic]],
    *,
    anchor: str = "",
    notice: str,
) -> Response:
    """One of the review's buttons: do it (`sent`, the operation's call, is awaited here),
    then show the review (or why it was refused)."""
    try:
        await sent
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _review_context(request, viewer, str(review_id))
        context["problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        return _render(
            request, context, status_code=exc.status if exc.status != 428 else 412, block=None
        )
    return redirect(request, f"/reviews/{review_id}{anchor}", notice=notice)


@router.get("/reviews/{review_id}/items/{item_id}/discussion")
async def item_discussion(
    request: Request, review_id: uuid.UUID, item_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    """A review item's own page: its commitment as the review opened it, the progress updates
    since the previous review, and the item's files and comment threads (the matrix's row links
    here). An item of the other party's internal commitment is not in the review the reader
    gets: the page answers like an unknown one."""
    api = api_of(request)
    first = await operations.get_review(api, review_id, token=viewer.token)
    # Where to start watching is read before the page's data: nothing falls in between.
    live_after = await watch_start(request, viewer, str(first["plan_id"]))
    internal = any(
        i["id"] == str(item_id) and i["commitment"]["visibility"] == "internal"
        for i in first["items"]
    )
    parent = Parent(REVIEW_ITEM, str(item_id), str(review_id))
    # The item's lists go through the API's policy: an item the reader may not see is a 404.
    review, plan, files, threads = await asyncio.gather(
        operations.get_review(api, review_id, token=viewer.token),
        operations.get_plan(api, first["plan_id"], token=viewer.token),
        attachment_context(request, viewer, parent, internal=internal),
        thread_context(request, viewer, parent, internal=internal),
    )
    item = next((i for i in review["items"] if i["id"] == str(item_id)), None)
    if item is None:
        raise ApiError(404, {"title": "Not found"})
    return renderer_of(request)(
        request,
        "review_item.html",
        {
            "plan": plan,
            "review": review,
            "item": item,
            "live_after": live_after,
            **files,
            **threads,
        },
    )


@router.get("/reviews/{review_id}/items/{item_id}")
async def review_row(
    request: Request,
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    viewer: ViewerDep,
    edit: bool = False,
) -> Response:
    """One row of the matrix (htmx): with its forms open (`edit`), or back to its values.
    Without JavaScript, the review page with that row open (or not), at the row."""
    target = f"/reviews/{review_id}?edit={item_id}" if edit else f"/reviews/{review_id}"
    if not is_htmx(request):
        return redirect(request, f"{target}#item-{item_id}")
    context = await _review_context(request, viewer, str(review_id))
    item = next((i for i in context["review"]["items"] if i["id"] == str(item_id)), None)
    if item is None:
        return redirect(request, f"/reviews/{review_id}")
    state = {"edit": True} if edit else {"back": True}
    return renderer_of(request)(
        request,
        "review.html",
        {**context, "item": item, "item_state": {str(item_id): state}, "counter_oob": False},
        block="item_row",
    )


@router.post("/reviews/{review_id}/open")
async def open_review(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    sent = operations.open_review(api_of(request), review_id, token=viewer.token)
    return await _action(request, viewer, review_id, sent, notice="review-opened")


@router.post("/reviews/{review_id}/sign-off")
async def sign_off(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    # The form names the party it signs for (always the signer's own): the API checks it, so
    # a form altered to sign for another party is refused there, not only hidden here.
    body: models.SignOffCreate = {"party_id": text(form, "party_id") or viewer.party_id}
    # The review's ETag as the page showed it: the approver signs the text they read (a form
    # without it is refused by the API, 428, and the page says so).
    headers = if_match(text(form, "etag"))
    sent = operations.sign_off_review(
        api_of(request), review_id, body, token=viewer.token, headers=headers
    )
    return await _action(
        request, viewer, review_id, sent, anchor="#sign-offs", notice="review-signed"
    )


@router.post("/reviews/{review_id}/conclude")
async def conclude(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "conclude-review",
            form,
            action=f"/reviews/{review_id}/conclude",
            back=f"/reviews/{review_id}",
        )
    sent = operations.conclude_review(api_of(request), review_id, token=viewer.token)
    return await _action(request, viewer, review_id, sent, notice="review-concluded")


@router.post("/reviews/{review_id}/agree-all")
async def agree_all(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """Agree every rating the parties gave alike, for the items as the page showed them (each
    with its ETag): the API skips any changed since, and the page names them."""
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "agree-all",
            form,
            action=f"/reviews/{review_id}/agree-all",
            back=f"/reviews/{review_id}",
        )
    seen: list[models.ItemAsRead] = []
    for value in form.getlist("item"):
        item_id, _, etag = str(value).partition(" ")
        if item_id and etag:
            seen.append({"id": item_id, "etag": etag})
    try:
        result = await operations.agree_where_parties_agree(
            api_of(request), review_id, {"items": seen}, token=viewer.token
        )
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _review_context(request, viewer, str(review_id))
        context["problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        return _render(request, context, status_code=exc.status, block=None)
    data = result.data or {}
    changed = [s for s in data.get("skipped") or [] if s.get("reason") == "changed"]
    if not changed:
        return redirect(request, f"/reviews/{review_id}#items", notice="ratings-agreed")
    # Some were skipped: the page says which, in place (a notice names no records).
    context = await _review_context(request, viewer, str(review_id))
    context["agree_result"] = {"agreed": data.get("agreed") or [], "changed": changed}
    return _render(request, context, status_code=200, block=None)


@router.post("/reviews/{review_id}/summary")
async def save_summary(request: Request, review_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {}
    summary = localized(form, "summary")
    if summary is not None:
        body["summary"] = summary
    body["outcome"] = text(form, "outcome") or None
    try:
        await operations.update_review(
            api_of(request),
            review_id,
            # The outcome as the form sent it: the API refuses an unknown one (422).
            cast("models.ReviewUpdate", body),
            token=viewer.token,
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
    return redirect(request, f"/reviews/{review_id}#summary", notice="review-summary-saved")


# The review item form's inputs (the API's field errors are listed against them).
ASSESSMENT_FIELDS = ("rating", "note", "recommended_action")


async def _item_write(
    request: Request,
    viewer: Viewer,
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    sent: Awaitable[ApiResponse[models.ReviewItemPublic]],
    form: dict[str, str],
) -> Response:
    """An item's assessment or agreed rating: sent (`sent`, the operation's call with the
    If-Match of the form's ETag, is awaited here), then the item (or why it was refused)."""
    fmt = formatter(request)
    state: dict[str, Any] = {}
    status_code = 200
    try:
        result = await sent
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        status_code = 409 if exc.status in (412, 428) else 422 if exc.status != 403 else 403
        state = {
            "problem": messages.problem_message(fmt, exc),
            "detail": exc.detail,
            "errors": messages.field_errors(fmt, exc, ASSESSMENT_FIELDS),
            "mine": form,
            "conflict": exc.status in (412, 428),
        }
    else:
        withdrawn = (result.data or {}).get("sign_offs_withdrawn") or []
        state = {"saved": True, "withdrawn": withdrawn}
        if not is_htmx(request):
            return redirect(
                request, f"/reviews/{review_id}#item-{item_id}", notice="assessment-saved"
            )
    context = await _review_context(request, viewer, str(review_id))
    context["item_state"] = {str(item_id): state}
    if is_htmx(request):
        item = next((i for i in context["review"]["items"] if i["id"] == str(item_id)), None)
        if item is not None:
            return renderer_of(request)(
                request,
                "review.html",
                {
                    **context,
                    "item": item,
                    "item_state": {str(item_id): state},
                    "counter_oob": True,
                },
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
    sent = operations.put_review_assessment(
        api_of(request),
        review_id,
        item_id,
        # The rating as the form sent it: the API refuses an unknown one (422).
        cast("models.AssessmentWrite", body),
        token=viewer.token,
        headers=if_match(text(form, "etag")),
    )
    return await _item_write(
        request, viewer, review_id, item_id, sent, {name: str(v) for name, v in form.items()}
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
    sent = operations.update_review_item(
        api_of(request),
        review_id,
        item_id,
        # The rating as the form sent it: the API refuses an unknown one (422).
        cast("models.ReviewItemUpdate", body),
        token=viewer.token,
        headers=if_match(text(form, "etag")),
    )
    return await _item_write(
        request, viewer, review_id, item_id, sent, {name: str(v) for name, v in form.items()}
    )
