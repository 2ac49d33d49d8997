"""The web service's only way to data: the API over HTTP, with one pooled async client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from itpp_web.observability import current_request_id

API_PREFIX = "/api/v1"


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
class ApiResponse:
    status: int
    data: Any
    headers: httpx.Headers
    content: bytes = b""

    @property
    def etag(self) -> str | None:
        value = self.headers.get("etag")
        return str(value) if value is not None else None


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
    ) -> None:
        self._root = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self._root + API_PREFIX,
            # Reading and writing may take the API's own time; connecting (or waiting for one
            # of the pool's connections) should not: an API that cannot be reached is a 503 page
            # at once.
            timeout=httpx.Timeout(timeout, connect=connect_timeout, pool=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def ready(self, within: float) -> bool:
        """Whether the API answers its readiness probe (`/readyz`: its database reachable and
        migrated) with 200 within `within` seconds."""
        try:
            response = await self._client.get(f"{self._root}/readyz", timeout=within)
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
        headers: dict[str, str] | None = None,
        raw: bool = False,
    ) -> ApiResponse:
        """Send one request; an error status raises ApiError, no answer ApiUnavailable.

        With `raw`, the body is also kept as bytes (`content`), for non-JSON answers.
        """
        sent_headers = dict(headers or {})
        request_id = current_request_id.get()
        if request_id is not None:
            sent_headers["X-Request-ID"] = request_id  # one id in the web's and API's logs
        if token:
            sent_headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._client.request(
                method, path, params=params, json=json, data=data, headers=sent_headers
            )
        except httpx.HTTPError as exc:
            raise ApiUnavailable(str(exc) or exc.__class__.__name__) from exc
        content_type = response.headers.get("content-type", "")
        body: Any = None
        if response.content and "json" in content_type:
            try:
                body = response.json()
            except ValueError:
                body = None
        if response.status_code >= 400:
            problem = body if isinstance(body, dict) else {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem, dict(response.headers))
        return ApiResponse(
            response.status_code, body, response.headers, response.content if raw else b""
        )

    async def get(self, path: str, **kwargs: Any) -> Any:
        return (await self.request("GET", path, **kwargs)).data
