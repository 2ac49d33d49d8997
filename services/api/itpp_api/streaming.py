"""Large responses (exports, documents) written to a spooled file, then sent from it.

A response is written whole while the request's read transaction lasts, piece by piece, into a
temporary file that stays in memory up to `SPOOL_MEMORY_BYTES` and goes to disk beyond; the
transaction ends, and the file is sent in chunks. So:

- the worker's memory holds one piece at a time, however large the plan;
- the database connection (and the request's turn at it) is held while the response is
  written, never while a slow client reads it;
- an error while writing (a rule, the database) is a problem+json response, never a
  truncated file that looks whole: nothing has been sent yet. What can still fail once the
  first bytes are out is the network, and then the client gets an incomplete response (the
  Content-Length is not met), never a shorter valid one.

The price is the first byte: it comes once the whole is written (seconds for the largest
plans), not at once.
"""

import ctypes
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.background import BackgroundTask

SPOOL_MEMORY_BYTES = 1 << 20
SEND_CHUNK_BYTES = 1 << 16


def read_snapshot(session: Session) -> None:
    """Make what the request reads from here on one snapshot: on PostgreSQL the request's
    transaction (until now authentication's, READ COMMITTED: a snapshot per statement) is
    ended and a REPEATABLE READ one begun; SQLite's read transaction is a snapshot already."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    session.commit()
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


@dataclass
class Spooled:
    """A response body written to a (spooled) temporary file."""

    file: IO[bytes]
    size: int

    @classmethod
    def of(cls, content: bytes) -> "Spooled":
        return spool([content])

    def chunks(self) -> Iterator[bytes]:
        try:
            self.file.seek(0)
            while chunk := self.file.read(SEND_CHUNK_BYTES):
                yield chunk
        finally:
            self.file.close()

    def response(self, *, media_type: str, headers: dict[str, str]) -> StreamingResponse:
        return StreamingResponse(
            self.chunks(),
            media_type=media_type,
            headers={**headers, "Content-Length": str(self.size)},
            background=BackgroundTask(release_memory),
        )


@cache
def _libc() -> Any:
    # The symbols already loaded in this process (the C library among them); not
    # ctypes.util.find_library, which forks a process to run ldconfig.
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Give the memory a large response freed back to the system (glibc's malloc_trim), once
    the response is out: else the allocator keeps it for the process, and a worker that once
    wrote a large document keeps its peak. Nothing where the C library has no malloc_trim."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def spool(chunks: Iterable[bytes], check: Callable[[int], None] | None = None) -> Spooled:
    """The chunks, written in order to a temporary file (in memory up to SPOOL_MEMORY_BYTES).

    `check(size)` is called with the total size once every chunk is written; it raises to
    refuse the body (the file is then dropped)."""
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    size = 0
    try:
        for chunk in chunks:
            size += len(chunk)
            file.write(chunk)
        if check is not None:
            check(size)
    except BaseException:
        file.close()
        raise
    return Spooled(file, size)


def spool_written(write: Callable[[IO[bytes]], None]) -> Spooled:
    """What `write(file)` writes to a temporary file (as `spool`), e.g. a zip archive that
    seeks back to write its directory."""
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        write(file)
        size = file.seek(0, 2)
    except BaseException:
        file.close()
        raise
    return Spooled(file, size)
