"""Benchmark of the portfolio, GET /api/v1/portfolio, beside one plan's dashboard in the same run.

A scratch PostgreSQL database holds `--plans` Japan–NATO plans of `--commitments` commitments
each (with their milestones, exchanges, reviews and amendments), built and COPY-loaded by
bench/dashboard.py's loader, approval dates spread over the two-year term. One uvicorn process
serves the API; the portfolio of the Japanese editor, the dashboard of one of the plans and the
bare ASGI endpoint are requested in turn, one request at a time. It prints p50/p99 latencies
and the portfolio's p50 over the dashboard's (issue 19 asks for at most 2 at 200 plans × 1,000
commitments: `--plans 200 --commitments 1000`, which takes long to load on a small machine;
the defaults are smaller). Figures are printed, never asserted: timings depend on the machine.

Run: `.venv/bin/python bench/portfolio.py --help`.
"""

import argparse
import contextlib
import os
import random
import signal
import sys
import tempfile
from pathlib import Path

import httpx
import orjson
from dashboard import (
    BenchError,
    Loader,
    Target,
    _bare_target,
    _drive,
    _latency,
    _raise_on_sigterm,
    _tail,
    check_columns,
    create_world,
    running_servers,
    scratch_database,
)

PORTFOLIO_PATH = "/api/v1/portfolio"


def _specs(plans: int, commitments: int, seed: int) -> list[tuple[str, int, int, int]]:
    rng = random.Random(seed)
    return [
        (f"PORTFOLIO-{index:05d}", commitments, seed * 100_000 + index, rng.randrange(30, 720))
        for index in range(1, plans + 1)
    ]


def _target(name: str, client: httpx.Client, path: str, token: str) -> Target:
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(path, headers=auth)
    if first.status_code != 200:
        raise BenchError(f"{name}: HTTP {first.status_code}: {first.text[:300]}")
    return Target(name, client, client.build_request("GET", path, headers=auth), first.content)


def run(args: argparse.Namespace, log_dir: Path) -> str:
    with scratch_database() as url:
        print("[portfolio] migrating; parties, organisations, users, token…", flush=True)
        setup = create_world(url)

        print(
            f"[portfolio] loading {args.plans:,} plans of {args.commitments:,} commitments…",
            flush=True,
        )
        stats = Loader(url, setup.world).load(_specs(args.plans, args.commitments, args.seed))
        print(f"[portfolio]   loaded in {stats.seconds:.1f} s; measuring…", flush=True)
        log = log_dir / "server.log"
        with contextlib.ExitStack() as stack:
            (base_url,) = stack.enter_context(running_servers([(url, log)]))
            client = stack.enter_context(httpx.Client(base_url=base_url, timeout=120))
            try:
                portfolio = _target("portfolio", client, PORTFOLIO_PATH, setup.token)
                items = orjson.loads(portfolio.expected)["items"]
                if len(items) < args.plans:
                    raise BenchError(f"the portfolio holds {len(items)} plans, not {args.plans}")
                plan_id = items[0]["id"]
                dashboard = _target(
                    "dashboard", client, f"/api/v1/plans/{plan_id}/dashboard", setup.token
                )
                bare = _bare_target(client)
                _drive([portfolio, dashboard, bare], args.warmup, args.requests)
            except httpx.HTTPError as exc:
                raise BenchError(f"{exc!r}; server log:\n{_tail(log)}") from exc
    p, d, b = (_latency(t.latencies) for t in (portfolio, dashboard, bare))
    load = os.getloadavg()
    return "\n".join(
        [
            "",
            f"== Portfolio of a Japanese editor (GET {PORTFOLIO_PATH}), PostgreSQL, "
            f"{args.plans:,} plans × {args.commitments:,} commitments, {args.requests} requests "
            f"per endpoint, one at a time; load average {load[0]:.2f} on {os.cpu_count()} CPUs",
            f"   {'endpoint':<22} {'p50 ms':>8} {'p99 ms':>8}",
            f"   {'portfolio':<22} {p.p50_ms:>8.2f} {p.p99_ms:>8.2f}",
            f"   {'one plan dashboard':<22} {d.p50_ms:>8.2f} {d.p99_ms:>8.2f}",
            f"   {'bare ASGI':<22} {b.p50_ms:>8.2f} {b.p99_ms:>8.2f}",
            f"   portfolio ÷ dashboard (p50): {p.p50_ms / d.p50_ms:.2f} (aim: ≤ 2)",
            f"   bytes: portfolio {len(portfolio.expected):,}, "
            f"dashboard {len(dashboard.expected):,}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, default=20, help="plans of the caller's party")
    parser.add_argument("--commitments", type=int, default=200, help="commitments per plan")
    parser.add_argument("--requests", type=int, default=50, help="timed, per endpoint")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per endpoint")
    parser.add_argument("--seed", type=int, default=19, help="of the generated data")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    check_columns()
    try:
        with tempfile.TemporaryDirectory(prefix="itpp-bench-portfolio-") as log_dir:
            print(run(args, Path(log_dir)))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: server stopped, scratch database dropped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
