"""Comment threads on the pages of commitments, exchanges, reviews, review items and
amendments: posting, replying, editing one's own and deleting (with confirmation). Plain form
posts answered by a redirect back to the record's page, so they work without JavaScript; with it
the page updates live (the comments' events reach the plan's live stream like every other
change). The records a page shows threads and files on (`Parent`) are named here, once, for the
comments and the attachments alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages
from itpp_web.api import ApiClient, ApiError, ApiResponse
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.routes.common import etag_missing, if_match
from itpp_web.web import (
    RETRY_AFTER_SECONDS,
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

# The records whose pages show comment threads and files, and the API collection of each.
PARENTS = {
    "commitment": "commitments",
    "exchange": "exchanges",
    "review": "reviews",
    "amendment": "amendments",
}


# The queries of a page of threads and of an upload: each kind of record's operation has its
# own TypedDict of them, all alike (limit and cursor; visibility).
ThreadsQuery = models.ListCommitmentCommentsParametersQuery
UploadQuery = models.UploadCommitmentAttachmentParametersQuery


# The typed operations on a record's threads and files, as each kind of record has them (its
# id first): `operations.list_commitment_comments`, `operations.list_exchange_comments`…
class ListThreads(Protocol):
    def __call__(
        self,
        api: ApiClient,
        record_id: uuid.UUID | str,
        /,
        *,
        token: str | None,
        params: ThreadsQuery | None = None,
    ) -> Awaitable[models.CommentThreadPage]: ...


class PostComment(Protocol):
    def __call__(
        self,
        api: ApiClient,
        record_id: uuid.UUID | str,
        body: models.CommentCreate,
        /,
        *,
        token: str | None,
    ) -> Awaitable[ApiResponse[models.CommentPublic]]: ...


class ListFiles(Protocol):
    def __call__(
        self, api: ApiClient, record_id: uuid.UUID | str, /, *, token: str | None
    ) -> Awaitable[models.AttachmentList]: ...


class UploadFile(Protocol):
    def __call__(
        self,
        api: ApiClient,
        record_id: uuid.UUID | str,
        /,
        *,
        token: str | None,
        params: UploadQuery | None = None,
        files: Any = None,
        content: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Awaitable[ApiResponse[models.AttachmentPublic]]: ...


@dataclass(frozen=True)
class Discussion:
    """The operations on one kind of record's comment threads and files."""

    threads: ListThreads
    comment: PostComment
    files: ListFiles
    upload: UploadFile


# Each kind of PARENTS, its operations (a review item's take its review too: `Parent`).
DISCUSSIONS = {
    "commitment": Discussion(
        operations.list_commitment_comments,
        operations.create_commitment_comment,
        operations.list_commitment_attachments,
        operations.upload_commitment_attachment,
    ),
    "exchange": Discussion(
        operations.list_exchange_comments,
        operations.create_exchange_comment,
        operations.list_exchange_attachments,
        operations.upload_exchange_attachment,
    ),
    "review": Discussion(
        operations.list_review_comments,
        operations.create_review_comment,
        operations.list_review_attachments,
        operations.upload_review_attachment,
    ),
    "amendment": Discussion(
        operations.list_amendment_comments,
        operations.create_amendment_comment,
        operations.list_amendment_attachments,
        operations.upload_amendment_attachment,
    ),
}
# A review item lives under its review: its API address and its page name the review too.
REVIEW_ITEM = "review_item"
COMMENT_FIELDS = ("body", "visibility", "reply_to")
# Threads shown on a page at once (a link shows the next ones).
PAGE_SIZE = 50


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Parent:
    """A record that has comment threads and files: its kind, its id, and for a review item
    its review."""

    type: str
    id: str
    review_id: str = ""

    async def threads(
        self,
        api: ApiClient,
        *,
        token: str | None,
        params: ThreadsQuery,
    ) -> models.CommentThreadPage:
        """A page of the record's comment threads."""
        if self.type == REVIEW_ITEM:
            return await operations.list_review_item_comments(
                api, self.review_id, self.id, token=token, params=params
            )
        return await DISCUSSIONS[self.type].threads(api, self.id, token=token, params=params)

    async def comment(
        self, api: ApiClient, body: models.CommentCreate, *, token: str | None
    ) -> ApiResponse[models.CommentPublic]:
        """Post a comment (or a reply) on the record."""
        if self.type == REVIEW_ITEM:
            return await operations.create_review_item_comment(
                api, self.review_id, self.id, body, token=token
            )
        return await DISCUSSIONS[self.type].comment(api, self.id, body, token=token)

    async def files(self, api: ApiClient, *, token: str | None) -> models.AttachmentList:
        """The record's files."""
        if self.type == REVIEW_ITEM:
            return await operations.list_review_item_attachments(
                api, self.review_id, self.id, token=token
            )
        return await DISCUSSIONS[self.type].files(api, self.id, token=token)

    async def upload(
        self,
        api: ApiClient,
        *,
        token: str | None,
        params: UploadQuery,
        files: Any = None,
        content: Any = None,
        headers: dict[str, str] | None = None,
    ) -> ApiResponse[models.AttachmentPublic]:
        """Attach a file to the record: a form httpx encodes (`files`), or one already
        encoded (`content`, its Content-Type in `headers`)."""
        if self.type == REVIEW_ITEM:
            return await operations.upload_review_item_attachment(
                api,
                self.review_id,
                self.id,
                token=token,
                params=params,
                files=files,
                content=content,
                headers=headers,
            )
        upload = DISCUSSIONS[self.type].upload
        return await upload(
            api,
            self.id,
            token=token,
            params=params,
            files=files,
            content=content,
            headers=headers,
        )

    @property
    def page(self) -> str:
        """The web page that shows the record's threads and files."""
        if self.type == REVIEW_ITEM:
            return f"/reviews/{self.review_id}/items/{self.id}/discussion"
        return f"/{PARENTS[self.type]}/{self.id}"

    def fields(self, *, internal: bool) -> dict[str, Any]:
        """What the partials put in their forms (and the upload's address)."""
        return {"type": self.type, "id": self.id, "review_id": self.review_id, "internal": internal}


