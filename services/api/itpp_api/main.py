"""The API application: routers, error handlers and middleware."""

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp

from itpp_api import __version__
from itpp_api.amendments.router import router as amendments_router
from itpp_api.attachments.router import router as attachments_router
from itpp_api.attachments.schemas import AttachmentUpload
from itpp_api.audit.router import router as audit_router
from itpp_api.auth.dependencies import authenticates, refuse_malformed_token, refused_token
from itpp_api.auth.router import router as auth_router
from itpp_api.calendar.router import router as calendar_router
from itpp_api.comments.router import router as comments_router
from itpp_api.commitments.router import router as commitments_router
from itpp_api.config import get_settings
from itpp_api.dashboard.router import router as dashboard_router
from itpp_api.db import database_unavailable, is_transient
from itpp_api.deps import check_before_admission
from itpp_api.documents.router import router as documents_router
from itpp_api.documents.schemas import PlanDocumentUpload
from itpp_api.errors import (
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    Conflict,
    DomainError,
    FieldError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    Problem,
    ValidationFailed,
    problem_openapi_response,
)
from itpp_api.exchanges.router import router as exchanges_router
from itpp_api.health import router as health_router
from itpp_api.inbox.router import router as inbox_router
from itpp_api.metrics import router as metrics_router
from itpp_api.middleware import Gateway
from itpp_api.notifications.router import router as notifications_router
from itpp_api.observability import configure_logging
from itpp_api.parties.router import router as parties_router
from itpp_api.plans.router import router as plans_router
from itpp_api.portfolio.router import router as portfolio_router
from itpp_api.reviews.router import router as reviews_router
from itpp_api.routing import OneHopRoute
from itpp_api.saved_views.router import router as saved_views_router
from itpp_api.search.router import router as search_router
from itpp_api.transfer.router import router as transfer_router
from itpp_api.updates.router import router as updates_router
from itpp_api.users.router import router as users_router
from itpp_api.webhooks.router import router as webhooks_router
from itpp_api.wire import dump_json
from itpp_common import stopping
from itpp_common.runtime import tune_collector

logger = logging.getLogger("itpp_api")

API_PREFIX = "/api/v1"
# The operations that take whole plans: their bodies may be larger (ITPP_MAX_IMPORT_BYTES).
IMPORT_PATHS = frozenset({f"{API_PREFIX}/plans/import", f"{API_PREFIX}/plans/import-json"})
# The uploads: their handlers stream the body to storage (ITPP_ATTACHMENT_MAX_BYTES).
UPLOAD_PATHS = re.compile(
    rf"^{API_PREFIX}/(commitments|exchanges|reviews|amendments|updates)/[^/]+(/items/[^/]+)?/attachments$"
)
# The multipart framing around an upload's file.
UPLOAD_OVERHEAD_BYTES = 64 * 1024

DESCRIPTION = """\
The system of record for delivering a partnership cooperation plan — the reference case is
the Japan–NATO Individually Tailored Partnership Programme.

Conventions: errors are RFC 9457 `application/problem+json` with a stable `type`; lists use
cursor pagination (`limit`, `cursor`, `next_cursor`); records carry an `ETag` and updates need
`If-Match`; `POST` accepts an `Idempotency-Key`.
"""


def problem_response(error: DomainError, request: Request) -> Response:
    problem = error.to_problem(instance=request.url.path)
    return Response(
        content=dump_json(problem.model_dump(exclude_none=True)),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers,
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(exc, request)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            loc=[part for part in error.get("loc", ()) if isinstance(part, str | int)],
            msg=str(error.get("msg", "invalid")).removeprefix("Value error, "),
            type=str(error.get("type", "invalid")),
        )
        for error in exc.errors()
    ]
    summary = "; ".join(
        f"{'.'.join(str(p) for p in e.loc[1:]) or e.loc[0] if e.loc else 'request'}: {e.msg}"
        for e in errors[:5]
    )
    return problem_response(
        ValidationFailed(summary or "The request is not valid.", errors=errors), request
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for path, item in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, request.url.path):
            methods.update(method.upper() for method in item if method != "parameters")
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error: DomainError
    if exc.status_code == 404:
        error = NotFound(f"Nothing at {request.url.path}.")
    elif exc.status_code == 405:
        allowed = _allowed_methods(request)
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path}; "
            f"allowed: {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        )
    else:
        error = BadRequest(str(exc.detail))
        error.status = exc.status_code  # type: ignore[misc]
    return problem_response(error, request)


