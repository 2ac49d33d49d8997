"""Finding the record a file is attached to (or a comment is on) as the policy allows: the
parent's own getter, the policy's checks and 404s. It reads every kind of parent (`parents.PARENTS`)
through that kind's service, so it sits above them and the attachments service (which the
updates service uses for its evidence) imports none of them. Recording an upload, which finds
its parent again, is here too (`finish_upload`)."""

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import Session, select

from itpp_api.amendments import changeset
from itpp_api.amendments import service as amendments
from itpp_api.attachments import service as attachments
from itpp_api.attachments.models import Attachment, AttachmentParent
from itpp_api.attachments.service import Parent, ensure_open
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action
from itpp_api.comments.models import Comment
from itpp_api.commitments import service as commitments
from itpp_api.commitments.models import Commitment
from itpp_api.db import table_of, transaction
from itpp_api.enums import AmendmentStatus, PlanStatus, Visibility
from itpp_api.errors import NotFound
from itpp_api.exchanges import service as exchanges
from itpp_api.exchanges.models import Exchange
from itpp_api.plans.lifecycle import effective_status
from itpp_api.plans.models import Plan
from itpp_api.plans.service import plan_party_ids
from itpp_api.reviews import service as reviews
from itpp_api.reviews.models import ReviewCycle, ReviewItem
from itpp_api.updates import service as updates

_A = table_of(Attachment).c


def _parent(
    parent_type: AttachmentParent,
    record_id: uuid.UUID,
    plan: Plan,
    subject: Commitment | Exchange | None = None,
) -> Parent:
    """A parent on `plan` that follows the visibility of `subject`, the commitment or exchange
    it belongs to (none for a review or an amendment: they are shared)."""
    if subject is None:
        return Parent(parent_type, record_id, plan.id, None, None, effective_status(plan))
    owner = subject.lead_party_id if isinstance(subject, Commitment) else subject.from_party_id
    internal_to = owner if subject.visibility == Visibility.INTERNAL else None
    return Parent(parent_type, record_id, plan.id, subject.id, internal_to, effective_status(plan))


def review_parent(plan: Plan, review: ReviewCycle) -> Parent:
    """A review (read through its getter) as the parent of its files and comment threads."""
    return _parent(AttachmentParent.REVIEW, review.id, plan)


def find_parent(
    *,
    session: Session,
    actor: Actor,
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None = None,
    action: Action = Action.READ,
) -> Parent:
    """The parent record through its own getter (the policy's checks and 404s), with `action`
    authorized on its plan: the one lookup of attachments' and comments' parents."""
    if parent_type is AttachmentParent.COMMITMENT:
        plan, commitment = commitments.get_commitment(
            session=session, actor=actor, commitment_id=parent_id, action=action
        )
        return _parent(parent_type, commitment.id, plan, commitment)
    if parent_type is AttachmentParent.EXCHANGE:
        plan, exchange = exchanges.get_exchange(
            session=session, actor=actor, exchange_id=parent_id, action=action
        )
        return _parent(parent_type, exchange.id, plan, exchange)
    if parent_type is AttachmentParent.REVIEW:
        plan, review = reviews.get_review(
            session=session, actor=actor, review_id=parent_id, action=action
        )
        return review_parent(plan, review)
    if parent_type is AttachmentParent.REVIEW_ITEM:
        if review_id is None:
            review_id = session.scalar(
                select(ReviewItem.review_id).where(ReviewItem.id == parent_id)
            )
            if review_id is None:
                raise NotFound(f"No review item with id {parent_id}.")
        plan, review = reviews.get_review(
            session=session, actor=actor, review_id=review_id, action=action
        )
        item, commitment = reviews.get_item(
            session=session, actor=actor, review=review, item_id=parent_id
        )
        return _parent(parent_type, item.id, plan, commitment)
    if parent_type is AttachmentParent.PROGRESS_UPDATE:
        plan, commitment, update = updates.get_update(
            session=session, actor=actor, update_id=parent_id, action=action
        )
        return _parent(parent_type, update.id, plan, commitment)
    plan, amendment = amendments.get_amendment(session=session, actor=actor, amendment_id=parent_id)
    if action is not Action.READ:
        policy.authorize_plan(
            actor, plan_party_ids(session=session, plan_id=plan.id), action, plan_id=plan.id
        )
    status = effective_status(plan)
    # A renewal awaiting decisions on an expired plan is still discussed (policy.discussion_open);
    # an amendment of another kind proposed before the plan expired can no longer apply, and
    # closes with the plan.
    pending = (
        status is PlanStatus.EXPIRED
        and amendment.status == AmendmentStatus.PROPOSED
        and changeset.is_renewal(changeset.parse(amendment.changes))
    )
    return Parent(parent_type, amendment.id, plan.id, None, None, status, pending_renewal=pending)


