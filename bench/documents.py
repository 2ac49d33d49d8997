"""Documents and exports of large plans: time and the server's memory (issue 15).

For each plan size (default 1,000 and 10,000 commitments) and engine (default SQLite; add
`--engines sqlite,postgresql`), in a fresh scratch database, it bulk-inserts one plan
(`dataset.py`: bilingual commitments with milestones and supporters, half of them internal to
their lead party, a Japanese editor's token), starts one uvicorn process (1 worker, serving
`bench_app:create_bench_app`) and requests, one at a time, as that editor:

- the bare endpoint (`/_bench/bare`, no routing or database: the floor of this process);
- the plan's document as PDF, HTML and Markdown;
- the whole-plan JSON export;
- the commitment list as XLSX and CSV

(`--formats pdf,html` asks for some of them only).

For each it prints the wall time (best and worst of `--repeat`), the server process's CPU
time per request, the response size, and its resident memory (RSS) before the requests, its
peak during them (the kernel's high-water mark, reset before each request) and after them; for
the PDF also the peak RSS of the largest child process that rendered it, the CPU time of the
children the server reaped meanwhile (the renderers, and the start-up of a spare) and the
children's RSS added up at its highest (renderers laying out parts at the same time;
`--pdf-processes` sets how many one PDF may use). Nothing is
asserted: figures depend on the machine and on what else runs on it, so the load average is
printed before and after.

`--server-path DIR` serves another checkout's API (its `services/api`), e.g. the code before
this change, for a side-by-side run: `git archive <rev> | tar -x -C /tmp/old`, then
`--server-path /tmp/old`.

Run: `.venv/bin/python bench/documents.py --help`.
"""

import argparse
import contextlib
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from commitment_list import running_server, scratch_database  # noqa: E402
from dataset import insert  # noqa: E402

from itpp_api.config import get_settings  # noqa: E402
from itpp_api.db import _engine_for  # noqa: E402
from itpp_api.migrate import upgrade  # noqa: E402

MB = 1024 * 1024


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


class Memory:
    """The server's RSS, and the peak RSS of its children (the PDF renderer), sampled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.child_peak_kb = 0
        self.children_peak_kb = 0  # the children's RSS added up, at its highest
        self.sampled_peak_kb = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def cpu(self) -> tuple[float, float]:
        """CPU seconds of the server, and of its children it has waited for (a PDF renderer
        is waited for when it exits)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        ticks = os.sysconf("SC_CLK_TCK")
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        return (utime + stime) / ticks, (cutime + cstime) / ticks

    def rss(self) -> int:
        return _status_kb(self.pid, "VmRSS") * 1024

    def start(self) -> None:
        # The kernel's high-water mark of this process from now on (Linux: clear_refs 5).
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.child_peak_kb = self.children_peak_kb = self.sampled_peak_kb = 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.sampled_peak_kb = max(self.sampled_peak_kb, _status_kb(self.pid, "VmRSS"))
            together = 0
            for child in _children(self.pid):
                self.child_peak_kb = max(self.child_peak_kb, _status_kb(child, "VmHWM"))
                together += _status_kb(child, "VmRSS")
            self.children_peak_kb = max(self.children_peak_kb, together)

    def stop(self) -> tuple[int, int, int]:
        """(peak RSS of the server, peak RSS of a child, peak of the children's RSS added up
        as sampled) in bytes since `start`."""
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        peak = max(_status_kb(self.pid, "VmHWM"), self.sampled_peak_kb)
        return peak * 1024, self.child_peak_kb * 1024, self.children_peak_kb * 1024


@dataclass
class Figure:
    name: str
    best: float
    worst: float
    size: int
    before: int
    peak: int
    after: int
    child_peak: int
    children_peak: int
    cpu: float
    child_cpu: float


