"""HTTP routes for reading the audit log and the history of a record."""

import asyncio
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from itpp_api.audit import live, service
from itpp_api.audit.schemas import (
    AuditChainVerification,
    AuditEntityType,
    AuditEventPage,
    PlanEventBatch,
)
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.dependencies import ActorDep, bearer_scheme
from itpp_api.bounds import SAFE_INTEGER_MAX, BoundedDateTime
from itpp_api.commitments.service import get_commitment, get_milestone
from itpp_api.concurrency import run_db
from itpp_api.config import get_settings
from itpp_api.conventions import json_response
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.exchanges.service import get_exchange
from itpp_api.plans.service import get_area_for, get_plan
from itpp_api.routing import OneHopRoute
from itpp_common.stopping import stopping

router = APIRouter(tags=["audit"], route_class=OneHopRoute)
_MAX = get_settings().page_size_max
Limit = Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")]
Cursor = Annotated[str | None, Query(max_length=512, description="next_cursor of the last page.")]
# How often a waiting request looks for new events: the database is the only place every API
# process shares, so a write on one process reaches a watcher on another within this delay.
LIVE_POLL_SECONDS = 0.4
MAX_WAIT_SECONDS = 25


@router.get(
    "/audit-events",
    operation_id="listAuditEvents",
    summary="List audit events, newest first (only what your party may see)",
    response_model=AuditEventPage,
    responses=problem_responses(400, 422),
)
def list_audit_events(
    session: SessionDep,
    actor: ActorDep,
    entity_type: AuditEntityType | None = None,
    entity_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    since: Annotated[BoundedDateTime | None, Query(description="At or after this time.")] = None,
    until: Annotated[BoundedDateTime | None, Query(description="Before this time.")] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z_]+$",
            description="Only events of this action (`create`, `update`, `invite`, …).",
        ),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    filters = service.EventFilters(
        action=action,
        entity_type=entity_type.value if entity_type else None,
        entity_id=entity_id,
        actor_user_id=actor_user_id,
        plan_id=plan_id,
        since=since,
        until=until,
    )
    return json_response(
        service.event_page(
            session=session, actor=actor, filters=filters, cursor=cursor, limit=limit
        )
    )


@router.get(
    "/audit-chain/verification",
    operation_id="verifyAuditChain",
    summary="Walk the whole audit chain and report the first broken link, if any (admins)",
    description="What `itpp audit verify` does, from the API: every event is read, so it "
    "takes a while on a long log. It reports only whether the chain holds and where it breaks, "
    "never an event's content.",
    response_model=AuditChainVerification,
    responses=problem_responses(401, 403),
)
def verify_audit_chain(session: SessionDep, actor: ActorDep) -> Response:
    policy.authorize_verify_audit_chain(actor)
    result = service.verify(session=session)
    return json_response(
        {
            "ok": result.ok,
            "checked": result.checked,
            "broken_seq": result.broken_seq,
            "reason_code": result.reason_code,
            "reason": result.reason,
        }
    )


def _history(
    session: SessionDep,
    actor: Actor,
    entity_type: AuditEntityType,
    entity_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Response:
    filters = service.EventFilters(entity_type=entity_type.value, entity_id=entity_id)
    return json_response(
        service.event_page(
            session=session, actor=actor, filters=filters, cursor=cursor, limit=limit
        )
    )


@router.get(
    "/plans/{plan_id}/history",
    operation_id="getPlanHistory",
    summary="The audit history of a plan",
    response_model=AuditEventPage,
    responses=problem_responses(400, 404, 422),
)
def get_plan_history(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    return _history(session, actor, AuditEntityType.PLAN, plan.id, cursor, limit)


@router.get(
    "/priority-areas/{area_id}/history",
    operation_id="getPriorityAreaHistory",
    summary="The audit history of a priority area",
    response_model=AuditEventPage,
    responses=problem_responses(400, 404, 422),
)
def get_priority_area_history(
    area_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    _, area = get_area_for(session=session, actor=actor, area_id=area_id)
    return _history(session, actor, AuditEntityType.PRIORITY_AREA, area.id, cursor, limit)


@router.get(
    "/commitments/{commitment_id}/history",
    operation_id="getCommitmentHistory",
    summary="The audit history of a commitment",
    response_model=AuditEventPage,
    responses=problem_responses(400, 404, 422),
)
def get_commitment_history(
    commitment_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    _, commitment = get_commitment(session=session, actor=actor, commitment_id=commitment_id)
    return _history(session, actor, AuditEntityType.COMMITMENT, commitment.id, cursor, limit)


@router.get(
    "/milestones/{milestone_id}/history",
    operation_id="getMilestoneHistory",
    summary="The audit history of a milestone",
    response_model=AuditEventPage,
    responses=problem_responses(400, 404, 422),
)
def get_milestone_history(
    milestone_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    _, _, milestone = get_milestone(session=session, actor=actor, milestone_id=milestone_id)
    return _history(session, actor, AuditEntityType.MILESTONE, milestone.id, cursor, limit)


@router.get(
    "/exchanges/{exchange_id}/history",
    operation_id="getExchangeHistory",
    summary="The audit history of an exchange",
    response_model=AuditEventPage,
    responses=problem_responses(400, 404, 422),
)
def get_exchange_history(
    exchange_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    _, exchange = get_exchange(session=session, actor=actor, exchange_id=exchange_id)
    return _history(session, actor, AuditEntityType.EXCHANGE, exchange.id, cursor, limit)


@router.get(
    "/plans/{plan_id}/events",
    operation_id="waitForPlanEvents",
    summary="Wait for a plan's audit events after a sequence number (long poll)",
    description="Returns at once the plan's events after `after` that you may see, oldest "
    "first; when there are none yet, waits up to `wait` seconds for one. Without `after`, "
    "returns where to start: `last_seq` of the newest event and no items. The events are read "
    "from the database, so a change made through any API process is seen by a watcher on any "
    "other. Waiting is not activity: it does not keep a sign-in session from ending when idle. "
    "A server that is stopping answers a waiting watcher at once (no events yet; poll again).",
    response_model=PlanEventBatch,
    responses=problem_responses(404, 422),
)
async def wait_for_plan_events(
    plan_id: uuid.UUID,
    token: Annotated[str | None, Depends(bearer_scheme)],
    after: Annotated[
        int | None,
        Query(ge=0, le=SAFE_INTEGER_MAX, description="The last sequence number you have seen."),
    ] = None,
    wait: Annotated[
        int,
        Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds to wait for an event (0: none)."),
    ] = 0,
    limit: Limit = 50,
) -> Response:
    viewer, body = await run_db(live.first_batch, token, plan_id, after, limit, write=False)
    if after is not None and not body["items"] and wait > 0:
        deadline = time.monotonic() + wait
        # A stopping server answers what it has: the watcher polls again elsewhere (stopping).
        while not body["items"] and time.monotonic() < deadline and not stopping():
            await asyncio.sleep(min(LIVE_POLL_SECONDS, max(deadline - time.monotonic(), 0)))
            body = await run_db(live.next_batch, viewer, plan_id, after, limit, write=False)
    return json_response(body)