async def _integrity_error(request: Request, exc: Exception) -> Response:
    logger.warning("integrity error: %s", exc)
    return problem_response(
        Conflict("The change conflicts with another record (a duplicate or a dangling reference)."),
        request,
    )


async def _database_error(request: Request, exc: Exception) -> Response:
    """503 with Retry-After for every database error that means "try again" (db.is_transient:
    the pool's timeout, SQLite's busy timeout, a connection that failed, broke or stopped
    answering, a statement or lock timeout, a serialization failure); any other driver error
    is a bug: 500.

    The PostgreSQL pool does not ping connections before use, so one the server dropped fails
    the request that gets it; SQLAlchemy then replaces the pool's connections.
    """
    if not is_transient(exc):
        return await _unexpected_error(request, exc)
    logger.error("database error: %s", exc)
    return problem_response(database_unavailable(), request)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error", exc_info=exc)
    return problem_response(
        InternalError("Something went wrong on our side; it has been logged."), request
    )


_OPERATION_METHODS = frozenset({"get", "put", "post", "delete", "patch"})
_BODY_LIMITED_METHODS = frozenset({"post", "put", "patch", "delete"})
_NO_DATABASE = frozenset({"getHealth"})


def _cross_cutting_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The errors an operation gets from the middleware and framework, not from its handler."""
    statuses: set[int] = set()
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    if method in _BODY_LIMITED_METHODS:
        statuses.add(413)  # BodyLimitMiddleware, whatever the operation
    if "requestBody" in operation:
        statuses |= {400, 422}  # a body that cannot be parsed; one that does not validate
    if "Idempotency-Key" in headers:
        statuses |= {400, 409, 422}  # a malformed key; a key in flight; a key reused
    if operation.get("operationId") not in _NO_DATABASE:
        statuses.add(503)  # the database is busy, unreachable or not migrated
    return statuses


def _document_cross_cutting_errors(schema: dict[str, Any]) -> None:
    """Add the problem responses every operation of a kind may get, in status order."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _OPERATION_METHODS:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status in _cross_cutting_statuses(method, operation):
                responses.setdefault(str(status), problem_openapi_response(status))
            operation["responses"] = dict(sorted(responses.items()))


def _parameters_are_never_null(schema: dict[str, Any]) -> None:
    """An optional parameter is absent, never null: drop the `null` branch FastAPI gives to
    `X | None` parameters, so clients type an optional header or query as `X`, not `X | null`;
    and If-Match is documented as the required header it is."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _OPERATION_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                branches = parameter["schema"].get("anyOf", [])
                kept = [branch for branch in branches if branch != {"type": "null"}]
                if len(kept) == 1 and len(branches) == 2:
                    outer = {k: v for k, v in parameter["schema"].items() if k != "anyOf"}
                    parameter["schema"] = {**kept[0], **outer}
                # The handlers take If-Match as optional only to answer its absence with 428
                # (precondition-required) instead of a validation error: it is required.
                if parameter["in"] == "header" and parameter["name"] == "If-Match":
                    parameter["required"] = True


def _name_enum_values(schema: dict[str, Any]) -> None:
    """Give enums whose values are not identifiers (the sort orders: `-due_date`) names for
    generated code (`x-enum-varnames`: `DUE_DATE_DESC`), instead of the generators' `VALUE_3`."""
    for definition in schema.get("components", {}).get("schemas", {}).values():
        values = definition.get("enum", [])
        if not all(isinstance(v, str) for v in values) or all(v.isidentifier() for v in values):
            continue
        names = [
            re.sub(r"\W", "_", v.lstrip("-")).upper() + ("_DESC" if v.startswith("-") else "")
            for v in values
        ]
        if len(set(names)) == len(names):
            definition["x-enum-varnames"] = names


