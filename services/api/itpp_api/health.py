"""Probes: /healthz (the process is up) and /readyz (database reachable, schema at head)."""

import asyncio
from functools import lru_cache
from typing import Literal
from weakref import WeakKeyDictionary

import anyio
from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from itpp_api.config import get_settings
from itpp_api.conventions import json_response
from itpp_api.db import build_engine, database_unavailable
from itpp_api.errors import problem_responses
from itpp_api.migrate import head_revision, is_known_revision

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


# /readyz answers within READY_WITHIN seconds whatever the database does: the probe runs on a
# small engine of its own (not the requests' pool, which may be full or waiting on a dead
# server), whose connections give up quickly, and the answer does not wait for it longer.
READY_WITHIN = 1.5
_PROBE_THREADS = 2


@lru_cache(maxsize=8)
def _probe_engine(database_url: str) -> Engine:
    return build_engine(
        get_settings().model_copy(
            update={
                "database_url": database_url,
                "database_pool_size": 1,
                "database_queue_timeout_seconds": READY_WITHIN,
                "database_connect_timeout_seconds": 2,  # libpq's least
                "database_statement_timeout_seconds": READY_WITHIN / 2,
            }
        )
    )


def _probe_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _PROBE_LIMITERS.get(loop)
    if limiter is None:
        limiter = _PROBE_LIMITERS[loop] = anyio.CapacityLimiter(_PROBE_THREADS)
    return limiter


_PROBE_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    WeakKeyDictionary()
)


def _check_ready() -> str:
    engine = _probe_engine(get_settings().database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise database_unavailable("The database is not reachable.") from exc
    head = head_revision()
    # A revision this release does not know is a newer release's: migrations expand the
    # schema before the code that needs them is rolled out (contractions come a release
    # later), so this code still runs on it, and stays ready during a rolling upgrade.
    if current != head and (current is None or is_known_revision(current)):
        raise database_unavailable(
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
    with anyio.move_on_after(READY_WITHIN):
        revision = await anyio.to_thread.run_sync(
            _check_ready, abandon_on_cancel=True, limiter=_probe_limiter()
        )
        return json_response({"status": "ok", "database": "reachable", "revision": revision})
    raise database_unavailable(f"The database did not answer within {READY_WITHIN:g} s.")
