"""The API's one ASGI layer (`Gateway`), between uvicorn and the router: errors as problem+json,
the request body limit, refusing text no engine can store (NUL, lone surrogates), Idempotency-Key
replay, the request id (X-Request-ID) and each request's log line and metrics.

One layer instead of the eight FastAPI and Starlette stack by default (server errors, exception
telemetry, FastAPI's body limit, our three, exceptions, the exit stack for uploaded files): a
request the layer has nothing to do for (a GET without NUL in its query: most of them) goes
straight to the router, and what can be decided once (the exception handlers, the limits) is
decided when the application is built. bench/plumbing.py measures what this saves.
"""

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from contextlib import AsyncExitStack
from functools import partial
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl

import structlog
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response

from itpp_api.concurrency import run_db
from itpp_api.db import database_unavailable, is_transient
from itpp_api.errors import (
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    DomainError,
    FieldError,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    IdempotentResponseNotKept,
    PayloadTooLarge,
    ValidationFailed,
)
from itpp_api.idempotency import service as idempotency
from itpp_api.observability import access_log
from itpp_api.wire import IDEMPOTENCY_KEY_PATTERN, dump_json
from itpp_common.observability import REQUEST_ID_HEADER, request_id_from, route_of

logger = logging.getLogger("itpp_api.middleware")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY_PATTERN = re.compile(IDEMPOTENCY_KEY_PATTERN)


