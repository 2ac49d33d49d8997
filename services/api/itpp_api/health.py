"""Probes: /healthz (the process is up) and /readyz (database reachable, schema at head)."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from itpp_api.conventions import json_response
from itpp_api.db import get_engine
from itpp_api.errors import ServiceUnavailable, problem_responses
from itpp_api.migrate import current_revision, head_revision

router = APIRouter(tags=["probes"])


class ProbeResult(BaseModel):
    """The result of a probe."""

    status: Literal["ok"]
    database: Literal["reachable"] | None = None
    revision: str | None = None


@router.get(
    "/healthz",
    operation_id="getHealth",
    summary="Liveness: the process is up",
    response_model=ProbeResult,
)
async def healthz() -> Response:
    return json_response({"status": "ok"})


def _check_ready() -> str:
    engine = get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise ServiceUnavailable("The database is not reachable.") from exc
    head = head_revision()
    if current != head:
        raise ServiceUnavailable(
            f"The database schema is at {current or 'no revision'}, not {head}: "
            "run `itpp db upgrade`."
        )
    return current or ""


@router.get(
    "/readyz",
    operation_id="getReadiness",
    summary="Readiness: database reachable and migrated to head",
    response_model=ProbeResult,
    responses=problem_responses(503, authenticated=False),
)
async def readyz() -> Response:
    revision = await run_in_threadpool(_check_ready)
    return json_response({"status": "ok", "database": "reachable", "revision": revision})
