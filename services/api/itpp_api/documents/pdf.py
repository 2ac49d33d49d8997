"""PDFs rendered in a child process, one process per PDF, so the API worker's memory stays flat.

WeasyPrint holds the layout of every page until it writes the file: hundreds of megabytes for
a large plan, which the worker would otherwise keep after the request (the allocator does not
give it back). Here each PDF is rendered by a process of its own (spawned, never forked from a
threaded server), which exits when the PDF is sent back: its memory goes with it. A render that
overruns its time is stopped by stopping its process, so it does not go on using a CPU after
its request got a 503.

Starting a process and importing WeasyPrint takes about a second, so one process is kept
started and waiting (the spare); a render takes it and starts the next spare once it is done.

A document comes in parts (render.render_print_parts): each is laid out on its own, so no more
than one part's layout is in memory, and the parts' PDFs are joined with pypdf.
"""

import io
import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

logger = logging.getLogger("itpp_api.documents.pdf")

_CONTEXT = multiprocessing.get_context("spawn")


def render_parts(parts: list[str]) -> bytes:
    """The PDF of the HTML parts, one after the other (in this process)."""
    from weasyprint import HTML

    if len(parts) == 1:
        single: bytes = HTML(string=parts[0]).write_pdf()
        return single
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(HTML(string=part).write_pdf())))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _serve_one(connection: Connection) -> None:
    """The child: import WeasyPrint while waiting, render one document, send it back, exit."""
    import weasyprint  # noqa: F401  (imported before the request comes: the spare is warm)

    try:
        parts = connection.recv()
    except EOFError:  # the parent went away
        return
    try:
        result: tuple[str, bytes | str] = ("pdf", render_parts(parts))
    except Exception as exc:  # reported to the parent, which raises it there
        result = ("error", f"{type(exc).__name__}: {exc}")
    connection.send(result)
    connection.close()


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
_spare: _Renderer | None = None


def _start() -> _Renderer:
    parent, child = _CONTEXT.Pipe()
    process = _CONTEXT.Process(target=_serve_one, args=(child,), name="itpp-pdf", daemon=True)
    process.start()
    child.close()
    return _Renderer(process, parent)


def _take() -> _Renderer:
    global _spare
    with _lock:
        renderer, _spare = _spare, None
    if renderer is None or not renderer.process.is_alive():
        if renderer is not None:
            renderer.stop()
        renderer = _start()
    return renderer


def _refill() -> None:
    global _spare
    with _lock:
        if _spare is None:
            _spare = _start()


class RenderFailed(RuntimeError):
    """The child could not render the document."""


def render(parts: list[str], *, timeout: float | None) -> bytes:
    """The PDF of the HTML parts, rendered in a child process; blocking (run it in a worker
    thread). TimeoutError after `timeout` seconds, the child then stopped."""
    renderer = _take()
    try:
        renderer.connection.send(parts)
        if not renderer.connection.poll(timeout):
            raise TimeoutError(f"the PDF was not rendered within {timeout} s")
        try:
            kind, payload = renderer.connection.recv()
        except EOFError:
            raise RenderFailed(
                f"the PDF renderer exited with {renderer.process.exitcode}"
            ) from None
    finally:
        renderer.stop()
        try:
            _refill()
        except OSError as exc:  # no process could be started: the next render tries again
            logger.warning("no spare PDF renderer: %s", exc)
    if kind == "error":
        raise RenderFailed(str(payload))
    assert isinstance(payload, bytes)
    return payload
