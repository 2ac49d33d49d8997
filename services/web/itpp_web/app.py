"""The web service's ASGI application: `itpp serve web` runs `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.exceptions import HTTPException as StarletteHTTPException

from itpp_common import stopping
from itpp_common.observability import metrics_allowed, metrics_text
from itpp_common.runtime import tune_collector
from itpp_web import messages, observability, security
from itpp_web.api import ApiClient, ApiError, ApiUnavailable
from itpp_web.config import WebSettings, get_web_settings
from itpp_web.labels import (
    actor_label,
    change_value,
    field_label,
    field_name,
    id_names,
    label,
    version_reason,
)
from itpp_web.render_cache import RenderCache
from itpp_web.replay import ReplayMiddleware
from itpp_web.routes import all_routers
from itpp_web.routes.comments import DamagedCursor
from itpp_web.sanitise import comment_html
from itpp_web.static_assets import StaticAssets, app_files
from itpp_web.web import (
    RETRY_AFTER_SECONDS,
    Renderer,
    SignInRequired,
    formatter,
    renderer_of,
    sign_in_redirect,
)

log = logging.getLogger("itpp_web")

PACKAGE_DIR = Path(__file__).resolve().parent

# /readyz waits this long for the API's own /readyz (which answers within 1.5 s by design).
READY_WITHIN = 2.0
# The API's refusals a page shows with their own status: the reader's (or the record's) doing.
# Any other is the web's own error: 502. A 400 is the web's, but for a damaged cursor, which
# comes from the page's address (`?comments=`, copied short or edited).
READERS_STATUSES = frozenset({403, 404, 409, 412, 422, 429})
READERS_PROBLEMS = frozenset({"invalid-cursor"})

# Third-party files served from the npm packages installed at set-up (never committed).
VENDOR_FILES: dict[str, tuple[str, str]] = {
    "htmx.min.js": ("htmx.org/dist/htmx.min.js", "text/javascript"),
    "pico.min.css": ("@picocss/pico/css/pico.min.css", "text/css"),
}


class AssetsMissing(RuntimeError):
    """The npm packages are not installed."""


def vendor_paths(settings: WebSettings) -> dict[str, Path]:
    paths = {name: settings.assets_dir / relative for name, (relative, _) in VENDOR_FILES.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise AssetsMissing(
            "The web service's browser files are not installed ("
            + ", ".join(missing)
            + "). Run `make install` (it runs `npm ci` in services/web)."
        )
    return paths


def make_templates(settings: WebSettings, assets: tuple[StaticAssets, ...] = ()) -> Jinja2Blocks:
    environment = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are part of the installed package: compiled once per process, never
        # looked at on disk again (with auto-reload each template a page includes cost a
        # `stat` per render; a changed template shows after a restart).
        auto_reload=False,
        cache_size=-1,
    )
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.globals.update(
        label=label,
        field_name=field_name,
        field_label=field_label,
        actor_label=actor_label,
        id_names=id_names,
        version_reason=version_reason,
        change_value=change_value,
        comment_html=comment_html,
        inbox_poll_seconds=settings.inbox_poll_seconds,
        static_url=static_url_of(assets),
    )
    return Jinja2Blocks(env=environment)


def static_url_of(assets: tuple[StaticAssets, ...]) -> Callable[[str], str]:
    """The templates' `static_url('app.css')`: the file's hashed address."""
    urls = {name: group.url(name) for group in assets for name in group.assets}

    def static_url(name: str) -> str:
        return urls[name]

    return static_url


def create_app(
    settings: WebSettings | None = None,
    *,
    api_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or get_web_settings()
    observability.configure_logging(settings.log_format)
    stopping.watch()  # live streams end once the server is asked to stop
    vendor = StaticAssets("/static/vendor", vendor_paths(settings))
    own = StaticAssets("/static/app", app_files(PACKAGE_DIR / "static"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.api = ApiClient(
            settings.api_url,
            timeout=settings.api_timeout_seconds,
            connect_timeout=settings.api_connect_timeout_seconds,
            max_connections=settings.api_max_connections,
            transport=api_transport,
            cache_seconds=settings.read_cache_seconds,
        )
        try:
            yield
        finally:
            await app.state.api.aclose()

    app = FastAPI(
        # No OpenTelemetry (as in the API): FastAPI's would look for configured providers on
        # every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="ITPP Tracker web",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = security.load_secret_key(settings)
    app.state.renderer = Renderer(
        make_templates(settings, (own, vendor)),
        RenderCache(settings.render_cache_bytes, verify=settings.render_cache_verify),
    )
    # Inside the security layer (its headers, request id and log line apply to pages sent
    # again): pages sent again while nothing they read has changed (itpp_web.replay).
    app.add_middleware(
        ReplayMiddleware,
        max_bytes=settings.render_cache_bytes,
        verify=settings.render_cache_verify,
    )
    app.add_middleware(security.SecurityHeadersMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """Prometheus text format, for the bearer of ITPP_WEB_METRICS_TOKEN only (unset: 404)."""
        token = settings.metrics_token
        if token is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        authorization = request.headers.get("authorization")
        if not metrics_allowed(authorization, token.get_secret_value()):
            return Response(
                "Send 'Authorization: Bearer <ITPP_WEB_METRICS_TOKEN>'.",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        body, media_type = metrics_text()
        return Response(body, media_type=media_type)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        """Liveness of the web process (the API has its own probes)."""
        return Response("ok", media_type="text/plain")

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        """Readiness: the API answers its own /readyz (its database reachable and migrated)
        within READY_WITHIN seconds; otherwise 503, and the balancer sends no one here."""
        if await request.app.state.api.ready(READY_WITHIN):
            return Response("ok", media_type="text/plain")
        return Response(
            "The API is not ready.",
            status_code=503,
            media_type="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.get("/static/vendor/{name}", include_in_schema=False)
    async def vendor_file(name: str, request: Request) -> Response:
        return vendor.response(name, request.headers.get("accept-encoding", ""))

    @app.get("/static/app/{name}", include_in_schema=False)
    async def app_file(name: str, request: Request) -> Response:
        return own.response(name, request.headers.get("accept-encoding", ""))

    for router in all_routers():
        app.include_router(router)
    _install_error_pages(app)
    tune_collector()  # once per process: what it holds now is frozen (itpp_common.runtime)
    return app


def _error_page(
    request: Request, status_code: int, message: str, detail: str | None = None
) -> Response:
    render = renderer_of(request)
    return render(
        request,
        "error.html",
        {"status_code": status_code, "message": message, "detail": detail},
        block="message",
        status_code=status_code,
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return await sign_in_redirect(request)

    @app.exception_handler(security.CsrfRefused)
    async def csrf_refused(request: Request, exc: security.CsrfRefused) -> Response:
        fmt = formatter(request)
        return _error_page(
            request, 403, messages.translate(fmt, messages.CSRF_MESSAGES, exc.reason)
        )

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            return await sign_in_redirect(request)
        fmt = formatter(request)
        if exc.status == 503:  # the API is up but cannot serve now (its database is busy)
            page = _error_page(request, 503, fmt.gettext(messages.UNAVAILABLE))
            page.headers["Retry-After"] = exc.headers.get("retry-after", str(RETRY_AFTER_SECONDS))
            return page
        readers = exc.status in READERS_STATUSES or exc.slug in READERS_PROBLEMS
        status = exc.status if readers else 502
        return _error_page(request, status, messages.problem_message(fmt, exc), exc.detail)

    @app.exception_handler(DamagedCursor)
    async def damaged_cursor(request: Request, exc: DamagedCursor) -> Response:
        fmt = formatter(request)
        damaged = messages.translate(fmt, messages.PROBLEM_MESSAGES, "invalid-cursor")
        return _error_page(request, 400, damaged)

    @app.exception_handler(ApiUnavailable)
    async def api_unavailable(request: Request, exc: ApiUnavailable) -> Response:
        log.warning("API unreachable: %s", exc)
        fmt = formatter(request)
        page = _error_page(request, 503, fmt.gettext(messages.UNAVAILABLE))
        page.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return page

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        fmt = formatter(request)
        if exc.status_code == 404:
            return _error_page(request, 404, fmt.gettext(messages.NOT_FOUND_PAGE))
        if exc.status_code == 403:
            forbidden = messages.translate(fmt, messages.PROBLEM_MESSAGES, "forbidden")
            return _error_page(request, 403, forbidden)
        if exc.status_code == 405:
            return _error_page(
                request, 405, fmt.gettext("This address does not accept that kind of request.")
            )
        return _error_page(request, exc.status_code, fmt.gettext(messages.UNEXPECTED))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fmt = formatter(request)
        return _error_page(
            request, 400, fmt.gettext("The address or form has values this page does not accept.")
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        fmt = formatter(request)
        return _error_page(request, 500, fmt.gettext(messages.UNEXPECTED))