# A text in several languages as responses carry it (requests use LocalizedText, with its
# bounds): one named schema, so generated clients have one class for every such field.
TEXT_BY_LANGUAGE = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "title": "TextByLanguage",
    "description": "Text by BCP 47 language tag (`ja`, `en`, …), as the API returns it.",
    "example": {"en": "Cyber defence", "ja": "サイバー防衛"},
}
_INLINE_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}


def _name_localized_texts(schema: dict[str, Any]) -> None:
    """Replace the inline `{lang: text}` objects of the response schemas (one per field, which
    generators turn into a class each: `CommitmentPublicTitle`, `ExchangePublicOutcomeType0`…)
    with a reference to the one TextByLanguage schema; a field keeps its own description."""
    reference = {"$ref": "#/components/schemas/TextByLanguage"}

    def named(node: Any) -> Any:
        if isinstance(node, list):
            return [named(item) for item in node]
        if not isinstance(node, dict):
            return node
        if {k: v for k, v in node.items() if k not in ("title", "description")} == _INLINE_TEXT:
            return {
                **reference,
                **({"description": node["description"]} if "description" in node else {}),
            }
        return {key: named(value) for key, value in node.items()}

    components = schema["components"]["schemas"]
    for name, definition in list(components.items()):
        components[name] = named(definition)
    components["TextByLanguage"] = TEXT_BY_LANGUAGE


def _custom_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["Problem"] = problem_schema
    # The form of the plan-document upload, which the handler reads itself (documents/router).
    components["PlanDocumentUpload"] = PlanDocumentUpload.model_json_schema()
    # The form of the attachment uploads, which their handler streams itself (attachments/router).
    components["AttachmentUpload"] = AttachmentUpload.model_json_schema()
    _document_cross_cutting_errors(schema)
    _parameters_are_never_null(schema)
    _name_enum_values(schema)
    _name_localized_texts(schema)
    app.openapi_schema = schema
    return schema


OPENAPI_TAGS = [
    {"name": "plans", "description": "Partnership plans between two or more parties."},
    {"name": "priority areas", "description": "The ordered, coded priority areas of a plan."},
    {"name": "commitments", "description": "What a party undertakes, with milestones."},
    {"name": "exchanges", "description": "Exchanges and placements delivering commitments."},
    {
        "name": "progress updates",
        "description": "Dated reports of a commitment's status and progress, with evidence; "
        "confirmed by the lead party where the plan asks for it.",
    },
    {
        "name": "reviews",
        "description": "Joint reviews: each party's assessment, agreed ratings, sign-offs.",
    },
    {"name": "calendar", "description": "The plan's dates as iCalendar; personal feed URLs."},
    {
        "name": "saved views",
        "description": "A user's named filters and order of the commitment and exchange lists.",
    },
    {"name": "dashboard", "description": "Where a plan stands, at a glance."},
    {
        "name": "amendments",
        "description": "Changes to an agreed plan; they apply when every party approves.",
    },
    {
        "name": "versions",
        "description": "Numbered snapshots of a plan, their diffs, the plan as of a date.",
    },
    {
        "name": "documents",
        "description": "The plan as a document (HTML, Markdown, PDF); a draft from a document.",
    },
    {
        "name": "exports",
        "description": "Whole plans as JSON and back; commitments and exchanges as CSV or XLSX.",
    },
    {
        "name": "attachments",
        "description": "Files attached to commitments, exchanges, reviews, review items and "
        "amendments: evidence, checked by content, downloaded as attachments.",
    },
    {
        "name": "comments",
        "description": "Threads on the same records: replies, mentions, edits kept as "
        "revisions; shared or internal to the author's party.",
    },
    {"name": "parties", "description": "Signatories and their organisations."},
    {"name": "authentication", "description": "Signing in and out; the caller's tokens."},
    {"name": "users", "description": "The caller's profile; party admins manage users."},
    {"name": "audit", "description": "The hash-chained log of every write, and record history."},
    {
        "name": "search",
        "description": "Every record you may see, across your plans, in both languages.",
    },
    {"name": "probes", "description": "Liveness and readiness."},
]


