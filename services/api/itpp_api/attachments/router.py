"""HTTP routes for attachments: upload and list on each kind of parent record; metadata,
download and soft delete by id."""

import uuid
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from itpp_api.attachments import finder, service
from itpp_api.attachments.detect import ALLOWED, detect
from itpp_api.attachments.models import AttachmentParent
from itpp_api.attachments.parents import PARENTS, parent_route
from itpp_api.attachments.schemas import AttachmentList, AttachmentPublic
from itpp_api.attachments.storage import get_storage
from itpp_api.attachments.upload import FilePart
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action
from itpp_api.concurrency import run_db
from itpp_api.config import get_settings
from itpp_api.conventions import IfMatch, json_response, record_response
from itpp_api.deps import SessionDep, end_transaction
from itpp_api.enums import Visibility
from itpp_api.errors import UnsupportedMediaType, problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["attachments"], route_class=OneHopRoute)
# What a download may be: the allowed types, as detected.
MEDIA_TYPES = tuple(dict.fromkeys(kind.media_type.partition(";")[0] for kind in ALLOWED))

VisibilityQuery = Annotated[
    Visibility,
    Query(
        description="`internal`: only your party sees the file (on a shared record); an "
        "attachment of an internal record is always internal."
    ),
]
_ALLOWED = "PDF, Word/Excel/PowerPoint (docx, xlsx, pptx), PNG, JPEG, GIF, WebP, plain text or CSV"
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "multipart/form-data with the file in a part named `file` (its "
        f"filename is sanitised). Allowed, by content: {_ALLOWED}. At most "
        "ITPP_ATTACHMENT_MAX_BYTES (default 50 MiB, up to 5 GiB): 413 beyond. The body is "
        "streamed to storage; Idempotency-Key is not honoured on uploads.",
        "content": {
            "multipart/form-data": {
                "schema": {"$ref": "#/components/schemas/AttachmentUpload"},
                "example": {"file": "(the file's bytes)"},
            }
        },
    }
}
_UPLOAD: dict[str, Any] = {
    "status_code": 201,
    "response_model": AttachmentPublic,
    "responses": {
        **record_response(201, created=True),
        **problem_responses(400, 404, 409, 413, 415, 422, 503),
    },
    "openapi_extra": _UPLOAD_BODY,
}
_LIST: dict[str, Any] = {"response_model": AttachmentList, "responses": problem_responses(404, 422)}


async def _upload(
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None,
    /,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    visibility: VisibilityQuery = Visibility.SHARED,
) -> Response:
    """Authorize, give the database turn back, stream the file to storage, check its type,
    then record it in a transaction of its own (authorized again there)."""
    parent = await run_in_threadpool(
        partial(
            finder.find_upload_parent,
            session=session,
            actor=actor,
            parent_type=parent_type,
            parent_id=parent_id,
            review_id=review_id,
            action=Action.WRITE,
        )
    )
    service.authorize_upload(actor, parent, visibility)
    part = FilePart(request)
    # The upload may take long and needs no database meanwhile.
    await end_transaction(session)
    storage = get_storage()
    stored = await storage.save(part.__aiter__(), max_bytes=get_settings().attachment_max_bytes)
    try:

        def kind_of() -> Any:
            with storage.open(stored.key) as file:
                return detect(stored.head, file, part.file_name or "")

        kind = await run_in_threadpool(kind_of)
        if kind is None:
            raise UnsupportedMediaType(
                f"This kind of file cannot be attached. Allowed, by content: {_ALLOWED}."
            )
        body = await run_db(
            partial(
                finder.finish_upload,
                actor,
                parent_type,
                parent_id,
                review_id,
                visibility,
                stored,
                kind,
                part.file_name,
            ),
            write=True,
        )
    except BaseException:
        await run_in_threadpool(service.discard, storage, stored.key)
        raise
    return json_response(
        body,
        status_code=201,
        etag=body["etag"],
        location=f"/api/v1/attachments/{body['id']}",
    )


def _list(
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None,
    /,
    session: SessionDep,
    actor: ActorDep,
) -> Response:
    parent = finder.find_parent(
        session=session,
        actor=actor,
        parent_type=parent_type,
        parent_id=parent_id,
        review_id=review_id,
    )
    return json_response(service.list_as_dict(session=session, actor=actor, parent=parent))


# --- on each kind of parent (the registry in parents.py) -------------------------------------

for _parent in PARENTS:
    _files = "evidence" if _parent.evidence else "a file"
    parent_route(
        router,
        _parent,
        "POST",
        "/attachments",
        _upload,
        name=f"upload_{_parent.kind.value}_attachment",
        operation_id=f"upload{_parent.name}Attachment",
        summary=f"Attach {_files} to {_parent.noun} (multipart, streamed)",
        **_UPLOAD,
    )
    parent_route(
        router,
        _parent,
        "GET",
        "/attachments",
        _list,
        name=f"list_{_parent.kind.value}_attachments",
        operation_id=f"list{_parent.name}Attachments",
        summary=f"List {_parent.noun}'s {'evidence' if _parent.evidence else 'attachments'}",
        **_LIST,
    )


# --- by id -----------------------------------------------------------------------------------


@router.get(
    "/attachments/{attachment_id}",
    operation_id="getAttachment",
    summary="Get an attachment's metadata (name, type, size, SHA-256)",
    response_model=AttachmentPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_attachment(attachment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    attachment, parent = finder.get(session=session, actor=actor, attachment_id=attachment_id)
    body = service.as_dict(
        attachment,
        actor,
        service.creator_names(session, [attachment]),
        parent.open_for_discussion,
    )
    return json_response(body, etag=body["etag"])


def content_disposition(file_name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact one in RFC 5987 form."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\%' else "_" for c in file_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@router.get(
    "/attachments/{attachment_id}/content",
    operation_id="downloadAttachment",
    summary="Download an attachment's file (always as an attachment, never inline)",
    response_class=Response,
    responses={
        200: {
            "description": "The file, with Content-Disposition: attachment (RFC 5987 name) and "
            "X-Content-Type-Options: nosniff.",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in MEDIA_TYPES
            },
        },
        **problem_responses(404, 410, 422, 503),
    },
)
def download_attachment(attachment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    attachment, _ = finder.get(session=session, actor=actor, attachment_id=attachment_id)
    file, size = service.open_file(attachment)
    return StreamingResponse(
        service.file_chunks(file),
        media_type=attachment.content_type,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": content_disposition(attachment.file_name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
            "X-Attachment-SHA256": attachment.sha256,
        },
    )


@router.delete(
    "/attachments/{attachment_id}",
    operation_id="deleteAttachment",
    summary="Delete an attachment (soft: its hash stays on record and in the audit log; "
    "If-Match required)",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 409, 412, 422, 428),
)
def delete_attachment(
    attachment_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    attachment, parent = finder.get(
        session=session,
        actor=actor,
        attachment_id=attachment_id,
        action=Action.WRITE,
        for_update=True,
    )
    require_if_match(if_match, service.etag(attachment))
    service.delete(session=session, actor=actor, attachment=attachment, parent=parent)
    return Response(status_code=204)
