"""A PDF's critical path (issue 15, item 6): the CPU of each renderer and of the caller.

On a shared machine a PDF's wall time says more about the load than about the code, but the
CPU each process spends does not depend on it (much). This builds the print document of a plan
of `--commitments` (`dataset.build_rows`, the same content `bench/documents.py` serves; the
shared commitments in the annex, as the document shows them) without a database or a server,
then renders it with `pdf.render_pdf` as the API does, with 1 and with `--processes`
renderers in turn, spares started and idle first. For each it prints the wall time, the
caller's CPU (the parts' HTML, joining the runs), each renderer's CPU (sampled from /proc
every 10 ms until it exits) and pages and size. The longest renderer plus the caller is what
the PDF takes on an idle machine with a core for each renderer (the API's work to build the
document from the database comes on top: `bench/documents.py` prints it as the server's CPU).

Run: `.venv/bin/python bench/pdf_path.py --commitments 10000 --rounds 2`.
"""

import argparse
import contextlib
import copy
import os
import sys
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from dataset import build_rows  # noqa: E402

from itpp_api.documents import pdf, render  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def document(count: int) -> render.PlanDocument:
    """The plan's document as the API builds it: the shared commitments, where they stand."""
    _plan_id, rows = build_rows(count)
    plan = dict(rows["plan"][0])
    plan["parties"] = [{"code": p["code"], "name": p["name"]} for p in rows["party"]]
    plan["approval_date"] = str(plan["approval_date"])
    codes = {str(p["id"]): p["code"] for p in rows["party"]}
    commitments = [
        dict(c, start_date=str(c["start_date"]), due_date=c["due_date"] and str(c["due_date"]))
        for c in rows["commitment"]
        if c["visibility"] == "shared"
    ]
    snapshot = {"plan": plan, "priority_areas": rows["priority_area"], "commitments": commitments}
    delivery = {str(c["id"]): (c["status"], c["progress"]) for c in commitments}
    return render.build_document(
        snapshot, lang="ja", version=None, party_codes=codes, delivery=delivery, evidence={}
    )


def _children() -> list[int]:
    found: list[int] = []
    for task in Path("/proc/self/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def _idle_spares(processes: int) -> dict[int, float]:
    pdf._refill(processes)
    while True:  # started, WeasyPrint loaded, warmed up
        first = {pid: _cpu(pid) for pid in _children()}
        time.sleep(1.0)
        if first == {pid: _cpu(pid) for pid in _children()}:
            return {pid: value or 0.0 for pid, value in first.items()}


def measure(doc: render.PlanDocument, processes: int) -> str:
    before = _idle_spares(processes)
    seen: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            for pid in _children():
                value = _cpu(pid)
                if value is not None:
                    seen[pid] = value

    sampler = threading.Thread(target=sample)
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    parts = render.render_print_parts(doc, processes=processes)
    content = pdf.render_pdf(parts, processes=processes)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    stop.set()
    sampler.join()
    spares = set(_children())
    renderers = sorted(
        (value - before.get(pid, 0.0) for pid, value in seen.items() if pid not in spares),
        reverse=True,
    )
    return (
        f"processes={processes}: wall {wall:.2f} s, caller CPU {cpu:.2f} s, renderers' CPU "
        f"{', '.join(f'{v:.2f}' for v in renderers)} s (path ≈ {cpu + max(renderers):.2f} s), "
        f"{len(parts)} parts, {pdf.page_count(content)} pages, {len(content) / 1e6:.2f} MB, "
        f"load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    doc = document(args.commitments)
    print(f"a plan of {args.commitments:,} commitments, load average {os.getloadavg()}")
    for _ in range(args.rounds):
        for processes in sorted({1, args.processes}):
            print(measure(copy.deepcopy(doc), processes), flush=True)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
