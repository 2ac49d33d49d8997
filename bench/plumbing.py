"""The framework's share of a request (issue 15, item 6): server CPU per request of routes that
do almost nothing else.

For each engine (a SQLite file; a scratch PostgreSQL database on ITPP_TEST_POSTGRES_URL) it
starts one uvicorn process of this checkout's API (1 worker, as `itpp serve api` runs it) and,
with `--baseline DIR`, one of another checkout's beside it (e.g. the code before this work:
`git archive c424d46 | tar -x -C /tmp/before`), plus a bare ASGI application (uvicorn's own
floor). Then, in interleaved rounds, 8 keep-alive connections send for `--duration` seconds:

- `GET /healthz`: no database, no authentication (routing, middleware, response);
- `GET /api/v1/parties` with a valid token: the trivial authenticated route (admission, the
  token's one query, the parties' query);
- `GET /api/v1/parties` with a malformed token: the 401 path (problem+json, no database);
- `GET /api/v1/commitments/{id}` with a valid token: the single read (its milestones,
  supporters and exchanges).

It prints, per route and server, the median over the rounds of the server's CPU per request
(from /proc, user + system) and of its requests per second. Nothing is asserted.

Run: `.venv/bin/python bench/plumbing.py --help`.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

from http_load import Load, get_request, raise_file_limit, run, throughput
from request_path import PROJECT_ROOT, Setup, bearer, cpu_seconds, database, populate

sys.path.insert(0, str(PROJECT_ROOT))

from tests.live_api import ApiProcess, start_api, start_server, stop, wait_until_up

CONNECTIONS = 8


def routes(token: str, commitment: str) -> list[tuple[str, str, dict[str, str]]]:
    malformed = bearer("not-a-token")
    return [
        ("healthz", "/healthz", {}),
        ("parties (valid token)", "/api/v1/parties", bearer(token)),
        ("parties (malformed token)", "/api/v1/parties", malformed),
        ("one commitment", f"/api/v1/commitments/{commitment}", bearer(token)),
    ]


def measure(server: ApiProcess, path: str, headers: dict[str, str], seconds: float) -> tuple:
    host, port = server.base_url.removeprefix("http://").split(":")
    load = Load([get_request(host, path, headers)], CONNECTIONS)
    before = cpu_seconds(server.process.pid)
    asyncio.run(run(host, int(port), [load], seconds))
    cpu = cpu_seconds(server.process.pid) - before
    answered = sum(n for status, n in load.tally.statuses.items() if status > 0)
    return cpu / max(answered, 1) * 1000, throughput(load.tally), dict(load.tally.statuses)


def run_engine(engine: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch, database(engine, Path(scratch)) as url:
        setup = populate()
        servers: dict[str, ApiProcess] = {}
        try:
            servers["this checkout"] = start_api(url, Path(scratch) / "after.log")
            wait_until_up(servers["this checkout"])
            if args.baseline:
                servers["baseline"] = start_api(
                    url,
                    Path(scratch) / "before.log",
                    env={"PYTHONPATH": str(Path(args.baseline) / "services" / "api")},
                )
                wait_until_up(servers["baseline"], probe="/healthz")
            bare = start_server(
                "bare_asgi:create_app",
                Path(scratch) / "bare.log",
                env={"PYTHONPATH": str(Path(__file__).parent)},
            )
            wait_until_up(bare, probe="/")
            report(engine, servers, bare, setup, args)
        finally:
            for server in servers.values():
                stop(server)
            if "bare" in locals():
                stop(bare)


def report(
    engine: str,
    servers: dict[str, ApiProcess],
    bare: ApiProcess,
    setup: Setup,
    args: argparse.Namespace,
) -> None:
    print(
        f"\n== {engine}: {CONNECTIONS} connections, {args.rounds} rounds of {args.duration:g} s =="
    )
    cpu: dict[tuple[str, str], list[float]] = {}
    rate: dict[tuple[str, str], list[float]] = {}
    statuses: dict[tuple[str, str], dict[int, int]] = {}
    for _ in range(args.rounds):
        for name, path, headers in routes(setup.token, setup.commitments[0]):
            for label, server in servers.items():
                ms, per_second, counts = measure(server, path, headers, args.duration)
                cpu.setdefault((name, label), []).append(ms)
                rate.setdefault((name, label), []).append(per_second)
                statuses[(name, label)] = counts
        ms, per_second, counts = measure(bare, "/", {}, args.duration)
        cpu.setdefault(("bare ASGI app", "control"), []).append(ms)
        rate.setdefault(("bare ASGI app", "control"), []).append(per_second)
        statuses[("bare ASGI app", "control")] = counts
    print(f"{'route':28} {'server':14} {'CPU ms/req':>10} {'(rounds)':>22} {'req/s':>7}  statuses")
    for key, values in cpu.items():
        rounds = "/".join(f"{v:.2f}" for v in values)
        print(
            f"{key[0]:28} {key[1]:14} {statistics.median(values):10.3f} {rounds:>22} "
            f"{statistics.median(rate[key]):7.0f}  {statuses[key]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="another checkout's root, served beside this one")
    args = parser.parse_args()
    raise_file_limit()
    print(f"load average: {os.getloadavg()}")
    for engine in args.engines.split(","):
        run_engine(engine, args)
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
