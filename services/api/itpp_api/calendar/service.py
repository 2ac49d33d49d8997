"""Building iCalendar documents and managing personal feed URLs.

Every event is an all-day entry with a stable UID, so calendar programs update entries in
place when dates move. Texts are in the reader's language, falling back to another one.
"""

import uuid
from datetime import date, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select, update

from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.service import actor_for
from itpp_api.auth.tokens import hash_secret, new_secret
from itpp_api.calendar.models import CalendarFeed
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.db import table_of, transaction, utcnow
from itpp_api.enums import (
    CommitmentStatus,
    ExchangeStatus,
    ReviewStatus,
    TokenScope,
)
from itpp_api.errors import NotFound
from itpp_api.exchanges.models import Exchange
from itpp_api.plans.models import Plan
from itpp_api.plans.service import get_plan
from itpp_api.reviews.service import reviews_for_calendar

_C = table_of(Commitment).c
_M = table_of(Milestone).c
_E = table_of(Exchange).c
_DOMAIN = "itpp-tracker"
_LABELS = {
    "en": {
        "due": "Due",
        "milestone": "Milestone",
        "expiry": "Plan expires",
        "held": "held",
        "review": "Review {number} due",
        "final_review": "Final review ({number}) due",
        "concluded": " (concluded)",
    },
    "ja": {
        "due": "期限",
        "milestone": "マイルストーン",
        "expiry": "計画の期限",
        "held": "実施済",
        "review": "第{number}回レビュー期限",
        "final_review": "最終レビュー（第{number}回）期限",
        "concluded": "（終了）",
    },
}


def pick(text: dict[str, str] | None, language: str) -> str:
    """The text in the reader's language, else English, else Japanese, else any."""
    if not text:
        return ""
    for tag in (language, language.split("-")[0], "en", "ja"):
        if tag in text:
            return text[tag]
    return next(iter(text.values()))


def _labels(language: str) -> dict[str, str]:
    return _LABELS.get(language.split("-")[0], _LABELS["en"])


def _event(uid: str, summary: str, start: date, end: date | None, **extra: Any) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{_DOMAIN}")
    event.add("dtstamp", utcnow())
    event.add("summary", summary)
    event.add("dtstart", start)
    # All-day events end the day after their last day (RFC 5545 DTEND is exclusive). A date
    # recorded before the API bounded dates may be the last one there is: without DTEND, an
    # all-day event lasts its one day.
    last = end or start
    if last < date.max:
        event.add("dtend", last + timedelta(days=1))
    for key, value in extra.items():
        if value:
            event.add(key, value)
    return event


def _visible(statement: Any, visibility: Any, owner: Any, actor: Actor) -> Any:
    if actor.is_system:
        return statement
    return statement.where(policy.visible_record(visibility, owner, policy.viewer_party(actor)))


def build_calendar(*, session: Session, actor: Actor, plans: list[Plan]) -> bytes:
    """One iCalendar document with the dates of these plans that the actor may see."""
    language = actor.language
    labels = _labels(language)
    calendar = Calendar()
    calendar.add("prodid", "-//ITPP Tracker//Plan calendar//EN")
    calendar.add("version", "2.0")
    name = " / ".join(pick(p.title, language) for p in plans)
    # icalendar does not escape line breaks in X- properties (it refuses them): a title
    # holding one would fail the whole feed, so they become spaces in the calendar's name.
    calendar.add("x-wr-calname", " ".join(name.splitlines()) or "ITPP")
    plan_ids = [p.id for p in plans]
    references = {p.id: p.reference for p in plans}
    titles = {p.id: p.title for p in plans}
    for plan in plans:
        if plan.expiry_date is not None:
            calendar.add_component(
                _event(
                    f"plan-expiry-{plan.id}",
                    f"{labels['expiry']}: {pick(plan.title, language)}",
                    plan.expiry_date,
                    None,
                )
            )
    for review in reviews_for_calendar(session=session, plans=plans):
        label = labels["final_review" if review.is_final else "review"].format(number=review.number)
        done = labels["concluded"] if review.status == ReviewStatus.CONCLUDED.value else ""
        calendar.add_component(
            _event(
                f"review-{review.id}",
                f"{label}{done}: {pick(titles[review.plan_id], language)}",
                review.due_date,
                None,
                categories=[references[review.plan_id], "review"],
            )
        )
    commitments = session.execute(
        _visible(
            core_select(_C.id, _C.plan_id, _C.reference, _C.title, _C.due_date, _C.status).where(
                _C.plan_id.in_(plan_ids),
                _C.due_date.is_not(None),
                _C.status != CommitmentStatus.CANCELLED.value,
            ),
            _C.visibility,
            _C.lead_party_id,
            actor,
        )
    )
    for row in commitments:
        calendar.add_component(
            _event(
                f"commitment-due-{row.id}",
                f"{labels['due']}: {row.reference} {pick(row.title, language)}",
                row.due_date,
                None,
                categories=[references[row.plan_id]],
            )
        )
    milestones = session.execute(
        _visible(
            core_select(_M.id, _M.title, _M.due_date, _M.done_on, _C.reference, _C.plan_id)
            .join(table_of(Commitment), _C.id == _M.commitment_id)
            .where(
                _C.plan_id.in_(plan_ids),
                _M.due_date.is_not(None),
                _C.status != CommitmentStatus.CANCELLED.value,
            ),
            _C.visibility,
            _C.lead_party_id,
            actor,
        )
    )
    for row in milestones:
        calendar.add_component(
            _event(
                f"milestone-{row.id}",
                f"{labels['milestone']}: {row.reference} {pick(row.title, language)}",
                row.due_date,
                None,
                categories=[references[row.plan_id]],
            )
        )
    exchanges = session.execute(
        _visible(
            core_select(
                _E.id,
                _E.plan_id,
                _E.reference,
                _E.title,
                _E.start_date,
                _E.end_date,
                _E.location,
                _E.status,
                _E.kind,
            ).where(_E.plan_id.in_(plan_ids)),
            _E.visibility,
            _E.from_party_id,
            actor,
        )
    )
    for row in exchanges:
        status = {
            ExchangeStatus.CANCELLED.value: "CANCELLED",
            ExchangeStatus.PLANNED.value: "TENTATIVE",
        }.get(row.status, "CONFIRMED")
        calendar.add_component(
            _event(
                f"exchange-{row.id}",
                f"{row.reference} {pick(row.title, language)}",
                row.start_date,
                row.end_date if row.end_date is not None else row.start_date,
                location=row.location,
                status=status,
                categories=[references[row.plan_id], row.kind],
            )
        )
    return bytes(calendar.to_ical())


