"""Benchmark of three web pages against the API call each makes (issue 18, item 8): the
dashboard (`GET /api/v1/plans/{id}/overview`), the commitments page
(`GET /api/v1/plans/{id}/commitment-table`) and the review page
(`GET /api/v1/reviews/{id}/workspace`), each one composite read. The aim: web page time / API
call time ≤ 1.5. Each page is also set beside the plain call it is about, which its composite
read costs more than: the dashboard (`GET /api/v1/plans/{id}/dashboard`), the list's page
(`GET /api/v1/plans/{id}/commitments?limit=<page size>&sort=reference`) and the review
(`GET /api/v1/reviews/{id}`).

It starts the stack the web tests use (tests/web/conftest.py `running_stack`: the API in one
uvicorn process over a SQLite file migrated and loaded with the sample, the web in another),
plus a second web process with the read cache off (`ITPP_WEB_READ_CACHE_SECONDS=0`, as before
issue 18 item 8). Japan's editor's session token is the pages' cookie and the API calls' bearer.
In interleaved rounds, one request at a time, each page is requested from both web processes,
its API call from the API, and the API calls the page itself makes on a second visit (as the web
makes them: the composite reads with `If-None-Match`, answered 304; counted by
tests/web/test_speed.py), one after another. It prints p50/p99 per target, the page/API ratios
(p50 over p50, measured in the same rounds), how much of the page is its own calls and how much
the web's own work (rendering, the hop), and the machine's load average before and after.
Nothing is asserted: figures depend on the machine.

Run: `.venv/bin/python bench/web_pages.py --help`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from itpp_web.routes.comments import PAGE_SIZE as THREADS_PAGE_SIZE

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

# The tests' web processes render a page found in their render cache again, to compare
# (tests/conftest.py): measured here as served, without that check.
os.environ["ITPP_WEB_RENDER_CACHE_VERIFY"] = "false"

from tests.conftest import template_databases  # noqa: E402
from tests.live_api import start_web, stop, wait_until_up  # noqa: E402
from tests.web.conftest import SAMPLE_PLAN, running_stack  # noqa: E402

PAGE_SIZE = 25  # ITPP_WEB_PAGE_SIZE's default: the commitments page asks for one page


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def timed(
    client: httpx.Client,
    path: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    expect: int = 200,
) -> float:
    started = time.perf_counter()
    response = client.get(path, params=params, headers=headers)
    took = time.perf_counter() - started
    if response.status_code != expect:
        raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    return took


# One API call a page makes: its path, its query, and whether it is sent with If-None-Match
# (the web's composite reads, answered 304 on a second visit).
Call = tuple[str, dict[str, str] | None, bool]


def timed_calls(
    api: httpx.Client, calls: list[Call], etags: dict[str, str], *, fresh: bool = False
) -> float:
    """The page's own API calls, one after another, as on a second visit; `fresh`: as on a
    first visit (every call answered in full, 200)."""
    took = 0.0
    for path, params, conditional in calls:
        if conditional and not fresh:
            if path not in etags:
                etags[path] = api.get(path).headers["ETag"]
            took += timed(api, path, headers={"If-None-Match": etags[path]}, expect=304)
        else:
            took += timed(api, path, params=params)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="per target per round")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "templates").mkdir()
        with (
            template_databases(root / "templates"),
            running_stack(root, f"sqlite:///{root / 'itpp.sqlite3'}") as stack,
        ):
            uncached = start_web(
                stack.api_url,
                root / "web-uncached.log",
                env={
                    "ITPP_WEB_VAR_DIR": str(root / "var"),
                    "ITPP_WEB_READ_CACHE_SECONDS": "0",
                    "ITPP_WEB_RENDER_CACHE_BYTES": "0",
                },
            )
            try:
                wait_until_up(uncached, "/healthz")
                run(stack.api_url, stack.web_url, uncached.base_url, stack.api_token, args)
            finally:
                stop(uncached)
    load_after = os.getloadavg()
    print(
        f"\nmachine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.2f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.2f}' for x in load_after)}"
    )


def run(
    api_url: str,
    web_url: str,
    uncached_url: str,
    api_token: Callable[[str, str], str],
    args: argparse.Namespace,
) -> None:
    token = api_token("JP", "editor")
    auth = {"Authorization": f"Bearer {token}"}
    cookies = {"itpp_session": token}
    page_headers = {"Accept-Language": "en"}
    with (
        httpx.Client(base_url=api_url, headers=auth, timeout=30) as api,
        httpx.Client(base_url=web_url, cookies=cookies, timeout=30) as web,
        httpx.Client(base_url=uncached_url, cookies=cookies, timeout=30) as web_uncached,
    ):
        plans = api.get("/api/v1/plans", params={"status": "active"}).json()["items"]
        plan_id = next(plan["id"] for plan in plans if plan["reference"] == SAMPLE_PLAN)
        review_id = api.get(f"/api/v1/plans/{plan_id}/reviews").json()["items"][0]["id"]
        targets = {
            "dashboard": (f"/plans/{plan_id}", f"/api/v1/plans/{plan_id}/dashboard", None),
            "commitments page": (
                f"/plans/{plan_id}/commitments",
                f"/api/v1/plans/{plan_id}/commitments",
                {"limit": str(PAGE_SIZE), "sort": "reference"},
            ),
            "review page": (f"/reviews/{review_id}", f"/api/v1/reviews/{review_id}", None),
        }
        # What each page asks the API on a second visit within the read cache's bound.
        page_calls: dict[str, list[Call]] = {
            "dashboard": [(f"/api/v1/plans/{plan_id}/overview", None, True)],
            "commitments page": [
                (
                    f"/api/v1/plans/{plan_id}/commitment-table?limit={PAGE_SIZE}&page=1",
                    None,
                    True,
                ),
            ],
            "review page": [
                (
                    f"/api/v1/reviews/{review_id}/workspace?comments_limit={THREADS_PAGE_SIZE}",
                    None,
                    True,
                ),
            ],
        }
        etags: dict[str, str] = {}
        times: dict[str, dict[str, list[float]]] = {
            name: {
                "web": [],
                "web, cache off": [],
                "API call": [],
                "its calls": [],
                "its calls, full": [],
            }
            for name in targets
        }
        for name, (page, call, params) in targets.items():  # warm-up
            for _ in range(5):
                timed(web, page, headers=page_headers)
                timed(web_uncached, page, headers=page_headers)
                timed(api, call, params=params)
                timed_calls(api, page_calls[name], etags)
        for _ in range(args.rounds):
            for name, (page, call, params) in targets.items():
                for _ in range(args.requests):
                    times[name]["web"].append(timed(web, page, headers=page_headers))
                    times[name]["web, cache off"].append(
                        timed(web_uncached, page, headers=page_headers)
                    )
                    times[name]["API call"].append(timed(api, call, params=params))
                    times[name]["its calls"].append(timed_calls(api, page_calls[name], etags))
                    times[name]["its calls, full"].append(
                        timed_calls(api, page_calls[name], etags, fresh=True)
                    )
    print(
        f"\n{args.rounds} rounds x {args.requests} requests per target, one at a time, "
        "interleaved (ms):"
    )
    print(f"{'page':18} {'target':16} {'p50':>8} {'p99':>8}")
    for name, by_target in times.items():
        for target, values in by_target.items():
            print(
                f"{name:18} {target:16} {percentile(values, 0.5):8.2f} "
                f"{percentile(values, 0.99):8.2f}"
            )
    ratios(
        times,
        "its calls, full",
        "web page / the API call it makes, answered in full (p50 / p50, same rounds; each page"
        " makes one call, a composite read: the aim is <= 1.5):",
    )
    ratios(
        times,
        "API call",
        "web page / the plain API call the page is about (p50 / p50: the dashboard, the list's"
        " page, the review alone, which the composite reads also cost more than):",
    )
    print("\nwhere a page's time goes (p50, ms): its own API calls one after another, the rest")
    for name, by_target in times.items():
        page = statistics.median(by_target["web"]) * 1000
        calls = statistics.median(by_target["its calls"]) * 1000
        print(
            f"  {name:18} page {page:7.2f} = its calls {calls:7.2f} "
            f"+ the web's own work {page - calls:7.2f}"
        )


def ratios(times: dict[str, dict[str, list[float]]], against: str, title: str) -> None:
    """Each page's p50 (and the uncached web's) over the p50 of the target `against`."""
    print(f"\n{title}")
    for name, by_target in times.items():
        base = statistics.median(by_target[against])
        print(
            f"  {name:18} {statistics.median(by_target['web']) / base:5.2f}"
            f"   (cache off: {statistics.median(by_target['web, cache off']) / base:5.2f})"
        )


if __name__ == "__main__":
    main()
