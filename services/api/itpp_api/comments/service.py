"""Comments: threads on the records attachments go on, found through the same parent lookup
(`attachments.finder.find_parent`: the parent's own getter, the policy's checks and 404s), then
`policy.visible_comments`. Another party's internal comment is missing (404), uncounted and
unmentioned; its audit events, which the live channel relays, are written as that party's own.

Lock order of a write: the comment (FOR UPDATE, for an edit or a deletion: `get`), then the
audit chain head (audit.record, held to the commit), as every other write.
"""

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlmodel import Session, col, select

from itpp_api.attachments.finder import load_with_parent
from itpp_api.attachments.models import AttachmentParent
from itpp_api.attachments.service import Parent, ensure_open
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.policy import Action
from itpp_api.comments.models import Comment, CommentRevision
from itpp_api.comments.schemas import CommentCreate
from itpp_api.db import table_of, utcnow
from itpp_api.enums import Visibility
from itpp_api.errors import FieldError, RuleViolation
from itpp_api.notifications import service as notifications
from itpp_api.pagination import SortOrder, apply_keyset, trim_page
from itpp_api.plans.models import PlanParty
from itpp_api.reviews.models import ReviewItem
from itpp_api.users.service import mention_names
from itpp_api.wire import make_etag

_C = table_of(Comment).c
_ORDER = SortOrder(
    name="created_at",
    key=_C.created_at,
    id_column=_C.id,
    descending=False,
    key_type=datetime,
)
# `@name`: a word of letters, digits and . _ + - right after an @ that does not follow a word
# character (so an e-mail address in the text mentions nobody).
_MENTION = re.compile(r"(?<![\w@])@([\w][\w.+\-]*)")


def etag(comment: Comment) -> str:
    return make_etag(comment.id, comment.row_version)


# --- reading ---------------------------------------------------------------------------------


def author_names(session: Session, comments: list[Comment]) -> dict[uuid.UUID, str]:
    ids = {c.created_by for c in comments if c.created_by is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(col(User.id).in_(ids)))
    return {user_id: name for user_id, name in rows}


def as_dict(
    comment: Comment, actor: Actor, names: dict[uuid.UUID, str], parent: Parent
) -> dict[str, Any]:
    """A comment on `parent` as the reader sees it: a deleted one keeps its place, without its
    words."""
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id,
        "plan_id": comment.plan_id,
        "parent_type": comment.parent_type,
        "parent_id": comment.parent_id,
        "thread_id": comment.thread_id,
        "visibility": comment.visibility,
        "owner_party_id": comment.owner_party_id,
        "author_id": None if deleted else comment.created_by,
        "author_name": None
        if deleted or comment.created_by is None
        else names.get(comment.created_by),
        "body": None if deleted else comment.body,
        "mentions": [] if deleted else comment.mentions,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "revision_count": comment.revision_count,
        "deleted": deleted,
        "allowed_actions": []
        if deleted
        else list(
            policy.comment_actions(
                actor,
                author_id=comment.created_by,
                owner_party_id=comment.owner_party_id,
                open_for_discussion=parent.open_for_discussion,
            )
        ),
        "etag": etag(comment),
    }


def _on_parent(parent: Parent) -> Any:
    return and_(_C.parent_id == parent.id, _C.parent_type == parent.type.value)


def count_for(*, session: Session, actor: Actor, parent: Parent) -> int:
    """How many comments of the record the actor sees (deleted ones left out)."""
    statement = select(func.count()).where(
        _on_parent(parent), _C.deleted_at.is_(None), policy.visible_comments(_C, actor)
    )
    return int(session.scalar(statement) or 0)


