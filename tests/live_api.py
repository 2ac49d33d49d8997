"""Real API processes for tests that talk HTTP to a running server (uvicorn, a free port)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# How long a server may take to answer its probe: a start-up is ~2 s at low load, but two
# processes importing at once on a shared 2-core machine took over 30 s at load 15.
STARTUP_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ApiProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_api(
    database_url: str, log: Path, *, env: dict[str, str] | None = None, port: int | None = None
) -> ApiProcess:
    """Start `itpp_api` on a free port against the database; its output goes to `log`.

    As `itpp serve api` runs it: without uvicorn's proxy headers (the app decides which
    X-Forwarded-For to believe) and announcing its own address as its public one.
    """
    return start_server(
        "itpp_api.main:create_app",
        log,
        env={"ITPP_DATABASE_URL": database_url, **(env or {})},
        public_url_variable="ITPP_PUBLIC_BASE_URL",
        options=("--no-proxy-headers",),
        port=port,
    )


@contextmanager
def api_server(
    database_url: str, log: Path, *, env: dict[str, str] | None = None
) -> Iterator[ApiProcess]:
    """An API process on the database, answering /readyz, until the context closes."""
    process = start_api(database_url, log, env=env)
    try:
        wait_until_up(process)
        yield process
    finally:
        stop(process)


@contextmanager
def api_servers(
    database_url: str, directory: Path, count: int, *, env: dict[str, str] | None = None
) -> Iterator[list[ApiProcess]]:
    """`count` API processes on the same database (logs api-0.log, ... in `directory`), all
    started before the first is waited for, all stopped when the context closes."""
    with ExitStack() as stack:
        processes: list[ApiProcess] = []
        for n in range(count):
            processes.append(start_api(database_url, directory / f"api-{n}.log", env=env))
            stack.callback(stop, processes[-1])
        for process in processes:
            wait_until_up(process)
        yield processes


def start_web(
    api_url: str, log: Path, *, env: dict[str, str] | None = None, port: int | None = None
) -> ApiProcess:
    """Start the web service on a free port (or `port`), calling the API at `api_url`."""
    return start_server(
        "itpp_web.app:create_app",
        log,
        env={"ITPP_WEB_API_URL": api_url, **(env or {})},
        port=port,
    )


def start_served(
    service: str, log: Path, *, env: dict[str, str | None], options: tuple[str, ...] = ()
) -> ApiProcess:
    """Start a service as production starts it (`itpp serve api|web`, on loopback and a free
    port, with `options`, e.g. `--workers 2`), with `env` over this process's environment (a
    None value unsets a variable); its output goes to `log`. Unlike `start_server`, uvicorn
    waits for the requests in flight as long as they take when asked to stop."""
    port = free_port()
    command = [sys.executable, "-m", "itpp_api", "serve", service]
    environment = {**os.environ, **env}
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), *options],
            env={name: value for name, value in environment.items() if value is not None},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return ApiProcess(process, f"http://127.0.0.1:{port}", log)


def start_server(
    app: str,
    log: Path,
    *,
    env: dict[str, str],
    public_url_variable: str | None = None,
    options: tuple[str, ...] = (),
    port: int | None = None,
) -> ApiProcess:
    """Start an ASGI app factory under uvicorn on a free port; its output goes to `log`.

    `public_url_variable`: the setting that tells the app its own address (unless `env` sets
    it); `options`: more uvicorn options; `port`: where to listen (default: a free port; a
    process started again after a crash takes its old one).
    """
    port = port or free_port()
    environment = {**os.environ, **env}
    if public_url_variable and public_url_variable not in env:
        environment[public_url_variable] = f"http://127.0.0.1:{port}"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                # A test's stop (SIGTERM) waits at most a second for requests in flight: a live
                # page's long poll (up to its `wait`) would otherwise hold the process until
                # `stop` kills it 5 s later.
                "--timeout-graceful-shutdown",
                "1",
                *options,
            ],
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return ApiProcess(process, f"http://127.0.0.1:{port}", log)


def wait_until_up(api: ApiProcess, probe: str = "/readyz") -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            pytest.fail(f"Server process exited with {api.process.returncode}:\n{api.output()}")
        try:
            # /readyz answers within 2 s by design (health.READY_WITHIN), however slow the machine.
            if httpx.get(f"{api.base_url}{probe}", timeout=3.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(api)
    pytest.fail(f"Server did not answer {probe} within {STARTUP_SECONDS} s:\n{api.output()}")


def stop(api: ApiProcess) -> None:
    if api.process.poll() is None:
        api.process.terminate()
        try:
            api.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            api.process.kill()
            api.process.wait(timeout=5)
