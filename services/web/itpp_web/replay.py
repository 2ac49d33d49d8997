"""Pages sent again when nothing they read has changed (issue 18, item 8).

A signed-in page is made from the request and from the API's answers. When every API call a
page made was a read of an answer the web keeps (a composite read revalidated with its ETag,
a read of the per-token read cache: `render_cache.AnswersRead`), the page is a function of the
request and of those answers' bytes. So the page sent is recorded with the reads it made, and
the next GET from the same session for the same address with the same headers first checks
exactly those reads again (`ApiClient.unchanged`: the conditional request to the API, answered
304, for a composite read; the same unexpired read-cache entry for the others). When all are
unchanged, the recorded page is sent without running the route: nothing is parsed, built or
rendered. When any changed, or anything else happens, the route runs as always.

The rules that keep it exact:

- The key is a digest of the method, path and query, every request header but those no page
  reads (the request id, connection and caching headers, fetch metadata, the encodings
  accepted: pages are sent as they are), and the day: the cookies are part of it, so a page is
  only ever sent again to the session (and CSRF seed, language, notice) it was made for.
- Only a page (200, HTML) that sets no cookie, from a request that read at least one kept
  answer and whose every API call was such a read, for its session's token, is recorded; a
  write, a plain read, a read cache turned off, a page consuming a notice, a page that read
  nothing from the API: never.
- The reads are checked again for the session's token (the key holds its cookie, so it is the
  token the page was made for, and each read is named by its bytes' digest): a conditional
  request is also the API's own check that the session is still valid (401: the route runs and
  signs out).
- With `ITPP_WEB_RENDER_CACHE_VERIFY` (the tests' web processes), a page found is made again by
  its route and the two compared byte for byte: a difference is an error (`RenderMismatch`), so
  every page the web and browser tests see twice checks that the reads stand for all it shows.

Recorded pages are bounded by their total size (`ITPP_WEB_RENDER_CACHE_BYTES`, as the render
cache; 0: off), the least recently used going first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import orjson
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itpp_web import security
from itpp_web.api import ApiClient
from itpp_web.lru import SizedLRU
from itpp_web.observability import PAGES_SENT
from itpp_web.render_cache import KeptRead, RenderMismatch, answers_read, digest

# Request headers no page reads: they are left out of the key.
_UNREAD_HEADERS = frozenset(
    {
        b"x-request-id",
        b"connection",
        b"keep-alive",
        b"cache-control",
        b"pragma",
        b"priority",
        b"if-none-match",
        b"if-modified-since",
        b"upgrade-insecure-requests",
        b"accept-encoding",
    }
)
_UNREAD_PREFIXES = (b"sec-fetch-", b"sec-ch-")


@dataclasses.dataclass(frozen=True, slots=True)
class SentPage:
    """A page as it was sent, with the reads it was made from."""

    reads: tuple[KeptRead, ...]
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    route: Any  # the route it matched (its template names it in the logs)
    user: dict[str, Any]  # the signed-in user's ids, for the logs


def replay_key(scope: Scope) -> bytes | None:
    """The key of a signed-in GET (None for anything else)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    headers = [
        (name, value)
        for name, value in scope["headers"]
        if name not in _UNREAD_HEADERS and not name.startswith(_UNREAD_PREFIXES)
    ]
    if not any(name == b"cookie" for name, _ in headers):
        return None
    return digest(
        orjson.dumps(
            [
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers],
                dt.date.today().isoformat(),
            ]
        )
    )


class _Capture:
    """What the application sends, passed on (or not) and kept."""

    def __init__(self, send: Send | None) -> None:
        self._send = send
        self.status = 0
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self.chunks: list[bytes] = []
        self.complete = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = tuple(message.get("headers", ()))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        if self._send is not None:
            await self._send(message)

    def recordable(self) -> bool:
        names = {name.lower() for name, _ in self.headers}
        content_type = dict(self.headers).get(b"content-type", b"")
        return (
            self.complete
            and self.status == 200
            and content_type.startswith(b"text/html")
            and b"set-cookie" not in names
        )


class ReplayMiddleware:
    """Sends a recorded page again when everything it read is unchanged (see the module)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, verify: bool = False) -> None:
        self.app = app
        self.verify = verify
        self._pages: SizedLRU[bytes, SentPage] = SizedLRU(max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = replay_key(scope) if self._pages.max_bytes else None
        if key is None:
            await self.app(scope, receive, send)
            return
        token = HTTPConnection(scope).cookies.get(security.SESSION_COOKIE)
        found = self._pages.get(key)
        if found is not None and token and await self._unchanged(scope, found, token):
            if self.verify:
                again = _Capture(None)
                await self.app(scope, receive, again)
                if b"".join(again.chunks) != found.body or again.status != found.status:
                    raise RenderMismatch(f"{scope['path']}: the page sent again differs")
            await self._send_again(scope, send, found)
            return
        capture = _Capture(send)
        await self.app(scope, receive, capture)
        answers = answers_read()
        if (
            token
            and answers is not None
            and answers.only_kept
            and answers.reads  # a signed-in page reads its user, at least
            and capture.recordable()
        ):
            body = b"".join(capture.chunks)
            viewer = scope.get("state", {}).get("signed_in")
            user = getattr(viewer, "user", None) or {}
            page = SentPage(
                tuple(answers.reads),
                capture.status,
                capture.headers,
                body,
                scope.get("route"),
                {"id": user.get("id"), "party_id": user.get("party_id")},
            )
            self._pages.put(key, page, len(body))

    async def _unchanged(self, scope: Scope, found: SentPage, token: str) -> bool:
        api: ApiClient = scope["app"].state.api
        # The read cache's entries first: checking them asks the API nothing.
        for read in sorted(found.reads, key=lambda read: read.kind != "ttl"):
            if not await api.unchanged(read, token=token):
                return False
        return True

    async def _send_again(self, scope: Scope, send: Send, found: SentPage) -> None:
        # What the request's log line and metrics name: the route and user it was made for.
        scope["route"] = found.route
        scope.setdefault("state", {})["replayed_user"] = found.user
        PAGES_SENT.labels(source="replay").inc()
        await send(
            {"type": "http.response.start", "status": found.status, "headers": found.headers}
        )
        await send({"type": "http.response.body", "body": found.body})
