"""The plan list and a plan's dashboard."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web.api import ApiClient, ApiError
from itpp_web.charts import STATUSES, ahead_timeline, area_chart, burn_up
from itpp_web.contract import models, operations
from itpp_web.web import ViewerDep, api_of, csrf_protect, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])


# The portfolio's choices, as the API documents them (getPortfolio).
PORTFOLIO_SORTS = (
    "reference",
    "days_to_expiry",
    "next_review",
    "-average_progress",
    "average_progress",
    "-commitments_overdue",
    "-consents_awaiting",
)
PLAN_STATUSES = ("active", "draft", "expired", "superseded", "terminated")
EXPIRY_WINDOW_MAX = 3650


def portfolio_filters(request: Request) -> tuple[dict[str, str], list[str]]:
    """The portfolio's filters from the page's address, and what was wrong with them (a value
    out of its bounds is left out and named, never sent on)."""
    query = request.query_params
    filters: dict[str, str] = {}
    errors: list[str] = []
    sort = query.get("sort", "")
    if sort in PORTFOLIO_SORTS:
        filters["sort"] = sort
    elif sort:
        errors.append("sort")
    status = query.get("status", "")
    if status in PLAN_STATUSES:
        filters["status"] = status
    elif status:
        errors.append("status")
    partner = query.get("partner", "").strip()
    if partner and len(partner) <= 16 and partner.isalnum():
        filters["partner"] = partner.upper()
    elif partner:
        errors.append("partner")
    window = query.get("expires_within", "").strip()
    if window.isdigit() and int(window) <= EXPIRY_WINDOW_MAX:
        filters["expires_within"] = str(int(window))
    elif window:
        errors.append("expires_within")
    return filters, errors


@router.get("/plans")
async def plan_list(request: Request, viewer: ViewerDep) -> Response:
    """The home page: the portfolio when the viewer's party has more than one plan, otherwise
    the list of its plan."""
    api = api_of(request)
    filters, errors = portfolio_filters(request)
    narrowed = {k: v for k, v in filters.items() if k != "sort"}
    # Each filter was checked above against the values the contract allows; a number and a
    # one-element list are sent as the same query as their text.
    query = cast("models.GetPortfolioParametersQuery", filters)
    if narrowed:
        every, shown = await asyncio.gather(
            operations.get_portfolio(api, token=viewer.token),
            operations.get_portfolio(api, token=viewer.token, params=query),
        )
    else:
        every = shown = await operations.get_portfolio(api, token=viewer.token, params=query)
    if len(every["items"]) <= 1 and not narrowed:
        return renderer_of(request)(request, "plans.html", {"plans": every["items"]})
    partners: dict[str, models.PortfolioParty] = {}
    for plan in every["items"]:
        for party in plan["partners"]:
            partners[party["code"]] = party
    return renderer_of(request)(
        request,
        "portfolio.html",
        {
            "portfolio": shown,
            "filters": filters,
            "errors": errors,
            "partners": sorted(partners.values(), key=lambda p: p["code"]),
            "sorts": PORTFOLIO_SORTS,
            "plan_statuses": PLAN_STATUSES,
            "window_max": EXPIRY_WINDOW_MAX,
            "chart": area_chart(
                [
                    {**plan, "code": plan["reference"], "total": plan["commitments_total"]}
                    for plan in shown["items"]
                ]
            ),
            "statuses": STATUSES,
        },
    )


# The most plans a lineage shows on either side of the plan (the sample's has three in all).
LINEAGE_MAX = 10


async def lineage(api: ApiClient, token: str, plan_id: str) -> list[models.PlanPublic]:
    """The plan's line, oldest first: its predecessors, the plan, and the plans that renewed it
    (each one the reader sees); empty for a plan alone in its line."""
    # The plans' line changes only when one is renewed: the list comes through the per-token
    # read cache (the reader's own renewal shows at once, someone else's within its bound).
    listed = await operations.list_plans(api, token=token, params={"limit": 100}, cache="ttl")
    plans = {plan["id"]: plan for plan in listed["items"]}
    # The list holds the plan itself, unless the reader sees more than a page of plans.
    current = plans.get(plan_id) or await operations.get_plan(api, plan_id, token=token)
    line = [current]
    seen = {current["id"]}
    while line[0].get("predecessor_id") and len(line) <= LINEAGE_MAX:
        predecessor_id = str(line[0]["predecessor_id"])
        if predecessor_id in seen:
            break
        predecessor = plans.get(predecessor_id)
        if predecessor is None:
            try:
                predecessor = await operations.get_plan(api, predecessor_id, token=token)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                break
        line.insert(0, predecessor)
        seen.add(predecessor_id)
    successors = {str(plan.get("predecessor_id")): plan for plan in plans.values()}
    while len(line) <= 2 * LINEAGE_MAX:
        successor = successors.get(str(line[-1]["id"]))
        if successor is None or successor["id"] in seen:
            break
        line.append(successor)
        seen.add(successor["id"])
    return line if len(line) > 1 else []


@router.get("/plans/{plan_id}")
async def dashboard(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    # One read of what the page shows (where to start watching, read first by the API, the
    # dashboard and the burn-up), beside the plan's line.
    overview, line = await asyncio.gather(
        operations.get_plan_overview(api, plan_id, token=viewer.token, cache="etag"),
        lineage(api, viewer.token, str(plan_id)),
    )
    data, history, live_after = (
        overview["dashboard"],
        overview["progress_history"],
        overview["live_after"],
    )
    entry_into_force = None
    if data["plan"]["status"] == "draft":
        # A draft comes into force by every party's consent: is it proposed yet?
        pending = await operations.list_amendments(
            api, plan_id, token=viewer.token, params={"status": ["proposed"], "limit": 20}
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
            "lineage": line,
            "chart": area_chart(data["areas"]),
            "statuses": STATUSES,
            "burn_up": burn_up(history["points"]),
            "history": history,
            "ahead": ahead_timeline(
                date.fromisoformat(data["as_of"]),
                data["upcoming_exchanges"],
                data["upcoming_milestones"],
                data["next_review"],
                data["plan"]["expiry_date"],
            ),
            "live_after": live_after,
        },
        block="dashboard",
    )