class ItppApi(FastAPI):
    """FastAPI with one ASGI layer in front of the router (middleware.Gateway) instead of the
    stack FastAPI builds (see middleware.py for what it replaces and why), and routers indexed
    by the first segment of their paths under /api/v1.

    FastAPI matches a request against every route of every router included before the one
    that serves it (two passes for the one that matches): about 2 µs a route, 0.2 to 0.3 ms a
    request for the later domains. `include_domain` also includes a domain's router in one
    router per segment its paths start with (`/api/v1/parties/...`: "parties"), with the same
    routers in the same order, so a request is matched only against the routes that can serve
    it, with FastAPI's own matching (404, 405, trailing slashes alike). Paths outside
    /api/v1/<segment> (probes, the OpenAPI document) use the application's router.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._domains: list[APIRouter] = []

    def include_domain(self, router: APIRouter) -> None:
        """Serve a domain's router under /api/v1 (its routes are OneHopRoutes)."""
        for route in router.routes:
            if isinstance(route, APIRoute) and not isinstance(route, OneHopRoute):
                raise RuntimeError(f"{route.path}: give its router route_class=OneHopRoute")
        self.include_router(router, prefix=API_PREFIX)
        self._domains.append(router)

    def _authenticated_segments(self) -> frozenset[str]:
        """The segments whose every route needs a bearer token."""
        segments: dict[str, bool] = {}
        for domain in self._domains:
            for route in domain.routes:
                segment = getattr(route, "path", "").removeprefix("/").partition("/")[0]
                needs = isinstance(route, APIRoute) and authenticates(route.dependant)
                segments[segment] = segments.get(segment, True) and needs
        return frozenset(segment for segment, needs in segments.items() if needs)

    def _segment_routers(self) -> dict[str, ASGIApp]:
        segments: dict[str, list[APIRouter]] = {}
        for domain in self._domains:
            for route in domain.routes:
                path = getattr(route, "path", "")
                segment = path.removeprefix("/").partition("/")[0]
                if not path.startswith("/") or not segment or "{" in segment:
                    raise RuntimeError(f"{path!r} cannot be indexed by its first segment")
                routers = segments.setdefault(segment, [])
                if domain not in routers:
                    routers.append(domain)
        index: dict[str, ASGIApp] = {}
        for segment, routers in segments.items():
            segment_router = APIRouter(dependency_overrides_provider=self)
            for domain in sorted(routers, key=self._domains.index):
                segment_router.include_router(domain, prefix=API_PREFIX)
            index[segment] = segment_router
        return index

    def build_middleware_stack(self) -> ASGIApp:
        if self.user_middleware:
            raise RuntimeError("add what a request needs to middleware.Gateway, not middleware")
        settings = get_settings()
        return Gateway(
            self.router,
            segment_routers=self._segment_routers(),
            authenticated_segments=self._authenticated_segments(),
            refused_token=refused_token,
            prefix=API_PREFIX + "/",
            handlers=self.exception_handlers,  # type: ignore[arg-type]
            max_bytes=settings.max_body_bytes,
            import_paths=IMPORT_PATHS,
            import_max_bytes=settings.max_import_bytes,
            stream_paths=UPLOAD_PATHS,
            stream_max_bytes=settings.attachment_max_bytes + UPLOAD_OVERHEAD_BYTES,
        )


def create_app() -> FastAPI:
    """Build the API application."""
    app = ItppApi(
        # No OpenTelemetry here: FastAPI's would look for configured providers on every
        # request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="ITPP Tracker API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    configure_logging(get_settings().log_format)
    stopping.watch()  # long polls answer at once once the server is asked to stop
    app.include_router(health_router)
    app.include_router(metrics_router)
    domains = (
        auth_router,
        users_router,
        inbox_router,
        search_router,
        portfolio_router,
        notifications_router,
        plans_router,
        commitments_router,
        exchanges_router,
        dashboard_router,
        reviews_router,
        calendar_router,
        saved_views_router,
        amendments_router,
        documents_router,
        transfer_router,
        parties_router,
        audit_router,
        webhooks_router,
        attachments_router,
        comments_router,
        updates_router,
    )
    for router in domains:
        app.include_domain(router)
        for route in router.routes:
            if isinstance(route, APIRoute) and authenticates(route.dependant):
                check_before_admission(route.endpoint, refuse_malformed_token)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.openapi = lambda: _custom_openapi(app)  # type: ignore[method-assign]
    tune_collector()  # once per process: what it holds now is frozen (itpp_common.runtime)
    return app
