"""The request path under bursts: the lock-up of issue 15, before and after.

For each engine (a SQLite file in a temp dir; a scratch PostgreSQL database on
ITPP_TEST_POSTGRES_URL, dropped at the end) it migrates, makes a plan, 42 commitments and a
signed-in editor, starts one uvicorn process (1 worker, as `itpp serve api` runs it) and sends:

- a flood: 100 requests at once for one plan with invalid tokens (50 malformed, 50 well-formed
  but unknown), and one valid request sent in their middle (its latency);
- a sustained flood: 32 connections sending invalid tokens for `--duration` seconds while one
  connection sends valid requests (their p50/p99);
- 60 authenticated GETs at once (the plan and its areas);
- 42 PATCHes at once, each on its own commitment;
- steady load: 8 connections of authenticated GETs of the plan for `--duration` seconds
  (requests/s and the server's CPU per request).

It prints the answers by status, the wall time of each burst and the figures above. Nothing is
asserted. `--server-path DIR` serves another checkout's API (its `services/api`), e.g. the code
before issue 15, for a side-by-side comparison: `git archive <rev> | tar -x -C /tmp/old`, then
`--server-path /tmp/old`.

Run: `.venv/bin/python bench/request_path.py --help`.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from itpp_api.config import get_settings  # noqa: E402
from itpp_api.db import _engine_for  # noqa: E402
from itpp_api.migrate import upgrade  # noqa: E402
from tests.conftest import create_postgres_database, drop_postgres_database  # noqa: E402
from tests.factories import make_commitment, make_user, make_world, token_for  # noqa: E402
from tests.live_api import ApiProcess, start_api, stop, wait_until_up  # noqa: E402


@dataclass
class Setup:
    plan: str
    token: str
    commitments: list[str]


@contextmanager
def database(engine: str, scratch: Path) -> Iterator[str]:
    url = (
        f"sqlite:///{scratch / 'bench.sqlite3'}"
        if engine == "sqlite"
        else create_postgres_database("itpp_bench_path")
    )
    try:
        upgrade(url)
        os.environ["ITPP_DATABASE_URL"] = url
        get_settings.cache_clear()
        yield url
    finally:
        _engine_for(url).dispose()
        if engine == "postgresql":
            drop_postgres_database(url)


def populate() -> Setup:
    world = make_world()
    token = token_for(make_user("JP", "editor", email="bench.editor@mofa.example"))
    commitments = [str(make_commitment(world, visibility="internal")) for _ in range(42)]
    return Setup(plan=str(world.plan), token=token, commitments=commitments)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def burst(
    base_url: str, requests: list[tuple[str, str, dict[str, str], Any]]
) -> tuple[list[int], list[float], float]:
    """Every request at once, each on its own connection: statuses, latencies, wall time."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=300) as client:

        async def one(method: str, path: str, headers: dict[str, str], body: Any) -> Any:
            started = time.monotonic()
            try:
                response = await client.request(method, path, headers=headers, json=body)
                status = response.status_code
            except httpx.HTTPError:
                status = 0  # no answer within 300 s
            return status, time.monotonic() - started

        started = time.monotonic()
        results = await asyncio.gather(*(one(*request) for request in requests))
        wall = time.monotonic() - started
    return [s for s, _ in results], [t for _, t in results], wall


async def sustained(
    base_url: str, paths: list[tuple[str, dict[str, str]]], connections: int, seconds: float
) -> tuple[Counter[int], list[float]]:
    """`connections` loops, each sending `paths[i % len(paths)]` until time is up."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def loop(path: str, headers: dict[str, str]) -> None:
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    status = (await client.get(path, headers=headers)).status_code
                except httpx.HTTPError:
                    status = 0
                statuses[status] += 1
                latencies.append(time.monotonic() - started)

        await asyncio.gather(*(loop(*paths[i % len(paths)]) for i in range(connections)))
    return statuses, latencies


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run_engine(engine: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch, database(engine, Path(scratch)) as url:
        setup = populate()
        env = {"PYTHONPATH": str(Path(args.server_path) / "services" / "api")}
        server: ApiProcess = start_api(url, Path(scratch) / "api.log", env=env)
        try:
            wait_until_up(server)
            report(engine, server, setup, args)
        finally:
            stop(server)


def report(engine: str, server: ApiProcess, setup: Setup, args: argparse.Namespace) -> None:
    base = server.base_url
    plan = f"/api/v1/plans/{setup.plan}"
    valid = bearer(setup.token)
    print(f"\n== {engine} ({args.server_path}) ==")

    invalid = [bearer(f"invalid-token-{n}") for n in range(50)]
    invalid += [bearer(f"itpp_{n:043d}") for n in range(50)]
    requests = [("GET", plan, headers, None) for headers in invalid]
    requests.insert(50, ("GET", plan, valid, None))
    statuses, latencies, wall = asyncio.run(burst(base, requests))
    print(
        f"flood of 100 invalid + 1 valid: {dict(Counter(statuses[:50] + statuses[51:]))}, "
        f"valid {statuses[50]} in {latencies[50]:.2f} s, burst {wall:.2f} s"
    )

    flood = [(plan, headers) for headers in invalid[:16] + invalid[50:66]]

    async def flood_beside_valid() -> Any:
        return await asyncio.gather(
            sustained(base, flood, 32, args.duration),
            sustained(base, [(plan, valid)], 1, args.duration),
        )

    (flood_counts, _), (valid_counts, valid_latencies) = asyncio.run(flood_beside_valid())
    print(
        f"sustained invalid flood (32 conn, {args.duration:g} s): {dict(flood_counts)}; "
        f"valid beside it: {dict(valid_counts)}, p50 {p(valid_latencies, 0.5):.1f} ms, "
        f"p99 {p(valid_latencies, 0.99):.1f} ms"
    )

    areas = f"{plan}/priority-areas"
    requests = [("GET", (plan, areas)[n % 2], valid, None) for n in range(60)]
    statuses, latencies, wall = asyncio.run(burst(base, requests))
    print(
        f"60 authenticated GETs at once: {dict(Counter(statuses))}, "
        f"p50 {p(latencies, 0.5):.0f} ms, max {max(latencies) * 1000:.0f} ms, burst {wall:.2f} s"
    )

    with httpx.Client(base_url=base, headers=valid) as client:
        etags = [
            client.get(f"/api/v1/commitments/{c}").headers.get("etag", "")
            for c in setup.commitments
        ]
    requests = [
        ("PATCH", f"/api/v1/commitments/{c}", {**valid, "If-Match": e}, {"progress": 40})
        for c, e in zip(setup.commitments, etags, strict=True)
    ]
    statuses, latencies, wall = asyncio.run(burst(base, requests))
    print(
        f"42 PATCHes at once: {dict(Counter(statuses))}, p50 {p(latencies, 0.5):.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms, burst {wall:.2f} s"
    )

    cpu_before = cpu_seconds(server.process.pid)
    counts, latencies = asyncio.run(sustained(base, [(plan, valid)], 8, args.duration))
    cpu = cpu_seconds(server.process.pid) - cpu_before
    total = sum(counts.values())
    print(
        f"steady GET of the plan (8 conn, {args.duration:g} s): {dict(counts)}, "
        f"{total / args.duration:.0f} req/s, p50 {p(latencies, 0.5):.1f} ms, "
        f"p99 {p(latencies, 0.99):.1f} ms, server CPU {cpu / total * 1000:.2f} ms/req"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument(
        "--server-path", default=str(PROJECT_ROOT), help="the checkout whose API is served"
    )
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    for engine in args.engines.split(","):
        run_engine(engine, args)
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
