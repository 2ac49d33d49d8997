"""HTTP route of the plan dashboard."""

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.conventions import json_response
from itpp_api.dashboard import service
from itpp_api.dashboard.schemas import Dashboard
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.plans.service import get_plan

router = APIRouter(tags=["dashboard"])


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
