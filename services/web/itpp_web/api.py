"""The web service's only way to data: the API over HTTP, with one pooled async client."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from itpp_web.lru import SizedLRU
from itpp_web.observability import current_request_id
from itpp_web.render_cache import KeptRead, answer_kept, digest, other_call

API_PREFIX = "/api/v1"

Answer = TypeVar("Answer")

# How a read is made (`ApiClient.read`): asked every time; through the per-token read cache
# (`_cached_get`); or asked every time with the kept ETag (`_revalidated_get`).
Cache = Literal["none", "ttl", "etag"]


@dataclass
class ApiError(Exception):
    """The API answered with an error (a problem+json document where it could)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The problem type's last part (`precondition-failed`), or `http-<status>`."""
        kind = str(self.problem.get("type") or "")
        return kind.rsplit("/", 1)[-1] if kind else f"http-{self.status}"

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or "")

    @property
    def field_errors(self) -> list[dict[str, Any]]:
        errors = self.problem.get("errors")
        return list(errors) if isinstance(errors, list) else []

    @property
    def agreed_fields(self) -> list[str]:
        """For a change to what the parties agreed (`amendment-required`): the fields it named."""
        fields = self.problem.get("agreed_fields")
        return [str(name) for name in fields] if isinstance(fields, list) else []

    @property
    def proposal(self) -> dict[str, Any] | None:
        """For a change to what the parties agreed: the amendment that would make it (its plan,
        a suggested title, the change set ready to propose), where the API could name one."""
        if self.slug != "amendment-required":
            return None
        proposal = self.problem.get("proposal")
        if not isinstance(proposal, dict) or not proposal.get("plan_id"):
            return None
        return proposal if proposal.get("changes") else None

    def __str__(self) -> str:
        return f"API {self.status} {self.slug}: {self.detail}"


class ApiUnavailable(Exception):
    """The API could not be reached or did not answer in time."""


@dataclass(frozen=True)
class ApiResponse(Generic[Answer]):
    """One answer; `data` is its JSON body (typed by `itpp_web.contract.operations`)."""

    status: int
    data: Answer
    headers: httpx.Headers
    content: bytes = b""

    @property
    def etag(self) -> str | None:
        value = self.headers.get("etag")
        return str(value) if value is not None else None


class ReadCache:
    """Answers of slow-changing reads (the signed-in user, parties, organisations, a plan's
    areas), kept for `seconds` per web process so that a page does not ask again for what the
    previous page asked a moment ago.

    Every entry belongs to one token (keyed by the token's SHA-256, never the token itself): one
    user's answer is never served to another, and the answers are the API's own, already
    filtered by its access policy for that user. A write sent with a token forgets that token's
    entries, so a user sees their own change at once; a change made by someone else shows
    within `seconds`. At most `max_entries` are kept (the least recently used go first). Entries
    are kept as the API's bytes and parsed on each use, so a page that changes what it got
    cannot change what the next page gets; each with its bytes' digest, which names the answer
    in the render cache's key (`render_cache.AnswersRead`).
    """

    def __init__(
        self, seconds: float, max_entries: int = 10_000, max_validated_bytes: int = 32 << 20
    ) -> None:
        self.seconds = seconds
        # Answers kept for `seconds` (with when they expire), at most `max_entries`.
        self._entries: SizedLRU[tuple[str, str], tuple[float, bytes, bytes]] = SizedLRU(
            None, max_entries
        )
        # Answers kept with their ETag, revalidated on every use (`ApiClient._revalidated_get`):
        # they do not expire, so they are bounded by their total size (the least recently used
        # go first).
        self._validated: SizedLRU[tuple[str, str], tuple[str, bytes, bytes]] = SizedLRU(
            max_validated_bytes, max_entries
        )

    @staticmethod
    def owner(token: str | None) -> str:
        return hashlib.sha256(token.encode()).hexdigest() if token else ""

    def get(self, token: str | None, path: str) -> tuple[bytes, bytes] | None:
        """The answer kept for `seconds` (unexpired, else dropped): its bytes and their digest."""
        key = (self.owner(token), path)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body, body_digest = entry
        if expires <= time.monotonic():
            self._entries.pop(key)
            return None
        return body, body_digest

    def put(self, token: str | None, path: str, body: bytes) -> bytes | None:
        """Keep an answer; its bytes' digest, or None when nothing is kept (cache off)."""
        if self.seconds <= 0:
            return None
        body_digest = digest(body)
        self._entries.put(
            (self.owner(token), path),
            (time.monotonic() + self.seconds, body, body_digest),
            len(body),
        )
        return body_digest

    def validated(self, token: str | None, path: str) -> tuple[str, bytes, bytes] | None:
        """The answer kept with its ETag: the ETag, the bytes, their digest."""
        return self._validated.get((self.owner(token), path))

    def keep_validated(self, token: str | None, path: str, etag: str, body: bytes) -> bytes | None:
        """Keep an answer with its ETag; its bytes' digest, or None (cache off)."""
        if self.seconds <= 0:
            return None
        body_digest = digest(body)
        self._validated.put((self.owner(token), path), (etag, body, body_digest), len(body))
        return body_digest

    def forget(self, token: str | None) -> None:
        owner = self.owner(token)
        for store in (self._entries, self._validated):
            for key in [key for key in store if key[0] == owner]:
                store.pop(key)

    def __len__(self) -> int:
        return len(self._entries) + len(self._validated)


