"""Benchmark of the inbox, GET /api/v1/users/me/inbox, as the signed-in user's party takes part
in more and more plans.

The inbox reads every plan of the caller's party, then one query per kind of record over all of
them (issue 17: a constant number of statements per request). Here a scratch PostgreSQL
database grows from a few plans to a few hundred, each of 500 commitments with their
milestones, exchanges, reviews and amendments, every plan Japan–NATO (so all of them are in
the Japanese editor's inbox), built and COPY-loaded by bench/dashboard.py's loader with
approval dates spread over the two-year term: some plans expire within 90 days, reviews are
open or due, commitments are overdue or quiet. At every step, fresh uvicorn processes serve
the API (with the bare ASGI endpoint mounted beside it, bench/dashboard.py's server app) on
the growing database and on a control copy of the first step's database; the inbox, the bare
endpoint and the control's inbox are requested in turn, one request at a time. It prints
p50/p99 latencies, the inbox against the bare endpoint (what the request costs above uvicorn
and the middleware) and against the control measured at the same moments, and the SQL
statements of one request as the server ran them (counted, timed in the app, and run again
under EXPLAIN ANALYZE for the pages they read). Figures are printed and written to
bench/results/inbox.json, never asserted: timings depend on the machine.

Run: `make bench` (or `.venv/bin/python bench/inbox.py --help`).
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from dashboard import (
    FILLER_COMMITMENTS,
    PROJECT_ROOT,
    BenchError,
    Latency,
    Loader,
    Statement,
    Target,
    _bare_target,
    _drive,
    _latency,
    _raise_on_sigterm,
    _statement_timings,
    _tail,
    check_columns,
    create_world,
    database_counts,
    explain,
    running_servers,
    scratch_database,
)

RESULTS_PATH = PROJECT_ROOT / "bench" / "results" / "inbox.json"
INBOX_PATH = "/api/v1/users/me/inbox"
DEFAULT_STEPS = "4,40,200"  # plans of the caller's party: 2,000 to 100,000 commitments


@dataclass
class InboxRun:
    """The inbox beside the bare endpoint and the control's inbox, at one step."""

    plans: int
    commitments: int
    items: int
    items_by_kind: dict[str, int]
    body_bytes: int
    body_sha256: str
    inbox: Latency
    bare: Latency
    control: Latency
    ratio_to_bare: float  # inbox p50 / bare p50
    # Per round, the median over requests of (inbox latency / the control's, requested next to
    # it); and the median of those.
    round_ratios: list[float]
    ratio_to_control: float
    statements: list[Statement]
    transaction_statements: int
    app_db_ms: float
    varied_bodies: int


@dataclass
class Step:
    plans: int
    counts: dict[str, int]
    load_seconds: float
    run: InboxRun


def _specs(start_index: int, plans: int, seed: int) -> list[tuple[str, int, int, int]]:
    """Plans of FILLER_COMMITMENTS commitments, approved 30 to 720 days ago: about one in
    eight expires within 90 days; the loader gives each its reviews, amendments, exchanges."""
    rng = random.Random(seed)
    return [
        (f"INBOX-{index:05d}", FILLER_COMMITMENTS, seed * 100_000 + index, rng.randrange(30, 720))
        for index in range(start_index + 1, start_index + plans + 1)
    ]


def _inbox_target(name: str, client: httpx.Client, token: str) -> Target:
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(INBOX_PATH, headers=auth)
    if first.status_code != 200:
        raise BenchError(f"{name}: HTTP {first.status_code}: {first.text[:300]}")
    if not orjson.loads(first.content)["items"]:
        raise BenchError(f"{name}: an empty inbox measures nothing")
    return Target(
        name, client, client.build_request("GET", INBOX_PATH, headers=auth), first.content
    )


