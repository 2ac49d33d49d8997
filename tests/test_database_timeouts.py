"""Timeouts everywhere (issue 15, "No timeouts"), against a live API process.

PostgreSQL is reached through a TCP proxy the test controls, which can drop every byte silently
(the connections stay open; nothing is refused): the way a network, a firewall or a hung server
fails. Requests must then get 503 within the configured timeouts, /readyz must say unready at
once, and the service must recover by itself when traffic flows again. The shared server is
never stopped. A lock held elsewhere on PostgreSQL and the write lock held by another process on
SQLite give 503 after their timeouts too.
"""

import socket
import sqlite3
import threading
import time
from contextlib import AbstractContextManager, suppress
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.factories import make_commitment, make_user, make_world, token_for
from tests.live_api import ApiProcess, api_server

# The settings the API runs with here: short, so that the test is quick.
STATEMENT_TIMEOUT = 1.0  # the API stops waiting for a reply 1 s later
CONNECT_TIMEOUT = 2
TIMEOUTS = {
    "ITPP_DATABASE_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT_TIMEOUT),
    "ITPP_DATABASE_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
    "ITPP_DATABASE_LOCK_TIMEOUT_SECONDS": "0.5",
    "ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS": "5",
}
# The longest one request may take against a silent database with those settings is the reply
# deadline (2 s) or the connect timeout (2 s); the bound asserted leaves room for a loaded
# machine. Before issue 15 such requests hung for minutes.
ANSWER_WITHIN = 12.0
CLIENT_TIMEOUT = 30.0


class BlackholeProxy:
    """A TCP proxy to PostgreSQL that can drop all traffic without closing anything.

    A connection that lost bytes stays silent for good (its protocol stream is broken, as a
    real connection's would be); connections made after `restore` work.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.passing = threading.Event()
        self.passing.set()
        self.closed = False
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def blackhole(self) -> None:
        self.passing.clear()

    def restore(self) -> None:
        self.passing.set()

    def close(self) -> None:
        self.closed = True
        for sock in [self.listener, *self.sockets]:
            with suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if not self.passing.is_set():
            self._swallow(client)
            return
        server = socket.create_connection(self.upstream)
        self.sockets.append(server)
        broken = threading.Event()
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target, broken), daemon=True).start()

    def _swallow(self, source: socket.socket) -> None:
        try:
            while source.recv(65536):
                pass
        except OSError:
            pass

    def _pump(self, source: socket.socket, target: socket.socket, broken: threading.Event) -> None:
        try:
            while data := source.recv(65536):
                if broken.is_set() or not self.passing.is_set():
                    broken.set()  # dropped: this connection is silent from now on
                    continue
                target.sendall(data)
        except OSError:
            pass
        finally:
            if not broken.is_set():
                for sock in (source, target):
                    with suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


def api(database: str, log: Path, **env: str) -> AbstractContextManager[ApiProcess]:
    """The API on the database with this module's short timeouts (and `env`)."""
    return api_server(database, log, env={**TIMEOUTS, **env})


def timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("retry-after"), response.headers


def test_a_silent_database_gives_503_in_time_and_the_service_recovers_by_itself(
    own_postgres: str, tmp_path: Path
) -> None:
    world = make_world()
    token = token_for(make_user("JP", "editor"))
    url = make_url(own_postgres)
    proxy = BlackholeProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    plan = f"/api/v1/plans/{world.plan}"
    try:
        with (
            api(proxied, tmp_path / "api.log") as server,
            httpx.Client(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=CLIENT_TIMEOUT,
            ) as client,
        ):
            assert client.get(plan).status_code == 200
            proxy.blackhole()

            # A pooled connection that stops answering, then new ones that cannot connect.
            for _ in range(3):
                answer, took = timed_get(client, plan)
                assert_retry_later(answer)
                assert took < ANSWER_WITHIN, took
            ready, took = timed_get(client, "/readyz")
            assert_retry_later(ready)
            assert took < ANSWER_WITHIN / 2, took
            assert client.get("/healthz").status_code == 200  # the process itself is fine

            proxy.restore()
            deadline = time.monotonic() + 30
            while (answer := client.get(plan)).status_code != 200:
                assert_retry_later(answer)
                assert time.monotonic() < deadline, "the API did not recover"
                time.sleep(0.2)
            assert client.get("/readyz").status_code == 200
    finally:
        proxy.close()


def test_a_lock_held_elsewhere_gives_503_after_the_lock_timeout(
    own_postgres: str, tmp_path: Path
) -> None:
    world = make_world()
    token = token_for(make_user("JP", "editor"))
    commitment = make_commitment(world, visibility="internal")
    path = f"/api/v1/commitments/{commitment}"
    other = create_engine(own_postgres)
    try:
        with (
            api(own_postgres, tmp_path / "api.log") as server,
            httpx.Client(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=CLIENT_TIMEOUT,
            ) as client,
        ):
            etag = client.get(path).headers["etag"]
            with other.begin() as holder:  # another client holds the row for a long time
                holder.execute(
                    text("SELECT id FROM commitment WHERE id = :id FOR UPDATE"), {"id": commitment}
                )
                started = time.monotonic()
                answer = client.patch(path, json={"progress": 5}, headers={"If-Match": etag})
                took = time.monotonic() - started
            assert_retry_later(answer)
            assert took < ANSWER_WITHIN, took
            retried = client.patch(path, json={"progress": 5}, headers={"If-Match": etag})
            assert retried.status_code == 200, retried.text
    finally:
        other.dispose()


def test_on_sqlite_the_write_lock_held_by_another_process_gives_503(
    own_sqlite: str, tmp_path: Path
) -> None:
    world = make_world()
    token = token_for(make_user("JP", "editor"))
    path = f"/api/v1/commitments/{make_commitment(world, visibility='internal')}"
    with (
        api(own_sqlite, tmp_path / "api.log", ITPP_SQLITE_BUSY_TIMEOUT_MS="300") as server,
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=CLIENT_TIMEOUT,
        ) as client,
    ):
        etag = client.get(path).headers["etag"]
        other = sqlite3.connect(own_sqlite.removeprefix("sqlite:///"), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process is writing
            answer = client.patch(path, json={"progress": 5}, headers={"If-Match": etag})
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert_retry_later(answer)
        retried = client.patch(path, json={"progress": 5}, headers={"If-Match": etag})
        assert retried.status_code == 200, retried.text
