"""Attachments on the pages of commitments, exchanges, reviews, review items and amendments:
the record's files, uploading one, downloading one and deleting one's own (with confirmation).
What a reader may do comes from the API's allowed actions on the list and on each file (none on
a closed plan's records).

Two ways to upload, one answer each:
- without JavaScript, a plain multipart form (`/attachments/new`), answered by a redirect back
  to the record's page, or by a page of its own saying why the file was refused;
- with JavaScript (app.js), the file's bytes as the request body (`/attachments/upload`), passed
  on to the API as they arrive — never held whole — and answered with the refreshed list (or
  the reason, in the reader's language, with the API's status).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from itpp_web import feedback, messages
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.routes.comments import Parent, UploadQuery, page_of, parent_of
from itpp_web.routes.common import if_match
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

# The API's refusals of a file a reader can act on (too large, wrong type, a bad form, a closed
# plan, a file store that cannot be reached).
FILE_REFUSALS = (400, 403, 409, 413, 415, 422, 503)
NO_FILE = messages.N_("Choose a file to attach.")
STORE_UNAVAILABLE = messages.N_(
    "Files cannot be stored or fetched right now. Nothing was changed; try again in a moment."
)
# The file's own refusals, said about the file (other problems: messages.problem_message).
FILE_PROBLEMS = {
    "service-unavailable": STORE_UNAVAILABLE,
    "payload-too-large": messages.N_("This file is too large to attach."),
    "unsupported-media-type": messages.N_(
        "This kind of file cannot be attached. Attach a PDF, a Word, Excel or PowerPoint "
        "document, an image (PNG, JPEG, GIF, WebP), text or CSV."
    ),
}


def refusal(fmt: Any, error: ApiError) -> str:
    """Why the API refused a file, in the reader's language."""
    if error.slug in FILE_PROBLEMS:
        return messages.translate(fmt, FILE_PROBLEMS, error.slug)
    return messages.problem_message(fmt, error)


async def attachment_context(
    request: Request, viewer: Viewer, parent: Parent, *, internal: bool
) -> dict[str, Any]:
    """What a record's page needs to show its files and the upload form, read from the API."""
    files = await parent.files(api_of(request), token=viewer.token)
    return attachment_context_of(files, parent, internal=internal)


def attachment_context_of(
    files: models.AttachmentList, parent: Parent, *, internal: bool
) -> dict[str, Any]:
    """What a record's page needs to show its files and the upload form, from the API's list
    of them (its own, or a composite read's: the review workspace's `attachments`)."""
    return {"attachments": files, "attachment_parent": parent.fields(internal=internal)}


def _visibility(value: str) -> UploadQuery:
    """The upload's query: the file's visibility (shared unless internal was chosen)."""
    return {"visibility": "internal" if value == "internal" else "shared"}


def _problem_page(
    request: Request,
    back: str,
    problem: str,
    *,
    detail: str = "",
    status_code: int,
    doing: str = "attach",
    retry_after: str | None = None,
) -> Response:
    """Why a file was not attached (or not deleted, or not downloaded: `doing`), on a page of
    its own, with the way back."""
    fmt = formatter(request)
    headings = {
        "attach": fmt.gettext("The file was not attached"),
        "delete": fmt.gettext("The file was not deleted"),
        "download": fmt.gettext("The file cannot be downloaded"),
    }
    page = renderer_of(request)(
        request,
        "attachment_problem.html",
        {"back": back, "problem": problem, "problem_detail": detail, "heading": headings[doing]},
        status_code=status_code,
    )
    if retry_after is not None:
        page.headers["Retry-After"] = retry_after
    return page


def _retry_after(error: ApiError) -> str | None:
    """The API's Retry-After of a 503 (the file store or the database cannot serve now)."""
    if error.status != 503:
        return None
    return error.headers.get("retry-after", str(RETRY_AFTER_SECONDS))


