"""PDFs rendered in a child process, one process per PDF, so the API worker's memory stays flat.

WeasyPrint holds the layout of every page until it writes the file: hundreds of megabytes for
a large plan, which the worker would otherwise keep after the request (the allocator does not
give it back). Here each PDF is rendered by a process of its own (spawned, never forked from a
threaded server), which exits when the PDF is sent back: its memory goes with it. A render that
overruns its time is stopped by stopping its process, so it does not go on using a CPU after
its request got a 503.

Starting a process, importing WeasyPrint and loading the fonts (a page laid out once) takes
about a second, so as many processes as one PDF may use are kept started and waiting (the
spares); a render takes them and starts the
next spares once it is done.

A document comes in parts (render.render_print_parts): each is laid out on its own, so no more
than one part's layout is in memory, and the parts' PDFs are joined with pypdf. A document of
several parts is shared out among up to `processes` children that lay out their runs of parts
at the same time, each joining its own run, and the runs are joined in order here. Layout is
nearly all the time a PDF takes, and it is single-threaded, so on an idle machine with two
cores two children halve it; each child's memory is that of its own parts.

The page numbers run across the parts: each child, once its run is laid out, answers with its
number of pages and waits; when every child has answered, each is sent the HTML of its own
pages' numbers (`numbering`, from render.py: pages holding nothing but "n / N", counting from
where its run starts), lays it out and lays each page over its page of the run, all children
at the same time.
"""

import contextlib
import io
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from itpp_api.documents import render as render_html
from itpp_api.observability import PDF_RENDERS

logger = logging.getLogger("itpp_api.documents.pdf")

_CONTEXT = multiprocessing.get_context("spawn")


def render_parts(parts: list[str]) -> bytes:
    """The PDF of the HTML parts, one after the other (in this process)."""
    from weasyprint import HTML

    return join([HTML(string=part).write_pdf() for part in parts])


def join(pdfs: list[bytes], over: bytes | None = None) -> bytes:
    """The PDFs one after the other, as one PDF; with `over`, the n-th page of that PDF laid
    over the n-th page (the page numbers)."""
    if len(pdfs) == 1 and over is None:
        return pdfs[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for content in pdfs:
        writer.append(PdfReader(io.BytesIO(content)))
    if over is not None:
        for page, top in zip(writer.pages, PdfReader(io.BytesIO(over)).pages, strict=True):
            page.merge_page(top)
            page.compress_content_streams()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def runs_of(parts: list[str], count: int) -> list[list[str]]:
    """The parts in at most `count` runs, in order, of about the same length of HTML (the
    layout's time follows it)."""
    count = max(1, min(count, len(parts)))
    total = sum(len(part) for part in parts)
    runs: list[list[str]] = [[]]
    done = 0
    for part in parts:
        # A new run starts once the runs so far hold their share of the text.
        if runs[-1] and len(runs) < count and done >= total * len(runs) / count:
            runs.append([])
        runs[-1].append(part)
        done += len(part)
    return runs


def _serve_one(connection: Connection) -> None:
    """The child: import WeasyPrint while waiting, then for each run of a document's parts it
    is sent, lay them out and join them, answer with their page count, and once told its
    page numbers (the HTML of its pages' numbers, or None) lay them over its pages and send
    the PDF back; until the parent closes the connection (or stops the process)."""
    # WeasyPrint imported and the fonts loaded before the request comes: the spare is warm.
    from weasyprint import HTML

    with contextlib.suppress(Exception):  # a render that fails reports why; a warm-up need not
        HTML(string=render_html.warm_up_html()).write_pdf()

    while True:
        try:
            parts = connection.recv()
            content = render_parts(parts)
            connection.send(("pages", page_count(content)))
            numbering = connection.recv()
        except EOFError:  # the parent is done, or went away
            return
        except Exception as exc:  # reported to the parent, which raises it there
            connection.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        try:
            over = None if numbering is None else HTML(string=numbering).write_pdf()
            result: tuple[str, bytes | str] = ("pdf", join([content], over))
        except Exception as exc:
            result = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(result)


@dataclass
class _Renderer:
    process: BaseProcess
    connection: Connection

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


_lock = threading.Lock()
_spares: list[_Renderer] = []


def _start() -> _Renderer:
    parent, child = _CONTEXT.Pipe()
    process = _CONTEXT.Process(target=_serve_one, args=(child,), name="itpp-pdf", daemon=True)
    process.start()
    child.close()
    return _Renderer(process, parent)


def _take() -> _Renderer:
    """A renderer: a spare waiting (WeasyPrint loaded) if there is one, else a new one."""
    while True:
        with _lock:
            renderer = _spares.pop() if _spares else None
        if renderer is None:
            return _start()
        if renderer.process.is_alive():
            return renderer
        renderer.stop()


def _refill(count: int) -> None:
    """Start spares until `count` wait."""
    with _lock:
        while len(_spares) < count:
            _spares.append(_start())


class RenderFailed(RuntimeError):
    """The child could not render the document."""


def _receive(renderer: _Renderer, kind: str, deadline: float | None, timeout: float | None) -> Any:
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    if not renderer.connection.poll(left):
        raise TimeoutError(f"the PDF was not rendered within {timeout} s")
    try:
        answer, payload = renderer.connection.recv()
    except EOFError:
        raise RenderFailed(f"the PDF renderer exited with {renderer.process.exitcode}") from None
    if answer == "error":
        raise RenderFailed(str(payload))
    assert answer == kind, answer
    return payload


def render(
    parts: list[str],
    *,
    timeout: float | None,
    processes: int = 1,
    numbering: Callable[[int, int, int], str] | None = None,
) -> bytes:
    """The PDF of the HTML parts, rendered in up to `processes` child processes (runs of parts
    at the same time); blocking (run it in a worker thread). With `numbering` (the HTML of
    `count` pages numbered from `first` of `total`, given count, first and total), each child
    lays its pages' numbers over its own pages once every child has counted its pages.
    TimeoutError after `timeout` seconds, the children then stopped. Up to `processes` spares
    are started for the next render."""
    runs = runs_of(parts, processes)
    renderers: list[_Renderer] = []
    try:
        for _ in runs:
            renderers.append(_take())
        for renderer, run in zip(renderers, runs, strict=True):
            renderer.connection.send(run)
        deadline = None if timeout is None else time.monotonic() + timeout
        counts: list[int] = [_receive(r, "pages", deadline, timeout) for r in renderers]
        total, first = sum(counts), 1
        for renderer, count in zip(renderers, counts, strict=True):
            renderer.connection.send(None if numbering is None else numbering(count, first, total))
            first += count
        content = join([_receive(r, "pdf", deadline, timeout) for r in renderers])
    finally:
        for renderer in renderers:
            renderer.stop()
        try:
            _refill(processes)
        except OSError as exc:  # no process could be started: the next render tries again
            logger.warning("no spare PDF renderer: %s", exc)
    return content


def render_pdf(parts: list[str], timeout: float | None = None, processes: int = 1) -> bytes:
    """The print parts (`render_html.render_print_parts`) as one PDF, with the (CJK) fonts it
    uses embedded, its pages numbered across the parts (`render_html.page_numbers`). Slow, and
    blocking: it renders in child processes (`render`) so the caller's memory stays flat; run
    it in a worker thread. TimeoutError after `timeout` seconds (the children are stopped
    then). A document of several parts is laid out in up to `processes` children at once."""
    with PDF_RENDERS.track_inprogress():
        return render(
            parts, timeout=timeout, processes=processes, numbering=render_html.page_numbers
        )
