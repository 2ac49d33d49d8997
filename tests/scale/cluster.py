"""Two API and two web processes behind nginx, on one PostgreSQL database, on loopback.

nginx is Debian's, run as the test's user with everything in a temporary directory
(`nginx -p DIR -c FILE -e FILE -g 'daemon off;'`). Its configuration is deploy/nginx.conf
itself, with the few lines that name the machine replaced (ports, upstream addresses,
certificate, pid, logs and temporary paths), so the run tests the routing, retries and
buffering operators deploy. A self-signed certificate is made with openssl for the run.

The API processes reach PostgreSQL through `DatabaseProxy`; the web processes reach the API
through a second, internal nginx listener standing for the API's Service (Compose's `api`
name, Kubernetes' `itpp-api`), which skips a replica that refuses connections.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from itpp_api.config import Settings
from tests.conftest import require_tool
from tests.live_api import ApiProcess, free_port, start_api, start_web, wait_until_up

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx.conf"
STARTUP_SECONDS = 30.0

# The API's own bounds as a production install has them (the test suite raises some of
# them for its bursts; conftest.py sets them in this process's environment).
PRODUCTION_TIMEOUTS = {
    f"ITPP_{name.upper()}": str(Settings.model_fields[name].default)
    for name in (
        "database_queue_timeout_seconds",
        "database_lock_timeout_seconds",
        "database_statement_timeout_seconds",
    )
}


def nginx_binary() -> str:
    """Debian's nginx (in /usr/sbin, off a plain user's PATH); missing, the test fails."""
    return require_tool("nginx", also=("/usr/sbin/nginx",))


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"deploy/nginx.conf no longer has {old!r}: update tests/scale")
    return text.replace(old, new)


def local_nginx_conf(
    directory: Path,
    *,
    https_port: int,
    http_port: int,
    internal_port: int,
    api_ports: list[int],
    web_ports: list[int],
) -> str:
    """deploy/nginx.conf with this machine's ports, addresses and paths."""
    text = NGINX_CONF.read_text()
    text = _replace(text, "pid /var/run/nginx.pid;", f"pid {directory}/nginx.pid;")
    text = _replace(text, "error_log /dev/stderr warn;", f"error_log {directory}/error.log warn;")
    # The access log names each request's id, the replica that served it and its answer.
    text = _replace(
        text,
        "access_log /dev/stdout;",
        "log_format scale '$time_iso8601 $server_port $request_method $request_uri $status "
        "id=$itpp_request_id upstream=$upstream_addr upstream_status=$upstream_status "
        "time=$request_time';\n"
        f"    access_log {directory}/access.log scale;",
    )
    text = _replace(text, "/var/cache/nginx/", f"{directory}/")
    for name, ports in (("api:8000", api_ports), ("web:8080", web_ports)):
        match = re.search(rf"^(\s*)server {name}(.*);$", text, re.MULTILINE)
        assert match, f"deploy/nginx.conf has no 'server {name}' line"
        indent, options = match.group(1), match.group(2)
        servers = "\n".join(f"{indent}server 127.0.0.1:{port}{options};" for port in ports)
        text = text.replace(match.group(0), servers)
    text = _replace(text, "listen 8080;", f"listen 127.0.0.1:{http_port};")
    text = re.sub(r"^\s*listen \[::\]:\d+[^;]*;\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"listen 8443 ssl", f"listen 127.0.0.1:{https_port} ssl", text)
    text = _replace(text, "/run/secrets/tls_certificate", f"{directory}/cert.pem")
    text = _replace(text, "/run/secrets/tls_private_key", f"{directory}/key.pem")
    if os.geteuid() == 0:
        # Run as root (a CI machine), nginx's workers would be `nobody`, who cannot enter the
        # test's temporary directory to buffer a response there.
        text = "user root;\n" + text
    internal = f"""
    # The test's stand-in for the API's Service: the web processes call the API here.
    server {{
        listen 127.0.0.1:{internal_port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Request-ID $itpp_request_id;
        proxy_next_upstream error;
        location / {{
            proxy_pass http://itpp_api;
            proxy_buffering off;
            proxy_read_timeout 90s;
        }}
    }}
}}
"""
    closing = text.rstrip().rfind("}")
    return text[:closing] + internal.lstrip("\n")


def self_signed_certificate(directory: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "2",
            "-nodes", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


@dataclass
class Cluster:
    root: Path
    database_url: str  # direct, for checks after the run
    proxied_url: str  # through the proxy, for the API processes
    api_env: dict[str, str]
    web_env: dict[str, str]
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    internal_port: int = field(default_factory=free_port)
    api_ports: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    web_ports: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    apis: list[ApiProcess] = field(default_factory=list)
    webs: list[ApiProcess] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def public_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}"

    def start(self) -> None:
        for index, port in enumerate(self.api_ports):
            self.apis.append(self._start_api(index, port))
        for index, port in enumerate(self.web_ports):
            web = start_web(
                self.internal_url, self.root / f"web{index}.log", env=self.web_env, port=port
            )
            self.webs.append(web)
        self._start_nginx()
        for api in self.apis:
            wait_until_up(api)
        for web in self.webs:
            wait_until_up(web, "/readyz")

    def _start_api(self, index: int, port: int) -> ApiProcess:
        return start_api(
            self.proxied_url, self.root / f"api{index}.log", env=self.api_env, port=port
        )

    def kill_api(self, index: int) -> None:
        """SIGKILL: no shutdown, no answer to the requests in flight."""
        process = self.apis[index].process
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def restart_api(self, index: int) -> None:
        api = self._start_api(index, self.api_ports[index])
        self.apis[index] = api
        wait_until_up(api)

    def _start_nginx(self) -> None:
        binary = nginx_binary()
        nginx_dir = self.root / "nginx"
        nginx_dir.mkdir()
        self_signed_certificate(nginx_dir)
        conf = nginx_dir / "nginx.conf"
        conf.write_text(
            local_nginx_conf(
                nginx_dir,
                https_port=self.https_port,
                http_port=self.http_port,
                internal_port=self.internal_port,
                api_ports=self.api_ports,
                web_ports=self.web_ports,
            )
        )
        command = [
            binary,
            "-p",
            str(nginx_dir),
            "-c",
            str(conf),
            "-e",
            str(nginx_dir / "error.log"),
        ]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            pytest.fail(f"nginx -t refused the configuration:\n{checked.stderr}")
        self.nginx = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(nginx_dir / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                pytest.fail(f"nginx exited: {(nginx_dir / 'error.log').read_text()}")
            try:
                httpx.get(f"{self.internal_url}/healthz", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("nginx did not start listening")

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            # Fast shutdown: a graceful one would wait for the web's open long polls.
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait(timeout=5)
        # All at once: each may wait for its open streams and long polls to end.
        running = [server for server in (*self.webs, *self.apis) if server.process.poll() is None]
        for server in running:
            server.process.terminate()
        deadline = time.monotonic() + 5
        for server in running:
            try:
                server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=5)

    def keep_logs(self, into: Path) -> None:
        """Copy every process's log where it outlives pytest's temporary directories."""
        shutil.rmtree(into, ignore_errors=True)
        into.mkdir(parents=True)
        for path in [*self.root.glob("*.log"), *self.root.glob("nginx/*.log")]:
            shutil.copy(
                path, into / (f"nginx-{path.name}" if path.parent.name == "nginx" else path.name)
            )

    def lines_of(self, request_id: str | None) -> str:
        """The log lines of one request, in every process's log."""
        if not request_id:
            return "(no request id)"
        found = []
        for path in [*self.root.glob("*.log"), *self.root.glob("nginx/*.log")]:
            found += [
                f"{path.name}: {line}"
                for line in path.read_text(errors="replace").splitlines()
                if request_id in line
            ]
        return "\n".join(found) or f"(no log line has {request_id})"

    def logs(self) -> str:
        parts = []
        for path in sorted(self.root.glob("*.log")) + sorted(self.root.glob("nginx/*.log")):
            lines = path.read_text(errors="replace").splitlines()
            parts.append(f"--- {path.name} (last 40 lines)\n" + "\n".join(lines[-40:]))
        return "\n".join(parts)


def proxied(database_url: str, port: int) -> str:
    return (
        make_url(database_url)
        .set(host="127.0.0.1", port=port)
        .render_as_string(hide_password=False)
    )


def environment(root: Path, secret_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """The API's and the web's environment (the same for every replica)."""
    api_env = {
        **PRODUCTION_TIMEOUTS,
        "ITPP_VAR_DIR": str(root / "var"),
        "ITPP_LOG_FORMAT": "json",
        # nginx and the internal listener are the API's proxies.
        "ITPP_FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Both parties' users sign in from 127.0.0.1 a few times: no growing delay.
        "ITPP_LOGIN_MAX_DELAY_SECONDS": "0.2",
    }
    web_env = {
        "ITPP_WEB_SECRET_KEY": secret_key,  # the same on both replicas
        "ITPP_WEB_VAR_DIR": str(root / "var"),
        "ITPP_WEB_LOG_FORMAT": "json",
    }
    os.makedirs(root / "var", exist_ok=True)
    return api_env, web_env