@router.post("/attachments/new")
async def add_attachment(request: Request, viewer: ViewerDep) -> Response:
    """The form without JavaScript: the browser's multipart upload (Starlette keeps a file of
    more than 1 MiB on disk while it is parsed), sent on to the API from there in chunks."""
    form = await request.form()
    parent = parent_of(text(form, "parent_type"), text(form, "parent_id"), text(form, "review_id"))
    if parent is None:
        return redirect(request, "/plans")
    back = parent.page
    fmt = formatter(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename or not upload.size:
        return _problem_page(request, back, fmt.gettext(NO_FILE), status_code=422)
    try:
        await parent.upload(
            api_of(request),
            token=viewer.token,
            params=_visibility(text(form, "visibility")),
            files={
                "file": (
                    upload.filename,
                    upload.file,
                    upload.content_type or "application/octet-stream",
                )
            },
        )
    except ApiError as exc:
        if exc.status not in FILE_REFUSALS:
            raise
        return _problem_page(
            request,
            back,
            refusal(fmt, exc),
            detail=exc.detail,
            status_code=exc.status,
            retry_after=_retry_after(exc),
        )
    return redirect(request, f"{back}#attachments", notice="attachment-added")


def _multipart_head(boundary: str, file_name: str, content_type: str) -> bytes:
    """The start of a one-part multipart body (the file's part, named `file`), the name
    written as browsers write it (UTF-8, with quotes and line breaks percent-encoded)."""
    quoted = (
        file_name.replace("\\", "\\\\")
        .replace('"', "%22")
        .replace("\r", "%0D")
        .replace("\n", "%0A")
    )
    return (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()


async def _as_multipart(
    request: Request, boundary: str, file_name: str, content_type: str
) -> AsyncIterator[bytes]:
    """The request's body, as it arrives, wrapped into the API's multipart form."""
    yield _multipart_head(boundary, file_name, content_type)
    async for chunk in request.stream():
        if chunk:
            yield chunk
    yield f"\r\n--{boundary}--\r\n".encode()


@router.post("/attachments/upload")
async def stream_attachment(request: Request, viewer: ViewerDep) -> Response:
    """app.js's upload: the file's bytes as the body (its name in `X-File-Name`,
    percent-encoded), streamed on to the API. Answers with the refreshed list, or the reason
    the file was refused (in the reader's language) with the API's status."""
    query = request.query_params
    parent = parent_of(
        query.get("parent_type", ""), query.get("parent_id", ""), query.get("review_id", "")
    )
    fmt = formatter(request)
    if parent is None:
        return Response(fmt.gettext(NO_FILE), status_code=422, media_type="text/plain")
    file_name = unquote(request.headers.get("x-file-name", ""))[:1000] or "file"
    content_type = request.headers.get("content-type") or "application/octet-stream"
    if "\r" in content_type or "\n" in content_type:
        content_type = "application/octet-stream"
    boundary = secrets.token_hex(16)
    try:
        await parent.upload(
            api_of(request),
            token=viewer.token,
            params=_visibility(query.get("visibility", "")),
            content=_as_multipart(request, boundary, file_name, content_type),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    except ApiError as exc:
        if exc.status not in FILE_REFUSALS:
            raise
        retry_after = _retry_after(exc)
        return Response(
            refusal(fmt, exc),
            status_code=exc.status,
            media_type="text/plain",
            headers={"Retry-After": retry_after} if retry_after else None,
        )
    context = await attachment_context(
        request, viewer, parent, internal=query.get("internal") == "1"
    )
    return renderer_of(request)(
        request,
        "_attachments.html",
        context,
        headers=feedback.notice_headers(fmt, "attachment-added"),
    )


@router.post("/attachments/{attachment_id}/delete")
async def delete_attachment(
    request: Request, attachment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    form = await request.form()
    api = api_of(request)
    attachment = await operations.get_attachment(api, attachment_id, token=viewer.token)
    back = await page_of(request, viewer, attachment)
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "delete-attachment",
            form,
            action=f"/attachments/{attachment_id}/delete",
            back=back,
        )
    try:
        await operations.delete_attachment(
            api, attachment_id, token=viewer.token, headers=if_match(text(form, "etag"))
        )
    except ApiError as exc:
        if exc.status not in (403, 409, 412, 428):
            raise
        return _problem_page(
            request,
            back,
            messages.problem_message(formatter(request), exc),
            detail=exc.detail,
            status_code=409 if exc.status != 403 else 403,
            doing="delete",
        )
    return redirect(request, f"{back}#attachments", notice="attachment-deleted")


@router.get("/attachments/{attachment_id}/content")
async def download_attachment(
    request: Request, attachment_id: uuid.UUID, viewer: ViewerDep
) -> Response:
    """A file as the API serves it: always as an attachment, never inline, with the API's type,
    name and hash (the API decides who may read it). A file missing from the store (410), or a
    store that cannot be reached (503), is said on a page of its own in the reader's language,
    with the way back to the record."""
    api = api_of(request)
    try:
        answer = await operations.download_attachment(api, attachment_id, token=viewer.token)
    except ApiError as exc:
        if exc.status not in (410, 503):
            raise
        # The record stays readable when its file is not (its metadata is in the database).
        attachment = await operations.get_attachment(api, attachment_id, token=viewer.token)
        fmt = formatter(request)
        problem = (
            messages.translate(fmt, FILE_PROBLEMS, "service-unavailable")
            if exc.status == 503
            else messages.problem_message(fmt, exc)
        )
        return _problem_page(
            request,
            await page_of(request, viewer, attachment),
            problem,
            detail=exc.detail,
            status_code=exc.status,
            doing="download",
            retry_after=_retry_after(exc),
        )
    kept = ("content-type", "content-disposition", "x-attachment-sha256")
    headers = {name: answer.headers[name] for name in kept if name in answer.headers}
    headers.update(
        {
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        }
    )
    return Response(content=answer.content, headers=headers)