def find_upload_parent(
    *,
    session: Session,
    actor: Actor,
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None = None,
    action: Action = Action.WRITE,
) -> Parent:
    """find_parent for an upload: the parent, writable by the actor, on a plan not closed
    (checked before the file streams; `create` checks again in its transaction)."""
    parent = find_parent(
        session=session,
        actor=actor,
        parent_type=parent_type,
        parent_id=parent_id,
        review_id=review_id,
        action=action,
    )
    ensure_open(session, parent)
    return parent


class _OnParent(Protocol):
    parent_type: AttachmentParent
    parent_id: uuid.UUID


OnParent = TypeVar("OnParent", Attachment, Comment)


def load_with_parent(
    *,
    session: Session,
    actor: Actor,
    model: type[OnParent],
    record_id: uuid.UUID,
    visible: ColumnElement[bool],
    noun: str,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[OnParent, Parent]:
    """An attachment or a comment the actor may see (`visible`: the policy's criterion), with
    its parent found as find_parent finds it; locked when for_update. 404 exactly like an
    unknown id when it, or its parent, is not theirs to see: NotFound("No {noun} with id …")."""
    statement = select(model).where(table_of(model).c.id == record_id, visible)
    if for_update:
        statement = statement.with_for_update()
    record = session.scalars(statement).first()
    missing = NotFound(f"No {noun} with id {record_id}.")
    if record is None:
        raise missing
    on: _OnParent = record
    try:
        parent = find_parent(
            session=session,
            actor=actor,
            parent_type=on.parent_type,
            parent_id=on.parent_id,
            action=action,
        )
    except NotFound:
        raise missing from None
    return record, parent


def get(
    *,
    session: Session,
    actor: Actor,
    attachment_id: uuid.UUID,
    action: Action = Action.READ,
    for_update: bool = False,
) -> tuple[Attachment, Parent]:
    """An attachment the actor may see, with its parent (404 exactly like an unknown id when
    it, or its parent, is not theirs to see, or it was deleted)."""
    return load_with_parent(
        session=session,
        actor=actor,
        model=Attachment,
        record_id=attachment_id,
        visible=policy.visible_attachments(_A, actor),
        noun="attachment",
        action=action,
        for_update=for_update,
    )


def finish_upload(
    actor: Actor,
    parent_type: AttachmentParent,
    parent_id: uuid.UUID,
    review_id: uuid.UUID | None,
    visibility: Visibility,
    stored: Any,
    kind: Any,
    file_name: str | None,
) -> dict[str, Any]:
    """Record a file stored meanwhile, in a write transaction of its own, its parent found and
    authorized again there; the attachment as the API shows it."""
    with transaction(write=True) as session:
        parent = find_parent(
            session=session,
            actor=actor,
            parent_type=parent_type,
            parent_id=parent_id,
            review_id=review_id,
            action=Action.WRITE,
        )
        attachment = attachments.create(
            session=session,
            actor=actor,
            parent=parent,
            visibility=visibility,
            stored=stored,
            kind=kind,
            file_name=file_name,
        )
        return attachments.as_dict(
            attachment,
            actor,
            attachments.creator_names(session, [attachment]),
            parent.open_for_discussion,
        )
