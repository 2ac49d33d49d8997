"""A plan's events as a watcher reads them (`GET /plans/{plan_id}/events`, a long poll): each
read is a short transaction of its own, so waiting between reads holds no connection.

Above the audit service (it checks the token and the plan, as the plans service does, which
itself writes to the audit log).
"""

import uuid
from typing import Any

from sqlmodel import Session

from itpp_api.audit import service as audit
from itpp_api.auth.actor import Actor
from itpp_api.auth.service import check_token
from itpp_api.db import transaction
from itpp_api.plans.service import get_plan


def first_batch(
    token: str | None, plan_id: uuid.UUID, after: int | None, limit: int
) -> tuple[Actor, dict[str, Any]]:
    """Who the token is, and the first answer: without `after`, where to start (the newest
    event's sequence number, no items); else the events after it. 404 for a plan the token's
    holder may not read."""
    with transaction(write=False, snapshot=False) as session:
        # No idle-clock touch: an open page watching for changes is not its user at work.
        actor, _ = check_token(session=session, secret=token)
        get_plan(session=session, plan_id=plan_id, actor=actor)
        if after is None:
            last = audit.last_plan_seq(session=session, plan_id=plan_id, actor=actor)
            return actor, {"items": [], "last_seq": last}
        return actor, _batch(session, plan_id, actor, after, limit)


def next_batch(viewer: Actor, plan_id: uuid.UUID, after: int, limit: int) -> dict[str, Any]:
    """The events after `after`, read again while the watcher waits."""
    with transaction(write=False, snapshot=False) as session:
        return _batch(session, plan_id, viewer, after, limit)


def _batch(
    session: Session, plan_id: uuid.UUID, viewer: Actor, after: int, limit: int
) -> dict[str, Any]:
    """The plan's events after `after` the viewer may see, oldest first, and the last one's
    sequence number (`after` when there are none)."""
    events = audit.plan_events_after(
        session=session, plan_id=plan_id, actor=viewer, after_seq=after, limit=limit
    )
    return {
        "items": audit.events_as_dicts(session=session, actor=viewer, events=events),
        "last_seq": events[-1].seq if events else after,
    }
