"""Request and response models of comments."""

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from itpp_api.attachments.models import AttachmentParent
from itpp_api.bounds import COMMENT_BODY_MAX
from itpp_api.enums import AllowedAction, Visibility
from itpp_api.patch import PatchBody

_BODY_DESCRIPTION = (
    f"Markdown (a subset: paragraphs, line breaks, *emphasis*, **strong**, `code`, code blocks, "
    f"lists, quotes; links and HTML are shown as plain text), 1 to {COMMENT_BODY_MAX} characters, "
    "not only spaces. `@name` mentions a user (the part of their e-mail address before the @, "
    "or their display name without spaces) who can see the comment."
)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty", "must not be only spaces")
    return value


class CommentCreate(BaseModel):
    """A new comment on a record, or a reply (`reply_to`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "body": "The minutes are attached. @nato-editor please confirm.",
                "visibility": "shared",
            }
        },
    )

    body: str = Field(min_length=1, max_length=COMMENT_BODY_MAX, description=_BODY_DESCRIPTION)
    visibility: Visibility = Field(
        default=Visibility.SHARED,
        description="`internal`: only your party sees it. A comment on an internal record, or "
        "a reply in an internal thread, is always internal.",
    )
    reply_to: uuid.UUID | None = Field(
        default=None,
        description="A comment of the same record to reply to; a reply to a reply joins the "
        "thread of the comment it replies to (replies are one level deep).",
    )

    _body = field_validator("body")(_not_blank)


class CommentUpdate(PatchBody):
    """A comment's new body (its author only; the previous one is kept as a revision)."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ("body",)
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"body": "Corrected: the minutes of 3 May."}}
    )

    body: str = Field(min_length=1, max_length=COMMENT_BODY_MAX, description=_BODY_DESCRIPTION)

    _body = field_validator("body")(_not_blank)


class Mention(BaseModel):
    id: uuid.UUID
    display_name: str


class CommentPublic(BaseModel):
    """A comment as its reader may see it. A deleted one keeps its place in its thread with
    `deleted: true` and no body, author or mentions."""

    id: uuid.UUID
    plan_id: uuid.UUID
    parent_type: AttachmentParent
    parent_id: uuid.UUID
    thread_id: uuid.UUID | None = Field(description="The thread's first comment (null: this one).")
    visibility: Visibility
    owner_party_id: uuid.UUID = Field(description="The author's party.")
    author_id: uuid.UUID | None
    author_name: str | None
    body: str | None = Field(description="The Markdown source (null once deleted).")
    mentions: list[Mention]
    created_at: datetime
    edited_at: datetime | None
    revision_count: int = Field(description="Earlier bodies kept (0: never edited).")
    deleted: bool
    allowed_actions: list[AllowedAction]
    etag: str


class CommentThread(CommentPublic):
    """A thread: its first comment with its replies (oldest first)."""

    reply_count: int = Field(description="Replies you can see, deleted ones left out.")
    replies: list[CommentPublic]


class CommentThreadPage(BaseModel):
    items: list[CommentThread]
    next_cursor: str | None
    count: int = Field(description="Comments on the record you can see, deleted ones left out.")
    allowed_actions: list[AllowedAction] = Field(
        description="`comment`: you may post a comment or a reply on this record."
    )


class CommentRevisionPublic(BaseModel):
    number: int = Field(description="1: the body as first posted.")
    body: str
    written_at: datetime
    replaced_at: datetime


class CommentRevisionList(BaseModel):
    items: list[CommentRevisionPublic]
