"""Logs and metrics of the API (issue 16, parts 2 and 3): one JSON line per request naming the
request id, route template, status, duration, user and party, and never a secret; the request
id taken from and returned in X-Request-ID; /metrics only for the bearer of its token."""

import io
import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.observability import configure_logging
from itpp_api.parties.models import Party
from itpp_common.observability import REQUEST_ID_PATTERN, prepare_multiprocess_dir, request_id_from
from tests.factories import DEFAULT_PASSWORD, make_user

API = "/api/v1"
METRICS_TOKEN = "metrics-" + "m" * 32


@pytest.fixture
def logs(anonymous_client: TestClient) -> Iterator[io.StringIO]:
    """What the application logs while the test runs, as JSON lines."""
    captured = io.StringIO()
    configure_logging("json", stream=captured)
    yield captured
    configure_logging("auto")


def access_lines(captured: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in captured.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("logger") == "itpp_api.access"]


def party(code: str) -> uuid.UUID:
    with transaction(write=True) as session:
        found = session.scalars(select(Party).where(Party.code == code)).first()
        if found is None:
            found = Party(code=code, name={"ja": code, "en": code})
            session.add(found)
            session.flush()
        return found.id


def test_a_request_is_logged_as_one_json_line_with_its_fields_and_no_secret(
    anonymous_client: TestClient, logs: io.StringIO
) -> None:
    party_id = party("JP")
    secret = pyotp.random_base32()
    user_id = make_user("JP", "approver", email="logged@mofa.example", totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    signed_in = anonymous_client.post(
        f"{API}/auth/token",
        data={
            "grant_type": "password",
            "username": "logged@mofa.example",
            "password": DEFAULT_PASSWORD,
            "otp": code,
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]

    me = anonymous_client.get(
        f"{API}/users/me",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-42.a:b"},
    )

    assert me.status_code == 200
    assert me.headers["x-request-id"] == "trace-42.a:b"
    lines = access_lines(logs)
    sign_in_line, me_line = lines[-2], lines[-1]
    assert sign_in_line["route"] == f"{API}/auth/token"
    assert sign_in_line["method"] == "POST"
    assert sign_in_line["status"] == 200
    assert me_line["request_id"] == "trace-42.a:b"
    assert me_line["route"] == f"{API}/users/me"
    assert me_line["method"] == "GET"
    assert me_line["status"] == 200
    assert isinstance(me_line["duration_ms"], float) and me_line["duration_ms"] >= 0
    assert me_line["user_id"] == str(user_id)
    assert me_line["party_id"] == str(party_id)
    assert {"timestamp", "level"} <= me_line.keys()
    text = logs.getvalue()
    for secret_text in (DEFAULT_PASSWORD, code, token, secret, "Bearer", "logged@mofa.example"):
        assert secret_text not in text


def test_the_route_template_is_logged_never_the_raw_path(
    client: TestClient, logs: io.StringIO
) -> None:
    plan_id = uuid.uuid4()
    response = client.get(f"{API}/plans/{plan_id}")
    assert response.status_code == 404
    line = access_lines(logs)[-1]
    assert line["route"] == f"{API}/plans/{{plan_id}}"
    assert str(plan_id) not in logs.getvalue()
    unmatched = client.get("/no/such/place/secret-in-path")
    assert unmatched.status_code == 404
    assert access_lines(logs)[-1]["route"] == "<unmatched>"
    assert "secret-in-path" not in logs.getvalue()


@pytest.mark.parametrize(
    "sent", [None, "", "has space", "x" * 129, 'quote"d', "ünïcode", "new\\nline"]
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(sent: str | None) -> None:
    made = request_id_from(sent)
    assert made != sent
    assert REQUEST_ID_PATTERN.fullmatch(made)


def test_a_malformed_request_id_is_not_echoed(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/healthz", headers={"X-Request-ID": "a b c"})
    assert response.headers["x-request-id"] != "a b c"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_an_error_answered_by_the_gateway_also_carries_the_request_id(
    anonymous_client: TestClient, logs: io.StringIO
) -> None:
    response = anonymous_client.get(
        f"{API}/users/me", headers={"Authorization": "Bearer nonsense", "X-Request-ID": "r-1"}
    )
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "r-1"
    line = access_lines(logs)[-1]
    assert (line["request_id"], line["status"]) == ("r-1", 401)
    assert "nonsense" not in logs.getvalue()


# --- metrics ---------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample (0 if absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        sample_name, _, label_text = sample.partition("{")
        found = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if sample_name == name and found == wanted:
            return float(value)
    return 0.0


@pytest.fixture
def metrics_token(monkeypatch: pytest.MonkeyPatch, anonymous_client: TestClient) -> Iterator[str]:
    monkeypatch.setenv("ITPP_METRICS_TOKEN", METRICS_TOKEN)
    get_settings.cache_clear()
    yield METRICS_TOKEN
    get_settings.cache_clear()


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_are_not_served_without_a_configured_token(
    anonymous_client: TestClient,
) -> None:
    assert get_settings().metrics_token is None
    response = anonymous_client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404


def test_metrics_are_refused_without_the_token(
    anonymous_client: TestClient, metrics_token: str
) -> None:
    assert anonymous_client.get("/metrics").status_code == 401
    wrong = anonymous_client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    assert "itpp_api" not in wrong.text


def test_metrics_count_requests_by_route_template_and_sign_in_failures(
    anonymous_client: TestClient, metrics_token: str
) -> None:
    party("JP")
    make_user("JP", "editor", email="metered@mofa.example")
    route = f"{API}/plans/{{plan_id}}"
    before = scrape(anonymous_client)
    plan_id = uuid.uuid4()
    for _ in range(3):
        anonymous_client.get(f"{API}/plans/{plan_id}")
    wrong = anonymous_client.post(
        f"{API}/auth/token",
        data={"grant_type": "password", "username": "metered@mofa.example", "password": "not it"},
    )
    assert wrong.status_code == 401
    after = scrape(anonymous_client)

    requests = "itpp_api_requests_total"
    labels = {"method": "GET", "route": route, "status": "401"}
    assert metric(after, requests, **labels) - metric(before, requests, **labels) == 3
    assert str(plan_id) not in after
    count = "itpp_api_request_duration_seconds_count"
    assert (
        metric(after, count, method="GET", route=route)
        - metric(before, count, method="GET", route=route)
        == 3
    )
    failures = "itpp_api_sign_in_failures_total"
    assert metric(after, failures) - metric(before, failures) == 1
    for gauge in ("itpp_api_db_slots_in_use", "itpp_api_db_waiting"):
        assert metric(after, gauge) == 0  # nothing holds or waits for a turn between requests
    assert "itpp_api_pdf_renders_in_progress" in after
    assert "itpp_api_sign_in_throttled_total" in after
    # The sign-in wrote audit events (its throttle rows are not audited; the user is not
    # either, made by a factory): the chain length is a number, here what the head says.
    assert re.search(r"^itpp_api_audit_chain_length \d+", after, re.MULTILINE)


MULTIPROCESS_WORKER = """
from itpp_api.observability import DB_SLOTS_IN_USE, REQUESTS
import sys
REQUESTS.labels("GET", "/healthz", "200").inc(2)
DB_SLOTS_IN_USE.inc(int(sys.argv[1]))
"""
MULTIPROCESS_SCRAPE = """
from itpp_common.observability import metrics_text
print(metrics_text()[0].decode())
"""


def test_with_a_multiprocess_directory_the_metrics_add_up_every_worker(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for in_use in ("1", "2"):  # two workers, each its own process
        subprocess.run([sys.executable, "-c", MULTIPROCESS_WORKER, in_use], env=env, check=True)
    scraped = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRAPE], env=env, check=True, capture_output=True
    ).stdout.decode()
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert metric(scraped, "itpp_api_requests_total", **labels) == 4
    # Gauges are summed over the workers' files (no worker here marked itself dead).
    assert metric(scraped, "itpp_api_db_slots_in_use") == 3


def test_serving_again_starts_the_multiprocess_figures_from_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"}
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    prepare_multiprocess_dir()  # made when missing
    subprocess.run([sys.executable, "-c", MULTIPROCESS_WORKER, "5"], env=env, check=True)
    (directory / "kept.txt").write_text("not prometheus-client's")

    prepare_multiprocess_dir()  # what `itpp serve` does before starting its workers
    scraped = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRAPE], env=env, check=True, capture_output=True
    ).stdout.decode()
    assert "itpp_api_requests_total{" not in scraped  # the previous run's figures are gone
    assert (directory / "kept.txt").exists()


def test_metrics_count_sign_in_failures_and_throttled_sign_ins_as_answered(
    anonymous_client: TestClient, metrics_token: str
) -> None:
    party("JP")
    make_user("JP", "editor", email="hammered@mofa.example")
    before = scrape(anonymous_client)
    statuses = []
    for _ in range(6):  # the third failure makes the next attempt wait a second, then 2, 4 …
        attempt = anonymous_client.post(
            f"{API}/auth/token",
            data={"grant_type": "password", "username": "hammered@mofa.example", "password": "x"},
        )
        statuses.append(attempt.status_code)
    after = scrape(anonymous_client)

    assert set(statuses) == {401, 429} and statuses[:3] == [401, 401, 401]
    failures, throttled = "itpp_api_sign_in_failures_total", "itpp_api_sign_in_throttled_total"
    assert metric(after, failures) - metric(before, failures) == statuses.count(401)
    assert metric(after, throttled) - metric(before, throttled) == statuses.count(429)