def measure(
    *, url: str, control_url: str, token: str, plans: int, args: argparse.Namespace, logs: Path
) -> InboxRun:
    """`args.rounds` rounds, each with a fresh uvicorn process per database; then the
    statements of one inbox request, recorded on the server and explained."""
    inboxes: list[Target] = []
    bares: list[Target] = []
    controls: list[Target] = []
    round_ratios: list[float] = []
    varied = 0
    timings: tuple[list[Statement], list[Any], int] = ([], [], 0)
    for number in range(1, args.rounds + 1):
        log_files = [
            logs.with_name(f"{logs.name}-{number}.log"),
            logs.with_name(f"{logs.name}-{number}-control.log"),
        ]
        with contextlib.ExitStack() as stack:
            base_url, control_base = stack.enter_context(
                running_servers([(url, log_files[0]), (control_url, log_files[1])])
            )
            client = stack.enter_context(httpx.Client(base_url=base_url, timeout=60))
            control_client = stack.enter_context(httpx.Client(base_url=control_base, timeout=60))
            try:
                inbox = _inbox_target("inbox", client, token)
                control = _inbox_target("control", control_client, token)
                bare = _bare_target(client)
                varied += _drive([inbox, bare, control], args.warmup, args.requests)
                round_ratios.append(
                    round(
                        statistics.median(
                            a / b for a, b in zip(inbox.latencies, control.latencies, strict=True)
                        ),
                        4,
                    )
                )
                inboxes.append(inbox)
                bares.append(bare)
                controls.append(control)
                if number == args.rounds:
                    timings = _statement_timings(client, inbox, args.timing_rounds)
            except httpx.HTTPError as exc:
                raise BenchError(f"{exc!r}; server log:\n{_tail(log_files[0])}") from exc
    statements, params, transaction = timings
    explain(url, statements, params, args.explain_repeat)
    body = orjson.loads(inboxes[-1].expected)
    by_kind: dict[str, int] = {}
    for item in body["items"]:
        by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
    inbox_latency = _latency([x for t in inboxes for x in t.latencies])
    bare_latency = _latency([x for t in bares for x in t.latencies])
    return InboxRun(
        plans=plans,
        commitments=plans * FILLER_COMMITMENTS,
        items=body["count"],
        items_by_kind=dict(sorted(by_kind.items())),
        body_bytes=len(inboxes[-1].expected),
        body_sha256=hashlib.sha256(inboxes[-1].expected).hexdigest(),
        inbox=inbox_latency,
        bare=bare_latency,
        control=_latency([x for t in controls for x in t.latencies]),
        ratio_to_bare=round(inbox_latency.p50_ms / bare_latency.p50_ms, 2),
        round_ratios=round_ratios,
        ratio_to_control=round(statistics.median(round_ratios), 3),
        statements=statements,
        transaction_statements=transaction,
        app_db_ms=round(sum(s.app_ms or 0 for s in statements), 3),
        varied_bodies=varied,
    )


