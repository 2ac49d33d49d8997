"""The control of bench/plumbing.py: a bare ASGI application answering a small JSON body (what
uvicorn itself costs per request, before any framework)."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

_BODY = b'{"status":"ok"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]

Message = MutableMapping[str, Any]


async def _app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


def create_app() -> Callable[..., Awaitable[None]]:
    """The application (a factory, as uvicorn runs ours)."""
    return _app