def list_threads(
    *, session: Session, actor: Actor, parent: Parent, cursor: str | None, limit: int
) -> dict[str, Any]:
    """A page of the record's threads, oldest first, each with its replies (oldest first).
    A deleted first comment stays, as deleted, while the thread has a reply the actor sees."""
    replies_c = table_of(Comment).alias("reply").c
    live_reply = exists(
        select(replies_c.id).where(
            replies_c.thread_id == _C.id,
            replies_c.deleted_at.is_(None),
            policy.visible_comments(replies_c, actor),
        )
    )
    statement = select(Comment).where(
        _on_parent(parent),
        _C.thread_id.is_(None),
        policy.visible_comments(_C, actor),
        or_(_C.deleted_at.is_(None), live_reply),
    )
    roots, next_cursor = trim_page(
        list(session.scalars(apply_keyset(statement, _ORDER, cursor, limit))),
        _ORDER,
        limit,
        lambda root: (root.created_at, root.id),
    )
    replies: list[Comment] = []
    if roots:
        replies = list(
            session.scalars(
                select(Comment)
                .where(
                    col(Comment.thread_id).in_([root.id for root in roots]),
                    _C.deleted_at.is_(None),
                    policy.visible_comments(_C, actor),
                )
                .order_by(_C.created_at, _C.id)
            )
        )
    names = author_names(session, roots + replies)
    by_thread: dict[uuid.UUID, list[dict[str, Any]]] = {root.id: [] for root in roots}
    for item in replies:
        assert item.thread_id is not None
        by_thread[item.thread_id].append(as_dict(item, actor, names, parent))
    items = [
        {
            **as_dict(root, actor, names, parent),
            "reply_count": len(by_thread[root.id]),
            "replies": by_thread[root.id],
        }
        for root in roots
    ]
    return {
        "items": items,
        "next_cursor": next_cursor,
        "count": count_for(session=session, actor=actor, parent=parent),
        "allowed_actions": list(
            policy.thread_actions(actor, open_for_discussion=parent.open_for_discussion)
        ),
    }


def get(
    *,
    session: Session,
    actor: Actor,
    comment_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Comment, Parent]:
    """A comment the actor may see, with its parent (404 exactly like an unknown id when it, or
    its parent, is not theirs to see, or it was deleted)."""
    return load_with_parent(
        session=session,
        actor=actor,
        model=Comment,
        record_id=comment_id,
        visible=and_(_C.deleted_at.is_(None), policy.visible_comments(_C, actor)),
        noun="comment",
        action=action,
        for_update=for_update,
    )


def revisions(*, session: Session, comment: Comment) -> list[CommentRevision]:
    """The bodies the comment's edits replaced, the first posted first."""
    statement = (
        select(CommentRevision)
        .where(CommentRevision.comment_id == comment.id)
        .order_by(col(CommentRevision.number))
    )
    return list(session.scalars(statement))


# --- mentions --------------------------------------------------------------------------------


def resolve_mentions(
    *, session: Session, plan_id: uuid.UUID, comment: Comment
) -> list[dict[str, Any]]:
    """The users `@name` names, among the active users of the plan's parties who can read the
    comment (`policy.comment_readers`), in the order first named. A name that fits nobody, or
    more than one user, or a user who cannot read the comment, stays plain text."""
    named = [m.group(1).rstrip(".-").casefold() for m in _MENTION.finditer(comment.body)]
    if not named:
        return []
    statement = (
        select(User.id, User.display_name, User.email)
        .join(PlanParty, col(PlanParty.party_id) == col(User.party_id))
        .where(PlanParty.plan_id == plan_id, col(User.is_active).is_(True))
    )
    readers = policy.comment_readers(comment.visibility, comment.owner_party_id)
    if readers is not None:
        statement = statement.where(User.party_id == readers)
    index: dict[str, dict[uuid.UUID, str]] = {}
    for user_id, display_name, email in session.execute(statement):
        for name in mention_names(email=email, display_name=display_name):
            index.setdefault(name, {})[user_id] = display_name
    found: dict[uuid.UUID, str] = {}
    for name in named:
        users = index.get(name, {})
        if len(users) == 1:
            ((user_id, display_name),) = users.items()
            found.setdefault(user_id, display_name)
    return [{"id": str(user_id), "display_name": name} for user_id, name in found.items()]


def _page_of(session: Session, parent: Parent) -> dict[str, str]:
    """The record a comment is on, as a notification links it (a review item: its review)."""
    if parent.type is AttachmentParent.REVIEW_ITEM:
        review_id = session.scalar(select(ReviewItem.review_id).where(ReviewItem.id == parent.id))
        return {"type": "review", "id": str(review_id)}
    return {"type": parent.type.value, "id": str(parent.id)}


def _notify(
    session: Session, actor: Actor, parent: Parent, comment: Comment, before: set[str]
) -> None:
    """Tell the users newly mentioned (the actor never)."""
    user_ids = [
        uuid.UUID(m["id"])
        for m in comment.mentions
        if m["id"] not in before and uuid.UUID(m["id"]) != actor.user_id
    ]
    if user_ids:
        notifications.notify_mentioned(
            session=session,
            actor=actor,
            plan_id=comment.plan_id,
            user_ids=user_ids,
            subject={"type": "comment", "id": str(comment.id), "on": _page_of(session, parent)},
        )


# --- writing ---------------------------------------------------------------------------------


