"""Whether the server this process runs in has been asked to stop (both services).

uvicorn stops gracefully: on SIGTERM (or SIGINT) it stops accepting connections and waits for
the requests in flight to finish, however long they take. Two kinds of request wait on purpose:
the API's long poll of a plan's events (`GET /plans/{plan_id}/events?wait=…`, up to 25 s) and
the web's live stream of a plan's changes (server-sent events, up to 10 minutes). So a process
with pages open took that long to stop, and a rolling restart as long per process. They ask
`stopping()` while they wait and, once it is true, end: the API's long poll answers what it has
(no events yet: the watcher polls again, on a process that is not stopping), the web's stream
closes and the browser reconnects with the last event's id (`until_stopping` ends the API call
the stream waits on).

uvicorn keeps no public record of a stop asked for, but while it serves, its `Server.handle_exit`
is the process's handler of SIGTERM (uvicorn installs it with `signal.signal` before it loads
the application), and it sets the server's `should_exit`. `watch()`, called as the application
is built, keeps the server it finds there; in any other process (a test client, a command, a
server that handles signals otherwise) there is none, and `stopping()` stays false: long polls
then wait as they did. Nothing here installs or changes a signal handler.
"""

import asyncio
import signal
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary, ref

T = TypeVar("T")

# How often a wait looks whether the server is stopping.
LOOK_SECONDS = 0.25

_server: "ref[Any] | None" = None


def watch() -> None:
    """Keep the uvicorn server this process runs in, if it is one (see above)."""
    global _server
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        from uvicorn.server import Server
    except ImportError:  # pragma: no cover - uvicorn is a dependency of the service
        return
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    _server = ref(server) if isinstance(server, Server) else None


def stopping() -> bool:
    """Whether the server was asked to stop (always false outside a uvicorn server)."""
    server = _server() if _server is not None else None
    return bool(getattr(server, "should_exit", False))


class Stopped(Exception):
    """The server began to stop before what was awaited (`until_stopping`) was done."""


# Per event loop: set once the server is stopping, by one task that looks every LOOK_SECONDS
# (however many waits there are: a thousand open pages must not mean a thousand wake-ups).
_STOP_EVENTS: "WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event]" = WeakKeyDictionary()
_LOOKING: set["asyncio.Task[None]"] = set()  # the tasks that look: kept until they end


async def _look(event: asyncio.Event) -> None:
    # The one poll: uvicorn's signal handler sets a flag, which nothing can be told of.
    while not stopping():  # noqa: ASYNC110
        await asyncio.sleep(LOOK_SECONDS)
    event.set()


def _stop_event() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    event = _STOP_EVENTS.get(loop)
    if event is None:
        event = _STOP_EVENTS[loop] = asyncio.Event()
        if _server is not None:  # outside a uvicorn server nothing stops it: nobody looks
            task = loop.create_task(_look(event))
            _LOOKING.add(task)
            task.add_done_callback(_LOOKING.discard)
    return event


async def until_stopping(awaitable: Awaitable[T]) -> T:
    """`awaitable`'s result, or Stopped (and `awaitable` cancelled) once the server is stopping
    (within LOOK_SECONDS)."""
    task = asyncio.ensure_future(awaitable)
    stop = _stop_event()
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            raise Stopped
        return task.result()
    finally:
        waiter.cancel()
        if not task.done():  # stopping, or this wait itself was cancelled
            task.cancel()
