"""A small HTTP/1.1 load client for the benchmarks: keep-alive connections on asyncio streams.

httpx costs the client several times the CPU the server spends on a trivial route, and on a
2-core machine the client's CPU is taken from the server's. This client sends prepared request
bytes and reads each answer's status line, headers and body (Content-Length or chunked), no
more: enough for GETs against our own API, not a general client.
"""

import asyncio
import multiprocessing
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import uvloop


def raise_file_limit(wanted: int = 8192) -> None:
    """Let this process (and the servers it starts) hold `wanted` sockets, as far as the hard
    limit allows: a sweep at 1,000 connections needs 1,000 on each side."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def get_request(host: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of a keep-alive GET."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Tally:
    """What one load (one kind of request) got back: every answer as (when it completed,
    its latency, its status), and which of them fall in the measured window."""

    answers: list[tuple[float, float, int]] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    unmarked_5xx: int = 0  # 5xx other than 503 with Retry-After (the issue allows none)
    failures: Counter[int] = field(default_factory=Counter)  # 0: connection failed; -1: no answer

    @property
    def statuses(self) -> Counter[int]:
        """Every answer by status, with the failures."""
        counts = Counter(status for _, _, status in self.answers)
        counts.update(self.failures)
        return counts

    def in_window(self) -> list[tuple[float, float, int]]:
        start, end = self.window
        return [answer for answer in self.answers if start <= answer[0] <= end]

    def percentile(self, q: float, *, window_only: bool = True) -> float:
        """The q-quantile of the window's latencies (of all answers: `window_only=False`), in
        milliseconds (nan without any)."""
        answers = self.in_window() if window_only else self.answers
        ordered = sorted(latency for _, latency, _ in answers)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether it carries Retry-After) of the next response; its body is consumed."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = -1
    chunked = retry_after = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"retry-after":
            retry_after = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length > 0:
        await reader.readexactly(length)
    return status, retry_after


@dataclass
class Load:
    """`connections` keep-alive connections, each sending `requests[i % len(requests)]` again
    and again."""

    requests: list[bytes]
    connections: int
    tally: Tally = field(default_factory=Tally)


async def run(
    host: str,
    port: int,
    loads: list[Load],
    seconds: float,
    *,
    warmup_cap: float = 30,
    drain: float = 30,
) -> None:
    """Run every load at once and measure a window of `seconds` in the steady state: it opens
    when every connection has had its first answer (a thousand requests sent at once take the
    server a while; at most `warmup_cap` seconds), then the loads stop sending and wait up to
    `drain` seconds for the answers still due (a request left in the server's queue would
    weigh on the next measurement)."""
    opened: list[tuple[Load, bytes, asyncio.StreamReader, asyncio.StreamWriter]] = []
    for load in loads:
        for index in range(load.connections):
            reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
            opened.append((load, load.requests[index % len(load.requests)], reader, writer))
    started = time.monotonic()
    window = [started + warmup_cap, started + warmup_cap + seconds]
    waiting_first = len(opened)

    async def loop(
        load: Load, request: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal waiting_first
        tally = load.tally
        first = True
        while time.monotonic() < window[1]:
            sent = time.monotonic()
            try:
                writer.write(request)
                status, retry_after = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.failures[0] += 1  # the connection failed or closed
                return
            done = time.monotonic()
            tally.answers.append((done, done - sent, status))
            if status >= 500 and not (status == 503 and retry_after):
                tally.unmarked_5xx += 1
            if first:
                first = False
                waiting_first -= 1
                if waiting_first == 0 and done < window[0]:
                    window[:] = [done, done + seconds]

    tasks = [asyncio.ensure_future(loop(*connection)) for connection in opened]
    _, pending = await asyncio.wait(tasks, timeout=warmup_cap + seconds + drain)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for (load, *_), task in zip(opened, tasks, strict=True):
        if task in pending:
            load.tally.failures[-1] += 1  # no answer within the drain time
    for load in loads:
        load.tally.window = (window[0], window[1])
    for *_, writer in opened:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for *_, w in opened), return_exceptions=True)


async def _probe(
    host: str, port: int, request: bytes, ready: Any, stop: Any
) -> list[tuple[float, int, bool]]:
    reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
    writer.write(request)
    await _read_response(reader)
    ready.set()
    answers: list[tuple[float, int, bool]] = []
    try:
        while not stop.is_set():
            sent = time.monotonic()
            writer.write(request)
            status, retry_after = await _read_response(reader)
            answers.append((time.monotonic() - sent, status, retry_after))
    except (OSError, asyncio.IncompleteReadError, ValueError):
        answers.append((float("nan"), 0, False))
    finally:
        writer.close()
    return answers


def _probe_process(
    host: str, port: int, request: bytes, ready: Any, stop: Any, results: Any
) -> None:
    results.put(uvloop.run(_probe(host, port, request, ready, stop)))


class Probe:
    """One connection in a process of its own, sending `request` again and again until
    `finish`: a user beside the load, whose waits are not the load client's own (a client
    driving a thousand connections is itself slow to notice each answer). Its first answer
    (before the load starts: the process takes a few seconds to start) is not counted."""

    def __init__(self, host: str, port: int, request: bytes) -> None:
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._stop = context.Event()
        self._results: Any = context.Queue()
        self._process = context.Process(
            target=_probe_process, args=(host, port, request, ready, self._stop, self._results)
        )
        self._process.start()
        if not ready.wait(timeout=60):
            raise RuntimeError("the probe had no first answer within 60 s")

    def finish(self) -> Tally:
        """Stop sending; the answers as a tally (latency, status), every one in its window."""
        self._stop.set()
        answers = self._results.get(timeout=120)
        self._process.join()
        tally = Tally(answers=[(0.0, latency, status) for latency, status, _ in answers if status])
        tally.failures.update(status for _, status, _ in answers if not status)
        tally.unmarked_5xx = sum(
            1 for _, status, retry in answers if status >= 500 and not (status == 503 and retry)
        )
        return tally


def throughput(tally: Tally) -> float:
    """Answers per second inside the measured window."""
    start, end = tally.window
    return len(tally.in_window()) / (end - start)
