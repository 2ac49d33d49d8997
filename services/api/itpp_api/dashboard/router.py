"""HTTP route of the plan dashboard."""

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from itpp_api.audit.service import last_plan_seq
from itpp_api.auth.dependencies import ActorDep
from itpp_api.conventions import IfNoneMatch, conditional_json, conditional_response, json_response
from itpp_api.dashboard import service
from itpp_api.dashboard.schemas import Dashboard, PlanOverview, ProgressHistory
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.plans.service import get_plan
from itpp_api.routing import OneHopRoute

router = APIRouter(tags=["dashboard"], route_class=OneHopRoute)


@router.get(
    "/plans/{plan_id}/dashboard",
    operation_id="getPlanDashboard",
    summary="Where the plan stands: term, next review, progress by area, overdue items, "
    "exchanges ahead, recent activity",
    response_model=Dashboard,
    responses=problem_responses(404, 422),
)
def get_plan_dashboard(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response(service.dashboard(session=session, actor=actor, plan=plan))


@router.get(
    "/plans/{plan_id}/progress-history",
    operation_id="getPlanProgressHistory",
    summary="The plan's burn-up: its commitments' scope, completions and progress over time",
    description="At most 105 points from the plan's approval to today, rebuilt from the audit "
    "log: the commitments you may see in the plan's live priority areas. The last point is "
    "the dashboard's figures of today.",
    response_model=ProgressHistory,
    responses=problem_responses(404, 422),
)
def get_plan_progress_history(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response(service.progress_history(session=session, actor=actor, plan=plan))


@router.get(
    "/plans/{plan_id}/overview",
    operation_id="getPlanOverview",
    summary="The plan's dashboard page in one read: where to start watching its events, the "
    "dashboard and the burn-up",
    description="The answers of `GET /plans/{plan_id}/events` (without `after`), "
    "`GET /plans/{plan_id}/dashboard` and `GET /plans/{plan_id}/progress-history` together, "
    "read under the same access rules (a plan you may not read is a 404, as for each of "
    "them). Where to start watching is read first: a change made while the rest is read is "
    "in the figures, or among the events after it. An `ETag` follows the whole answer; "
    "`If-None-Match` with it answers 304 while nothing in it changed.",
    response_model=PlanOverview,
    responses={**conditional_response(), **problem_responses(404, 422)},
)
def get_plan_overview(
    plan_id: uuid.UUID, session: SessionDep, actor: ActorDep, if_none_match: IfNoneMatch = None
) -> Response:
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    live_after = last_plan_seq(session=session, plan_id=plan.id, actor=actor)
    body = {
        "live_after": live_after,
        "dashboard": service.dashboard(session=session, actor=actor, plan=plan),
        "progress_history": service.progress_history(session=session, actor=actor, plan=plan),
    }
    return conditional_json(body, if_none_match)