def _audit_view(comment: Comment) -> dict[str, Any]:
    return audit.audited(comment) | {"mentions": [m["id"] for m in comment.mentions]}


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    comment: Comment,
    parent: Parent,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """The comment's event: the live channel relays it, and it follows the access policy's rule
    for events (an internal comment's are its party's own; all follow the parent's subject)."""
    owner = (
        comment.owner_party_id
        if comment.visibility == Visibility.INTERNAL.value
        else parent.internal_to
    )
    audit.record(
        session=session,
        actor=actor,
        action=action,
        entity_type="comment",
        entity_id=comment.id,
        plan_id=comment.plan_id,
        owner_party_id=owner,
        subject_id=comment.subject_id,
        before=before,
        after=after,
    )


def _reply_target(session: Session, actor: Actor, parent: Parent, reply_to: uuid.UUID) -> Comment:
    """The thread's first comment a reply joins: the one replied to, or its thread's. A comment
    of another record, deleted, or hidden answers as an unknown one."""
    target = session.scalars(
        select(Comment).where(
            Comment.id == reply_to,
            _on_parent(parent),
            _C.deleted_at.is_(None),
            policy.visible_comments(_C, actor),
        )
    ).first()
    if target is None:
        message = f"This record has no comment {reply_to} to reply to."
        raise RuleViolation(
            message,
            errors=[FieldError(loc=["body", "reply_to"], msg=message, type="unknown_comment")],
        )
    if target.thread_id is None:
        return target
    root = session.scalars(
        select(Comment).where(Comment.id == target.thread_id, policy.visible_comments(_C, actor))
    ).one()
    return root


def create(*, session: Session, actor: Actor, parent: Parent, data: CommentCreate) -> Comment:
    """Post a comment or a reply on a parent the actor may write to (found and authorized by the
    caller in this transaction) of a plan not closed (409 plan-closed); mentioned users are told
    through the outbox."""
    author_party = policy.authorize_comment(actor)
    ensure_open(session, parent)
    thread: Comment | None = None
    if data.reply_to is not None:
        thread = _reply_target(session, actor, parent, data.reply_to)
    visibility = policy.comment_visibility(
        data.visibility, parent.internal_to, thread.visibility if thread else None
    )
    comment = Comment(
        plan_id=parent.plan_id,
        parent_type=parent.type,
        parent_id=parent.id,
        subject_id=parent.subject_id,
        thread_id=thread.id if thread else None,
        visibility=visibility,
        owner_party_id=parent.internal_to or author_party,
        body=data.body,
        created_by=actor.user_id,
    )
    comment.mentions = resolve_mentions(session=session, plan_id=parent.plan_id, comment=comment)
    session.add(comment)
    session.flush()
    _audit(session, actor, "create", comment, parent, None, _audit_view(comment))
    _notify(session, actor, parent, comment, set())
    return comment


def update(
    *, session: Session, actor: Actor, comment: Comment, parent: Parent, body: str
) -> Comment:
    """Its author changes the body, on a plan not closed; the previous one is kept as a revision.
    Users the new body mentions for the first time are told."""
    policy.authorize_comment_edit(actor, comment.created_by)
    ensure_open(session, parent)
    if body == comment.body:
        return comment
    before = _audit_view(comment)
    mentioned_before = {m["id"] for m in comment.mentions}
    now = utcnow()
    session.add(
        CommentRevision(
            comment_id=comment.id,
            number=comment.revision_count + 1,
            body=comment.body,
            written_at=comment.edited_at or comment.created_at,
            replaced_at=now,
        )
    )
    comment.body = body
    comment.mentions = resolve_mentions(session=session, plan_id=comment.plan_id, comment=comment)
    comment.edited_at = now
    comment.revision_count += 1
    session.add(comment)
    session.flush()
    _audit(session, actor, "update", comment, parent, before, _audit_view(comment))
    _notify(session, actor, parent, comment, mentioned_before)
    return comment


def delete(*, session: Session, actor: Actor, comment: Comment, parent: Parent) -> None:
    """Soft delete by its author or an admin of their party, on a plan not closed: the row and
    its revisions stay, the thread shows it as deleted, the audit log records who and when."""
    policy.authorize_comment_delete(actor, comment.created_by, comment.owner_party_id)
    ensure_open(session, parent)
    comment.deleted_at = utcnow()
    comment.deleted_by = actor.user_id
    session.add(comment)
    session.flush()
    _audit(
        session,
        actor,
        "delete",
        comment,
        parent,
        {"deleted_at": None},
        {"deleted_at": comment.deleted_at},
    )
