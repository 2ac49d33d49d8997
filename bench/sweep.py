"""The concurrency sweep of issue 15 (item 7b): the commitment list and a commitment's detail at
1, 32, 256 and 1,000 connections, with valid and with invalid tokens.

For each engine (a SQLite file; a scratch PostgreSQL database on ITPP_TEST_POSTGRES_URL) it
makes a plan with 42 commitments and a signed-in editor, starts one uvicorn process (1 worker,
default settings, as `itpp serve api` runs it) and, per endpoint and number of connections:

- valid: every connection sends the request with a valid token, again and again;
- invalid: every connection sends it with an invalid token (half malformed, half made up in
  the shape the API issues, with a tag the API never gave: what a client without a token can
  send), and one more connection sends it with the valid token (its p99 is the figure:
  a valid request's wait under a flood of invalid ones). That connection is a user's, not the
  flood's: it runs in a process of its own (`http_load.Probe`), has had its first answer before
  the flood starts, and sends its requests until the flood's window ends. (Until a later
  session it ran in the flood's own client and started with the flood, so a step's few answers
  were mostly the ones sent while the flood's first requests were still queued.)
  The connections take the flood's `--flood-tokens` tokens in turn, so a step with more
  connections than earlier steps brings made-up tokens new to the server; with
  `--fresh-tokens` every step's are new. Until tokens were tagged (auth/tokens.py), each such
  token was a turn at the database the first time (and refused from memory afterwards); since,
  the tag refuses it before it waits for one.

Each step runs `--duration` seconds once every connection is open, then waits for the answers
still due. Per step it prints answers per second inside the window, p50/p99 and the answers
by status (0: the connection failed; -1: no answer within the drain time). Per endpoint it
checks the issue's done-means: no 5xx other than 503 with Retry-After, throughput at 1,000
connections ≥ 80 % of the peak, the valid request's p99 under the flood ≤ 1 s.

Run: `.venv/bin/python bench/sweep.py --help`.
"""

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import uvloop
from http_load import Load, Probe, Tally, get_request, raise_file_limit, run, throughput
from request_path import PROJECT_ROOT, bearer, cpu_seconds, database, populate

sys.path.insert(0, str(PROJECT_ROOT))

from tests.live_api import start_api, stop, wait_until_up

CONNECTIONS = (1, 32, 256, 1000)
# The tag part of the flood's made-up tokens (auth/tokens.py: 22 URL-safe characters).
MADE_UP_TAG = "t" * 22


@dataclass
class Step:
    endpoint: str
    connections: int
    tokens: str
    rate: float
    p50: float
    p99: float
    statuses: dict[int, int]
    unmarked_5xx: int
    cpu_ms: float  # the server's CPU per answer, over the whole step
    probe_p99: float | None = None  # the valid connection beside an invalid flood


def sweep_step(
    pid: int,
    host: str,
    port: int,
    path: str,
    token: str,
    connections: int,
    invalid: bool,
    seconds: float,
    flood_tokens: int,
    fresh: str,
) -> tuple[Load, Tally | None, float]:
    valid = get_request(f"{host}:{port}", path, bearer(token))
    before = cpu_seconds(pid)
    if not invalid:
        load = Load([valid], connections)
        uvloop.run(run(host, port, [load], seconds))
        return load, None, cpu_seconds(pid) - before
    flood = [  # malformed and unknown in turn: half of each at any number of connections
        get_request(f"{host}:{port}", path, bearer(token))
        for n in range(flood_tokens)
        for token in (f"invalid-token-{n}", f"itpp_{fresh}{n:038d}{MADE_UP_TAG}")
    ]
    load = Load(flood, connections)
    probe = Probe(host, port, valid)
    uvloop.run(run(host, port, [load], seconds))
    return load, probe.finish(), cpu_seconds(pid) - before


