"""Admission to the database, and running a request's database work in worker threads.

**Admission.** A request's database work runs in worker threads (the sync driver blocks), and a
request may need several hops to a worker thread while it holds one pooled connection (its
authentication, its handler, its commit; one hop for a synchronous endpoint that takes the
actor: routing.OneHopRoute). Were a thread to wait for a connection from an empty
pool, it would hold one of the process's worker threads while it waited; once every worker
thread waits so, the requests that hold the connections can never get the thread they need to
finish, and nothing moves until the pool's timeout (before issue 15: 30 s, then a 500). So no
thread ever waits for the pool here: a request waits for its turn *before* it takes a
connection, in the event loop, where waiting costs nothing. At most as many requests as the pool
has connections (`2 × ITPP_DATABASE_POOL_SIZE`) are admitted at once; the others wait their turn
in arrival order, for at most `ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS`, then get 503 with
Retry-After. On SQLite writers also take turns at the write lock here, one at a time per
process, instead of sleeping in SQLite's busy handler in a worker thread (the busy timeout still
covers writers of other processes). A writer waits for the write turn before it takes a slot, so
a queue of writers never keeps readers out. Every way to the database in a request goes through
`admitted`: the session dependency (deps.py), `run_read` and `run_db`.

**SQLite reads, a few at a time.** On SQLite the database is a library inside this process. Its
work holds the GIL except inside SQLite's own C code, which it leaves and re-enters for every
row it steps through. Several threads reading at once therefore do not read faster: they take
turns at the GIL, and each turn costs a context switch. The benchmark's commitment list (bench/)
measured about 2.3 ms of server CPU per request with one reader at a time against 3.1 to 4.6 ms
with eight, and served half again as many requests per second. So on SQLite these reads run in
`ITPP_SQLITE_READ_THREADS` threads of their own (default 1; per process and database): the list
(`run_read`) and every reading request of a synchronous endpoint (`routing.OneHopRoute`: its
token check and its handler in one hop). An admitted read waits for a reader thread in that
threads' queue, in arrival order, and a thread that finishes one read starts the next at once,
without waiting for a turn of the event loop (see below: under a flood of refused tokens, a
queue handed on through the loop moved one read per turn, 50 to 200 ms each). A read of a
commitment measured 0.85 ms of server CPU with one connection and 1.7-2.0 ms with 32 before
these reads were limited (bench/README.md, the sweep). The price: a long read (the JSON export
of a plan of thousands of commitments, seconds) keeps the other reads of the process waiting as
long; where such reads are common, raise the limit (2 costs the list half again as much CPU
under load) or use PostgreSQL. PostgreSQL work mostly waits on the network, so there reads
share the threads of every other hop. Only reads go through here: no reader should queue
behind a writer.

**Few turns of the event loop.** Every `await` that yields to the event loop costs a request a
whole turn of it, and when the loop is busy (a flood of requests with refused tokens: a thousand
connections, each answered in a fifth of a millisecond), one turn takes as long as answering
everything that arrived meanwhile: 50 ms at 256 such connections, 200 ms at 1,000. anyio's
primitives yield on purpose even when nothing stands in the way (`Semaphore.acquire`,
`CapacityLimiter.acquire`, and `to_thread.run_sync` yields once more before it hands the work
over), so a commitment's read took six turns, over a second under a flood of 1,000
connections (bench/README.md, the sweep). Here a free turn at the database is taken without
yielding (`fast_acquire`), and `in_thread` hands the work to a worker thread without yielding
first: what is left is the wait for the thread's answer, which reaches its caller in one turn
on uvloop's loop (uvicorn's: `_Answers`) and in two on asyncio's.
"""

import asyncio
import logging
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from contextvars import copy_context
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio

try:
    import uvloop
except ImportError:  # uvicorn[standard] brings it; without it asyncio's loop serves
    uvloop = None  # type: ignore[assignment]

