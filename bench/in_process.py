"""The API's own cost per request, without HTTP (issue 15, item 6): the ASGI application called
in a loop in this process, as uvicorn would call it, one request at a time.

For each engine (a SQLite file; a scratch PostgreSQL database on ITPP_TEST_POSTGRES_URL) it
builds the app, then in interleaved rounds sends `--requests` requests of each route and takes
this process's CPU time per request (user + system, every thread: the worker threads' hops
included), printing the median over the rounds:

- `GET /healthz`: no database, no authentication (the yardstick of the app's floor);
- `GET /api/v1/parties` with a valid token: the trivial authenticated route;
- `GET /api/v1/commitments/{id}`: the single read.

With `--only ROUTE --rounds 1` it sends one route only, for `valgrind --tool=callgrind`
(instructions do not depend on the machine's load): run it twice with different `--requests`
and divide the difference of the totals by the difference of the counts.

Run: `.venv/bin/python bench/in_process.py --help` (the figures go to stderr; stdout has the
access log's lines).
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from request_path import PROJECT_ROOT, database, populate

sys.path.insert(0, str(PROJECT_ROOT))

from itpp_api.main import create_app


def _scope(path: str, token: str | None) -> dict[str, Any]:
    headers = [(b"host", b"testserver")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def _call(app: Any, scope: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(scope), receive, send)
    return status


async def _round(app: Any, scope: dict[str, Any], requests: int) -> float:
    """CPU milliseconds per request."""
    started = time.process_time()
    for _ in range(requests):
        status = await _call(app, scope)
        if status != 200:
            raise SystemExit(f"{scope['path']}: {status}")
    return (time.process_time() - started) / requests * 1000


def run_engine(engine: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch, database(engine, Path(scratch)):
        setup = populate()
        app = create_app()
        routes = {
            "healthz": _scope("/healthz", None),
            "parties": _scope("/api/v1/parties", setup.token),
            "commitment": _scope(f"/api/v1/commitments/{setup.commitments[0]}", setup.token),
        }
        if args.only:
            routes = {args.only: routes[args.only]}
        figures: dict[str, list[float]] = {name: [] for name in routes}

        async def main() -> None:
            for scope in routes.values():  # warm up: caches, pool, compiled statements
                await _round(app, scope, 20)
            for _ in range(args.rounds):
                for name, scope in routes.items():
                    figures[name].append(await _round(app, scope, args.requests))

        asyncio.run(main())
        for name, values in figures.items():
            print(
                f"{engine:10} {name:12} {statistics.median(values):6.3f} ms CPU/request "
                f"(rounds: {', '.join(f'{v:.3f}' for v in values)})",
                file=sys.stderr,  # stdout has the access log
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["healthz", "parties", "commitment"])
    args = parser.parse_args()
    for engine in args.engines.split(","):
        run_engine(engine, args)


if __name__ == "__main__":
    main()
