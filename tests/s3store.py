"""A real S3-compatible server for the attachment tests: moto's server mode, in a process of its
own (so that a test measuring the API's memory does not count the store's), on a free port of
the loopback interface, one per test worker. `use_store` points the settings at one store."""

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from itpp_api.config import get_settings

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

STORES = ("filesystem", "s3")
REGION = "eu-west-1"
ACCESS_KEY = "itpp-test"
SECRET_KEY = "itpp-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class S3Server:
    endpoint: str

    def client(self) -> "S3Client":
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"itpp-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # until it accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def use_store(patch: pytest.MonkeyPatch, store: str, *, root: Path, server: S3Server | None) -> str:
    """Point the settings at a fresh store of that kind: a directory under `root`, or a new
    bucket of `server`. Returns the directory or the bucket."""
    if store == "filesystem":
        patch.setenv("ITPP_ATTACHMENT_STORAGE", "filesystem")
        patch.setenv("ITPP_ATTACHMENT_DIR", str(root))
        where = str(root)
    else:
        assert server is not None
        where = server.new_bucket()
        patch.setenv("ITPP_ATTACHMENT_STORAGE", "s3")
        patch.setenv("ITPP_S3_BUCKET", where)
        patch.setenv("ITPP_S3_ENDPOINT_URL", server.endpoint)
        patch.setenv("ITPP_S3_REGION", REGION)
        patch.setenv("ITPP_S3_ACCESS_KEY_ID", ACCESS_KEY)
        patch.setenv("ITPP_S3_SECRET_ACCESS_KEY", SECRET_KEY)
        patch.setenv("ITPP_S3_ADDRESSING_STYLE", "path")
    get_settings.cache_clear()
    return where


def stored_keys(store: str, where: str, server: S3Server | None) -> list[str]:
    """The files a store holds (their keys or paths)."""
    if store == "filesystem":
        return sorted(str(p) for p in Path(where).rglob("*") if p.is_file())
    assert server is not None
    listed = server.client().list_objects_v2(Bucket=where)
    return sorted(item["Key"] for item in listed.get("Contents", []))