def report(steps: list[Step], args: argparse.Namespace) -> str:
    load = os.getloadavg()
    lines = [
        "",
        f"== Inbox of a Japanese editor (GET {INBOX_PATH}), PostgreSQL, {args.rounds} rounds × "
        f"{args.requests} requests per endpoint, one at a time; load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs",
        f"   {'plans':>6} {'commitments':>11} {'items':>6} {'bytes':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'bare p50':>8} {'÷ bare':>7} {'ctl p50':>8} {'÷ ctl':>6} "
        f"{'stmts':>5} {'db ms':>6}",
    ]
    for step in steps:
        r = step.run
        lines.append(
            f"   {r.plans:>6,} {step.counts['commitment']:>11,} {r.items:>6} {r.body_bytes:>8,} "
            f"{r.inbox.p50_ms:>8.2f} {r.inbox.p99_ms:>8.2f} {r.bare.p50_ms:>8.2f} "
            f"{r.ratio_to_bare:>7.1f} {r.control.p50_ms:>8.2f} {r.ratio_to_control:>6.2f} "
            f"{len(r.statements):>5} {r.app_db_ms:>6.2f}"
        )
    last = steps[-1].run
    lines += [
        "",
        f"   items by kind at {last.plans:,} plans: "
        + ", ".join(f"{kind} {n}" for kind, n in last.items_by_kind.items()),
        f"   the statements of one request at {last.plans:,} plans (BEGIN/COMMIT not counted; "
        f"ms in the app, median of {args.timing_rounds} recorded requests; buffers and rows "
        "scanned: EXPLAIN ANALYZE):",
    ]
    # The same statements in the same order at every step (their SQL differs only by the
    # number of plan ids bound): the first step's reads beside the last's.
    first = steps[0].run.statements if len(steps) > 1 else []
    for index, s in enumerate(last.statements, start=1):
        before = first[index - 1] if len(first) == len(last.statements) else None
        grown = (
            f"  (at {steps[0].run.plans:,} plans: {before.buffers or 0:,} buffers, "
            f"{before.rows_scanned or 0:,} rows)"
            if before is not None
            else ""
        )
        lines.append(
            f"   {index:>2} {s.label[:44]:<44} {s.app_ms or 0:>7.2f} ms {s.buffers or 0:>7,} "
            f"buffers {s.rows_scanned or 0:>8,} rows" + grown
        )
    return "\n".join(lines)


def run(args: argparse.Namespace, log_dir: Path) -> list[Step]:
    targets = sorted({int(s) for s in args.steps.split(",") if s.strip()})
    steps: list[Step] = []
    with contextlib.ExitStack() as databases:
        url = databases.enter_context(scratch_database())
        control_url: str | None = None
        print("[inbox] migrating; parties, organisations, users, token…", flush=True)
        setup = create_world(url)
        loader = Loader(url, setup.world)
        plans = 0
        for number, target in enumerate(targets, start=1):
            adding = target - plans
            print(
                f"[inbox] step {number}/{len(targets)}: loading {adding:,} plans of "
                f"{FILLER_COMMITMENTS} commitments (→ {target:,} plans)…",
                flush=True,
            )
            stats = loader.load(_specs(plans, adding, number))
            plans = target
            if control_url is None:
                # The control: this first database, copied once and never grown.
                control_url = databases.enter_context(scratch_database(template_url=url))
            print(f"[inbox]   loaded in {stats.seconds:.1f} s; measuring…", flush=True)
            measured = measure(
                url=url,
                control_url=control_url,
                token=setup.token,
                plans=plans,
                args=args,
                logs=log_dir / f"server-step{number}",
            )
            steps.append(Step(plans, database_counts(url), round(stats.seconds, 1), measured))
            print(
                f"[inbox]   p50 {measured.inbox.p50_ms:.2f} ms ({measured.items} items), bare "
                f"p50 {measured.bare.p50_ms:.2f} ms, control p50 {measured.control.p50_ms:.2f} "
                f"ms, inbox/control {measured.ratio_to_control}, "
                f"{len(measured.statements)} statements",
                flush=True,
            )
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--steps",
        default=DEFAULT_STEPS,
        help="plans in the database at each step (comma-separated)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="per step, each with fresh server processes"
    )
    parser.add_argument("--requests", type=int, default=100, help="timed, per endpoint and round")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint")
    parser.add_argument(
        "--timing-rounds", type=int, default=15, help="recorded requests, for statement times"
    )
    parser.add_argument("--explain-repeat", type=int, default=3, help="EXPLAIN runs (median)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    check_columns()
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="itpp-bench-inbox-") as log_dir:
            steps = run(args, Path(log_dir))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, scratch databases dropped", file=sys.stderr)
        return 130
    if not steps:
        print("benchmark failed: no step was measured", file=sys.stderr)
        return 1
    print(report(steps, args))
    document = {
        "benchmark": "inbox",
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "options": vars(args),
        "steps": [asdict(s) for s in steps],
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nresults: {RESULTS_PATH.relative_to(PROJECT_ROOT)}  ({document['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
