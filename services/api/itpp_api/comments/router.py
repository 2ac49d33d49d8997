"""HTTP routes for comments: threads listed and posted on each kind of parent record; one
comment read, edited (If-Match), soft-deleted (If-Match) and its revisions read by id."""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from itpp_api.attachments.finder import find_parent
from itpp_api.attachments.models import AttachmentParent
from itpp_api.attachments.parents import PARENTS, parent_route
from itpp_api.auth.actor import Actor
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action
from itpp_api.comments import service
from itpp_api.comments.params import THREADS_PER_PAGE, ThreadCursorQuery, ThreadLimitQuery
from itpp_api.comments.schemas import (
    CommentCreate,
    CommentPublic,
    CommentRevisionList,
    CommentThreadPage,
    CommentUpdate,
)
from itpp_api.conventions import IdempotencyKey, IfMatch, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["comments"], route_class=OneHopRoute)

_POST: dict[str, Any] = {
    "status_code": 201,
    "response_model": CommentPublic,
    "responses": {
        **record_response(201, created=True),
        **problem_responses(403, 404, 409, 413, 422),
    },
}
_LIST: dict[str, Any] = {
    "response_model": CommentThreadPage,
    "responses": problem_responses(400, 404, 422),
}


def _post(
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None,
    /,
    data: CommentCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    parent = find_parent(
        session=session,
        actor=actor,
        parent_type=parent_type,
        parent_id=parent_id,
        review_id=review_id,
        action=Action.WRITE,
    )
    comment = service.create(session=session, actor=actor, parent=parent, data=data)
    body = service.as_dict(comment, actor, service.author_names(session, [comment]), parent)
    return json_response(
        body, status_code=201, etag=body["etag"], location=f"/api/v1/comments/{comment.id}"
    )


def _list(
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None,
    /,
    session: SessionDep,
    actor: ActorDep,
    limit: ThreadLimitQuery = THREADS_PER_PAGE,
    cursor: ThreadCursorQuery = None,
) -> Response:
    parent = find_parent(
        session=session,
        actor=actor,
        parent_type=parent_type,
        parent_id=parent_id,
        review_id=review_id,
    )
    return json_response(
        service.list_threads(
            session=session, actor=actor, parent=parent, cursor=cursor, limit=limit
        )
    )


# --- on each kind of parent (the registry in attachments/parents.py) --------------------------

for _parent in PARENTS:
    if not _parent.comments:
        continue
    parent_route(
        router,
        _parent,
        "POST",
        "/comments",
        _post,
        name=f"create_{_parent.kind.value}_comment",
        operation_id=f"create{_parent.name}Comment",
        summary=f"Comment on {_parent.noun}, or reply in one of its threads",
        **_POST,
    )
    parent_route(
        router,
        _parent,
        "GET",
        "/comments",
        _list,
        name=f"list_{_parent.kind.value}_comments",
        operation_id=f"list{_parent.name}Comments",
        summary=f"{_parent.owner} comment threads (oldest first, cursor-paginated)",
        **_LIST,
    )


# --- by id -----------------------------------------------------------------------------------


def _one(session: Any, actor: Actor, comment_id: uuid.UUID) -> Response:
    comment, parent = service.get(session=session, actor=actor, comment_id=comment_id)
    names = service.author_names(session, [comment])
    body = service.as_dict(comment, actor, names, parent)
    return json_response(body, etag=body["etag"])


@router.get(
    "/comments/{comment_id}",
    operation_id="getComment",
    summary="Get a comment",
    response_model=CommentPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_comment(comment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    return _one(session, actor, comment_id)


@router.patch(
    "/comments/{comment_id}",
    operation_id="updateComment",
    summary="Edit your comment (the previous body is kept as a revision; If-Match required)",
    response_model=CommentPublic,
    responses={**record_response(), **problem_responses(403, 404, 409, 412, 413, 422, 428)},
)
def update_comment(
    comment_id: uuid.UUID,
    data: CommentUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    comment, parent = service.get(
        session=session, actor=actor, comment_id=comment_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.etag(comment))
    if data.body is not None:
        service.update(session=session, actor=actor, comment=comment, parent=parent, body=data.body)
    names = service.author_names(session, [comment])
    body = service.as_dict(comment, actor, names, parent)
    return json_response(body, etag=body["etag"])


@router.delete(
    "/comments/{comment_id}",
    operation_id="deleteComment",
    summary="Delete a comment (soft: its thread shows it as deleted; If-Match required)",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 412, 422, 428),
)
def delete_comment(
    comment_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    comment, parent = service.get(
        session=session, actor=actor, comment_id=comment_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.etag(comment))
    service.delete(session=session, actor=actor, comment=comment, parent=parent)
    return Response(status_code=204)


@router.get(
    "/comments/{comment_id}/revisions",
    operation_id="listCommentRevisions",
    summary="The earlier bodies of an edited comment (first posted first)",
    response_model=CommentRevisionList,
    responses=problem_responses(404, 422),
)
def list_comment_revisions(comment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    comment, _ = service.get(session=session, actor=actor, comment_id=comment_id)
    items = [
        {
            "number": revision.number,
            "body": revision.body,
            "written_at": revision.written_at,
            "replaced_at": revision.replaced_at,
        }
        for revision in service.revisions(session=session, comment=comment)
    ]
    return json_response({"items": items})
