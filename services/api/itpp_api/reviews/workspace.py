"""A review's page in one read (`GET /reviews/{review_id}/workspace`): where to start watching
its plan's events, the review, its plan, its files and a page of its comment threads, each
exactly as its own endpoint answers the reader. It reads the attachments and comments services,
which find their parents through the reviews service (`attachments.finder`), so it is a module
of its own above all three rather than a part of `reviews.service`."""

import uuid
from typing import Any

from sqlmodel import Session

from itpp_api.attachments import finder
from itpp_api.attachments import service as attachments
from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.comments import service as comments
from itpp_api.plans.service import plan_as_dict
from itpp_api.reviews.service import get_review, review_as_dict


def review_workspace(
    *,
    session: Session,
    actor: Actor,
    review_id: uuid.UUID,
    comments_cursor: str | None,
    comments_limit: int,
) -> dict[str, Any]:
    """Where to start watching the plan's events, the review, its plan, its files and a page of
    its comment threads (`comments_cursor`, `comments_limit`: as the thread list's `cursor` and
    `limit`), read together."""
    plan, review = get_review(session=session, actor=actor, review_id=review_id)
    live_after = audit.last_plan_seq(session=session, plan_id=plan.id, actor=actor)
    # Read again after where to start watching: a change that event announced is in the answer.
    session.refresh(plan)
    session.refresh(review)
    parent = finder.review_parent(plan, review)
    return {
        "live_after": live_after,
        "review": review_as_dict(session=session, actor=actor, plan=plan, review=review),
        "plan": plan_as_dict(session=session, plan=plan, actor=actor),
        "attachments": attachments.list_as_dict(session=session, actor=actor, parent=parent),
        "comments": comments.list_threads(
            session=session,
            actor=actor,
            parent=parent,
            cursor=comments_cursor,
            limit=comments_limit,
        ),
    }
