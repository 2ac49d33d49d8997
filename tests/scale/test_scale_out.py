"""The scale-out run (issue 16, item 5): nginx in front of two API and two web processes on one
PostgreSQL database, under a bounded load of Japan's and NATO's editors reading and writing
through the web and the API, while (a) one API process is killed with SIGKILL and started
again and (b) the database is unreachable for 5 s (a TCP proxy between the APIs and
PostgreSQL cuts every connection and refuses new ones; the shared server is never stopped).

It asserts correctness, never speed: every write acknowledged with 2xx (the web: 303 to the
new commitment) is in the database afterwards; no 5xx but 503, and every 503 carries
Retry-After (those outside the outage are listed); a 502 only for a write sent while the
killed process was down (nobody can say whether it happened, and nginx never repeats a POST);
each API's /readyz goes 503 and back to 200 without a restart (and the web's /readyz with
it); a session and its CSRF token work on either web replica; live updates (the web's
server-sent events, read here with an HTTP client, as the browser's EventSource reads them)
reach the other party through either web replica and through nginx; `itpp audit verify`
passes. The figures (requests, errors by kind, latency) are printed.

`make test` runs the short version (under a minute of load, about two minutes with the
set-up); `make scale-test` the full one (ITPP_SCALE_FULL=1: longer phases, twice the users).
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from itpp_api.migrate import upgrade
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.live_api import free_port
from tests.scale import load
from tests.scale.cluster import Cluster, environment, proxied
from tests.scale.proxy import DatabaseProxy

FULL = os.environ.get("ITPP_SCALE_FULL") == "1"
# Seconds of load before the kill, between the kill's recovery and the outage, after the
# outage's recovery; and how many simulated users of each kind per party.
WARM, SETTLE, TAIL = (20.0, 20.0, 20.0) if FULL else (6.0, 6.0, 6.0)
USERS = 2 if FULL else 1
OUTAGE_SECONDS = 5.0
# Bounds of waiting for what must happen (not speed assertions: generous on a loaded machine).
RECOVERY_WITHIN = 90.0
LIVE_WITHIN = 60.0
PROBE_EVERY = 0.25
# Every process's log of the last run (pytest's temporary directories do not last).
ARTIFACTS = Path(__file__).resolve().parents[1] / ".artifacts" / "scale"

# nginx is required (.ci/run installs it): a machine without it fails the run.
pytestmark = pytest.mark.slow


def run_cli(database_url: str, var_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "itpp_api", *args],
        env={**os.environ, "ITPP_DATABASE_URL": database_url, "ITPP_VAR_DIR": str(var_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"itpp {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    database_url = create_postgres_database("itpp_scale")
    proxy_port = free_port()
    url = make_url(database_url)
    proxy = DatabaseProxy((url.host or "127.0.0.1", url.port or 5432), proxy_port)
    proxy.start()
    api_env, web_env = environment(tmp_path, secrets.token_urlsafe(48))
    running = Cluster(
        root=tmp_path,
        database_url=database_url,
        proxied_url=proxied(database_url, proxy_port),
        api_env=api_env,
        web_env=web_env,
    )
    running.proxy = proxy  # type: ignore[attr-defined]
    try:
        upgrade(database_url)
        run_cli(database_url, tmp_path / "var", "sample", "load")
        running.start()
        yield running
    finally:
        running.stop()
        proxy.close()
        drop_postgres_database(database_url)
        running.keep_logs(ARTIFACTS)


# --- signing in, the shared draft plan -------------------------------------------------------


def logins(cluster: Cluster) -> dict[str, dict[str, Any]]:
    data = json.loads((cluster.root / "var" / "sample-logins.json").read_text(encoding="utf-8"))
    return {entry["email"]: entry for entry in data["logins"]}


def editor(cluster: Cluster, party: str) -> dict[str, Any]:
    return logins(cluster)[f"{party.lower()}-editor@sample.itpp.example"]


def api_client(cluster: Cluster, party: str) -> httpx.Client:
    login = editor(cluster, party)
    client = httpx.Client(base_url=cluster.public_url, verify=False, timeout=60)
    token = client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": login["email"], "password": login["password"]},
    )
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def csrf_of(client: httpx.Client, path: str = "/sign-in") -> str:
    page = client.get(path)
    match = load.CSRF_INPUT.search(page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def web_client(cluster: Cluster, party: str) -> tuple[httpx.Client, str]:
    """A signed-in browser-like client of the public site, and its CSRF token."""
    login = editor(cluster, party)
    client = httpx.Client(
        base_url=cluster.public_url, verify=False, timeout=60, follow_redirects=False
    )
    token = csrf_of(client)
    signed_in = client.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "email": login["email"],
            "password": login["password"],
            "next": "/plans",
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    return client, token


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies.jar)


def shared_draft_plan(jp: httpx.Client) -> load.Plan:
    """A draft plan of Japan and NATO, drafted by Japan's editor, both parties' editors
    adding commitments to it."""
    parties = {p["code"]: p["id"] for p in jp.get("/api/v1/parties").json()["items"]}
    plan = jp.post(
        "/api/v1/plans",
        json={
            "reference": f"SCALE-{uuid.uuid4().hex[:6].upper()}",
            "title": {"en": "Scale-out run"},
            "party_ids": [parties["JP"], parties["NATO"]],
        },
    )
    assert plan.status_code == 201, plan.text
    plan_id = str(plan.json()["id"])
    area = jp.post(
        f"/api/v1/plans/{plan_id}/priority-areas",
        json={"code": "9.9.9", "short_code": "SCL", "title": {"en": "Scale-out"}},
    )
    assert area.status_code == 201, area.text
    return load.Plan(plan_id, str(area.json()["id"]), parties)


# --- probes and live updates -----------------------------------------------------------------


@dataclass
class Probe:
    target: str
    at: float
    status: int | None


def probe_loop(cluster: Cluster, probes: list[Probe], stop: threading.Event) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.is_set():
            targets = [
                *(f"api{i} {api.base_url}" for i, api in enumerate(cluster.apis)),
                *(f"web{i} {web.base_url}" for i, web in enumerate(cluster.webs)),
            ]
            for target in targets:
                name, base = target.split()
                try:
                    status: int | None = client.get(f"{base}/readyz").status_code
                except httpx.HTTPError:
                    status = None
                probes.append(Probe(name, time.monotonic(), status))
            stop.wait(PROBE_EVERY)


def wait_ready(cluster: Cluster, since: float, probes: list[Probe]) -> float:
    """When every API and web process answered /readyz 200 again after `since`."""
    deadline = time.monotonic() + RECOVERY_WITHIN
    while time.monotonic() < deadline:
        latest: dict[str, Probe] = {}
        for probe in list(probes):
            if probe.at > since:
                latest[probe.target] = probe
        if len(latest) == 4 and all(probe.status == 200 for probe in latest.values()):
            return max(probe.at for probe in latest.values())
        time.sleep(PROBE_EVERY)
    pytest.fail(f"/readyz did not come back within {RECOVERY_WITHIN:g} s:\n{cluster.logs()}")


def open_stream(base_url: str, cookies: str, plan_id: str, events: queue.Queue[Any]) -> None:
    """Read a plan's live stream as an EventSource does: each event's name and data."""
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(LIVE_WITHIN), verify=False) as client,
            client.stream(
                "GET",
                f"{base_url}/plans/{plan_id}/live?lang=en",
                headers={"Cookie": cookies, "Accept": "text/event-stream"},
            ) as response,
        ):
            events.put(("status", response.status_code))
            name = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: ") and name:
                    events.put((name, json.loads(line.removeprefix("data: "))))
                    if name == "end":
                        return
    except httpx.HTTPError as exc:
        events.put(("error", type(exc).__name__))


def next_event(events: queue.Queue[Any], wanted: str, match: Any = None) -> Any:
    deadline = time.monotonic() + LIVE_WITHIN
    while time.monotonic() < deadline:
        try:
            name, data = events.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if name == "status":
            assert data == 200, f"the live stream answered {data}"
        elif name == "error":
            pytest.fail(f"the live stream broke: {data}")
        elif name == wanted and (match is None or match(data)):
            return data
    pytest.fail(f"no {wanted!r} event within {LIVE_WITHIN:g} s")


# --- the run ---------------------------------------------------------------------------------


def test_two_apis_and_two_webs_behind_nginx_survive_a_killed_api_and_a_database_outage(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    proxy: DatabaseProxy = cluster.proxy  # type: ignore[attr-defined]
    jp_api = api_client(cluster, "JP")
    plan = shared_draft_plan(jp_api)
    journal = load.Journal()
    stop = threading.Event()
    probes: list[Probe] = []
    workers: list[threading.Thread] = []
    clients: list[httpx.Client] = [jp_api]

    crashed: list[str] = []

    def spawn(target: Any, *args: Any) -> None:
        def run() -> None:
            try:
                target(journal, *args)
            except Exception as exc:  # a user of the load that stopped early fails the run
                crashed.append(f"{target.__name__}: {exc!r}")

        workers.append(threading.Thread(target=run, daemon=True))

    for party in ("JP", "NATO"):
        for _ in range(USERS):
            api = api_client(cluster, party)
            web, token = web_client(cluster, party)
            clients += [api, web]
            spawn(load.api_writer, api, party, plan, stop)
            spawn(load.api_reader, api, party, plan, stop)
            spawn(load.web_writer, web, party, plan, token, stop)
            spawn(load.web_reader, web, party, plan, stop)
    prober = threading.Thread(target=probe_loop, args=(cluster, probes, stop), daemon=True)

    load_before = os.getloadavg()
    began = time.monotonic()
    prober.start()
    for worker in workers:
        worker.start()
    try:
        time.sleep(WARM)
        # (a) one API process dies without a word, and is started again.
        killed_at = time.monotonic()
        first_api_pid = cluster.apis[0].process.pid
        cluster.kill_api(0)
        cluster.restart_api(0)
        restarted_at = time.monotonic()
        time.sleep(SETTLE)
        # (b) the database is unreachable for OUTAGE_SECONDS.
        pids = [api.process.pid for api in cluster.apis]
        cut_at = time.monotonic()
        proxy.cut()
        time.sleep(OUTAGE_SECONDS)
        proxy.restore()
        restored_at = time.monotonic()
        ready_at = wait_ready(cluster, restored_at, probes)
        time.sleep(TAIL)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
        prober.join(timeout=30)
    ended = time.monotonic()
    load_after = os.getloadavg()
    records = journal.snapshot()

    # What the run saw, printed whatever the outcome.
    figures = load.summary(records)
    # A 503 is the service's honest "try again" whenever it happens; those outside the
    # outage are listed with their request ids (the logs are kept in ARTIFACTS).
    stray = [
        r for r in records if r.status == 503 and not (cut_at <= r.ended and r.started <= ready_at)
    ]
    worst: load.Record = figures["worst"]
    with capsys.disabled():
        print(
            f"\nscale-out run ({'full' if FULL else 'short'}): {ended - began:.0f} s, "
            f"{figures['requests']} requests through nginx "
            f"({sum(1 for r in records if r.created)} acknowledged writes), "
            f"latency p50 {figures['p50'] * 1000:.0f} ms, p95 {figures['p95'] * 1000:.0f} ms, "
            f"worst {worst.latency * 1000:.0f} ms ({worst.actor} {worst.method} {worst.kind} "
            f"at +{worst.started - began:.1f} s)\n"
            f"  events: API 0 killed at +{killed_at - began:.1f} s (pid {first_api_pid}), "
            f"ready again at +{restarted_at - began:.1f} s; database cut at "
            f"+{cut_at - began:.1f} s, restored at +{restored_at - began:.1f} s, "
            f"every /readyz 200 again at +{ready_at - began:.1f} s\n"
            f"  errors by kind: {figures['errors'] or 'none'}; 503s between "
            f"+{min((r.started for r in records if r.status == 503), default=0) - began:.1f} s "
            f"and +{max((r.ended for r in records if r.status == 503), default=0) - began:.1f} s\n"
            f"  503s outside the outage: {len(stray)}"
            + "".join(
                f"\n    {r.actor} {r.method} {r.path} at +{r.started - began:.1f} s, "
                f"id {r.request_id}"
                for r in stray
            )
            + "\n"
            f"  database connections through the proxy: {proxy.connections}; machine: "
            f"{os.cpu_count()} cores, load average (1, 5, 15 min) "
            f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' '.join(f'{x:.2f}' for x in load_after)} after"
        )

    assert all(worker.is_alive() is False for worker in workers)
    assert not crashed, crashed
    assert len(records) > 100, "the load hardly ran"

    # No answer never; 500 never; 502 only for a write sent while an API process was dead
    # (in flight in it, or sent on a connection nginx had kept to it): nginx never repeats a
    # POST, and nobody can say whether it happened.
    for record in records:
        assert record.status is not None, f"no answer: {record}"
        if record.status < 500:
            assert record.status < 400, f"unexpected {record.status}: {record}"
            continue
        if record.status == 503:
            assert record.retry_after and record.retry_after.isdigit(), (
                f"503 without Retry-After: {record}\n" + cluster.lines_of(record.request_id)
            )
            continue
        while_dead = record.ended >= killed_at and record.started <= restarted_at
        assert record.status == 502 and record.method == "POST" and while_dead, (
            f"{record.status} is not allowed here: {record} (+{record.started - began:.1f} s)\n"
            + cluster.lines_of(record.request_id)
        )
    assert any(r.status == 503 for r in records), "the outage was not noticed by the load"

    # Every acknowledged write is in the database.
    acknowledged = {record.created for record in records if record.created}
    assert {r.actor.split()[0] for r in records if r.created} == {"api-write", "web-write"}
    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            stored = {
                str(row[0])
                for row in connection.execute(
                    text("SELECT id FROM commitment WHERE plan_id = :plan"), {"plan": plan.id}
                )
            }
    finally:
        engine.dispose()
    assert acknowledged <= stored, f"acknowledged but missing: {sorted(acknowledged - stored)}"

    # /readyz: 503 during the outage and 200 after, on the same processes.
    assert [api.process.pid for api in cluster.apis] == pids, "an API was restarted"
    for target in ("api0", "api1", "web0", "web1"):
        during = [p.status for p in probes if p.target == target and cut_at < p.at < restored_at]
        after = [p.status for p in probes if p.target == target and p.at >= ready_at]
        assert 503 in during, f"{target}'s /readyz never said 503 during the outage: {during}"
        assert after and after[-1] == 200, f"{target}'s /readyz after: {after}"

    # A session and its CSRF token work on either web replica, in both directions.
    jp_web, _ = web_client(cluster, "JP")
    clients.append(jp_web)
    cookies = cookie_header(jp_web)
    new_form = f"/plans/{plan.id}/commitments/new"
    for source, target in ((0, 1), (1, 0)):
        with httpx.Client(timeout=60, headers={"Cookie": cookies}) as direct:
            page = direct.get(f"{cluster.webs[source].base_url}{new_form}")
            assert page.status_code == 200, page.text
            match = load.CSRF_INPUT.search(page.text)
            assert match
            posted = direct.post(
                f"{cluster.webs[target].base_url}{new_form}",
                data={
                    "csrf_token": match.group(1),
                    "title.en": f"Token from web {source}, posted to web {target}",
                    "priority_area_id": plan.area,
                    "modality": "other",
                    "lead_party_id": plan.parties["JP"],
                },
            )
            assert posted.status_code == 303, posted.text

    # Live updates reach NATO's page through either web replica (the stream is what the
    # page's EventSource reads; the browser then re-reads the parts the event names).
    nato_web, _ = web_client(cluster, "NATO")
    clients.append(nato_web)
    streams: list[queue.Queue[Any]] = []
    # Each web process directly, and through nginx (which must not buffer the stream).
    for base_url in (*(web.base_url for web in cluster.webs), cluster.public_url):
        events: queue.Queue[Any] = queue.Queue()
        threading.Thread(
            target=open_stream,
            args=(base_url, cookie_header(nato_web), plan.id, events),
            daemon=True,
        ).start()
        next_event(events, "ready")
        streams.append(events)
    made = jp_api.post(
        f"/api/v1/plans/{plan.id}/commitments",
        json={
            "priority_area_id": plan.area,
            "title": {"en": "Seen live by the other party"},
            "modality": "other",
            "lead_party_id": plan.parties["JP"],
        },
    )
    assert made.status_code == 201, made.text
    for events in streams:
        change = next_event(events, "change", lambda data: data["entity_id"] == made.json()["id"])
        assert change["entity_type"] == "commitment"

    # The audit chain is whole.
    verified = run_cli(cluster.database_url, cluster.root / "var", "audit", "verify")
    assert "intact" in verified.lower(), verified

    for client in clients:
        client.close()