def parent_of(parent_type: str, parent_id: str, review_id: str = "") -> Parent | None:
    """The record a form names, or None when it names none the pages know."""
    if not _is_uuid(parent_id):
        return None
    if parent_type == REVIEW_ITEM:
        if not _is_uuid(review_id):
            return None
        return Parent(REVIEW_ITEM, str(uuid.UUID(parent_id)), str(uuid.UUID(review_id)))
    if parent_type not in PARENTS:
        return None
    return Parent(parent_type, str(uuid.UUID(parent_id)))


async def page_of(
    request: Request, viewer: Viewer, record: models.CommentPublic | models.AttachmentPublic
) -> str:
    """The web page of the record a comment or a file (the API's body of one) is on. A review
    item's page names its review, which the comment does not: it is looked up among the
    plan's opened reviews (a plan has a few); a progress update's is its commitment's page. A
    record without a page: its plan's."""
    parent_type, parent_id = record["parent_type"], str(record["parent_id"])
    plan_page = f"/plans/{record['plan_id']}" if record.get("plan_id") else "/plans"
    if parent_type in PARENTS:
        return Parent(parent_type, parent_id).page
    api = api_of(request)
    if parent_type == "progress_update":
        # An update's evidence: the commitment page, where its timeline is.
        update = await operations.get_progress_update(api, parent_id, token=viewer.token)
        return Parent("commitment", str(update["commitment_id"])).page
    if parent_type != REVIEW_ITEM or not record.get("plan_id"):
        return plan_page
    reviews = await operations.list_plan_reviews(api, record["plan_id"], token=viewer.token)
    opened = [r["id"] for r in reviews["items"] if r["status"] != "scheduled"]
    bodies = await asyncio.gather(
        *(operations.get_review(api, review_id, token=viewer.token) for review_id in opened)
    )
    for review in bodies:
        if any(item["id"] == parent_id for item in review["items"]):
            return Parent(REVIEW_ITEM, parent_id, str(review["id"])).page
    return plan_page


class DamagedCursor(Exception):
    """The address's page of threads (`comments`) is longer than any the API gives: cut or
    changed by hand. Shown as the API's own `invalid-cursor` is (app.py)."""


# The longest `comments` the API accepts (its thread lists' `cursor`, `comments_cursor`).
CURSOR_MAX = 512


def threads_wanted(request: Request) -> tuple[int, str | None]:
    """The page of threads a record's page shows: how many, and from where (`comments` in the
    address picks the next page; none: the first). One longer than the API accepts is a
    damaged address (`DamagedCursor`), as one the API cannot read is."""
    cursor = request.query_params.get("comments") or None
    if cursor is not None and len(cursor) > CURSOR_MAX:
        raise DamagedCursor()
    return PAGE_SIZE, cursor


async def thread_context(
    request: Request, viewer: Viewer, parent: Parent, *, internal: bool
) -> dict[str, Any]:
    """What a record's page needs to show its threads, read from the API: a page of them
    (`threads_wanted`), and the record they are on."""
    limit, cursor = threads_wanted(request)
    params: ThreadsQuery = {"limit": limit}
    if cursor is not None:
        params["cursor"] = cursor
    page = await parent.threads(api_of(request), token=viewer.token, params=params)
    return thread_context_of(page, parent, internal=internal)


