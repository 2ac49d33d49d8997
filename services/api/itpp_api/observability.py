"""The API's logs and metrics: its access log and its Prometheus metrics. The plumbing (structlog
set-up, the request id, /metrics) is itpp_common.observability, shared with the web.

One log line per request (middleware.Gateway writes it) with the request id, the route
template, method, status, duration and the caller's user and party ids: never a header, a
body, a query string or a raw path (a path may hold an email or a calendar feed's secret).
"""

import logging
from typing import TextIO

from prometheus_client import Counter, Gauge, Histogram

from itpp_common import observability as common
from itpp_common.observability import LogFormat

REQUESTS = Counter("itpp_api_requests", "API requests answered.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "itpp_api_request_duration_seconds",
    "Time to answer an API request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Each request's line and metrics (middleware.Gateway records them).
access_log = common.AccessLog("itpp_api.access", REQUESTS, REQUEST_SECONDS)


def configure_logging(log_format: LogFormat = "auto", *, stream: TextIO | None = None) -> None:
    """Every logger's records, the request lines among them, as JSON lines (or readable lines
    on a terminal) on `stream` (stderr): itpp_common.observability.configure_logging."""
    common.configure_logging(access_log, log_format, stream=stream)
    # Alembic says which dialect it uses each time /readyz compares revisions.
    logging.getLogger("alembic").setLevel(logging.WARNING)


# --- more metrics ---------------------------------------------------------------------------
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
