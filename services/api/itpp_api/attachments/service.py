"""Attachments: finding the parent record as the policy allows, recording, listing, reading
and soft-deleting files. Every read goes through `policy` (the parent's getter, then
`policy.visible_attachments`): another party's internal attachment is missing (404)."""

import contextlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlmodel import Session, col, select

from itpp_api.amendments.models import Amendment
from itpp_api.attachments.detect import FileType, safe_name
from itpp_api.attachments.models import Attachment, AttachmentParent
from itpp_api.attachments.storage import Storage, StorageUnavailable, Stored, get_storage
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.db import table_of, utcnow
from itpp_api.enums import AmendmentStatus, PlanStatus, Visibility
from itpp_api.errors import FileMissing, Forbidden
from itpp_api.plans.lifecycle import effective_status, ensure_plan_writable
from itpp_api.plans.models import Plan
from itpp_api.users import service as users
from itpp_api.wire import make_etag

_A = table_of(Attachment).c


@dataclass(frozen=True)
class Parent:
    """The record a file is attached to (or a comment is on), as the actor may see it."""

    type: AttachmentParent
    id: uuid.UUID
    plan_id: uuid.UUID
    # The commitment or exchange whose visibility the parent follows.
    subject_id: uuid.UUID | None
    # The party whose internal record the parent is (None: shared).
    internal_to: uuid.UUID | None
    # The plan's effective status: a closed plan's records take no new files or comments
    # (`ensure_open`), and the policy offers none (`policy.attachment_actions` and the like).
    plan_status: PlanStatus
    # An amendment awaiting the parties' decisions: on an expired plan (a renewal) it still
    # takes files and comments (policy.discussion_open).
    pending_renewal: bool = False

    @property
    def open_for_discussion(self) -> bool:
        """Whether it takes files and comments now (policy.discussion_open): what the policy's
        allowed actions are decided on, and what ensure_open checks again."""
        return policy.discussion_open(self.plan_status, pending_renewal=self.pending_renewal)


def ensure_open(session: Session, parent: Parent) -> None:
    """Files are attached to and deleted from, and comments posted, edited and deleted on, the
    records of a plan that is not closed (expired, superseded or terminated plans are read-only:
    409 plan-closed), and a renewal awaiting the parties' decisions on an expired plan
    (policy.discussion_open). The plan, and such an amendment, are read again in the caller's
    transaction."""
    plan = session.get(Plan, parent.plan_id)
    if plan is None:
        return
    if parent.pending_renewal:
        status = session.scalar(select(Amendment.status).where(Amendment.id == parent.id))
        pending = status == AmendmentStatus.PROPOSED
        if policy.discussion_open(effective_status(plan), pending_renewal=pending):
            return
    ensure_plan_writable(plan)


def authorize_upload(actor: Actor, parent: Parent, visibility: Visibility) -> None:
    """A writer of the plan attaches; only a party's own users make a file internal to it (an
    actor without a party, the system, cannot)."""
    if visibility is Visibility.INTERNAL and actor.party_id is None:
        raise Forbidden("Only a party's user can attach a file internal to that party.")


def etag(attachment: Attachment) -> str:
    return make_etag(attachment.id, attachment.row_version)


def creator_names(session: Session, attachments: list[Attachment]) -> dict[uuid.UUID, str]:
    """The display names of the users who attached these files."""
    return users.display_names(session, {a.created_by for a in attachments if a.created_by})


def as_dict(
    attachment: Attachment,
    actor: Actor,
    names: dict[uuid.UUID, str],
    open_for_discussion: bool,
) -> dict[str, Any]:
    """An attachment as the reader sees it (`names`: creator_names of it; `open_for_discussion`:
    whether its record takes files now, Parent.open_for_discussion)."""
    return {
        "id": attachment.id,
        "plan_id": attachment.plan_id,
        "parent_type": attachment.parent_type,
        "parent_id": attachment.parent_id,
        "visibility": attachment.visibility,
        "owner_party_id": attachment.owner_party_id,
        "file_name": attachment.file_name,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "created_by": attachment.created_by,
        "created_by_name": names.get(attachment.created_by) if attachment.created_by else None,
        "created_at": attachment.created_at,
        "content_url": f"/api/v1/attachments/{attachment.id}/content",
        "etag": etag(attachment),
        "allowed_actions": policy.attachment_actions(
            actor,
            owner_party_id=attachment.owner_party_id,
            open_for_discussion=open_for_discussion,
        ),
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    attachment: Attachment,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    internal_to: uuid.UUID | None,
) -> None:
    owner = (
        attachment.owner_party_id
        if attachment.visibility == Visibility.INTERNAL.value
        else internal_to
    )
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity_type="attachment",
        entity_id=attachment.id,
        plan_id=attachment.plan_id,
        owner_party_id=owner,
        subject_id=attachment.subject_id,
        before=before,
        after=after,
    )


