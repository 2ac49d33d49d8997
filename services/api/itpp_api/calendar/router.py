"""HTTP routes for calendar documents and personal feed URLs."""

import re
import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.tokens import hash_secret
from itpp_api.calendar import service
from itpp_api.calendar.schemas import (
    CalendarFeedCreate,
    CalendarFeedCreated,
    CalendarFeedList,
)
from itpp_api.config import get_settings
from itpp_api.conventions import NO_STORE_HEADER, IdempotencyKey, json_response, secret_bearing
from itpp_api.deps import SessionDep, afterwards
from itpp_api.errors import NotFound, problem_responses
from itpp_api.routing import OneHopRoute

router = APIRouter(tags=["calendar"], route_class=OneHopRoute)
CALENDAR_MEDIA_TYPE = "text/calendar"
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An iCalendar (RFC 5545) document.",
        "content": {CALENDAR_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}
_SECRET = re.compile(r"^itpp_[A-Za-z0-9_-]{20,100}$")


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        content=body,
        media_type=f"{CALENDAR_MEDIA_TYPE}; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )


@router.get(
    "/plans/{plan_id}/calendar.ics",
    operation_id="getPlanCalendar",
    summary="The plan's dates as iCalendar: exchanges, due dates, milestones, reviews, expiry",
    response_class=Response,
    responses={**_ICS_RESPONSE, **problem_responses(404, 422)},
)
def get_plan_calendar(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plans = service.plans_of(session=session, actor=actor, plan_id=plan_id)
    body = service.build_calendar(session=session, actor=actor, plans=plans)
    return _ics(body, f"{plans[0].reference}.ics")


@router.get(
    "/calendar-feeds/{secret}.ics",
    operation_id="getCalendarFeed",
    summary="A personal calendar feed (no header needed: the secret URL is the credential)",
    response_class=Response,
    responses={**_ICS_RESPONSE, **problem_responses(404, 422, authenticated=False)},
)
def get_calendar_feed(
    session: SessionDep,
    secret: Annotated[str, Path(max_length=200, description="The secret of a feed URL.")],
) -> Response:
    if not _SECRET.match(secret):
        raise NotFound("No such calendar feed.")
    body = service.render_feed(session=session, secret=secret)
    # A feed is polled every few minutes: record use at most hourly, in a transaction of its
    # own after this one (a read, which holds the request's only connection).
    afterwards(session, partial(service.record_feed_use, hash_secret(secret)))
    return _ics(body, "itpp.ics")


@router.get(
    "/users/me/calendar-feeds",
    operation_id="listCalendarFeeds",
    summary="List my calendar feed URLs (without their secrets)",
    response_model=CalendarFeedList,
    responses=problem_responses(),
)
def list_calendar_feeds(session: SessionDep, actor: ActorDep) -> Response:
    feeds = service.list_feeds(session=session, actor=actor)
    return json_response({"items": [service.feed_to_dict(f) for f in feeds]})


@router.post(
    "/users/me/calendar-feeds",
    operation_id="createCalendarFeed",
    summary="Create a personal calendar feed URL (shown once)",
    status_code=201,
    response_model=CalendarFeedCreated,
    responses={201: {"headers": NO_STORE_HEADER}, **problem_responses(404, 413, 422)},
)
def create_calendar_feed(
    data: CalendarFeedCreate,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    feed, secret = service.create_feed(
        session=session, actor=actor, name=data.name, plan_id=data.plan_id
    )
    # From the configured public address, never from the request's Host header: a client
    # that sends another Host must not get (or hand its user) a feed URL on a server of its
    # choosing, which would receive the secret with every poll.
    path = request.app.url_path_for("get_calendar_feed", secret=secret)
    url = f"{get_settings().public_url}{path}"
    return secret_bearing(
        json_response({**service.feed_to_dict(feed), "url": url}, status_code=201)
    )


@router.delete(
    "/users/me/calendar-feeds/{feed_id}",
    operation_id="revokeCalendarFeed",
    summary="Revoke a calendar feed URL at once",
    status_code=204,
    responses={204: {"description": "Revoked."}, **problem_responses(404, 422)},
)
def revoke_calendar_feed(feed_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    service.revoke_feed(session=session, actor=actor, feed_id=feed_id)
    return Response(status_code=204)
