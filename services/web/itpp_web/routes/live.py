"""Live pages: a server-sent event stream of a plan's changes, for the pages open on it.

The stream relays the API's long poll of the plan's audit events (`waitForPlanEvents`, read
from the database), so a change made through any API process reaches a page served by any
web process; nothing is kept in this process between requests. The browser then re-reads
the parts of its page marked `data-live-id` (static/app.js).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from itpp_common.stopping import Stopped, until_stopping
from itpp_web import security
from itpp_web.api import ApiError, ApiUnavailable
from itpp_web.contract import models, operations
from itpp_web.i18n import Formatter, supported
from itpp_web.labels import label
from itpp_web.messages import N_
from itpp_web.observability import LIVE_STREAMS
from itpp_web.web import Viewer, api_of, csrf_protect, formatter

router = APIRouter(dependencies=[Depends(csrf_protect)])

# How long the API holds one poll, and how long one stream lasts before the browser
# reconnects (with Last-Event-ID, so nothing is lost; a balancer may then pick another replica).
WAIT_SECONDS = 15
STREAM_SECONDS = 600
RECONNECT_MILLISECONDS = 1500

# What the page announces when another official changes something (entity, action).
EVENT_MESSAGES: dict[tuple[str, str], str] = {
    ("review_sign_off", "create"): N_("%(actor)s signed off the review."),
    ("review_sign_off", "withdraw"): N_("A sign-off was withdrawn: the signed text changed."),
    ("review_assessment", "create"): N_("%(actor)s recorded an assessment."),
    ("review_assessment", "update"): N_("%(actor)s changed an assessment."),
    ("review_item", "update"): N_("%(actor)s changed an agreed rating."),
    ("review_cycle", "update"): N_("%(actor)s changed the review's summary or outcome."),
    ("review_cycle", "open"): N_("%(actor)s opened the review."),
    ("review_cycle", "conclude"): N_("%(actor)s concluded the review."),
    ("amendment", "propose"): N_("%(actor)s proposed an amendment."),
    ("amendment", "approve"): N_("%(actor)s approved an amendment."),
    ("amendment", "reject"): N_("%(actor)s rejected an amendment."),
    ("amendment", "apply"): N_("An amendment was applied: the plan has a new version."),
    ("amendment", "withdraw"): N_("%(actor)s withdrew an amendment."),
    ("comment", "create"): N_("%(actor)s posted a comment."),
    ("comment", "update"): N_("%(actor)s edited a comment."),
    ("comment", "delete"): N_("%(actor)s deleted a comment."),
}


async def watch_start(request: Request, viewer: Viewer, plan_id: str) -> int:
    """The plan's newest event the viewer may see: a page rendered now watches after it."""
    batch = await operations.wait_for_plan_events(api_of(request), plan_id, token=viewer.token)
    return int(batch["last_seq"])


def event_message(fmt: Formatter, event: models.AuditEventPublic) -> str:
    actor = str(event.get("actor_name") or fmt.gettext("System"))
    key = (str(event.get("entity_type")), str(event.get("action")))
    message = EVENT_MESSAGES.get(key)
    if message is not None:
        return fmt.gettext(message, actor=actor)
    return fmt.gettext(
        "%(actor)s %(action)s %(entity)s",
        actor=actor,
        action=label(fmt, "audit_action", key[1]),
        entity=label(fmt, "entity_type", key[0]),
    )


def _sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event}", "data: " + json.dumps(data, ensure_ascii=False)]
    return "\n".join(lines) + "\n\n"


def _start_from(request: Request) -> int | None:
    # A reconnecting EventSource sends the last id it received: it wins over the address.
    for value in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if value and value.isdigit():
            return int(value)
    return None


@router.get("/plans/{plan_id}/live")
async def plan_stream(request: Request, plan_id: uuid.UUID) -> Response:
    """The plan's changes as server-sent events, for as long as the session lasts.

    The session cookie is passed on as it is, without asking who it belongs to: reading the
    stream is not work, so it does not keep an idle session alive (the API's long poll does
    not touch its idle clock either). When the session ends, the stream says `end` and the
    browser stops listening.
    """
    token = request.cookies.get(security.SESSION_COOKIE)
    if not token:
        # 204 tells an EventSource not to reconnect.
        return Response(status_code=204)
    api = api_of(request)
    # The page says its language: the stream does not ask the API for the user's profile.
    chosen = supported(request.query_params.get("lang"))
    fmt = Formatter(chosen) if chosen else formatter(request)
    after = _start_from(request)

    async def events() -> AsyncIterator[str]:
        seq = after
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            params: models.WaitForPlanEventsParametersQuery = {"wait": WAIT_SECONDS, "limit": 50}
            if seq is not None:
                params["after"] = seq
            try:
                # A stopping server ends the stream: the browser reconnects after `retry`, with
                # the last event's id, to a process that is not stopping (itpp_common.stopping).
                batch = await until_stopping(
                    operations.wait_for_plan_events(api, plan_id, token=token, params=params)
                )
            except Stopped:
                return
            except ApiError:
                yield _sse("end", {})
                return
            except ApiUnavailable:
                # The browser reconnects after `retry` and carries on from its last id.
                return
            if seq is None:
                seq = int(batch["last_seq"])
                yield _sse("ready", {"seq": seq}, seq)
                continue
            for event in batch["items"]:
                yield _sse(
                    "change",
                    {
                        "seq": event["seq"],
                        "entity_type": event["entity_type"],
                        "entity_id": event["entity_id"],
                        "action": event["action"],
                        "message": event_message(fmt, event),
                    },
                    int(event["seq"]),
                )
            seq = int(batch["last_seq"])
            if not batch["items"]:
                yield ": still here\n\n"

    async def stream() -> AsyncIterator[str]:
        with LIVE_STREAMS.track_inprogress():  # until the browser goes or the stream ends
            async for part in events():
                yield part

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
