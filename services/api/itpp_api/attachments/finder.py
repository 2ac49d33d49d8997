"""Finding the record a file is attached to (or a comment is on) as the policy allows: the
parent's own getter, the policy's checks and 404s. It reads every kind of parent (`parents.PARENTS`)
through that kind's service, so it sits above them and the attachments service (which the
updates service uses for its evidence) imports none of them. Recording an upload, which finds
its parent again, is here too (`finish_upload`)."""

import uuid
from typing import Any

from sqlmodel import Session, select

from itpp_api.amendments import service as amendments
from itpp_api.attachments import service as attachments
from itpp_api.attachments.models import Attachment, AttachmentParent
from itpp_api.attachments.service import Parent, ensure_open
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action
from itpp_api.commitments import service as commitments
from itpp_api.db import table_of, transaction
from itpp_api.enums import Visibility
from itpp_api.errors import NotFound
from itpp_api.exchanges import service as exchanges
from itpp_api.plans.lifecycle import effective_status
from itpp_api.plans.service import plan_party_ids
from itpp_api.reviews import service as reviews
from itpp_api.reviews.models import ReviewItem
from itpp_api.updates import service as updates

_A = table_of(Attachment).c


def _internal_to(visibility: str, owner: uuid.UUID) -> uuid.UUID | None:
    return owner if visibility == Visibility.INTERNAL.value else None


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
        return Parent(
            parent_type,
            commitment.id,
            plan.id,
            commitment.id,
            _internal_to(commitment.visibility, commitment.lead_party_id),
            effective_status(plan),
        )
    if parent_type is AttachmentParent.EXCHANGE:
        plan, exchange = exchanges.get_exchange(
            session=session, actor=actor, exchange_id=parent_id, action=action
        )
        return Parent(
            parent_type,
            exchange.id,
            plan.id,
            exchange.id,
            _internal_to(exchange.visibility, exchange.from_party_id),
            effective_status(plan),
        )
    if parent_type is AttachmentParent.REVIEW:
        plan, review = reviews.get_review(
            session=session, actor=actor, review_id=parent_id, action=action
        )
        return Parent(parent_type, review.id, plan.id, None, None, effective_status(plan))
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
        return Parent(
            parent_type,
            item.id,
            plan.id,
            commitment.id,
            _internal_to(commitment.visibility, commitment.lead_party_id),
            effective_status(plan),
        )
    if parent_type is AttachmentParent.PROGRESS_UPDATE:
        plan, commitment, update = updates.get_update(
            session=session, actor=actor, update_id=parent_id, action=action
        )
        return Parent(
            parent_type,
            update.id,
            plan.id,
            commitment.id,
            _internal_to(commitment.visibility, commitment.lead_party_id),
            effective_status(plan),
        )
    plan, amendment = amendments.get_amendment(session=session, actor=actor, amendment_id=parent_id)
    if action is not Action.READ:
        policy.authorize_plan(
            actor, plan_party_ids(session=session, plan_id=plan.id), action, plan_id=plan.id
        )
    return Parent(parent_type, amendment.id, plan.id, None, None, effective_status(plan))


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
    statement = select(Attachment).where(
        Attachment.id == attachment_id, policy.visible_attachments(_A, actor)
    )
    if for_update:
        statement = statement.with_for_update()
    attachment = session.scalars(statement).first()
    missing = NotFound(f"No attachment with id {attachment_id}.")
    if attachment is None:
        raise missing
    try:
        parent = find_parent(
            session=session,
            actor=actor,
            parent_type=AttachmentParent(attachment.parent_type),
            parent_id=attachment.parent_id,
            action=action,
        )
    except NotFound:
        raise missing from None
    return attachment, parent


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
            attachment, actor, attachments.creator_names(session, [attachment]), parent.plan_status
        )
