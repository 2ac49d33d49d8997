"""Running a request's database reads in a worker thread; on SQLite, a few at a time.

On SQLite the database is a library inside this process. Its work holds the GIL except inside
SQLite's own C code, which it leaves and re-enters for every row it steps through. Several
threads reading at once therefore do not read faster: they take turns at the GIL, and each
turn costs a context switch. The benchmark's commitment list (bench/) measured about 2.3 ms
of server CPU per request with one reader at a time against 3.1 to 4.6 ms with eight, and
served half again as many requests per second. So on SQLite these reads run at most
`ITPP_SQLITE_READ_THREADS` at a time (default 1); the requests waiting for a turn wait in the
event loop, which costs nothing. PostgreSQL work mostly waits on the network, so there they
use the default thread pool.

Only reads go through here: a SQLite writer may wait for the write lock (up to the busy
timeout), and no reader should queue behind it.
"""

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from anyio import CapacityLimiter, to_thread
from starlette.concurrency import run_in_threadpool

from itpp_api.config import get_settings

T = TypeVar("T")

# One limiter per event loop: anyio's limiters belong to the loop that first uses them, and a
# process may run several (each test client runs its own).
_SQLITE_READERS: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()


def _sqlite_readers(tokens: int) -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _SQLITE_READERS.get(loop)
    if limiter is None:
        limiter = _SQLITE_READERS[loop] = CapacityLimiter(tokens)
    return limiter


async def run_read(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker thread: on SQLite within the readers' limit (see above)."""
    settings = get_settings()
    if not settings.is_sqlite:
        return await run_in_threadpool(func, *args)
    limiter = _sqlite_readers(settings.sqlite_read_threads)
    return await to_thread.run_sync(partial(func, *args), limiter=limiter)