from itpp_api.config import Settings, get_settings
from itpp_api.db import database_unavailable
from itpp_api.observability import DB_SLOTS_IN_USE, DB_WAITING

T = TypeVar("T")

logger = logging.getLogger("itpp_api.concurrency")


@dataclass
class _Gate:
    """One database's admission state in one event loop."""

    slots: anyio.Semaphore
    writer: anyio.Semaphore | None  # SQLite: one writer at a time


# One gate per event loop and database: anyio's primitives belong to the loop that first uses
# them, and a process may run several (each test client runs its own).
_GATES: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Gate]] = WeakKeyDictionary()


def _gate(settings: Settings) -> _Gate:
    gates = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = gates.get(settings.database_url)
    if gate is None:
        gate = gates[settings.database_url] = _Gate(
            # The pool's capacity (db.build_engine): pool_size plus as many overflow.
            slots=anyio.Semaphore(2 * settings.database_pool_size, fast_acquire=True),
            writer=anyio.Semaphore(1, fast_acquire=True) if settings.is_sqlite else None,
        )
    return gate


class Turn:
    """An admitted request's turn at the database; `release` ends it early (idempotent)."""

    def __init__(self, held: list[anyio.Semaphore]) -> None:
        self._held = held

    def release(self) -> None:
        while self._held:
            self._held.pop().release()


@asynccontextmanager
async def admitted(*, write: bool) -> AsyncIterator[Turn]:
    """A turn at the database: wait (in the event loop, in arrival order) for a free
    connection and, for a SQLite writer, for the write lock's turn; 503 after
    ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS."""
    settings = get_settings()
    gate = _gate(settings)
    writer = gate.writer if write else None
    turn = Turn([])
    admitted = False
    try:
        with (
            DB_WAITING.track_inprogress(),
            anyio.move_on_after(settings.database_queue_timeout_seconds),
        ):
            for semaphore in (writer, gate.slots):
                if semaphore is not None:
                    await semaphore.acquire()
                    turn._held.append(semaphore)
        if len(turn._held) < (2 if writer else 1):
            logger.warning("no turn at the database within the queue timeout")
            raise database_unavailable("The database is busy; retry shortly.")
        DB_SLOTS_IN_USE.inc()
        admitted = True
        yield turn
    finally:
        if admitted:
            DB_SLOTS_IN_USE.dec()
        turn.release()


# The worker threads of `in_thread`. Admission bounds how many of them work at once (a turn at
# the database per request, turns never nested); the rest is a margin for the event loops a
# test process runs side by side.
_WORKERS = 64
_executor: ThreadPoolExecutor | None = None
# SQLite's reader threads (see above), per database and number of threads: the GIL they take
# turns at is the process's, whatever event loop a read comes from.
_READERS: dict[tuple[str, int], ThreadPoolExecutor] = {}


