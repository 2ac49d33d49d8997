"""Benchmark of the hot path, GET /api/v1/plans/{id}/commitments, against two references.

For each engine (a SQLite file in a temp dir; a scratch PostgreSQL database, dropped at the
end) it migrates, bulk-inserts a plan with 10,000 commitments, starts one real uvicorn process
serving bench_app.create_bench_app (the API plus a bare ASGI endpoint and a raw-driver endpoint
running the list's own SQL), and drives each endpoint in turn with a fixed number of
keep-alive connections for a fixed time. It prints requests/s and p50/p99 latency per
endpoint and the list's throughput as a fraction of each reference. Figures are printed and
written to bench/results/commitment_list.json, never asserted: timings depend on the machine.

Run: `make bench` (or `.venv/bin/python bench/commitment_list.py --help`).
"""

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import dataset
import httpx
import orjson
from bench_app import BARE_PATH, RAW_PATH, SQL_PATH
from conventional import CONVENTIONAL_PATH
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from itpp_api.config import get_settings
from itpp_api.db import build_engine
from itpp_api.migrate import upgrade

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "results" / "commitment_list.json"
POSTGRES_SERVER_URL = os.environ.get(
    "ITPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PAGE_SIZE = 50
AIM = 0.8  # issue 15: the list should reach at least 0.8 × the raw-driver figure


class BenchError(RuntimeError):
    """The benchmark could not produce trustworthy figures (a bad response, a dead server)."""


# --- databases ----------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(engine_name: str) -> Iterator[str]:
    """A new, empty database for one engine; removed afterwards whatever happens."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="itpp-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        return
    name = f"itpp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(POSTGRES_SERVER_URL)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            # FORCE: a server killed mid-request may leave a backend connected.
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _check_postgres() -> None:
    admin = create_engine(POSTGRES_SERVER_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {POSTGRES_SERVER_URL} ({exc.__class__.__name__}); "
            "start it (`make postgres`), set ITPP_TEST_POSTGRES_URL, or pass --engines sqlite."
        ) from exc
    finally:
        admin.dispose()


def prepare(url: str, commitments: int) -> dataset.Dataset:
    """Migrate the empty database and insert the benchmark's data."""
    upgrade(url)
    # The app's own engine setup (orjson JSON, SQLite pragmas), so rows are stored as it would.
    engine = build_engine(get_settings().model_copy(update={"database_url": url}))
    try:
        return dataset.insert(engine, commitments)
    finally:
        engine.dispose()


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM for a graceful shutdown; SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# On a busy shared machine importing the app alone can take half a minute.
START_SECONDS = 120


@contextlib.contextmanager
def running_server(database_url: str, log_path: Path) -> Iterator[tuple[str, int]]:
    """One uvicorn process (1 worker) on a free loopback port, as (base URL, pid).

    With a single worker uvicorn serves in the process it starts in, so the pid is the one
    whose CPU time tells whether the server was the bottleneck. Stopped however we leave.
    """
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench_app:create_bench_app",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        # An access log line per request would be a cost of its own, paid by every endpoint.
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    env = os.environ | {"ITPP_DATABASE_URL": database_url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise BenchError(f"the server exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the server did not start in {START_SECONDS} s:\n{_tail(log_path)}"
                )
            time.sleep(0.1)
        yield base_url, process.pid
    finally:
        _stop(process)


# --- the load generator -------------------------------------------------------------------


@dataclass
class Target:
    """One endpoint to drive, with the body every response must carry."""

    name: str
    path: str
    expected: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    items: int | None = None  # for bodies that may legitimately vary: how many items, exactly
    method: str = "GET"
    body: bytes | None = None
    status: int = 200
    any_body: bool = False  # a create: every response is a new record


@dataclass
class Load:
    concurrency: int
    warmup: float
    duration: float
    rounds: int
    max_requests: int


@dataclass
class Tally:
    """What one target has accumulated over the rounds."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    varied_bodies: int = 0


@dataclass
class Measurement:
    name: str
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_pct: float | None  # of one core; near 100 means the server was the bottleneck
    server_cpu_ms_per_request: float | None  # independent of how fast the client is
    client_cpu_pct: float
    varied_bodies: int


def _percentile(sorted_values: list[float], fraction: float) -> float:
    # Nearest rank: a value that was really observed.
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _process_cpu(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc); 0 where that is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _checker(target: Target) -> Callable[[httpx.Response], bool]:
    """Raise on a wrong response; return True when the body differed but was still right."""

    def check(response: httpx.Response) -> bool:
        if response.status_code != target.status:
            raise BenchError(f"{target.name}: HTTP {response.status_code}: {response.text[:300]}")
        body = response.content
        if target.any_body or body == target.expected:
            return False
        # Comparing bytes is cheap enough to do on every response; when they differ (e.g. the
        # date turned and is_overdue flipped), fall back to counting the items.
        if target.items is None:
            raise BenchError(f"{target.name}: unexpected body {body[:200]!r}")
        page = orjson.loads(body)
        count = len(page["items"] if "items" in page else page.get("data", []))
        if count != target.items:
            raise BenchError(f"{target.name}: {count} items instead of {target.items}")
        return True

    return check


async def _drive(
    client: httpx.AsyncClient, target: Target, seconds: float, load: Load, tally: Tally
) -> None:
    """Keep `concurrency` requests in flight for `seconds` (or up to the request cap)."""
    check = _checker(target)
    # Built once and re-sent: building a request (URL merge, headers, cookies) is the most
    # expensive part of httpx, and the client must stay cheaper than the fastest endpoint.
    request = client.build_request(
        target.method, target.path, headers=target.headers, content=target.body
    )
    latencies = tally.latencies
    cap = load.max_requests
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline and len(latencies) < cap:
            started = time.perf_counter()
            response = await client.send(request)
            latencies.append(time.perf_counter() - started)
            tally.varied_bodies += check(response)

    await asyncio.gather(*(worker() for _ in range(load.concurrency)))


async def _measure_all(
    base_url: str, server_pid: int, targets: list[Target], load: Load
) -> list[Measurement]:
    limits = httpx.Limits(
        max_connections=load.concurrency, max_keepalive_connections=load.concurrency
    )
    tallies = {t.name: Tally() for t in targets}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        for target in targets:
            # Warm caches, pools, prepared statements and keep-alive connections; not counted.
            await _drive(client, target, load.warmup, load, Tally())
        # Interleaved short rounds rather than one long run each, so a noisy neighbour on the
        # machine weighs on every endpoint alike and the ratios stay meaningful.
        for _ in range(load.rounds):
            for target in targets:
                tally = tallies[target.name]
                server_before, client_before = _process_cpu(server_pid), time.process_time()
                started = time.perf_counter()
                await _drive(client, target, load.duration / load.rounds, load, tally)
                tally.seconds += time.perf_counter() - started
                tally.server_cpu += _process_cpu(server_pid) - server_before
                tally.client_cpu += time.process_time() - client_before
    results = []
    for target in targets:
        tally = tallies[target.name]
        tally.latencies.sort()
        has_cpu = _process_cpu(server_pid) > 0
        results.append(
            Measurement(
                name=target.name,
                path=target.path,
                requests=len(tally.latencies),
                seconds=round(tally.seconds, 3),
                rps=round(len(tally.latencies) / tally.seconds, 1),
                p50_ms=round(_percentile(tally.latencies, 0.50) * 1000, 2),
                p99_ms=round(_percentile(tally.latencies, 0.99) * 1000, 2),
                server_cpu_pct=round(100 * tally.server_cpu / tally.seconds) if has_cpu else None,
                server_cpu_ms_per_request=round(1000 * tally.server_cpu / len(tally.latencies), 3)
                if has_cpu
                else None,
                client_cpu_pct=round(100 * tally.client_cpu / tally.seconds),
                varied_bodies=tally.varied_bodies,
            )
        )
    return results


def _run_async(coroutine: Any) -> Any:
    # uvloop (installed with uvicorn[standard]) keeps the client's own overhead down.
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _speed_up_httpcore() -> None:
    """Make httpcore's per-request `import sniffio` fail fast when sniffio is not installed.

    httpcore asks sniffio which async library runs, several times per request; without the
    package every attempt is a failed import that searches sys.path, which made httpx alone
    cost more CPU than the bare endpoint. A None entry in sys.modules is Python's own way to
    say "not importable": the same ImportError, without the search.
    """
    if importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


# --- verification -------------------------------------------------------------------------


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a.keys() | b.keys():
            if key not in a or key not in b:
                return f"{where}.{key} only in {'raw' if key in a else 'list'}"
            found = _first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} elements"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if a == b else f"{where}: raw {a!r} vs list {b!r}"


def verify(base_url: str, plan_id: uuid.UUID, token: str) -> tuple[list[Target], dict[str, Any]]:
    """Check each endpoint answers correctly once, and take its body as the one to expect."""
    list_path = f"/api/v1/plans/{plan_id}/commitments?limit={PAGE_SIZE}"
    raw_path = RAW_PATH.replace("{plan_id}", str(plan_id)) + f"?limit={PAGE_SIZE}"
    # The list and the raw endpoint authenticate the same bearer token; bare ignores it.
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in (raw_path, list_path):
            refused = client.get(path)
            if refused.status_code != 401:
                raise BenchError(f"{path} without a token: HTTP {refused.status_code}")
        # Once before recording: the process's first token check also reads the token key
        # (auth/token_key.py), once in its life, not per request.
        client.get(list_path, headers=auth)
        bodies = {}
        for name, path in (("bare", BARE_PATH), ("raw", raw_path), ("list", list_path)):
            # The list request is the recorded one: its SQL is what the raw endpoint mirrors.
            client.get(SQL_PATH, params={"record": "start" if name == "list" else "stop"})
            response = client.get(path, headers=auth)
            if response.status_code != 200:
                raise BenchError(f"{name} {path}: HTTP {response.status_code}: {response.text}")
            bodies[name] = response.content
        recorded = client.get(SQL_PATH, params={"record": "stop"}).json()["statements"]
    transaction_control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    statements = [s for s in recorded if not s.upper().startswith(transaction_control)]
    listed, raw = orjson.loads(bodies["list"]), orjson.loads(bodies["raw"])
    for name, page in (("list", listed), ("raw", raw)):
        if len(page["items"]) != PAGE_SIZE or not page["next_cursor"]:
            raise BenchError(f"{name}: {len(page['items'])} items, cursor {page['next_cursor']!r}")
    difference = _first_difference(raw, listed, "$")
    checks = {
        "list_items": len(listed["items"]),
        "list_body_bytes": len(bodies["list"]),
        "raw_same_json_as_list": difference is None,
        "raw_same_bytes_as_list": bodies["raw"] == bodies["list"],
        "raw_first_difference": difference,
        "list_statements": statements,
        "list_transaction_statements": len(recorded) - len(statements),
    }
    conventional_path = CONVENTIONAL_PATH.replace("{plan_id}", str(plan_id))
    conventional_path += f"?skip=0&limit={PAGE_SIZE}"
    first = listed["items"][0]
    own = next(item for item in listed["items"] if item["visibility"] == "internal")
    read_path = f"/api/v1/commitments/{first['id']}"
    # An internal commitment of the caller's party: delivery, written directly on a plan in force.
    create_body = orjson.dumps(
        {
            "priority_area_id": own["priority_area_id"],
            "title": {"ja": "ベンチマークの約束", "en": "A benchmark commitment"},
            "modality": own["modality"],
            "lead_party_id": own["lead_party_id"],
            "visibility": "internal",
        }
    )
    create_path = f"/api/v1/plans/{plan_id}/commitments"
    json_auth = auth | {"Content-Type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        conventional = client.get(conventional_path, headers=auth)
        read = client.get(read_path, headers=auth)
        created = client.post(create_path, headers=json_auth, content=create_body)
    for name, response, status in (
        ("conventional", conventional, 200),
        ("read one", read, 200),
        ("create", created, 201),
    ):
        if response.status_code != status:
            raise BenchError(f"{name}: HTTP {response.status_code}: {response.text[:300]}")
    if len(conventional.json()["data"]) != PAGE_SIZE:
        raise BenchError(f"conventional: {len(conventional.json()['data'])} rows")
    checks["conventional_body_bytes"] = len(conventional.content)
    targets = [
        Target("bare ASGI", BARE_PATH, bodies["bare"]),
        Target("raw driver", raw_path, bodies["raw"], items=PAGE_SIZE, headers=auth),
        Target("list (API)", list_path, bodies["list"], items=PAGE_SIZE, headers=auth),
        # Its count grows with the creates measured beside it.
        Target(
            "conventional", conventional_path, conventional.content, items=PAGE_SIZE, headers=auth
        ),
        Target("read one", read_path, read.content, headers=auth),
        Target(
            "create",
            create_path,
            headers=json_auth,
            method="POST",
            body=create_body,
            status=201,
            any_body=True,
        ),
    ]
    return targets, checks


# --- reporting ----------------------------------------------------------------------------


@dataclass
class EngineResult:
    engine: str
    data: dict[str, Any]
    checks: dict[str, Any]
    measurements: list[Measurement]
    ratios: dict[str, float] = field(default_factory=dict)


def _ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else 0.0


def ratios(measurements: list[Measurement]) -> dict[str, float]:
    by_name = {m.name: m for m in measurements}
    bare, raw, listed = by_name["bare ASGI"], by_name["raw driver"], by_name["list (API)"]
    out = {
        "list_over_bare_rps": _ratio(listed.rps, bare.rps),
        "list_over_raw_rps": _ratio(listed.rps, raw.rps),
        "raw_over_bare_rps": _ratio(raw.rps, bare.rps),
        "list_over_conventional_rps": _ratio(listed.rps, by_name["conventional"].rps),
    }
    if raw.server_cpu_ms_per_request and listed.server_cpu_ms_per_request:
        # The same comparison by server CPU per request: steadier when the machine is shared.
        out["raw_over_list_cpu_per_request"] = _ratio(
            raw.server_cpu_ms_per_request, listed.server_cpu_ms_per_request
        )
    return out


def listed_cpu(result: EngineResult) -> float | None:
    return next(m for m in result.measurements if m.name == "list (API)").server_cpu_ms_per_request


def _short(statement: str, width: int = 96) -> str:
    return statement if len(statement) <= width else statement[: width - 1] + "…"


def report(result: EngineResult, load: Load) -> str:
    bare = next(m for m in result.measurements if m.name == "bare ASGI")
    data, checks = result.data, result.checks
    if checks["raw_same_json_as_list"]:
        same = "identical bytes" if checks["raw_same_bytes_as_list"] else "the same JSON"
        equivalence = f"raw endpoint returns {same}"
    else:
        equivalence = f"WARNING raw and list bodies differ: {checks['raw_first_difference']}"
    lines = [
        "",
        f"== {result.engine}: {data['commitments']:,} commitments, {data['milestones']:,} "
        f"milestones, {data['supporters']:,} supporters (inserted in {data['seconds']:.1f} s)",
        f"   GET …/commitments?limit={PAGE_SIZE}: {checks['list_body_bytes']:,} bytes, "
        f"{len(checks['list_statements'])} SQL statements per request "
        f"(BEGIN/COMMIT not counted); {equivalence}",
        *(f"     {_short(statement)}" for statement in checks["list_statements"]),
        f"   {load.concurrency} keep-alive connections; {load.duration:g} s per endpoint in "
        f"{load.rounds} interleaved rounds, after {load.warmup:g} s warm-up",
        "",
        f"   {'endpoint':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}"
        f" {'server CPU':>11} {'CPU ms/req':>11} {'client CPU':>11}",
    ]
    for m in result.measurements:
        server = f"{m.server_cpu_pct:.0f}%" if m.server_cpu_pct is not None else "n/a"
        per_request = (
            f"{m.server_cpu_ms_per_request:.2f}"
            if m.server_cpu_ms_per_request is not None
            else "n/a"
        )
        lines.append(
            f"   {m.name:<12} {m.rps:>8,.0f} {m.p50_ms:>8.2f} {m.p99_ms:>8.2f} {m.requests:>9,}"
            f" {server:>11} {per_request:>11} {m.client_cpu_pct:>10.0f}%"
        )
    r = result.ratios
    verdict = "meets the aim" if r["list_over_raw_rps"] >= AIM else "below the aim"
    lines += [
        "",
        f"   list/bare = {r['list_over_bare_rps']:.2f}   list/raw = {r['list_over_raw_rps']:.2f}"
        f"   (req/s; aim: list ≥ {AIM} × raw: {verdict})",
    ]
    conventional = next(m for m in result.measurements if m.name == "conventional")
    lines.append(
        f"   list/conventional = {r['list_over_conventional_rps']:.2f} (req/s; the conventional "
        f"list returns the rows alone, {result.checks['conventional_body_bytes']:,} bytes)"
    )
    if conventional.server_cpu_ms_per_request and listed_cpu(result):
        lines.append(
            f"   by server CPU per request: list {listed_cpu(result):.2f} ms, conventional "
            f"{conventional.server_cpu_ms_per_request:.2f} ms"
        )
    for name, aim in (("read one", " (aim ≤ 2 ms)"), ("create", "")):
        m = next(m for m in result.measurements if m.name == name)
        if m.server_cpu_ms_per_request is not None:
            lines.append(
                f"   {name}: {m.server_cpu_ms_per_request:.2f} ms server CPU per request{aim}, "
                f"p50 {m.p50_ms:.2f} ms; bare {bare.server_cpu_ms_per_request or 0:.2f} ms, "
                f"p50 {bare.p50_ms:.2f} ms in the same rounds"
            )
    if "raw_over_list_cpu_per_request" in r:
        lines.append(
            f"   by server CPU per request the list costs "
            f"{1 / r['raw_over_list_cpu_per_request']:.1f} × the raw driver"
        )
    if bare.server_cpu_pct is not None and bare.server_cpu_pct < 80:
        lines.append(
            f"   note: the server used {bare.server_cpu_pct:.0f}% of a core on the bare endpoint: "
            "that figure is bounded by the load generator, so list/bare is an upper bound."
        )
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------


def _raise_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so every `finally` runs: the server is stopped and the
    # scratch database dropped even when the benchmark itself is killed.
    raise SystemExit(128 + signum)


def run_engine(engine_name: str, load: Load, commitments: int, log_dir: Path) -> EngineResult:
    with scratch_database(engine_name) as url:
        print(f"[{engine_name}] migrating and inserting {commitments:,} commitments…", flush=True)
        data = prepare(url, commitments)
        log_path = log_dir / f"server-{engine_name}.log"
        with running_server(url, log_path) as (base_url, pid):
            try:
                targets, checks = verify(base_url, data.plan_id, data.token)
                names = ", ".join(t.name for t in targets)
                print(f"[{engine_name}] measuring {names}…", flush=True)
                measurements = _run_async(_measure_all(base_url, pid, targets, load))
            except httpx.HTTPError as exc:
                raise BenchError(f"{exc!r}; server log:\n{_tail(log_path)}") from exc
    return EngineResult(
        engine=engine_name,
        data={k: v for k, v in asdict(data).items() if k != "token"}
        | {"plan_id": str(data.plan_id)},
        checks=checks,
        measurements=measurements,
        ratios=ratios(measurements),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per endpoint")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved slices of duration")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per endpoint")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    load = Load(
        args.concurrency, args.warmup, args.duration, max(1, args.rounds), args.max_requests
    )
    _speed_up_httpcore()
    signal.signal(signal.SIGTERM, _raise_on_sigterm)

    started = time.monotonic()
    results: list[EngineResult] = []
    try:
        if "postgresql" in engines:
            _check_postgres()
        with tempfile.TemporaryDirectory(prefix="itpp-bench-logs-") as log_dir:
            for engine_name in engines:
                results.append(run_engine(engine_name, load, args.commitments, Path(log_dir)))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1

    for result in results:
        print(report(result, load))
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "commitment_list",
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "load": asdict(load),
        "aim_list_over_raw": AIM,
        "engines": {
            r.engine: {
                "data": r.data,
                "checks": r.checks,
                "measurements": [asdict(m) for m in r.measurements],
                "ratios": r.ratios,
            }
            for r in results
        },
    }
    RESULTS_PATH.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\nresults: {RESULTS_PATH.relative_to(PROJECT_ROOT)}  ({document['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
