"""GET /metrics: the API's Prometheus metrics, for the bearer of ITPP_METRICS_TOKEN only."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from itpp_api.audit.models import AuditChainHead
from itpp_api.concurrency import run_read
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.errors import DomainError, NotFound, Unauthorized
from itpp_common.observability import metrics_allowed, metrics_text

router = APIRouter()


def _audit_chain_length() -> int:
    """The audit chain's last sequence number: one row (the head every writer locks)."""
    with transaction(write=False) as session:
        return int(session.scalar(select(func.max(AuditChainHead.last_seq))) or 0)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format. 404 when ITPP_METRICS_TOKEN is unset, 401 without it: the
    metrics name routes, volumes and failures an outsider has no business seeing."""
    token = get_settings().metrics_token
    if token is None:
        raise NotFound(f"Nothing at {request.url.path}.")
    if not metrics_allowed(request.headers.get("authorization"), token.get_secret_value()):
        raise Unauthorized(
            "Send 'Authorization: Bearer <ITPP_METRICS_TOKEN>'.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    # Not through the multiprocess files: every worker would report it, and it is one number.
    extra = ""
    try:
        length = await run_read(_audit_chain_length)
    except (DomainError, SQLAlchemyError):
        pass  # the database is busy or away: the other metrics still matter then
    else:
        extra = (
            "# HELP itpp_api_audit_chain_length Events in the audit chain.\n"
            "# TYPE itpp_api_audit_chain_length gauge\n"
            f"itpp_api_audit_chain_length {length}\n"
        )
    body, media_type = metrics_text(extra)
    return Response(body, media_type=media_type)