def create(
    *,
    session: Session,
    actor: Actor,
    parent: Parent,
    visibility: Visibility,
    stored: Stored,
    kind: FileType,
    file_name: str | None,
) -> Attachment:
    """Record a stored file on its parent (found again, and authorized, in this transaction).
    An attachment of an internal record is internal to that record's party."""
    ensure_open(session, parent)
    owner = parent.internal_to or actor.party_id
    if owner is None:  # the system attaching to a shared record
        raise Forbidden("Only a party's user can attach files.")
    if parent.internal_to is not None:
        visibility = Visibility.INTERNAL
    attachment = Attachment(
        plan_id=parent.plan_id,
        parent_type=parent.type,
        parent_id=parent.id,
        subject_id=parent.subject_id,
        visibility=visibility,
        owner_party_id=owner,
        file_name=safe_name(file_name, kind),
        content_type=kind.media_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        created_by=actor.user_id,
    )
    session.add(attachment)
    session.flush()
    _audit(
        session, actor, "create", attachment, None, audit.audited(attachment), parent.internal_to
    )
    return attachment


def list_for(*, session: Session, actor: Actor, parent: Parent) -> list[Attachment]:
    """The attachments of a parent the actor sees, oldest first."""
    statement = (
        select(Attachment)
        .where(Attachment.parent_id == parent.id, Attachment.parent_type == parent.type.value)
        .where(policy.visible_attachments(_A, actor))
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(session.scalars(statement))


def list_as_dict(*, session: Session, actor: Actor, parent: Parent) -> dict[str, Any]:
    """The parent's files as its list endpoint answers them (`AttachmentList`): those the actor
    sees, oldest first, and what the actor may do on them."""
    attachments = list_for(session=session, actor=actor, parent=parent)
    names = creator_names(session, attachments)
    return {
        "items": [
            as_dict(attachment, actor, names, parent.open_for_discussion)
            for attachment in attachments
        ],
        "allowed_actions": policy.attachment_list_actions(
            actor, open_for_discussion=parent.open_for_discussion
        ),
    }


def as_dicts_by_parent(
    *,
    session: Session,
    actor: Actor,
    parent_type: AttachmentParent,
    parent_ids: list[uuid.UUID],
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The attachments the actor sees of several parents of one kind (which the caller has
    checked the actor sees), oldest first, by parent: in one query."""
    if not parent_ids:
        return {}
    statement = (
        select(Attachment)
        .where(
            col(Attachment.parent_id).in_(parent_ids),
            Attachment.parent_type == parent_type.value,
        )
        .where(policy.visible_attachments(_A, actor))
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    found = list(session.scalars(statement))
    names = creator_names(session, found)
    statuses = plan_statuses(session, {a.plan_id for a in found})
    for attachment in found:
        out.setdefault(attachment.parent_id, []).append(
            as_dict(attachment, actor, names, policy.plan_open(statuses[attachment.plan_id]))
        )
    return out


def plan_statuses(session: Session, plan_ids: set[uuid.UUID]) -> dict[uuid.UUID, PlanStatus]:
    """The effective status of each of these plans (one query; none without ids)."""
    if not plan_ids:
        return {}
    plans = session.scalars(select(Plan).where(col(Plan.id).in_(plan_ids)))
    return {plan.id: effective_status(plan) for plan in plans}


def delete(*, session: Session, actor: Actor, attachment: Attachment, parent: Parent) -> None:
    """Soft delete: the row, its hash and its file stay; the audit log records who and when.
    Only the uploading party's writers delete."""
    if not actor.is_system and attachment.owner_party_id != actor.party_id:
        raise Forbidden("Only the party that attached a file can delete it.")
    ensure_open(session, parent)
    before = {"deleted_at": None, "deleted_file": None}
    attachment.deleted_at = utcnow()
    attachment.deleted_by = actor.user_id
    session.add(attachment)
    session.flush()
    # The deletion's own event names what was deleted by its hash (unchanged fields are left
    # out of an event, so it is spelled out here).
    after = {
        "deleted_at": attachment.deleted_at,
        "deleted_file": {"file_name": attachment.file_name, "sha256": attachment.sha256},
    }
    _audit(session, actor, "delete", attachment, before, after, parent.internal_to)


# --- the file in storage ---------------------------------------------------------------------

_CHUNK = 1024 * 1024


def open_file(attachment: Attachment) -> tuple[BinaryIO, int]:
    """The attachment's file, open for reading, and its size in storage. A file the storage no
    longer has is 410 file-missing (the record stays); an unreachable store 503."""
    try:
        file = get_storage().open(attachment.storage_key)
    except (FileNotFoundError, ValueError):
        raise FileMissing(
            f"The file of attachment {attachment.id} is missing from storage; its record and "
            f"SHA-256 ({attachment.sha256}) remain. An administrator can restore it from a "
            "backup."
        ) from None
    try:
        size = file.seek(0, io.SEEK_END)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return file, size


def file_chunks(file: BinaryIO) -> Iterator[bytes]:
    """A file's bytes in chunks (read in a worker thread by the response), closed at the end."""
    with file:
        while chunk := file.read(_CHUNK):
            yield chunk


def discard(storage: Storage, key: str) -> None:
    """Remove a file that was stored but not recorded (refused after upload); a store that
    cannot be reached leaves it behind (unreferenced, harmless)."""
    with contextlib.suppress(StorageUnavailable):
        storage.delete(key)
