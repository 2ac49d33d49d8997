"""The web's logs and metrics: its access log, the request id it passes on to the API, and its
Prometheus metrics. The plumbing (structlog set-up, the request id, /metrics) is
itpp_common.observability, shared with the API, whose packages the web does not import.
"""

from contextvars import ContextVar
from typing import TextIO

from prometheus_client import Counter, Gauge, Histogram

from itpp_common import observability as common
from itpp_common.observability import LogFormat

# The id of the request being served: ApiClient sends it to the API as X-Request-ID.
current_request_id: ContextVar[str | None] = ContextVar("itpp_web_request_id", default=None)

REQUESTS = Counter("itpp_web_requests", "Web requests answered.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "itpp_web_request_duration_seconds",
    "Time to answer a web request (API calls included).",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Pages and fragments sent, by where their bytes came from: the template run (`template`), the
# render cache (`cache`: the same page rendered from the same context before), or the page sent
# again without running its route (`replay`: nothing it read had changed, itpp_web.replay).
PAGES_SENT = Counter(
    "itpp_web_pages_sent",
    "Pages and fragments sent, by where their HTML came from (template, cache or replay).",
    ["source"],
)
# Each request's line and metrics (security.SecurityHeadersMiddleware records them).
access_log = common.AccessLog("itpp_web.access", REQUESTS, REQUEST_SECONDS)


def configure_logging(log_format: LogFormat = "auto", *, stream: TextIO | None = None) -> None:
    """Every logger's records, the request lines among them, as JSON lines (or readable lines
    on a terminal) on `stream` (stderr): itpp_common.observability.configure_logging."""
    common.configure_logging(access_log, log_format, stream=stream)


LIVE_STREAMS = Gauge(
    "itpp_web_live_streams_open",
    "Live-update streams (server-sent events) open to browsers, each holding an API long poll.",
    multiprocess_mode="livesum",
)
