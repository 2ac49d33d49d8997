"""A plan's versions: the list (each with the consent that made it), a side-by-side diff of any
two, the plan as of a date, and the plan's record of consent."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.contract import operations
from itpp_web.diffs import field_rows
from itpp_web.routes.common import plan_context
from itpp_web.web import Viewer, ViewerDep, api_of, csrf_protect, formatter, renderer_of

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _number(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number >= 1 else None


def _names(context: dict[str, Any], plans: list[dict[str, Any]]) -> dict[str, str]:
    """Record ids → what a reader calls them, for values of the diff and the as-of view."""
    return {
        **{party["id"]: party["code"] for party in context["parties"]},
        **{org["id"]: org["code"] for org in context["organisations"]},
        **{area["id"]: area["code"] for area in context["areas"]},
        **{plan["id"]: plan["reference"] for plan in plans},
    }


async def _diff(
    request: Request, viewer: Viewer, plan_id: str, old: int, new: int, names: dict[str, str]
) -> tuple[dict[str, Any] | None, str | None]:
    fmt = formatter(request)
    try:
        diff = await operations.diff_plan_versions(
            api_of(request), plan_id, token=viewer.token, params={"from": old, "to": new}
        )
    except ApiError as exc:
        if exc.status not in (400, 404, 422):
            raise
        return None, messages.problem_message(fmt, exc)
    records = {}
    parts = {"priority_areas": diff["priority_areas"], "commitments": diff["commitments"]}
    for entity, key in (("priority_area", "priority_areas"), ("commitment", "commitments")):
        part = parts[key]
        records[key] = {
            "added": part["added"],
            "retired": part["retired"],
            "changed": [
                {**change, "rows": field_rows(fmt, entity, change["fields"], names)}
                for change in part["changed"]
            ],
        }
    shown: dict[str, Any] = {
        "from_version": diff["from_version"],
        "to_version": diff["to_version"],
        "plan_rows": field_rows(fmt, "plan", diff["plan"], names),
        **records,
    }
    shown["empty"] = not shown["plan_rows"] and not any(
        part[kind] for part in records.values() for kind in ("added", "retired", "changed")
    )
    return shown, None


async def _as_of(
    request: Request, viewer: Viewer, plan_id: str, day: str
) -> tuple[dict[str, Any] | None, str | None]:
    fmt = formatter(request)
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return None, fmt.gettext("Enter a date as YYYY-MM-DD.")
    try:
        as_of = await operations.get_plan_as_of(
            api_of(request), plan_id, token=viewer.token, params={"date": day}
        )
    except ApiError as exc:
        if exc.status == 404:
            return None, fmt.gettext(
                "The plan was not in force yet on %(date)s: what it said is shown from its date "
                "of approval.",
                date=fmt.date(day),
            )
        if exc.status not in (400, 422):
            raise
        return None, messages.problem_message(fmt, exc)
    areas = {area["id"]: area for area in as_of["priority_areas"]}
    return {**as_of, "area_by_id": areas}, None


@router.get("/plans/{plan_id}/versions")
async def versions_page(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    query = request.query_params
    context, listing, plans, consents = await asyncio.gather(
        plan_context(viewer, request, str(plan_id)),
        operations.list_plan_versions(api, plan_id, token=viewer.token),
        operations.list_plans(api, token=viewer.token, params={"limit": 100}),
        operations.list_plan_consents(api, plan_id, token=viewer.token),
    )
    versions = listing["items"]
    names = _names(context, plans["items"])
    old = _number(query.get("from"))
    new = _number(query.get("to"))
    if old is None and new is None and len(versions) >= 2:
        # By default: what the newest version changed.
        old, new = versions[1]["number"], versions[0]["number"]
    diff = diff_problem = None
    if old is not None and new is not None:
        diff, diff_problem = await _diff(request, viewer, str(plan_id), old, new, names)
    elif query.get("from") or query.get("to"):
        diff_problem = formatter(request).gettext("Choose two versions to compare.")
    day = (query.get("as_of") or "").strip()
    as_of = as_of_problem = None
    if day:
        as_of, as_of_problem = await _as_of(request, viewer, str(plan_id), day)
    # htmx asks for the part of the page its form targets; anything else gets the page.
    block = "as_of" if request.headers.get("hx-target") == "as-of" else "diff"
    failed = (diff_problem if block == "diff" else as_of_problem) is not None
    return renderer_of(request)(
        request,
        "versions.html",
        {
            **context,
            "versions": versions,
            # The consent that made each version, by its amendment's id.
            "consents": {item["amendment_id"]: item for item in consents["items"]},
            "names": names,
            "old": old,
            "new": new,
            "diff": diff,
            "diff_problem": diff_problem,
            "as_of_day": day,
            "as_of": as_of,
            "as_of_problem": as_of_problem,
            "versions_url": f"/plans/{plan_id}/versions",
            "query": lambda **values: urlencode({k: v for k, v in values.items() if v}),
        },
        block=block,
        status_code=422 if failed else 200,
    )


@router.get("/plans/{plan_id}/consents")
async def consents_page(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """The record of consent: every consent applied to the plan, with who approved it for each
    party and when."""
    api = api_of(request)
    plan, consents = await asyncio.gather(
        operations.get_plan(api, plan_id, token=viewer.token),
        operations.list_plan_consents(api, plan_id, token=viewer.token),
    )
    items = consents["items"]
    return renderer_of(request)(
        request,
        "consents.html",
        {
            "plan": plan,
            "consents": items,
            # A plan recorded as agreed outside ITPP Tracker came into force with no consent here.
            "recorded_outside": plan["status"] != "draft"
            and not any(item["brought_into_force"] for item in items),
        },
    )
