"""Logs and metrics plumbing of both services: structlog set up once per process, the request
id, who may read /metrics and what it serves. Each service names its own access logger and
its own metrics (itpp_api/observability.py, itpp_web/observability.py)."""

import asyncio
import atexit
import hmac
import logging
import os
import re
import sys
import threading
import weakref
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import orjson
import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

LogFormat = Literal["auto", "json", "console"]

# A request id we accept from a client or proxy: short, and nothing a log reader could take
# for structure (no spaces, quotes or control characters).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_HEADER = b"x-request-id"
# Metric label values are bounded: route templates (`/api/v1/plans/{plan_id}`), never raw
# paths; a request no route matched is counted under this one.
UNMATCHED_ROUTE = "<unmatched>"

_HANDLER_MARK = "_itpp_structlog"


def _dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def shared_direct() -> list[structlog.types.Processor]:
    """What every line gets, for a logger outside the standard library's logging."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def route_of(scope: Mapping[str, Any]) -> str:
    """The template of the route an ASGI request matched (`/api/v1/plans/{plan_id}`): never the
    raw path, which may hold an email or a calendar feed's secret."""
    return getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE


class _Lines:
    """Where an access log's lines go: a text stream, written at most twice a turn of the event
    loop.

    A line per request was a system call per request: a flood of refused tokens (a thousand
    answers a turn) spent a tenth of its time in those writes. The first line of a turn is
    written at once, and the loop is asked to run `flush` next (`call_soon`); the turn's later
    lines are kept until then and written together, after the turn's other callbacks and before
    the loop polls again. So one request at a time (a test, a quiet hour) has its line written
    before its answer is complete, as before, and a burst costs two writes a turn. Lines keep
    their order. What is kept when its loop stops before `flush` runs is written with the next
    line, or when the process exits.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._kept: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None  # where `flush` is to run
        _ALL_LINES.add(self)

    def write(self, line: str) -> None:
        loop = asyncio._get_running_loop()
        with self._lock:
            self._kept.append(line)
            if loop is not None and self._flush_on is loop:
                return  # written by the flush this turn asked for
            self._write_kept()
            if loop is not None and (self._flush_on is None or self._flush_on.is_closed()):
                loop.call_soon(self.flush)
                self._flush_on = loop

    def flush(self) -> None:
        """Write what is kept (the callback the loop runs; also at exit and on replacement)."""
        with self._lock:
            self._flush_on = None
            try:
                self._write_kept()
            except (OSError, ValueError):  # a closed or broken stream: nowhere to write them
                self._kept.clear()

    def _write_kept(self) -> None:
        lines, self._kept = self._kept, []
        if lines:
            self._out.write("\n".join(lines) + "\n")
            self._out.flush()


_ALL_LINES: "weakref.WeakSet[_Lines]" = weakref.WeakSet()


@atexit.register
def _flush_all_lines() -> None:
    for lines in list(_ALL_LINES):
        lines.flush()


class AccessLog:
    """A service's record of each request: its one log line, under the logger name it is made
    with, and its two metrics (answers by method, route and status; time by method and route).
    Never a header, a body or a query string. The lines of the requests that end in the same
    turn of the event loop are written together (`_Lines`)."""

    def __init__(self, name: str, requests: Counter, seconds: Histogram) -> None:
        self.name = name
        self._requests = requests
        self._seconds = seconds
        self._logger: Any = structlog.get_logger(name)  # until configure_logging
        self._lines: _Lines | None = None

    def record(
        self,
        *,
        method: str,
        route: str,
        status: int,
        seconds: float,
        user_id: str | None,
        party_id: str | None,
    ) -> None:
        self._requests.labels(method, route, status).inc()
        self._seconds.labels(method, route).observe(seconds)
        line = self._logger.info(
            "request",
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            user_id=user_id,
            party_id=party_id,
        )
        if self._lines is not None and isinstance(line, str):
            self._lines.write(line)

    def write_to(self, out: TextIO, renderer: structlog.types.Processor) -> None:
        # Rendered here and written by `_Lines`, past the standard library's logging: about a
        # third of the cost (20 µs a request instead of 60), with the same fields and format.
        if self._lines is not None:
            self._lines.flush()
        self._lines = _Lines(out)
        self._logger = structlog.wrap_logger(
            structlog.ReturnLogger(),
            processors=[*shared_direct(), renderer],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        ).bind(logger=self.name)


class _RequestIds:
    """New request ids: 128 random bits each, as 32 hex digits, from the operating system's
    generator 256 at a time (uuid4 asks it for each: a twelfth of a flood's time went there).
    Drawn from the OS, not from a seeded generator, so one caller's ids say nothing of how many
    others were drawn between them; a forked process draws its own."""

    _BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0

    def new(self) -> str:
        with self._lock:
            at = self._at
            if at >= len(self._pool):
                self._pool = os.urandom(16 * self._BATCH)
                at = 0
            self._at = at + 16
            return self._pool[at : at + 16].hex()


_request_ids = _RequestIds()


def request_id_from(sent: str | None) -> str:
    """The client's (or proxy's) X-Request-ID if it is well formed, else a new one."""
    if sent is not None and REQUEST_ID_PATTERN.fullmatch(sent):
        return sent
    return _request_ids.new()


def configure_logging(
    access_log: AccessLog, log_format: LogFormat = "auto", *, stream: TextIO | None = None
) -> None:
    """Send structlog's and the standard library's records (uvicorn's, SQLAlchemy's, the
    service's) and `access_log`'s lines to `stream` (stderr): JSON lines, or readable lines on
    a terminal (`auto`). Idempotent: calling it again replaces the handler it installed."""
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
    access_log.write_to(out, renderer)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def metrics_allowed(authorization: str | None, token: str | None) -> bool:
    """Whether a request may read /metrics: it sends `Authorization: Bearer <token>`."""
    if not token or not authorization:
        return False
    kind, _, sent = authorization.partition(" ")
    return kind.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def metrics_text(extra: str = "") -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, of every worker process when
    PROMETHEUS_MULTIPROC_DIR is set (prometheus-client's multiprocess mode), with `extra`
    (more lines in the same format) after them."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + extra.encode(), CONTENT_TYPE_LATEST


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
