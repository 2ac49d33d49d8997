"""deploy/README.md's VM install: its nginx step writes a configuration Debian's nginx accepts,
and systemd knows every directive of the units.

The step (a `sed` of deploy/nginx.conf into /etc/nginx/nginx.conf) is taken from the README
as it is and run into a temporary file; then only the paths that need root (certificate,
pid, temporary files) are moved into a temporary directory and `nginx -t` checks the result.
Before this test, the step wrote `http2 on;` (unknown to Debian 12's nginx 1.22) and
temporary paths under /var/cache/nginx (which Debian's package does not make).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import require_tool
from tests.scale.cluster import nginx_binary

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "deploy" / "README.md"


def readme_nginx_step() -> str:
    """The README's `sed … > /etc/nginx/nginx.conf` command, continuation lines joined."""
    text = README.read_text()
    match = re.search(r"^sed -e .*?> /etc/nginx/nginx\.conf$", text, re.MULTILINE | re.DOTALL)
    assert match, "deploy/README.md has no `sed … > /etc/nginx/nginx.conf` step"
    return match.group(0)


def test_the_readme_nginx_step_writes_a_configuration_debian_nginx_accepts(
    tmp_path: Path,
) -> None:
    nginx = nginx_binary()
    step = readme_nginx_step()
    written = tmp_path / "nginx.conf"
    command = step.replace("/opt/itpp/src/deploy/nginx.conf", str(ROOT / "deploy" / "nginx.conf"))
    command = command.replace("> /etc/nginx/nginx.conf", f"> {written}")
    subprocess.run(["bash", "-c", command], check=True)
    conf = written.read_text()

    # What the VM install needs: local upstreams, the standard ports, its certificate, and
    # temporary files where Debian's nginx keeps them (the directory its package makes).
    assert "server 127.0.0.1:8000" in conf and "server 127.0.0.1:8080" in conf
    assert re.search(r"listen 443 ssl", conf) and re.search(r"listen 80;", conf)
    assert "/etc/itpp/tls/cert.pem" in conf and "/etc/itpp/tls/key.pem" in conf
    temporary = set(re.findall(r"_temp_path (\S+)/[a-z]+_temp;", conf))
    assert temporary == {"/var/lib/nginx"}, temporary
    # Logs in Debian's files: a daemon's /dev/stdout is /dev/null without systemd's journal.
    assert "access_log /var/log/nginx/access.log;" in conf
    assert "error_log /var/log/nginx/error.log warn;" in conf
    assert conf.startswith("user www-data;\n")
    if Path("/usr/sbin/nginx").exists():  # Debian's package: the directory is there
        assert Path("/var/lib/nginx").is_dir()

    # Paths that need root (or would touch the machine) moved into the temporary directory.
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
            "-out", str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    conf = conf.replace("/etc/itpp/tls/", f"{tmp_path}/").replace("/var/lib/nginx/", f"{tmp_path}/")
    conf = conf.replace("/var/run/nginx.pid", f"{tmp_path}/nginx.pid")
    conf = conf.replace("/var/log/nginx/", f"{tmp_path}/")
    checked_conf = tmp_path / "checked.conf"
    checked_conf.write_text(conf)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(checked_conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_systemd_knows_every_directive_of_the_units() -> None:
    analyze = require_tool("systemd-analyze")
    # systemd-analyze reads each unit as systemd would; only the program, which exists after
    # the install, is missing here. An unknown or misspelt key would be said and ignored.
    units = sorted(str(path) for path in (ROOT / "deploy" / "systemd").iterdir())
    result = subprocess.run(
        [analyze, "verify", *units], capture_output=True, text=True, check=False
    )
    said = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/itpp/venv/bin/itpp is not executable" not in line
    ]
    assert not said, "\n".join(said)
