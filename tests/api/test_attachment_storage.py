"""The attachment stores themselves (issue 20, item 1): a large upload streams to S3 as a
multipart upload in parts of bounded size with flat memory, a refused one leaves nothing behind,
a stored object reads back as a seekable file, and the S3 settings (bucket required, secret
from the secrets directory)."""

import asyncio
import hashlib
import threading
import tracemalloc
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError

from itpp_api.attachments.storage import (
    S3_MIN_PART_BYTES,
    WRITE_BLOCK_BYTES,
    FilesystemStorage,
    S3Storage,
    StorageUnavailable,
    Stored,
)
from itpp_api.config import Settings
from itpp_api.errors import PayloadTooLarge
from tests.s3store import (
    S3Server,
    s3_server,  # noqa: F401  (a fixture)
)

T = TypeVar("T")
CHUNK = 64 * 1024


def run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own (Playwright's loop may run in this one)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine()))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _chunk(number: int) -> bytes:
    return bytes([number % 251]) * CHUNK


async def _stream(size: int) -> AsyncIterator[bytes]:
    """`size` bytes in 64 KiB chunks, as an upload arrives (made on the fly, never held)."""
    sent = 0
    number = 0
    while sent < size:
        chunk = _chunk(number)[: size - sent]
        sent += len(chunk)
        number += 1
        yield chunk


def _sha256(size: int) -> str:
    digest = hashlib.sha256()
    sent = 0
    number = 0
    while sent < size:
        chunk = _chunk(number)[: size - sent]
        digest.update(chunk)
        sent += len(chunk)
        number += 1
    return digest.hexdigest()


def _save_measured(storage: Any, size: int, max_bytes: int) -> tuple[Stored, int]:
    """Save `size` bytes; the stored file and the peak of Python memory while saving."""
    tracemalloc.start()
    try:
        stored = run(lambda: storage.save(_stream(size), max_bytes=max_bytes))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return stored, peak


def test_a_large_upload_goes_to_s3_in_bounded_parts_with_flat_memory(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    storage = S3Storage(client, bucket, prefix="itpp/", part_bytes=S3_MIN_PART_BYTES)
    size = 6 * S3_MIN_PART_BYTES + 12_345  # 30 MiB and a bit: seven parts
    stored, peak = _save_measured(storage, size, max_bytes=size)
    assert stored.size == size
    assert stored.sha256 == _sha256(size)
    # Memory stays within a few parts, whatever the file's size.
    assert peak < 3 * S3_MIN_PART_BYTES, f"peak {peak} bytes"
    head = client.head_object(Bucket=bucket, Key=f"itpp/{stored.key}")
    assert head["ContentLength"] == size
    assert head["ETag"].strip('"').endswith("-7")  # a multipart upload of seven parts
    # The key is random, not the file's name; the object reads back as a seekable file.
    assert len(stored.key) == 32
    with storage.open(stored.key) as file:
        digest = hashlib.sha256()
        while block := file.read(1024 * 1024):
            digest.update(block)
        assert digest.hexdigest() == stored.sha256
        file.seek(size - 10)
        assert file.read() == _chunk((size - 10) // CHUNK)[:10]
        file.seek(3 * CHUNK + 5)
        assert file.read(4) == _chunk(3)[:4]


def test_a_small_file_is_one_put_and_an_empty_one_too(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    storage = S3Storage(client, bucket)
    small = run(lambda: storage.save(_stream(100_000), max_bytes=10**9))
    empty = run(lambda: storage.save(_stream(0), max_bytes=10**9))
    assert "-" not in client.head_object(Bucket=bucket, Key=small.key)["ETag"]
    assert client.head_object(Bucket=bucket, Key=empty.key)["ContentLength"] == 0
    with storage.open(empty.key) as file:
        assert file.read() == b""


def test_an_upload_over_the_limit_is_aborted_and_leaves_no_parts(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    client = s3_server.client()
    bucket = s3_server.new_bucket()
    storage = S3Storage(client, bucket, part_bytes=S3_MIN_PART_BYTES)
    with pytest.raises(PayloadTooLarge):
        run(lambda: storage.save(_stream(3 * S3_MIN_PART_BYTES), max_bytes=2 * S3_MIN_PART_BYTES))
    assert client.list_objects_v2(Bucket=bucket).get("Contents", []) == []
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_missing_object_is_file_not_found(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    storage = S3Storage(s3_server.client(), s3_server.new_bucket())
    with pytest.raises(FileNotFoundError):
        storage.open("0" * 32)
    storage.delete("0" * 32)  # deleting what is not there is no error


def test_a_store_that_refuses_is_unavailable_not_an_error(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    storage = S3Storage(s3_server.client(), "itpp-no-such-bucket")
    with pytest.raises(StorageUnavailable) as refused:
        run(lambda: storage.save(_stream(1000), max_bytes=10**9))
    assert refused.value.status == 503
    assert refused.value.headers["Retry-After"] == "10"


def test_reading_from_a_missing_bucket_is_unavailable_not_a_missing_file(
    s3_server: S3Server,  # noqa: F811  (the fixture)
) -> None:
    """A HEAD answers a bare 404 for a missing bucket as for a missing object: the store says
    which (the bucket is looked at), so a wrong bucket is never reported as a file lost (410)."""
    storage = S3Storage(s3_server.client(), "itpp-no-such-bucket")
    with pytest.raises(StorageUnavailable) as refused:
        storage.open("0" * 32)
    assert refused.value.status == 503
    assert "NoSuchBucket" in str(refused.value)


def test_the_filesystem_store_writes_in_bounded_blocks(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    size = 20 * WRITE_BLOCK_BYTES + 7
    stored, peak = _save_measured(storage, size, max_bytes=size)
    assert peak < 3 * WRITE_BLOCK_BYTES, f"peak {peak} bytes"
    assert storage.path(stored.key).stat().st_size == size
    assert stored.sha256 == _sha256(size)


def test_the_s3_store_needs_a_bucket_and_reads_its_secret_from_the_secrets_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_ATTACHMENT_STORAGE", "s3")
    monkeypatch.delenv("ITPP_S3_BUCKET", raising=False)
    with pytest.raises(ValidationError, match="ITPP_S3_BUCKET"):
        Settings()
    monkeypatch.setenv("ITPP_S3_BUCKET", "evidence")
    (tmp_path / "itpp_s3_secret_access_key").write_text("from-a-file\n")
    monkeypatch.setenv("ITPP_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("ITPP_S3_SECRET_ACCESS_KEY", raising=False)
    settings = Settings()
    assert settings.s3_secret_access_key is not None
    assert settings.s3_secret_access_key.get_secret_value() == "from-a-file"
    monkeypatch.setenv("ITPP_S3_ENDPOINT_URL", "minio:9000")
    with pytest.raises(ValidationError, match="http"):
        Settings()
