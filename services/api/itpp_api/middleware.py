"""ASGI middleware: the request body limit, refusing text no engine can store (NUL, lone
surrogates), Idempotency-Key replay."""

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.exc import DBAPIError

from itpp_api.concurrency import run_db
from itpp_api.conventions import IDEMPOTENCY_KEY_PATTERN, dump_json
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


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413 before any handler parses them.

    The import operations (`import_paths`: whole plan documents and plan exports) have a
    limit of their own, `import_max_bytes`.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        *,
        import_paths: frozenset[str] = frozenset(),
        import_max_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_paths = import_paths
        self.import_max_bytes = max(import_max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.import_max_bytes if scope["path"] in self.import_paths else self.max_bytes
        too_large = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send, too_large, scope["path"])
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_problem(send, too_large, scope["path"])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope.setdefault("state", {})["raw_body"] = body
        await self.app(scope, _replaying(body, receive), send)


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


class StorableTextMiddleware:
    """Refuse text that no engine can store with 422, before any handler runs: NUL (U+0000)
    and lone surrogates (U+D800 to U+DFFF), wherever they are in a query, form or JSON body.

    PostgreSQL cannot store or even compare NUL (a search for it was a 500); neither engine
    can store a lone surrogate (a title holding one was a 500). Refused the same way on both
    engines.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _flaw_location(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
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


def bearer_secret(scope: Scope) -> str | None:
    """The bearer token of a request, if it sends one."""
    authorization = _header(scope, b"authorization") or ""
    kind, _, secret = authorization.strip().partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


class IdempotencyMiddleware:
    """Replay the stored response of a POST retried with the same Idempotency-Key.

    Keys belong to an authenticated token and are looked at only after its authentication: a
    request without a valid token (sign-in, or a revoked token's retry) runs as if it carried
    no key, and gets the answer it gets without one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
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
        body = scope.get("state", {}).get("raw_body", b"")
        secret = bearer_secret(scope)
        if secret is None:
            await self.app(scope, _replaying(body, receive), send)
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
            await self.app(scope, _replaying(body, receive), send)
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
            await self.app(scope, _replaying(body, receive), capture)
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


async def _after_response(work: Callable[[], None]) -> None:
    """Record a key's outcome; if the database cannot take it now, the key stays in flight
    until ITPP_IDEMPOTENCY_IN_FLIGHT_SECONDS and is then freed."""
    try:
        await run_db(work, write=True)
    except (DomainError, DBAPIError) as error:
        logger.warning("an Idempotency-Key's outcome was not recorded: %s", error)