class ApiClient:
    """Calls the API on behalf of a signed-in user (their token) or anonymously."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 3.0,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | None = None,
        cache_seconds: float = 0.0,
    ) -> None:
        self.cache = ReadCache(cache_seconds)
        self._root = base_url.rstrip("/")
        self._base = self._root + API_PREFIX
        # Reading and writing may take the API's own time; connecting (or waiting for one of
        # the pool's connections) should not: an API that cannot be reached is a 503 page at
        # once.
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout, pool=connect_timeout)
        # Requests are built as httpx's and handed straight to the transport: aiohttp's
        # connections by default (httpx-aiohttp), a test's own (`httpx.MockTransport`)
        # otherwise. No client around it: nothing here needs its redirects, cookie jar or
        # authentication flows (a jar would even be shared by every user of the process), and
        # the transport alone takes about half the CPU per call that httpx's client on its own
        # connections does (bench/README.md, "Fifth pass"). An idle connection is dropped well
        # before the API's server closes it (uvicorn: after 5 s), so a request is never sent on
        # a connection being closed under it.
        self._transport = transport or AiohttpTransport(
            limits=httpx.Limits(max_connections=max_connections, keepalive_expiry=2.0),
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def _send(
        self, method: str, url: str, *, time_limits: httpx.Timeout | None = None, **parts: Any
    ) -> httpx.Response:
        """One request through the transport, its answer read whole."""
        request = httpx.Request(
            method,
            url,
            extensions={"timeout": (time_limits or self._timeout).as_dict()},
            **parts,
        )
        response = await self._transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def ready(self, within: float) -> bool:
        """Whether the API answers its readiness probe (`/readyz`: its database reachable and
        migrated) with 200 within `within` seconds."""
        try:
            response = await self._send(
                "GET", f"{self._root}/readyz", time_limits=httpx.Timeout(within)
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Any = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        files: Any = None,
        content: Any = None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
        kept: bool = False,
    ) -> ApiResponse[Any]:
        """Send one request; an error status raises ApiError, no answer ApiUnavailable.

        `content` is a body sent as is: bytes, or an async iterator of bytes sent as it yields
        (an upload passed on without being held whole).

        With `raw`, the body is also kept as bytes (`content`), for non-JSON answers. `kept`:
        the read of an answer the web keeps (`_cached_get`, `_revalidated_get`), which notes
        itself; any other call is noted as one (`render_cache.AnswersRead`).
        """
        if not kept:
            other_call()
        if method != "GET" and token:
            self.cache.forget(token)  # the user sees their own change on the next page
        sent_headers = {"Accept": "application/json", **(headers or {})}
        request_id = current_request_id.get()
        if request_id is not None:
            sent_headers["X-Request-ID"] = request_id  # one id in the web's and API's logs
        if token:
            sent_headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._send(
                method,
                self._base + path,
                params=params,
                json=json,
                data=data,
                files=files,
                content=content,
                headers=sent_headers,
            )
        except httpx.HTTPError as exc:
            raise ApiUnavailable(str(exc) or exc.__class__.__name__) from exc
        content_type = response.headers.get("content-type", "")
        body: Any = None
        if response.content and "json" in content_type:
            try:
                body = orjson.loads(response.content)
            except ValueError:
                body = None
        if response.status_code >= 400:
            if response.status_code == 401 and token:
                self.cache.forget(token)
            problem = body if isinstance(body, dict) else {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem, dict(response.headers))
        return ApiResponse(
            response.status_code, body, response.headers, response.content if raw else b""
        )

    async def read(
        self, path: str, *, token: str | None, params: Any = None, cache: Cache = "none"
    ) -> Any:
        """A GET's body, asked every time (`none`), through the read cache (`ttl`,
        `_cached_get`) or revalidated with its ETag (`etag`, `_revalidated_get`); a cached read's
        query is part of the address it is kept under."""
        if cache != "none" and params:
            path = f"{path}?{httpx.QueryParams(params)}"
        if cache == "ttl":
            return await self._cached_get(path, token=token)
        if cache == "etag":
            return await self._revalidated_get(path, token=token)
        return (await self.request("GET", path, token=token, params=params)).data

    async def _cached_get(self, path: str, *, token: str | None) -> Any:
        """A GET of a slow-changing record family through the per-token read cache
        (`ReadCache`; only paths without a query)."""
        found = self.cache.get(token, path)
        if found is not None:
            body, body_digest = found
            return answer_kept(KeptRead("ttl", path, body_digest), orjson.loads(body), body)
        response = await self.request("GET", path, token=token, raw=True, kept=True)
        if response.status == 200 and response.content:
            new = self.cache.put(token, path, response.content)
            if new is not None:
                return answer_kept(KeptRead("ttl", path, new), response.data, response.content)
        other_call()
        return response.data

    async def _revalidated_get(self, path: str, *, token: str | None) -> Any:
        """A GET of a composite read that answers `If-None-Match` (the dashboard's overview, a
        review's workspace): asked every time, so always current, but when the API answers 304
        the body kept from the last answer (per token, in `ReadCache`) is used: not sent again,
        its parse the only work. Off with the read cache (`cache_seconds` 0)."""
        kept = self.cache.validated(token, path)
        response, new = await self._conditional_get(path, token, kept[0] if kept else None)
        if response.status == 304 and kept is not None:
            etag, body, body_digest = kept
            read = KeptRead("etag", path, body_digest, etag)
            return answer_kept(read, orjson.loads(body), body)
        if new is not None and response.etag:
            read = KeptRead("etag", path, new, response.etag)
            return answer_kept(read, response.data, response.content)
        other_call()
        return response.data

    async def _conditional_get(
        self, path: str, token: str | None, etag: str | None
    ) -> tuple[ApiResponse[Any], bytes | None]:
        """A GET of a kept answer, with `If-None-Match: etag` when there is one; a new answer
        (200 with an ETag) is kept in its place: the response, and the new answer's digest if
        it was kept."""
        headers = {"If-None-Match": etag} if etag is not None else None
        response = await self.request(
            "GET", path, token=token, headers=headers, raw=True, kept=True
        )
        if response.status == 200 and response.etag and response.content:
            return response, self.cache.keep_validated(token, path, response.etag, response.content)
        return response, None

    async def unchanged(self, read: KeptRead, *, token: str) -> bool:
        """Whether a kept answer read earlier (`KeptRead`) is still what the API answers this
        token: the read cache's entry unexpired with the same digest (`ttl`), or the API's 304
        to the same conditional request (`etag`; a new answer is kept, so the page's own read of
        it is a 304). Any error: no (the page is made afresh and shows it)."""
        if read.kind == "ttl":
            found = self.cache.get(token, read.path)
            return found is not None and found[1] == read.digest
        kept = self.cache.validated(token, read.path)
        if kept is None or kept[0] != read.etag or kept[2] != read.digest:
            return False
        try:
            response, _ = await self._conditional_get(read.path, token, kept[0])
        except (ApiError, ApiUnavailable):
            return False
        return response.status == 304
