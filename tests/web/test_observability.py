"""Logs and metrics of the web (issue 16, parts 2 and 3): the request id is taken from the
browser's X-Request-ID (or made), returned, and passed to the API on the web's calls; one JSON
log line per request with the route template; /metrics only for the bearer of its token."""

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import SecretStr

from itpp_common.observability import REQUEST_ID_PATTERN
from itpp_web.app import create_app
from itpp_web.config import WebSettings
from itpp_web.observability import configure_logging

SESSION = "itpp_" + "s" * 43
METRICS_TOKEN = "web-metrics-" + "w" * 32
USER = {"id": "0b6f4c1e-0000-4000-8000-000000000001", "party_id": "party-jp-1", "role": "editor"}


class RecordingApi:
    """An API stand-in that records what the web sends and answers /users/me."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/v1/users/me":
            return httpx.Response(200, json={**USER, "display_name": "JP editor"})
        return httpx.Response(401, json={"type": "/problems/unauthorized", "status": 401})


def settings(tmp_path: Path, **changes: Any) -> WebSettings:
    base = WebSettings(api_url="http://api.invalid", var_dir=tmp_path, secret_key="k" * 32)
    return base.model_copy(update=changes)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    captured = io.StringIO()
    yield captured
    configure_logging("auto")


def web_client(tmp_path: Path, api: RecordingApi, logs: io.StringIO, **changes: Any) -> TestClient:
    app = create_app(settings(tmp_path, **changes), api_transport=httpx.MockTransport(api))
    configure_logging("json", stream=logs)  # after create_app, which sets up its own
    return TestClient(app, cookies={"itpp_session": SESSION}, follow_redirects=False)


def access_lines(captured: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("logger") == "itpp_web.access"]


def test_the_request_id_is_echoed_and_passed_to_the_api(tmp_path: Path, logs: io.StringIO) -> None:
    api = RecordingApi()
    with web_client(tmp_path, api, logs) as client:
        response = client.get("/plans", headers={"X-Request-ID": "browser-7"})
    assert response.headers["x-request-id"] == "browser-7"
    assert api.requests, "the page called the API"
    assert {request.headers.get("x-request-id") for request in api.requests} == {"browser-7"}
    line = access_lines(logs)[-1]
    assert line["request_id"] == "browser-7"
    assert line["route"] == "/plans"
    assert line["method"] == "GET"
    assert line["status"] == response.status_code
    assert line["user_id"] == USER["id"]
    assert line["party_id"] == USER["party_id"]
    assert isinstance(line["duration_ms"], float)
    # The session token (a bearer token to the API) is never logged.
    assert SESSION not in logs.getvalue()
    assert "Bearer" not in logs.getvalue()


def test_without_a_well_formed_request_id_the_web_makes_one_and_passes_it_on(
    tmp_path: Path, logs: io.StringIO
) -> None:
    api = RecordingApi()
    with web_client(tmp_path, api, logs) as client:
        response = client.get("/plans", headers={"X-Request-ID": "two words"})
    made = response.headers["x-request-id"]
    assert made != "two words" and REQUEST_ID_PATTERN.fullmatch(made)
    assert {request.headers.get("x-request-id") for request in api.requests} == {made}


def test_metrics_are_404_without_a_configured_token(tmp_path: Path, logs: io.StringIO) -> None:
    with web_client(tmp_path, RecordingApi(), logs) as client:
        response = client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404


def test_metrics_need_the_token_and_count_requests_by_route_template(
    tmp_path: Path, logs: io.StringIO
) -> None:
    token = {"metrics_token": SecretStr(METRICS_TOKEN)}
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    with web_client(tmp_path, RecordingApi(), logs, **token) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer no"}).status_code == 401
        before = client.get("/metrics", headers=auth)
        client.get("/plans/11111111-2222-4333-8444-555555555555")
        after = client.get("/metrics", headers=auth)
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")

    def count(text: str) -> float:
        # Every status's line: other tests in this process may have counted the route too.
        return sum(
            float(sample.rpartition(" ")[2])
            for sample in text.splitlines()
            if sample.startswith("itpp_web_requests_total{")
            and 'route="/plans/{plan_id}"' in sample
        )

    assert count(after.text) - count(before.text) == 1
    assert "11111111-2222-4333-8444-555555555555" not in after.text
    assert "itpp_web_request_duration_seconds_bucket" in after.text


def test_an_open_live_stream_is_counted_until_it_ends(tmp_path: Path, logs: io.StringIO) -> None:
    open_during_poll: list[float | None] = []

    def api(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            open_during_poll.append(REGISTRY.get_sample_value("itpp_web_live_streams_open"))
        # The session has ended: the stream says `end` and stops.
        return httpx.Response(401, json={"type": "/problems/unauthorized", "status": 401})

    before = REGISTRY.get_sample_value("itpp_web_live_streams_open") or 0.0
    app = create_app(settings(tmp_path), api_transport=httpx.MockTransport(api))
    with TestClient(app, cookies={"itpp_session": SESSION}) as client:
        response = client.get("/plans/11111111-2222-4333-8444-555555555555/live")
    assert response.status_code == 200
    assert "event: end" in response.text
    assert open_during_poll == [before + 1]
    assert REGISTRY.get_sample_value("itpp_web_live_streams_open") == before