def thread_context_of(
    page: models.CommentThreadPage, parent: Parent, *, internal: bool
) -> dict[str, Any]:
    """What a record's page needs to show its threads, from the API's page of them (its own
    list's, or a composite read's: the review workspace's `comments`)."""
    return {"comments": page, "comment_parent": parent.fields(internal=internal)}


def _form_page(
    request: Request,
    context: dict[str, Any],
    *,
    error: ApiError | None = None,
    status_code: int = 200,
) -> Response:
    """A comment's form on a page of its own: a post the API refused, with the words kept, or
    an edit."""
    if error is not None:
        fmt = formatter(request)
        context = {
            **context,
            "problem": messages.problem_message(fmt, error),
            "problem_detail": error.detail,
            "errors": messages.field_errors(fmt, error, COMMENT_FIELDS),
            # A closed plan takes no comment: the words are kept to copy, not offered to send.
            "closed": error.slug == "plan-closed",
        }
    page = renderer_of(request)(request, "comment_form.html", context, status_code=status_code)
    if error is not None and error.status == 503:
        page.headers["Retry-After"] = error.headers.get("retry-after", str(RETRY_AFTER_SECONDS))
    return page


@router.post("/comments/new")
async def post_comment(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    parent = parent_of(text(form, "parent_type"), text(form, "parent_id"), text(form, "review_id"))
    if parent is None:
        return redirect(request, "/plans")
    back = parent.page
    body: models.CommentCreate = {
        "body": str(form.get("body") or ""),
        "visibility": "internal" if text(form, "visibility") == "internal" else "shared",
    }
    reply_to = text(form, "reply_to")
    if reply_to:
        body["reply_to"] = reply_to
    try:
        result = await parent.comment(api_of(request), body, token=viewer.token)
    except ApiError as exc:
        if exc.status not in (403, 409, 413, 422, 503):
            raise
        context = {
            "mode": "new",
            "back": back,
            "fields": {
                "parent_type": parent.type,
                "parent_id": parent.id,
                "review_id": parent.review_id,
                "reply_to": reply_to,
                "visibility": body["visibility"],
            },
            "body": body["body"],
            "offer_visibility": not reply_to,
        }
        return _form_page(request, context, error=exc, status_code=exc.status)
    return redirect(request, f"{back}#comment-{result.data['id']}", notice="comment-posted")


@router.get("/comments/{comment_id}/edit")
async def edit_comment(request: Request, comment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    comment = await operations.get_comment(api_of(request), comment_id, token=viewer.token)
    back = await page_of(request, viewer, comment)
    if "update" not in comment["allowed_actions"]:
        return redirect(request, back)
    context = {
        "mode": "edit",
        "comment": comment,
        "back": back,
        "body": comment["body"],
        "etag": comment["etag"],
    }
    return _form_page(request, context)


@router.post("/comments/{comment_id}/edit")
async def save_comment(request: Request, comment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    api = api_of(request)
    mine = str(form.get("body") or "")
    etag = text(form, "etag")
    try:
        # Without the ETag the form was drawn from, no If-Match is sent: the API answers 428.
        result = await operations.update_comment(
            api, comment_id, {"body": mine}, token=viewer.token, headers=if_match(etag)
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 412, 413, 422, 428):
            raise
        current = await operations.get_comment(api, comment_id, token=viewer.token)
        back = await page_of(request, viewer, current)
        context: dict[str, Any] = {
            "mode": "edit",
            "comment": current,
            "back": back,
            "body": mine,
            # Saving again goes on top of the version shown now.
            "etag": current["etag"],
            "conflict": exc.status in (412, 428),
        }
        if exc.status == 428:
            context["problem"] = etag_missing(request)
            return _form_page(request, context, status_code=409)
        return _form_page(
            request, context, error=exc, status_code=409 if exc.status == 412 else exc.status
        )
    comment = result.data
    back = await page_of(request, viewer, comment)
    return redirect(request, f"{back}#comment-{comment['id']}", notice="comment-saved")


@router.post("/comments/{comment_id}/delete")
async def delete_comment(request: Request, comment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    api = api_of(request)
    comment = await operations.get_comment(api, comment_id, token=viewer.token)
    back = await page_of(request, viewer, comment)
    if not feedback.confirmed(form):
        return ask_first(
            request, "delete-comment", form, action=f"/comments/{comment_id}/delete", back=back
        )
    try:
        await operations.delete_comment(
            api, comment_id, token=viewer.token, headers=if_match(text(form, "etag"))
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 412, 428):
            raise
        context = {"mode": "deleted", "comment": comment, "back": back, "body": comment["body"]}
        return _form_page(request, context, error=exc, status_code=409)
    return redirect(request, f"{back}#comments", notice="comment-deleted")
