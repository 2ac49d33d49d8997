"""The API's logs and metrics: structlog set up once per process, the request id, the
Prometheus metrics and what /metrics serves.

One log line per request (middleware.Gateway writes it) with the request id, the route
template, method, status, duration and the caller's user and party ids: never a header, a
body, a query string or a raw path (a path may hold an email or a calendar feed's secret).
"""

import hmac
import logging
import os
import re
import sys
import uuid
from typing import Any, Literal, TextIO

import orjson
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LogFormat = Literal["auto", "json", "console"]

# A request id we accept from a client or proxy: short, and nothing a log reader could take
# for structure (no spaces, quotes or control characters).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_HEADER = b"x-request-id"

_HANDLER_MARK = "_itpp_structlog"
_request_log: Any = structlog.get_logger("itpp_api.access")  # until configure_logging


def _dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def shared_direct() -> list[structlog.types.Processor]:
    """What every line gets, for a logger outside the standard library's logging."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def log_request(**fields: Any) -> None:
    """A request's one line (middleware: method, route, status, duration_ms, user, party)."""
    _request_log.info("request", **fields)


def request_id_from(sent: str | None) -> str:
    """The client's X-Request-ID if it is well formed, else a new one."""
    if sent is not None and REQUEST_ID_PATTERN.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def configure_logging(log_format: LogFormat = "auto", *, stream: TextIO | None = None) -> None:
    """Send structlog's and the standard library's records (uvicorn's, SQLAlchemy's, ours)
    to `stream` (stderr): JSON lines, or readable lines on a terminal (`auto`). Idempotent:
    calling it again replaces the handler it installed."""
    out = stream or sys.stderr
    if log_format == "auto":
        log_format = "console" if out.isatty() else "json"
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # uvicorn's own handlers would print its lines a second time, unstructured.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every call's full URL at INFO (the web's calls to the API: queries hold what
    # users search for).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic says which dialect it uses each time /readyz compares revisions.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    global _request_log
    # The request lines go straight to the stream, past the standard library's logging: about
    # a third of the cost (20 µs a request instead of 60), with the same fields and format.
    _request_log = structlog.wrap_logger(
        structlog.PrintLogger(out),
        processors=[*shared_direct(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    ).bind(logger="itpp_api.access")
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


# --- metrics --------------------------------------------------------------------------------
# Label values are bounded: route templates (`/api/v1/plans/{plan_id}`), never raw paths.
UNMATCHED_ROUTE = "<unmatched>"

REQUESTS = Counter("itpp_api_requests", "API requests answered.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "itpp_api_request_duration_seconds",
    "Time to answer an API request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_SLOTS_IN_USE = Gauge(
    "itpp_api_db_slots_in_use",
    "Requests admitted to the database (concurrency.admitted): connections in use.",
    multiprocess_mode="livesum",
)
DB_WAITING = Gauge(
    "itpp_api_db_waiting",
    "Requests waiting for their turn at the database.",
    multiprocess_mode="livesum",
)
PDF_RENDERS = Gauge(
    "itpp_api_pdf_renders_in_progress",
    "PDF documents being rendered now.",
    multiprocess_mode="livesum",
)
SIGN_IN_FAILURES = Counter(
    "itpp_api_sign_in_failures", "Sign-ins refused: wrong email, password or one-time code."
)
SIGN_IN_THROTTLED = Counter(
    "itpp_api_sign_in_throttled", "Sign-ins refused with 429 by the throttle (auth/throttle)."
)


def metrics_allowed(authorization: str | None, token: str | None) -> bool:
    """Whether a request may read /metrics: it sends `Authorization: Bearer <token>`."""
    if not token or not authorization:
        return False
    kind, _, sent = authorization.partition(" ")
    return kind.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def prepare_multiprocess_dir() -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR (made if missing) before the workers start: the files a
    previous run left there would be added to this run's figures. `itpp serve` calls it once,
    in the process that starts the workers; unset, nothing happens."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not directory:
        return
    os.makedirs(directory, mode=0o700, exist_ok=True)
    for entry in os.scandir(directory):
        if entry.is_file() and entry.name.endswith(".db"):
            os.unlink(entry.path)


def metrics_text(extra: str = "") -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, of every worker process when
    PROMETHEUS_MULTIPROC_DIR is set (prometheus-client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + extra.encode(), CONTENT_TYPE_LATEST
