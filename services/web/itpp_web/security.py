"""CSRF protection, cookies and security headers of the web service.

CSRF: every browser gets a random `itpp_csrf` cookie; pages carry a token that is an HMAC
of that cookie under the service's secret key. A state-changing request must send the token
(form field `csrf_token` or header `X-CSRF-Token`, which htmx adds from the page) and, when
the browser names an origin, come from our own origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from time import perf_counter
from urllib.parse import urlsplit

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itpp_common.config import secret_key
from itpp_common.observability import REQUEST_ID_HEADER, request_id_from, route_of
from itpp_web.config import WebSettings
from itpp_web.observability import access_log, current_request_id
from itpp_web.render_cache import reading_answers

SESSION_COOKIE = "itpp_session"
CSRF_COOKIE = "itpp_csrf"
LANGUAGE_COOKIE = "itpp_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class CsrfRefused(Exception):
    """A state-changing request without a valid token, or from another origin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_secret_key(settings: WebSettings) -> bytes:
    """The configured key, else one generated once and kept (owner-only) in var/."""
    return secret_key(settings.secret_key, settings.var_dir / "web-secret-key")


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(key: bytes, seed: str) -> str:
    return hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()


def is_secure(request: Request, settings: WebSettings) -> bool:
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def own_origin(request: Request) -> str:
    host = request.headers.get("host", "")
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    return f"{scheme}://{host}".lower()


def check_origin(request: Request) -> None:
    """Refuse a request whose Origin (or, without one, Referer) is not this site."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return  # neither header: the token alone decides (old browsers, privacy settings)
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() == "null" or origin.lower() != own_origin(request):
        raise CsrfRefused("foreign-origin")


def check_token(request: Request, key: bytes, sent: str | None) -> None:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not sent:
        raise CsrfRefused("missing-token")
    if not hmac.compare_digest(csrf_token(key, seed), sent):
        raise CsrfRefused("invalid-token")


class SecurityHeadersMiddleware:
    """The web's one ASGI layer of its own: the security headers and `Vary: HX-Request` on
    every response; the request id (X-Request-ID, passed on to the API); one log line and the
    request metrics per request (route template, status, duration, user and party ids)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = perf_counter()
        sent_id = next((v for k, v in scope["headers"] if k == REQUEST_ID_HEADER), None)
        request_id = request_id_from(sent_id.decode("latin-1") if sent_id else None)
        reset = current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500  # unless a response starts

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"vary", b"HX-Request, HX-History-Restore-Request, Cookie"),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
                headers.extend(pair for pair in extra if pair[0] not in names)
                if b"cache-control" not in names:
                    content_type = dict(headers).get(b"content-type", b"")
                    if content_type.startswith(b"text/html"):
                        # Pages show a signed-in user's data: keep them out of shared caches.
                        headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            with reading_answers():  # the kept answers the page is keyed by (render_cache)
                await self.app(scope, receive, send_with_headers)
        finally:
            _log_request(scope, status, perf_counter() - began)
            structlog.contextvars.unbind_contextvars("request_id")
            current_request_id.reset(reset)


def _log_request(scope: Scope, status: int, seconds: float) -> None:
    """One line: the route's template (never the raw path or query), never headers or body."""
    state = scope.get("state", {})
    viewer = state.get("signed_in")
    # A page sent again (itpp_web.replay) names the user it was made for.
    user = getattr(viewer, "user", None) or state.get("replayed_user") or {}
    access_log.record(
        method=scope["method"],
        route=route_of(scope),
        status=status,
        seconds=seconds,
        user_id=str(user["id"]) if user.get("id") else None,
        party_id=str(user["party_id"]) if user.get("party_id") else None,
    )
