"""An attachment upload of 200 MB streams with flat memory (issue 20): the server's RSS.

For each engine (default SQLite; `--engines sqlite,postgresql`), in a fresh scratch database
with a small plan (`dataset.py`, a Japanese editor's token), it starts one uvicorn process
(1 worker, `bench_app:create_bench_app`), then uploads one file of `--megabytes` (default 200)
to a commitment as that editor, and downloads it again. The client streams the multipart body
from a generator, so it never holds the file either. For the upload and the download it prints
the wall time and the server's resident memory (RSS) before, at its peak (the kernel's
high-water mark, reset before the request, and sampled) and after. Nothing is asserted:
figures depend on the machine.

`--store s3` keeps the file in an S3 bucket instead of the filesystem: of a local S3-compatible
server (moto's, a development dependency, started in a process of its own), or of the store
the ITPP_S3_* variables already name when `--s3-from-env` is given (the bucket must exist).

Run: `.venv/bin/python bench/attachments.py --help`.
"""

import argparse
import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from commitment_list import running_server, scratch_database  # noqa: E402
from dataset import insert  # noqa: E402
from documents import Memory  # noqa: E402

from itpp_api.config import get_settings  # noqa: E402
from itpp_api.db import _engine_for  # noqa: E402
from itpp_api.migrate import upgrade  # noqa: E402

MB = 1024 * 1024
CHUNK = 256 * 1024


def _file_chunks(size: int) -> Iterator[bytes]:
    """A PDF-looking file of `size` bytes, made as it is sent (fixed content: repeatable)."""
    head = b"%PDF-1.7\n"
    yield head
    block = (b"0123456789abcdef" * (CHUNK // 16))[:CHUNK]
    left = size - len(head)
    while left > 0:
        piece = block[: min(CHUNK, left)]
        left -= len(piece)
        yield piece


def _multipart(size: int, boundary: str) -> Iterator[bytes]:
    yield (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="exercise-report.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    yield from _file_chunks(size)
    yield f"\r\n--{boundary}--\r\n".encode()


def _expected_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for chunk in _file_chunks(size):
        digest.update(chunk)
    return digest.hexdigest()


def run(engine: str, size: int, scratch: Path) -> None:
    with scratch_database(engine) as url:
        upgrade(url)
        os.environ["ITPP_DATABASE_URL"] = url
        get_settings.cache_clear()
        dataset = insert(_engine_for(url), 20)
        _engine_for(url).dispose()
        with running_server(url, scratch / f"api-{engine}.log") as (base_url, pid):
            memory = Memory(pid)
            headers = {"Authorization": f"Bearer {dataset.token}"}
            with httpx.Client(base_url=base_url, headers=headers, timeout=600) as client:
                listed = client.get(f"/api/v1/plans/{dataset.plan_id}/commitments?limit=1")
                commitment = listed.json()["items"][0]["id"]
                print(f"\n== {engine}: one file of {size / MB:.0f} MB ==")
                print(f"{'':9} {'seconds':>8} {'RSS MB before':>13} {'peak':>6} {'after':>6}")

                boundary = uuid.uuid4().hex
                before = memory.rss()
                memory.start()
                began = time.perf_counter()
                response = client.post(
                    f"/api/v1/commitments/{commitment}/attachments",
                    content=_multipart(size, boundary),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                )
                seconds = time.perf_counter() - began
                peak, _, _ = memory.stop()
                if response.status_code != 201:
                    raise SystemExit(f"upload: {response.status_code} {response.text[:500]}")
                body = response.json()
                print(
                    f"{'upload':9} {seconds:8.2f} {before / MB:13.0f} {peak / MB:6.0f} "
                    f"{memory.rss() / MB:6.0f}"
                )
                if body["sha256"] != _expected_sha256(size) or body["size_bytes"] != size:
                    raise SystemExit("upload: the recorded size or SHA-256 is not the file's")

                before = memory.rss()
                memory.start()
                began = time.perf_counter()
                received = 0
                with client.stream("GET", body["content_url"]) as download:
                    for chunk in download.iter_bytes(CHUNK):
                        received += len(chunk)
                seconds = time.perf_counter() - began
                peak, _, _ = memory.stop()
                print(
                    f"{'download':9} {seconds:8.2f} {before / MB:13.0f} {peak / MB:6.0f} "
                    f"{memory.rss() / MB:6.0f}"
                )
                if received != size:
                    raise SystemExit(f"download: {received} bytes, not {size}")


@contextlib.contextmanager
def local_s3(scratch: Path) -> Iterator[None]:
    """A local S3-compatible server (moto_server) with one bucket, named by ITPP_S3_*."""
    import boto3

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    with (scratch / "moto.log").open("wb") as log:
        server = subprocess.Popen(
            [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("moto_server did not start") from None
                time.sleep(0.05)
        settings = {
            "ITPP_ATTACHMENT_STORAGE": "s3",
            "ITPP_S3_BUCKET": "itpp-bench",
            "ITPP_S3_ENDPOINT_URL": endpoint,
            "ITPP_S3_REGION": "us-east-1",
            "ITPP_S3_ADDRESSING_STYLE": "path",
            "ITPP_S3_ACCESS_KEY_ID": "bench",
            "ITPP_S3_SECRET_ACCESS_KEY": "bench-secret",
        }
        os.environ.update(settings)
        boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        ).create_bucket(Bucket="itpp-bench")
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--store", choices=("filesystem", "s3"), default="filesystem")
    parser.add_argument(
        "--s3-from-env",
        action="store_true",
        help="--store s3: the store the ITPP_S3_* variables name, not a local moto server.",
    )
    args = parser.parse_args()
    size = args.megabytes * MB
    print(f"load average: {os.getloadavg()}; store: {args.store}")
    with tempfile.TemporaryDirectory(prefix="itpp-bench-attachments-") as scratch:
        os.environ["ITPP_ATTACHMENT_DIR"] = str(Path(scratch) / "attachments")
        os.environ["ITPP_ATTACHMENT_MAX_BYTES"] = str(size + MB)
        with contextlib.ExitStack() as stack:
            if args.store == "s3" and not args.s3_from_env:
                stack.enter_context(local_s3(Path(scratch)))
            elif args.store == "s3":
                os.environ["ITPP_ATTACHMENT_STORAGE"] = "s3"
            else:
                os.environ["ITPP_ATTACHMENT_STORAGE"] = "filesystem"
            for engine in args.engines.split(","):
                run(engine, size, Path(scratch))
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