def run_engine(engine: str, args: argparse.Namespace) -> list[Step]:
    steps: list[Step] = []
    with tempfile.TemporaryDirectory() as scratch, database(engine, Path(scratch)) as url:
        setup = populate()
        server = start_api(url, Path(scratch) / "api.log")
        try:
            wait_until_up(server)
            host, port = server.base_url.removeprefix("http://").split(":")
            endpoints = {
                "list": f"/api/v1/plans/{setup.plan}/commitments",
                "detail": f"/api/v1/commitments/{setup.commitments[0]}",
            }
            print(f"\n== {engine}: {args.duration:g} s a step ==")
            print(
                f"{'endpoint':8} {'conn':>5} {'tokens':8} {'answers/s':>9} {'p50 ms':>8} "
                f"{'p99 ms':>8} {'valid p99':>9} {'CPU ms':>6}  statuses"
            )
            step_number = 0
            for name, path in endpoints.items():
                if name not in args.endpoints.split(","):
                    continue
                for connections in [int(c) for c in args.connections.split(",")]:
                    for invalid in [t == "invalid" for t in args.tokens.split(",")]:
                        load, probe, cpu = sweep_step(
                            server.process.pid,
                            host,
                            int(port),
                            path,
                            setup.token,
                            connections,
                            invalid,
                            args.duration,
                            args.flood_tokens,
                            # unknown tokens the server has not refused before: per step
                            f"{step_number:05d}" if args.fresh_tokens else "00000",
                        )
                        step_number += 1
                        step = Step(
                            endpoint=name,
                            connections=connections,
                            tokens="invalid" if invalid else "valid",
                            rate=throughput(load.tally),
                            p50=load.tally.percentile(0.5),
                            p99=load.tally.percentile(0.99),
                            statuses=dict(sorted(load.tally.statuses.items())),
                            unmarked_5xx=load.tally.unmarked_5xx
                            + (probe.unmarked_5xx if probe else 0),
                            cpu_ms=cpu
                            * 1000
                            / max(
                                1,
                                len(load.tally.answers) + len(probe.answers if probe else []),
                            ),
                            probe_p99=(
                                probe.percentile(0.99, window_only=False) if probe else None
                            ),
                        )
                        steps.append(step)
                        probe_text = f"{step.probe_p99:9.0f}" if probe else f"{'':9}"
                        extra = ""
                        if probe:
                            probe_p50 = probe.percentile(0.5, window_only=False)
                            extra = f" valid: {dict(probe.statuses)}, p50 {probe_p50:.0f} ms"
                        print(
                            f"{name:8} {connections:5d} {step.tokens:8} {step.rate:9.0f} "
                            f"{step.p50:8.1f} {step.p99:8.0f} {probe_text} {step.cpu_ms:6.2f}  "
                            f"{step.statuses}{extra}",
                            flush=True,
                        )
        finally:
            stop(server)
    if args.connections == ",".join(str(c) for c in CONNECTIONS) and args.tokens == "valid,invalid":
        verdict(engine, steps)
    return steps


def verdict(engine: str, steps: list[Step]) -> None:
    """The issue's done-means, per endpoint."""
    for name in dict.fromkeys(step.endpoint for step in steps):
        valid = [s for s in steps if s.endpoint == name and s.tokens == "valid"]
        flood = [s for s in steps if s.endpoint == name and s.tokens == "invalid"]
        peak = max(s.rate for s in valid)
        at_1000 = next(s.rate for s in valid if s.connections == 1000)
        unmarked = sum(s.unmarked_5xx for s in steps if s.endpoint == name)
        failed = sum(s.statuses.get(0, 0) + s.statuses.get(-1, 0) for s in valid + flood)
        worst_probe = max(s.probe_p99 or 0.0 for s in flood)
        ok = unmarked == 0 and at_1000 >= 0.8 * peak and worst_probe <= 1000 and failed == 0
        print(
            f"{engine} {name}: 5xx other than 503+Retry-After: {unmarked}; no answer: {failed}; "
            f"1,000 connections at {at_1000 / peak:.0%} of the peak ({at_1000:.0f} of "
            f"{peak:.0f}/s); valid p99 under the flood ≤ {worst_probe:.0f} ms: "
            f"{'meets' if ok else 'MISSES'} the done-means"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds a step")
    parser.add_argument("--endpoints", default="list,detail")
    parser.add_argument("--connections", default=",".join(str(c) for c in CONNECTIONS))
    parser.add_argument("--tokens", default="valid,invalid")
    parser.add_argument(
        "--flood-tokens",
        type=int,
        default=25,
        help="malformed and as many made-up tokens in the flood, one a connection in turn",
    )
    parser.add_argument(
        "--fresh-tokens",
        action="store_true",
        help="made-up tokens new to the server at every step (by default the steps share "
        "them; before tokens were tagged each new one was a turn at the database)",
    )
    parser.add_argument("--quick", action="store_true", help="3 s a step (make bench)")
    args = parser.parse_args()
    if args.quick:
        args.duration = 3.0
    raise_file_limit()
    print(f"load average: {os.getloadavg()}")
    for engine in args.engines.split(","):
        run_engine(engine, args)
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
