"""Response models of attachments."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.attachments.models import AttachmentParent
from itpp_api.enums import AllowedAction, Visibility


class AttachmentPublic(BaseModel):
    """A file attached to a record: what it is, not its bytes (those: `content_url`)."""

    id: uuid.UUID
    plan_id: uuid.UUID
    parent_type: AttachmentParent
    parent_id: uuid.UUID
    visibility: Visibility = Field(
        description="`internal`: seen by the uploading party only (always so on an internal "
        "record)."
    )
    owner_party_id: uuid.UUID = Field(description="The party that attached it.")
    file_name: str = Field(description="The sanitised name it is offered under.")
    content_type: str = Field(description="Detected from the content, not from the name.")
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the content, hex.")
    created_by: uuid.UUID | None
    created_by_name: str | None = Field(description="The display name of who attached it.")
    created_at: datetime
    content_url: str
    etag: str
    allowed_actions: list[AllowedAction] = Field(
        description="`delete` for a writer of the party that attached it."
    )


class AttachmentList(BaseModel):
    items: list[AttachmentPublic]
    allowed_actions: list[AllowedAction] = Field(
        description="`attach` when the reader may attach a file to this record."
    )


class AttachmentUpload(BaseModel):
    """The form of an attachment upload (multipart/form-data): the file as its `file` part."""

    model_config = ConfigDict(json_schema_extra={"example": {"file": "(the file's bytes)"}})

    file: bytes = Field(
        description="The file: PDF, docx/xlsx/pptx, PNG, JPEG, GIF, WebP, UTF-8 text or CSV "
        "(detected from the content); its filename is sanitised."
    )
