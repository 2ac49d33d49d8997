"""The plan list and a plan's dashboard."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web.charts import STATUSES, area_chart
from itpp_web.routes.live import watch_start
from itpp_web.web import ViewerDep, api_of, csrf_protect, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/plans")
async def plan_list(request: Request, viewer: ViewerDep) -> Response:
    page = await api_of(request).get("/plans", token=viewer.token, params={"limit": 100})
    return renderer_of(request)(request, "plans.html", {"plans": page["items"]})


@router.get("/plans/{plan_id}")
async def dashboard(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    # Where to start watching is read first: a change made meanwhile is not missed.
    live_after = await watch_start(request, viewer, str(plan_id))
    data = await api.get(f"/plans/{plan_id}/dashboard", token=viewer.token)
    entry_into_force = None
    if data["plan"]["status"] == "draft":
        # A draft comes into force by every party's consent: is it proposed yet?
        pending = await api.get(
            f"/plans/{plan_id}/amendments",
            token=viewer.token,
            params={"status": "proposed", "limit": 20},
        )
        entry_into_force = next(
            (item for item in pending["items"] if item["kind"] == "entry_into_force"), None
        )
    return renderer_of(request)(
        request,
        "dashboard.html",
        {
            "plan_id": str(plan_id),
            "data": data,
            "entry_into_force": entry_into_force,
            "chart": area_chart(data["areas"]),
            "statuses": STATUSES,
            "live_after": live_after,
        },
        block="dashboard",
    )
