"""The attachment table: one row per uploaded file, kept (soft-deleted) with its hash."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, String, Uuid
from sqlmodel import Field

from itpp_api.db import Created, EnumString, HasId, UTCDateTime, Versioned
from itpp_api.enums import Visibility, check_in


class AttachmentParent(StrEnum):
    """The kinds of record a file can be attached to."""

    COMMITMENT = "commitment"
    EXCHANGE = "exchange"
    REVIEW = "review"
    REVIEW_ITEM = "review_item"
    AMENDMENT = "amendment"
    PROGRESS_UPDATE = "progress_update"


class Attachment(Created, Versioned, HasId, table=True):
    """A file attached to a record of a plan.

    Visible to whoever sees its parent record, unless it is internal to the party that
    uploaded it (`owner_party_id`). `subject_id`: the commitment or exchange whose visibility
    the parent follows (the parent itself, or a review item's commitment), so the attachment
    disappears with it.
    """

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset(
        {"plan_id", "subject_id", "owner_party_id", "storage_key", "created_by", "deleted_by"}
    )

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(check_in("parent_type", AttachmentParent), name="parent_type"),
        CheckConstraint(check_in("visibility", Visibility), name="visibility"),
        CheckConstraint("size_bytes >= 0", name="size_bytes"),
        Index("ix_attachment_parent_id_created_at", "parent_id", "created_at"),
        Index("ix_attachment_plan_id", "plan_id"),
    )

    plan_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False)
    )
    parent_type: AttachmentParent = Field(
        sa_column=Column(EnumString(AttachmentParent, 32), nullable=False)
    )
    parent_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    subject_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    visibility: Visibility = Field(sa_column=Column(EnumString(Visibility, 16), nullable=False))
    owner_party_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False)
    )
    file_name: str = Field(sa_column=Column(String(255), nullable=False))
    content_type: str = Field(sa_column=Column(String(100), nullable=False))
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    storage_key: str = Field(sa_column=Column(String(200), nullable=False))
    created_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    deleted_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user_account.id"), nullable=True)
    )