def _settle(done: "asyncio.Future[T]", result: Any, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is not None:
        done.set_exception(error)
    else:
        done.set_result(result)


class _Answers:
    """Worker threads' answers to one event loop, delivered in the loop's I/O phase.

    `call_soon_threadsafe` runs its callback among the loop's ready callbacks, and the caller
    that callback wakes runs one turn later: two turns from answer to caller. Under a flood a
    turn is long (every request that arrived meanwhile is answered in it), so uvloop's server
    loop gets the answers through a pipe it watches instead: the reader runs while the loop
    polls, and the callers it wakes run in the very next round of ready callbacks, one turn
    from answer to caller (bench/README.md, the sweep). The pipe carries only wake-up bytes;
    the answers wait in a deque (its append and popleft are atomic)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._answers: deque[tuple[asyncio.Future[Any], Any, BaseException | None]] = deque()
        self._closing = threading.Lock()  # no write to a closed (or reused) descriptor
        self._closed = False
        # A wake-up is on its way: later answers need none of their own. Writing to the pipe
        # gives up the GIL, and under load the thread then waits for the loop to give it back.
        self._signalled = False
        loop.add_reader(self._read, self._deliver)

    def put(self, done: "asyncio.Future[T]", result: Any, error: BaseException | None) -> None:
        """From a worker thread: hand an answer to the loop."""
        self._answers.append((done, result, error))
        if self._signalled:  # the loop has yet to clear it, then take every answer queued
            return
        self._signalled = True
        # A full pipe holds wake-ups the loop has still to read: it will, and take this too.
        with self._closing, suppress(BlockingIOError):
            if not self._closed:
                os.write(self._write, b"\0")

    def _deliver(self) -> None:
        # In this order: the wake-ups read, then the flag cleared, then the answers taken. An
        # answer put before the flag is cleared is taken below; one put after it writes a
        # wake-up of its own, which no read here can swallow.
        with suppress(BlockingIOError):
            while os.read(self._read, 4096):
                pass
        self._signalled = False
        while self._answers:
            _settle(*self._answers.popleft())

    def close(self) -> None:
        """Once the loop is closed (its callers are gone with it)."""
        with self._closing:
            self._closed = True
            os.close(self._read)
            os.close(self._write)


# Per event loop; the pipes of loops closed since are closed when the next loop's is made.
_ANSWERS: dict[int, _Answers] = {}


def _answers(loop: asyncio.AbstractEventLoop) -> _Answers | None:
    """The loop's answers pipe (uvloop's loops only: asyncio's own loop runs a reader among its
    ready callbacks, so a pipe would save it nothing)."""
    if uvloop is None or not isinstance(loop, uvloop.Loop):
        return None
    answers = _ANSWERS.get(id(loop))
    if answers is None or answers.loop is not loop:
        for key, old in list(_ANSWERS.items()):
            if old.loop.is_closed() and _ANSWERS.pop(key, None) is old:
                old.close()
        answers = _ANSWERS[id(loop)] = _Answers(loop)
    return answers


async def in_thread(func: Callable[[], T], *, threads: ThreadPoolExecutor | None = None) -> T:
    """`func()` in a worker thread (of `threads`, if given: `reader_threads`), with the caller's
    context variables, as `anyio.to_thread.run_sync` runs it, but without yielding to the
    event loop before the threads have the work (see above). Shielded as anyio's is: a request
    cancelled meanwhile waits for the thread to finish, so its connection is never used by two
    threads."""
    global _executor
    if threads is None:
        if _executor is None:
            _executor = ThreadPoolExecutor(_WORKERS, thread_name_prefix="itpp-db")
        threads = _executor
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    context = copy_context()
    answers = _answers(loop)

    def work() -> None:
        try:
            result, error = context.run(func), None
        except BaseException as failure:  # delivered to the waiting request, not lost here
            result, error = None, failure
        if answers is not None:
            answers.put(done, result, error)
        else:
            loop.call_soon_threadsafe(_settle, done, result, error)

    threads.submit(work)
    with anyio.CancelScope(shield=True):
        result = await done
    return result


async def run_db(func: Callable[..., T], *args: Any, write: bool) -> T:
    """`func(*args)` in a worker thread, once admitted (see above). `func` opens and closes
    its own transaction (`db.transaction`), with `write` as it says."""
    async with admitted(write=write):
        return await in_thread(partial(func, *args))


def reader_threads() -> ThreadPoolExecutor | None:
    """The reader threads of the database (see above): None on PostgreSQL."""
    settings = get_settings()
    if not settings.is_sqlite:
        return None
    key = (settings.database_url, settings.sqlite_read_threads)
    threads = _READERS.get(key)
    if threads is None:
        threads = _READERS[key] = ThreadPoolExecutor(key[1], thread_name_prefix="itpp-read")
    return threads


async def run_read(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker thread, once admitted as a reader; on SQLite in one of the
    reader threads (see above)."""
    async with admitted(write=False):
        return await in_thread(partial(func, *args), threads=reader_threads())
