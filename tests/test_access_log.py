"""The access log's lines and the request ids both services use (itpp_common.observability):
every line written, in order, and written together while requests end together; ids that are
new every time, in every process."""

import asyncio
import io
import json
import os

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram
from structlog.processors import JSONRenderer

from itpp_common.observability import AccessLog, request_id_from


class CountedWrites(io.StringIO):
    """A stream that remembers each write it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def access_log(out: io.StringIO) -> AccessLog:
    registry = CollectorRegistry()
    log = AccessLog(
        "test.access",
        Counter("test_requests", "", ["method", "route", "status"], registry=registry),
        Histogram("test_seconds", "", ["method", "route"], registry=registry),
    )
    log.write_to(out, JSONRenderer())
    return log


def record(log: AccessLog, route: str) -> None:
    log.record(method="GET", route=route, status=200, seconds=0.001, user_id=None, party_id=None)


def routes(out: io.StringIO) -> list[str]:
    return [json.loads(line)["route"] for line in out.getvalue().splitlines()]


def test_one_request_at_a_time_has_its_line_written_when_it_ends() -> None:
    out = CountedWrites()
    log = access_log(out)

    async def one_after_another() -> None:
        for route in ("/a", "/b", "/c"):
            record(log, route)
            assert routes(out)[-1] == route  # written before the request is done
            await asyncio.sleep(0)  # the next request comes in a later turn

    asyncio.run(one_after_another())
    assert routes(out) == ["/a", "/b", "/c"]
    assert len(out.writes) == 3


def test_requests_ending_in_one_turn_are_written_together_in_order_and_none_is_lost() -> None:
    out = CountedWrites()
    log = access_log(out)

    async def a_burst() -> None:
        for route in ("/1", "/2", "/3", "/4"):
            record(log, route)
        assert routes(out) == ["/1"]  # the turn's first line at once, the others kept
        await asyncio.sleep(0)  # the loop's next callback writes them, in one write
        assert routes(out) == ["/1", "/2", "/3", "/4"]
        record(log, "/5")
        assert routes(out)[-1] == "/5"

    asyncio.run(a_burst())
    assert [len(write.splitlines()) for write in out.writes] == [1, 3, 1]


def test_a_line_kept_on_a_loop_that_stopped_is_written_with_the_next_one() -> None:
    out = CountedWrites()
    log = access_log(out)
    loop = asyncio.new_event_loop()

    async def two_then_stop() -> None:
        record(log, "/first")
        record(log, "/kept")
        loop.stop()  # the loop stops after this turn: the callback that would write never runs
        await asyncio.Event().wait()

    with pytest.raises(RuntimeError, match="stopped before"):
        loop.run_until_complete(two_then_stop())
    loop.close()
    assert routes(out) == ["/first"]

    async def next_request() -> None:
        record(log, "/next")

    asyncio.run(next_request())
    assert routes(out) == ["/first", "/kept", "/next"]


def test_request_ids_are_new_each_time_and_in_a_forked_process_too() -> None:
    ids = [request_id_from(None) for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child draws from where the parent's batch stood
        os.write(writer, request_id_from(None).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    theirs = os.read(reader, 64).decode()
    os.close(reader)
    ours = request_id_from(None)
    assert theirs != ours
    assert theirs not in ids


def test_a_sent_request_id_is_kept_when_well_formed() -> None:
    assert request_id_from("abc-123") == "abc-123"
    assert request_id_from("two words") != "two words"
