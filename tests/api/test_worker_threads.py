"""The request's hop to a worker thread (`concurrency.in_thread`) and its turn at the database
(`concurrency.admitted`) cost as few turns of the event loop as they can: under a flood of
refused requests one turn of the loop takes as long as answering everything that arrived
meanwhile, so every needless turn is a wait a valid request makes (bench/README.md, the
sweep). And the hop keeps what anyio's gave: the caller's context, its errors, one reader at a
time in arrival order, and a cancelled caller that still waits for its thread.

No test here measures time: each counts turns of the loop or waits on events.
"""

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import anyio
import pytest
import uvloop

from itpp_api import concurrency
from itpp_api.concurrency import admitted, in_thread
from tests.conftest import Database

REQUEST = contextvars.ContextVar[str]("request")


class Turns:
    """Counts the turns of the event loop: a task that yields and counts, again and again."""

    def __init__(self) -> None:
        self.count = 0
        self._task = asyncio.ensure_future(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0)
            self.count += 1

    async def stop(self) -> int:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.count


def test_a_free_turn_at_the_database_is_taken_without_a_turn_of_the_loop(db: Database) -> None:
    async def main() -> tuple[int, int]:
        turns = Turns()
        await asyncio.sleep(0)  # the ticker has started
        before = turns.count
        async with admitted(write=False):
            pass
        async with admitted(write=True):  # on SQLite also the write lock's turn
            pass
        return before, await turns.stop()

    before, after = asyncio.run(main())
    assert after == before


def test_the_work_reaches_its_thread_before_the_caller_yields() -> None:
    started = threading.Event()

    async def main() -> bool:
        hop = asyncio.ensure_future(in_thread(started.set))
        await asyncio.sleep(0)  # the hop's first step, up to its first yield
        handed_over = started.wait(timeout=10)  # blocks the loop: nothing else runs
        await hop
        return handed_over

    assert asyncio.run(main())


def test_the_thread_sees_the_callers_context_and_gives_back_its_result_or_error() -> None:
    def whose() -> str:
        return REQUEST.get()

    def fails() -> None:
        raise LookupError("no such commitment")

    async def main() -> str:
        REQUEST.set("request 7")
        with pytest.raises(LookupError, match="no such commitment"):
            await in_thread(fails)
        return await in_thread(whose)

    assert asyncio.run(main()) == "request 7"


def test_a_read_queued_behind_another_starts_when_it_ends_without_a_turn_of_the_loop() -> None:
    """SQLite's reads take one reader thread at a time (concurrency.reader_threads): the next
    in the queue starts as soon as the thread is free, even while the event loop is busy (a
    queue handed on through the loop moved one read per turn under a flood)."""
    first_started, release_first, second_started = (threading.Event() for _ in range(3))
    order: list[str] = []

    def first() -> None:
        order.append("first")
        first_started.set()
        release_first.wait(timeout=10)

    def second() -> None:
        order.append("second")
        second_started.set()

    async def main() -> bool:
        with ThreadPoolExecutor(1) as one_reader:
            one = asyncio.ensure_future(in_thread(first, threads=one_reader))
            two = asyncio.ensure_future(in_thread(second, threads=one_reader))
            assert await asyncio.to_thread(first_started.wait, 10)
            await asyncio.sleep(0.1)  # time enough for a second thread, were there one
            assert order == ["first"]
            release_first.set()
            started_without_the_loop = second_started.wait(timeout=10)  # blocks the loop
            await asyncio.gather(one, two)
        return started_without_the_loop

    assert asyncio.run(main())
    assert order == ["first", "second"]


def test_a_cancelled_caller_waits_for_its_thread_to_finish() -> None:
    """A request's session is used by its thread: were the request to end (and give the
    connection back) while the thread still ran, two threads could use one connection."""
    running = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def work() -> None:
        running.set()
        release.wait(timeout=10)
        finished.set()

    async def main() -> bool:
        scope = anyio.CancelScope()

        async def request() -> None:
            with scope:
                await in_thread(work)

        hop = asyncio.ensure_future(request())
        assert await asyncio.to_thread(running.wait, 10)
        scope.cancel()  # as anyio cancels a request (a task group, a timeout)
        await asyncio.sleep(0.1)
        still_waiting = not hop.done()
        release.set()
        await hop
        assert finished.is_set()
        return still_waiting

    assert asyncio.run(main())


@pytest.mark.parametrize("how", ["answers through the pipe", "call_soon_threadsafe"])
def test_on_the_servers_loop_a_threads_answer_resumes_its_caller_in_the_next_turn(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvloop (uvicorn's loop) runs a watched pipe's reader while it polls, so the caller it
    wakes runs in the next round of ready callbacks: one turn from the thread's answer to its
    caller, where `call_soon_threadsafe` takes two (its callback, then the caller it wakes).
    The second case shows the count would see the difference."""
    if how == "call_soon_threadsafe":
        monkeypatch.setattr(concurrency, "_answers", lambda loop: None)
    go = threading.Event()

    async def main() -> int:
        turns = Turns()
        await asyncio.sleep(0)  # the ticker has started
        threads = ThreadPoolExecutor(1)

        async def answer() -> int:
            go.set()
            threads.shutdown(wait=True)  # the loop stands still until the answer is handed over
            return turns.count

        answered = asyncio.ensure_future(answer())
        await in_thread(go.wait, threads=threads)
        resumed = turns.count
        await turns.stop()
        return resumed - await answered

    turns_waited = uvloop.run(main())
    assert turns_waited == (1 if how == "answers through the pipe" else 2)


def test_on_the_servers_loop_every_answer_of_many_threads_at_once_reaches_its_caller() -> None:
    """Answers after the first of a burst send no wake-up of their own (one is on its way):
    none may be left waiting once the loop has taken the wake-ups (concurrency._Answers).
    Sixteen threads answer 10,000 callers, each giving up the GIL once on the way (as every
    database call does), so their answers interleave with the loop's taking them; a lost
    answer would leave its caller waiting. (With the flag cleared before the wake-ups were
    read, answers were lost in four runs of five at half this count.)"""

    def answer(n: int) -> int:
        time.sleep(0)
        return n

    async def main() -> list[int]:
        with ThreadPoolExecutor(16) as threads:
            hops = [in_thread(partial(answer, n), threads=threads) for n in range(10_000)]
            return await asyncio.wait_for(asyncio.gather(*hops), timeout=60)

    assert uvloop.run(main()) == list(range(10_000))