def measure(client: httpx.Client, memory: Memory, name: str, path: str, repeat: int) -> Figure:
    times: list[float] = []
    before = memory.rss()
    peak = child_peak = children_peak = size = 0
    cpu_before, child_cpu_before = memory.cpu()
    for _ in range(repeat):
        memory.start()
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        run_peak, run_child, run_children = memory.stop()
        if response.status_code != 200:
            raise SystemExit(f"{name}: {response.status_code} {response.text[:500]}")
        size = len(response.content)
        peak, child_peak = max(peak, run_peak), max(child_peak, run_child)
        children_peak = max(children_peak, run_children)
    time.sleep(0.5)  # what the worker keeps once the response is out
    cpu, child_cpu = memory.cpu()
    return Figure(
        name,
        min(times),
        max(times),
        size,
        before,
        peak,
        memory.rss(),
        child_peak if name == "PDF" else 0,
        children_peak if name == "PDF" else 0,
        (cpu - cpu_before) / repeat,
        (child_cpu - child_cpu_before) / repeat,
    )


def run(engine: str, count: int, args: argparse.Namespace, scratch: Path) -> list[Figure]:
    with scratch_database(engine) as url:
        upgrade(url)
        os.environ["ITPP_DATABASE_URL"] = url
        get_settings.cache_clear()
        dataset = insert(_engine_for(url), count)
        _engine_for(url).dispose()
        with running_server(url, scratch / f"api-{engine}-{count}.log") as (base_url, pid):
            memory = Memory(pid)
            headers = {"Authorization": f"Bearer {dataset.token}"}
            plan = f"/api/v1/plans/{dataset.plan_id}"
            targets = [
                ("bare endpoint", "/_bench/bare"),
                ("PDF", f"{plan}/document?format=pdf&lang=ja"),
                ("HTML", f"{plan}/document?format=html&lang=ja"),
                ("Markdown", f"{plan}/document?format=md&lang=ja"),
                ("JSON export", f"{plan}/export"),
                ("XLSX", f"{plan}/commitments/export?format=xlsx&lang=ja"),
                ("CSV", f"{plan}/commitments/export?format=csv&lang=ja"),
            ]
            wanted = {name.strip().lower() for name in args.formats.split(",")}
            targets = [
                target
                for target in targets
                if target[0] == "bare endpoint" or target[0].split()[0].lower() in wanted
            ]
            figures = []
            with httpx.Client(base_url=base_url, headers=headers, timeout=600) as client:
                client.get("/_bench/bare")
                for name, path in targets:
                    repeat = args.repeat if name != "bare endpoint" else 20
                    figures.append(measure(client, memory, name, path, repeat))
    return figures


def report(engine: str, count: int, figures: list[Figure]) -> None:
    print(f"\n== {engine}, a plan of {count:,} commitments ==")
    print(
        f"{'':14} {'best s':>7} {'worst s':>7} {'CPU s':>6} {'size MB':>7} "
        f"{'RSS MB before':>13} {'peak':>5} {'after':>5} {'child peak MB':>13} {'CPU s':>6} "
        f"{'children MB':>11}"
    )
    for f in figures:
        child = (
            f"{f.child_peak / MB:13.0f} {f.child_cpu:6.2f} {f.children_peak / MB:11.0f}"
            if f.child_peak
            else ""
        )
        print(
            f"{f.name:14} {f.best:7.3f} {f.worst:7.3f} {f.cpu:6.2f} {f.size / MB:7.2f} "
            f"{f.before / MB:13.0f} {f.peak / MB:5.0f} {f.after / MB:5.0f} {child}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--pdf-processes",
        type=int,
        default=None,
        help="ITPP_DOCUMENT_PDF_PROCESSES of the server (default: the setting's default)",
    )
    parser.add_argument(
        "--formats",
        default="pdf,html,markdown,json,xlsx,csv",
        help="what to request besides the bare endpoint (e.g. --formats pdf)",
    )
    parser.add_argument(
        "--server-path", default=str(PROJECT_ROOT), help="the checkout whose API is served"
    )
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(Path(args.server_path) / "services" / "api")
    if args.pdf_processes is not None:
        os.environ["ITPP_DOCUMENT_PDF_PROCESSES"] = str(args.pdf_processes)
    # Measure the work, not the guards: the largest document passes them.
    os.environ.setdefault("ITPP_DOCUMENT_PDF_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("ITPP_DOCUMENT_MAX_BYTES", str(64 * MB))
    print(f"server code: {args.server_path}")
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="itpp-bench-documents-") as scratch:
        for engine in args.engines.split(","):
            for count in map(int, args.sizes.split(",")):
                report(engine, count, run(engine, count, args, Path(scratch)))
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