def plans_of(*, session: Session, actor: Actor, plan_id: uuid.UUID | None) -> list[Plan]:
    """The plan asked for (if the actor may see it), or every plan of the actor's party."""
    if plan_id is not None:
        return [get_plan(session=session, plan_id=plan_id, actor=actor)]
    statement = select(Plan).order_by(col(Plan.reference))
    if not actor.is_system:
        statement = statement.where(col(Plan.id).in_(policy.party_plans(actor.party_id)))
    return list(session.scalars(statement))


def create_feed(
    *, session: Session, actor: Actor, name: str, plan_id: uuid.UUID | None
) -> tuple[CalendarFeed, str]:
    """A new secret feed URL for the actor (returns the feed and its secret)."""
    policy.authorize_own_account(actor)
    if actor.user_id is None:
        raise NotFound("Only users have calendar feeds.")
    if plan_id is not None:
        get_plan(session=session, plan_id=plan_id, actor=actor)
    secret = new_secret()
    feed = CalendarFeed(
        user_id=actor.user_id, plan_id=plan_id, name=name, secret_hash=hash_secret(secret)
    )
    session.add(feed)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="calendar_feed",
        entity_id=feed.id,
        owner_party_id=actor.party_id,
        after={"name": name, "plan_id": plan_id},
    )
    return feed, secret


def list_feeds(*, session: Session, actor: Actor) -> list[CalendarFeed]:
    """The actor's live feeds, newest first."""
    policy.require_signed_in(actor)
    return list(
        session.scalars(
            select(CalendarFeed)
            .where(CalendarFeed.user_id == actor.user_id, col(CalendarFeed.revoked_at).is_(None))
            .order_by(col(CalendarFeed.created_at).desc())
        )
    )


def revoke_feed(*, session: Session, actor: Actor, feed_id: uuid.UUID) -> None:
    """Stop a feed URL from working, at once."""
    policy.authorize_own_account(actor)
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != actor.user_id:
        raise NotFound(f"You have no calendar feed {feed_id}.")
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        session.add(feed)
        audit.record(
            session=session,
            actor=actor,
            action="revoke",
            entity_type="calendar_feed",
            entity_id=feed.id,
            owner_party_id=actor.party_id,
            before={"revoked_at": None},
            after={"revoked_at": feed.revoked_at},
        )


def feed_to_dict(feed: CalendarFeed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "name": feed.name,
        "plan_id": feed.plan_id,
        "created_at": feed.created_at,
        "last_used_at": feed.last_used_at,
    }


def render_feed(*, session: Session, secret: str) -> bytes:
    """The calendar behind a feed secret, as its user may see it today (404 when revoked)."""
    row = session.execute(
        select(CalendarFeed, User)
        .join(User, col(User.id) == col(CalendarFeed.user_id))
        .where(CalendarFeed.secret_hash == hash_secret(secret))
    ).first()
    if row is None:
        raise NotFound("No such calendar feed.")
    feed, user = row
    if feed.revoked_at is not None or not user.is_active:
        raise NotFound("No such calendar feed.")
    actor = actor_for(user, None)
    # A feed only ever reads.
    actor = Actor(**{**actor.__dict__, "scope": TokenScope.READ})
    plans = plans_of(session=session, actor=actor, plan_id=feed.plan_id)
    return build_calendar(session=session, actor=actor, plans=plans)


def record_feed_use(secret_hash: str) -> None:
    """Record that a feed was read, at most hourly, in a write transaction of its own (the
    feed's read has ended: see calendar/router.py)."""
    with transaction(write=True) as session:
        session.execute(
            update(CalendarFeed)
            .where(col(CalendarFeed.secret_hash) == secret_hash)
            .where(
                (col(CalendarFeed.last_used_at).is_(None))
                | (col(CalendarFeed.last_used_at) < utcnow() - timedelta(hours=1))
            )
            .values(last_used_at=utcnow())
        )
