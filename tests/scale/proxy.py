"""A TCP proxy the test controls, between the API processes and PostgreSQL.

It stands for the network: `cut()` stops accepting connections and closes every open one (as
a failed switch or a database host going away would), `restore()` listens again on the same
port. The shared PostgreSQL server itself is never touched. The proxy runs its own asyncio
loop in a thread, so the test's threads call it like any object.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import Future
from typing import Any

CHUNK = 65536


class DatabaseProxy:
    def __init__(self, upstream: tuple[str, int], port: int) -> None:
        self.upstream = upstream
        self.port = port
        self.connections = 0  # accepted since the start, for the report
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def cut(self) -> None:
        """Stop accepting and close every open connection at once."""
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()  # a reset, not a polite goodbye
        self._open.clear()

    async def _serve(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            server_reader, server = await asyncio.open_connection(*self.upstream)
        except OSError:
            client.transport.abort()
            return
        self._open |= {client, server}
        try:
            await asyncio.gather(
                self._pump(client_reader, server), self._pump(server_reader, client)
            )
        finally:
            for writer in (client, server):
                self._open.discard(writer)
                writer.transport.abort()

    @staticmethod
    async def _pump(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await source.read(CHUNK):
                target.write(data)
                await target.drain()
        # One side ended (or was cut): end the other too.
        target.transport.abort()
