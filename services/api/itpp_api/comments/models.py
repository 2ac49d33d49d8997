"""The comment tables: one row per comment (kept, soft-deleted), and the bodies an edit replaced."""

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Text, Uuid
from sqlmodel import Field

from itpp_api.attachments.models import AttachmentParent
from itpp_api.db import (
    Created,
    EnumString,
    HasId,
    PortableJSON,
    UTCDateTime,
    Versioned,
    utcnow,
)
from itpp_api.enums import Visibility, check_in


class Comment(Created, Versioned, HasId, table=True):
    """A comment on a record of a plan (the same kinds of record as attachments), or a reply.

    `thread_id`: the thread's first comment, for a reply (None: it starts a thread); replies are
    one level deep. Visible to whoever sees its parent record, unless it is internal to
    `owner_party_id` (the author's party; always so on an internal record). `subject_id`: the
    commitment or exchange whose visibility the parent follows.
    """

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset(
        {
            "plan_id",
            "subject_id",
            "owner_party_id",
            "created_by",
            "edited_at",
            "revision_count",
            "deleted_at",
            "deleted_by",
        }
    )

    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(check_in("parent_type", AttachmentParent), name="parent_type"),
        CheckConstraint(check_in("visibility", Visibility), name="visibility"),
        Index("ix_comment_parent_id_created_at", "parent_id", "created_at"),
        Index("ix_comment_thread_id", "thread_id"),
        Index("ix_comment_plan_id", "plan_id"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    parent_type: AttachmentParent = Field(
        sa_column=Column(EnumString(AttachmentParent, 32), nullable=False)
    )
    parent_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    subject_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    thread_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("comment.id"), nullable=True)
    )
    visibility: Visibility = Field(sa_column=Column(EnumString(Visibility, 16), nullable=False))
    owner_party_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False)
    )
    body: str = Field(sa_column=Column(Text, nullable=False))
    # The users the body mentions, resolved when it was written: [{"id", "display_name"}].
    mentions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(PortableJSON, nullable=False)
    )
    created_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    revision_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    deleted_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )


class CommentRevision(HasId, table=True):
    """A body an edit replaced: revision 1 is the comment as first posted."""

    __tablename__ = "comment_revision"
    __table_args__ = (Index("ix_comment_revision_comment_id_number", "comment_id", "number"),)

    comment_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("comment.id", ondelete="CASCADE"), nullable=False)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    # When this body was written (the comment's creation, or the edit before).
    written_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    replaced_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