async def send_problem(send: Send, error: DomainError, instance: str) -> None:
    body = dump_json(error.to_problem(instance).model_dump(exclude_none=True))
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _read_body(scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
    """The whole request body, or None when it was refused with 413 (over `limit` bytes,
    declared or sent) or the client went away."""
    too_large = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        await send_problem(send, too_large, scope["path"])
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            await send_problem(send, too_large, scope["path"])
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


# A lone surrogate (U+D800 to U+DFFF) is not a character: JSON can spell one (`"\ud800"`), and
# Python's JSON reader, as FastAPI uses it, lets it through into text no engine can store.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Cheap first look at the raw body: an escaped surrogate, or one encoded as UTF-8 bytes.
_SURROGATE_IN_BODY = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_FLAWS = {
    "string_nul": ("must not contain NUL (U+0000)", "text must not contain NUL (U+0000)"),
    "string_surrogate": (
        "must not contain a lone surrogate (U+D800 to U+DFFF): text must be valid Unicode",
        "text must not contain a lone surrogate (U+D800 to U+DFFF)",
    ),
}


def _flaw(text: str) -> str | None:
    """Why no engine can store this text (a key of _FLAWS), if it cannot."""
    if "\x00" in text:
        return "string_nul"
    if _SURROGATE.search(text):
        return "string_surrogate"
    return None


def _named(key: str) -> str:
    """A key as the error's location can show it (without the flaw itself)."""
    return _SURROGATE.sub("\ufffd", key.replace("\x00", ""))


Found = tuple[list[str | int], str]


def _flaw_in_pairs(encoded: bytes, location: str) -> Found | None:
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        flaw = _flaw(name) or _flaw(value)
        if flaw:
            return [location, _named(name)], flaw
    return None


def _flaw_in_json(value: Any, loc: list[str | int]) -> Found | None:
    if isinstance(value, str):
        flaw = _flaw(value)
        return (loc, flaw) if flaw else None
    if isinstance(value, dict):
        for key, item in value.items():
            flaw = _flaw(key)
            if flaw:
                return [*loc, _named(key)], flaw
            found = _flaw_in_json(item, [*loc, key])
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _flaw_in_json(item, [*loc, index])
            if found:
                return found
    return None


def _flaw_location(scope: Scope) -> Found | None:
    """Where the request's text holds what no engine can store (query, form or JSON body)."""
    query = bytes(scope.get("query_string", b""))
    if b"%00" in query or b"\x00" in query:
        found = _flaw_in_pairs(query, "query")
        if found:
            return found
    body: bytes = scope.get("state", {}).get("raw_body", b"")
    content_type = (_header(scope, b"content-type") or "").lower()
    # FastAPI reads a body without a content type as JSON too.
    if ("json" in content_type or not content_type) and (
        b"\\u0000" in body or _SURROGATE_IN_BODY.search(body)
    ):
        try:
            # Read as FastAPI reads it (orjson refuses a lone surrogate outright).
            return _flaw_in_json(json.loads(body), ["body"])
        except ValueError:
            return None  # not JSON at all: the handler reports that
    if (b"%00" in body or b"\x00" in body) and "x-www-form-urlencoded" in content_type:
        return _flaw_in_pairs(body, "body")
    return None


async def _refused_unstorable(scope: Scope, send: Send) -> bool:
    """Refuse text that no engine can store with 422, before any handler runs: NUL (U+0000)
    and lone surrogates (U+D800 to U+DFFF), wherever they are in a query, form or JSON body.

    PostgreSQL cannot store or even compare NUL (a search for it was a 500); neither engine
    can store a lone surrogate (a title holding one was a 500). Refused the same way on both
    engines.
    """
    found = _flaw_location(scope)
    if found is None:
        return False
    location, flaw = found
    message, detail = _FLAWS[flaw]
    await send_problem(
        send,
        ValidationFailed(
            f"{'.'.join(str(part) for part in location)}: {detail}.",
            errors=[FieldError(loc=location, msg=message, type=flaw)],
        ),
        scope["path"],
    )
    return True


def bearer_secret(scope: Scope) -> str | None:
    """The bearer token of a request, if it sends one."""
    authorization = _header(scope, b"authorization") or ""
    kind, _, secret = authorization.strip().partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


async def _idempotent(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, key: str, body: bytes
) -> None:
    """Replay the stored response of a POST retried with the same Idempotency-Key.

    Keys belong to an authenticated token and are looked at only after its authentication: a
    request without a valid token (sign-in, or a revoked token's retry) runs as if it carried
    no key, and gets the answer it gets without one.
    """
    path = scope["path"]
    if not _KEY_PATTERN.match(key):
        await send_problem(
            send,
            BadRequest(
                "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is best)."
            ),
            path,
        )
        return
    secret = bearer_secret(scope)
    if secret is None:
        await app(scope, _replaying(body, receive), send)
        return
    claim_key = partial(
        idempotency.claim,
        secret=secret,
        key=key,
        method=scope["method"],
        path=path,
        query=bytes(scope.get("query_string", b"")),
        body=body,
    )
    try:
        claim = await run_db(claim_key, write=True)
    except DomainError as error:  # no turn at the database in time (503)
        await send_problem(send, error, path)
        return
    except DBAPIError as error:
        if not is_transient(error):
            raise
        await send_problem(send, database_unavailable(), path)
        return
    if claim.outcome == "unauthenticated":
        await app(scope, _replaying(body, receive), send)
        return
    if claim.outcome == "withheld":
        await send_problem(
            send,
            IdempotentResponseNotKept(
                f"The first request with this Idempotency-Key was answered "
                f"({claim.status}), but that answer carried a secret, which is shown once "
                "and never stored, so it is not replayed. If you did not receive it, find "
                "what the first request created (GET /api/v1/users/me/tokens, "
                "GET /api/v1/users/me/calendar-feeds), revoke it, and send a new request "
                "with a new key."
            ),
            path,
        )
        return
    if claim.outcome == "mismatch":
        await send_problem(
            send,
            IdempotencyKeyReused(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for a new request."
            ),
            path,
        )
        return
    if claim.outcome == "in_flight":
        await send_problem(
            send,
            IdempotencyInFlight(
                "The first request with this Idempotency-Key is still being processed; "
                "retry in a moment to get its response.",
                headers={"Retry-After": "1"},
            ),
            path,
        )
        return
    if claim.outcome == "replay":
        body_out = claim.body or b""
        headers = [(k.encode(), v.encode()) for k, v in claim.headers or []]
        headers += [
            (b"content-length", str(len(body_out)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        await send({"type": "http.response.start", "status": claim.status, "headers": headers})
        await send({"type": "http.response.body", "body": body_out})
        return
    status = 500
    headers_out: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status, headers_out
        if message["type"] == "http.response.start":
            status = message["status"]
            headers_out = [
                (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
                for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    try:
        await app(scope, _replaying(body, receive), capture)
    except BaseException:
        await _after_response(partial(idempotency.release, key_hash=claim.key_hash))
        raise
    await _after_response(
        partial(
            idempotency.complete,
            key_hash=claim.key_hash,
            status=status,
            headers=headers_out,
            body=b"".join(chunks),
        )
    )


def _log_request(scope: Scope, status: int, seconds: float, prefix: str) -> None:
    """The request's one log line and its metrics: the route's template, never the raw path
    (it may hold an email or a feed's secret), and none of the headers or body."""
    route = route_of(scope)
    if scope["path"].startswith(prefix) and route.startswith("/") and not route.startswith(prefix):
        # FastAPI names the route of an included router as its router declared it.
        route = prefix.rstrip("/") + route
    actor = scope.get("state", {}).get("actor")
    access_log.record(
        method=scope["method"],
        route=route,
        status=status,
        seconds=seconds,
        user_id=str(actor.user_id) if actor is not None and actor.user_id else None,
        party_id=str(actor.party_id) if actor is not None and actor.party_id else None,
    )


async def _after_response(work: Callable[[], None]) -> None:
    """Record a key's outcome; if the database cannot take it now, the key stays in flight
    until ITPP_IDEMPOTENCY_IN_FLIGHT_SECONDS and is then freed."""
    try:
        await run_db(work, write=True)
    except (DomainError, DBAPIError) as error:
        logger.warning("an Idempotency-Key's outcome was not recorded: %s", error)


Handler = Callable[[Request, Exception], Awaitable[Response]]


class Gateway:
    """Every request passes here once, on its way to the router (see the module's docstring).

    - Errors: an exception a route's own handling does not answer (a 404 or 405 from routing,
      an error here) is answered with its problem+json by the handler registered for its class
      (`handlers`); one of no registered class gets the catch-all's 500 and is re-raised for
      the server's log, as Starlette's ServerErrorMiddleware does. The handlers reach the
      routes through the scope, as Starlette's ExceptionMiddleware passes them.
    - Bodies over `max_bytes` (`import_max_bytes` on `import_paths`) are refused with 413
      before any handler parses them; a body read here is replayed to the handler and kept in
      the scope's state (`raw_body`).
    - Text no engine can store is refused with 422 (`_refused_unstorable`).
    - A POST with an Idempotency-Key is replayed or recorded (`_idempotent`).
    - The request's id (its well-formed X-Request-ID, else a new one) is bound to every log
      line while it runs and returned in X-Request-ID; when it ends, one log line and the
      request metrics name its route template, status and duration (`_log_request`).
    - The request goes to the router of its path's first segment under `prefix`
      (`segment_routers`, main.ItppApi), else to `app`'s.
    - Where every route needs a bearer token (`authenticated_segments`), a request whose
      token is malformed or was refused lately for good is answered 401 here, before routing
      (`refused_token`): the same answer its route would give, at a fraction of the cost, so
      a flood of invalid tokens keeps the event loop free for the valid requests.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        handlers: Mapping[type[BaseException], Handler],
        segment_routers: Mapping[str, ASGIApp],
        prefix: str,
        authenticated_segments: frozenset[str] = frozenset(),
        refused_token: Callable[[str], DomainError | None] = lambda _: None,
        max_bytes: int,
        import_paths: frozenset[str] = frozenset(),
        import_max_bytes: int = 0,
        stream_paths: re.Pattern[str] | None = None,
        stream_max_bytes: int = 0,
    ) -> None:
        self.app = app
        self.segment_routers = segment_routers
        self.prefix = prefix
        self.authenticated_segments = authenticated_segments
        self.refused_token = refused_token
        self.max_bytes = max_bytes
        self.import_paths = import_paths
        self.import_max_bytes = max(import_max_bytes, max_bytes)
        self.stream_paths = stream_paths
        self.stream_max_bytes = max(stream_max_bytes, max_bytes)
        self._catch_all = handlers.get(Exception)
        self._handlers = {kind: h for kind, h in handlers.items() if kind is not Exception}
        # What Starlette's ExceptionMiddleware puts in the scope for the routes' own handling.
        self._scope_handlers: tuple[dict[Any, Handler], dict[int, Handler]] = (self._handlers, {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = perf_counter()
        scope["starlette.exception_handlers"] = self._scope_handlers
        scope["router"] = self.app  # what url_for looks in: every route, not the segment's
        request_id = request_id_from(_header(scope, REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        # Every line logged while this request runs (here or in its worker threads) names it.
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500  # unless a response starts
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        try:
            # FastAPI closes uploaded files with this stack when the request ends.
            async with AsyncExitStack() as files:
                scope["fastapi_middleware_astack"] = files
                await self._handle(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            handler = self._handler_for(exc)
            request = Request(scope, receive)
            if handler is not None:
                await (await handler(request, exc))(scope, receive, tracked)
                return
            if self._catch_all is not None:
                await (await self._catch_all(request, exc))(scope, receive, tracked)
            raise
        finally:
            _log_request(scope, status, perf_counter() - began, self.prefix)
            structlog.contextvars.unbind_contextvars("request_id")

    async def _stream(self, router: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST whose handler reads its body as it arrives (an upload, `stream_paths`): not
        read here, nor replayable with an Idempotency-Key, but refused with 413 once it is
        declared or found larger than `stream_max_bytes`."""
        if await _refused_unstorable(scope, send):  # the query; the body is not looked at
            return
        limit = self.stream_max_bytes
        too_large = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send, too_large, scope["path"])
            return
        size = 0

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                raise too_large
            return message

        await router(scope, counted, send)

    def _handler_for(self, exc: Exception) -> Handler | None:
        for kind in type(exc).__mro__:
            if kind is Exception:
                return None
            handler = self._handlers.get(kind)
            if handler is not None:
                return handler
        return None

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        router = self.app
        if path.startswith(self.prefix):
            segment = path[len(self.prefix) :].partition("/")[0]
            router = self.segment_routers.get(segment, router)
            if segment in self.authenticated_segments:
                authorization = _header(scope, b"authorization")
                refusal = self.refused_token(authorization) if authorization else None
                if refusal is not None:
                    await send_problem(send, refusal, path)
                    return
        method = scope["method"]
        if method not in _BODY_METHODS:
            query = scope.get("query_string", b"")
            if (b"%00" in query or b"\x00" in query) and await _refused_unstorable(scope, send):
                return
            await router(scope, receive, send)
            return
        if self.stream_paths is not None and method == "POST" and self.stream_paths.match(path):
            await self._stream(router, scope, receive, send)
            return
        limit = self.import_max_bytes if scope["path"] in self.import_paths else self.max_bytes
        body = await _read_body(scope, receive, send, limit)
        if body is None:
            return
        scope.setdefault("state", {})["raw_body"] = body
        if await _refused_unstorable(scope, send):
            return
        key = _header(scope, b"idempotency-key") if method == "POST" else None
        if key is None:
            await router(scope, _replaying(body, receive), send)
            return
        await _idempotent(router, scope, receive, send, key, body)
