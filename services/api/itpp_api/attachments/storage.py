"""Where attachment files live, behind one small interface (`Storage`): `save(stream)`,
`open(key)`, `delete(key)`.

Two implementations, chosen by ITPP_ATTACHMENT_STORAGE:

- `FilesystemStorage` (the default): files under ITPP_ATTACHMENT_DIR (default
  <var>/attachments), written to a temporary name in a worker thread as they arrive and renamed
  into place once complete: a key never names half a file.
- `S3Storage`: objects in one bucket of an S3-compatible store, uploaded as a multipart upload
  in parts of bounded size (one part in memory at a time), completed only once the whole file
  arrived (aborted otherwise: a key never names half a file).

Keys are random (uuid4 hex), never derived from a file's name. `open` gives a seekable file
(type detection reads a zip's directory at its end; downloads read it in chunks); a key whose
file is gone raises FileNotFoundError, a store that cannot be reached `StorageUnavailable`.
"""

import contextlib
import hashlib
import io
import logging
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, TypeVar, cast

from anyio import to_thread

from itpp_api.config import Settings, get_settings
from itpp_api.errors import PayloadTooLarge, ServiceUnavailable

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

HEAD_BYTES = 8192  # what type detection looks at
# The filesystem writes in blocks of this size (one worker-thread hop each).
WRITE_BLOCK_BYTES = 1024 * 1024
# An S3 multipart upload's part size: S3 wants at least 5 MiB for every part but the last.
S3_PART_BYTES = 8 * 1024 * 1024
S3_MIN_PART_BYTES = 5 * 1024 * 1024
# How long a client waits before retrying after the store could not be reached.
RETRY_AFTER_SECONDS = 10
_T = TypeVar("_T")
logger = logging.getLogger("itpp_api.attachments")


class StorageUnavailable(ServiceUnavailable):
    """The attachment store cannot be reached (503, Retry-After): nothing was changed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@dataclass(frozen=True)
class Stored:
    """A file as it was saved: its key, size, SHA-256 and first bytes."""

    key: str
    size: int
    sha256: str
    head: bytes


class Storage(Protocol):
    async def save(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> Stored: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


def _check_key(key: str) -> str:
    if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
        raise ValueError("not a storage key")
    return key


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {max_bytes} bytes (ITPP_ATTACHMENT_MAX_BYTES)."
    )


class _Reader:
    """Counts, hashes and keeps the first bytes of a stream as it passes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.head = bytearray()
        self.size = 0

    def take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        self.digest.update(chunk)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]

    def stored(self, key: str) -> Stored:
        return Stored(
            key=key, size=self.size, sha256=self.digest.hexdigest(), head=bytes(self.head)
        )


async def _blocks(
    stream: AsyncIterator[bytes], reader: _Reader, size: int
) -> AsyncIterator[bytearray]:
    """The stream regrouped in blocks of `size` bytes (the last one shorter), counted and
    hashed by `reader` as they pass. One buffer, filled again for each block: a block is only
    valid until the next is asked for (its consumer writes it first), so memory stays at one
    block whatever the file's size."""
    buffer = bytearray(size)
    filled = 0
    async for chunk in stream:
        reader.take(chunk)
        view = memoryview(chunk)
        while view:
            taken = min(len(view), size - filled)
            buffer[filled : filled + taken] = view[:taken]
            filled += taken
            view = view[taken:]
            if filled == size:
                yield buffer
                filled = 0
    if filled:
        del buffer[filled:]
        yield buffer


class FilesystemStorage:
    """Files under one directory, two levels deep by key (`ab/abcdef…`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / _check_key(key)

    async def save(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> Stored:
        """Write `stream` block by block in a worker thread (never whole in memory, never on
        the event loop); PayloadTooLarge, and nothing kept, once it passes `max_bytes`."""
        key = uuid.uuid4().hex
        final = self._path(key)
        partial = final.with_name(f".{key}.part")
        reader = _Reader(max_bytes)

        def create() -> BinaryIO:
            final.parent.mkdir(parents=True, exist_ok=True)
            return partial.open("xb")

        out = await to_thread.run_sync(create)
        try:
            try:
                async for block in _blocks(stream, reader, WRITE_BLOCK_BYTES):
                    await to_thread.run_sync(out.write, block)
            finally:
                await to_thread.run_sync(out.close)
            await to_thread.run_sync(os.replace, partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return reader.stored(key)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def path(self, key: str) -> Path:
        """Where the file of `key` is (or would be)."""
        return self._path(key)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def copy_missing(source: Path, target: Path) -> tuple[int, int]:
    """Copy the filesystem store's files from `source` to `target` (same layout) that `target`
    does not have yet: a stored file never changes (its key is new for every upload), so one
    already there is the same. Each copy is written to a temporary name and renamed. Returns
    (copied, already there)."""
    copied = present = 0
    if not source.is_dir():
        return copied, present
    for folder in sorted(source.iterdir()):
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for path in sorted(folder.iterdir()):
            try:
                _check_key(path.name)
            except ValueError:  # a partial upload (.<key>.part) or a stranger
                continue
            destination = target / folder.name / path.name
            if destination.exists():
                present += 1
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = destination.with_name(f".{path.name}.part")
            shutil.copyfile(path, partial)
            os.replace(partial, destination)
            copied += 1
    return copied, present


class _S3Object(io.RawIOBase):
    """One object of the store as a seekable, read-only file. A read continues one streamed
    GET (from the position to the end) while reads follow each other; a seek drops it and the
    next read opens another at the new position (a zip's directory costs a ranged GET or two)."""

    def __init__(self, storage: "S3Storage", name: str, size: int) -> None:
        super().__init__()
        self._storage = storage
        self._name = name
        self._size = size
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop()
            self._position = position
        return position

    def readinto(self, buffer: Any) -> int:
        if self._position >= self._size:
            return 0
        if self._body is None:
            self._body = self._storage._call(
                lambda client: client.get_object(
                    Bucket=self._storage.bucket,
                    Key=self._name,
                    Range=f"bytes={self._position}-",
                )["Body"]
            )
        view = memoryview(buffer).cast("B")
        data = self._storage._call(lambda _: self._body.read(len(view)))
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()


class S3Storage:
    """Objects in one bucket of an S3-compatible store (AWS S3, MinIO, Ceph, …), named
    `<ITPP_S3_PREFIX><key>`."""

    def __init__(
        self, client: "S3Client", bucket: str, *, prefix: str = "", part_bytes: int = S3_PART_BYTES
    ) -> None:
        if part_bytes < S3_MIN_PART_BYTES:
            raise ValueError("S3 parts are at least 5 MiB")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.part_bytes = part_bytes

    def _name(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def _call(self, action: Callable[["S3Client"], _T]) -> _T:
        """`action` on the client; a store that cannot be reached, or answers with a server
        error, raises StorageUnavailable; a missing object FileNotFoundError."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return action(self.client)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            if code == "NoSuchKey" or (code in ("404", "NotFound") and self._bucket_found()):
                raise FileNotFoundError(code) from error
            if code in ("404", "NotFound"):
                # A HEAD answers a bare 404 for a missing bucket too: the store's configuration
                # is wrong, not the file gone (410 would tell the reader the file was lost).
                code = "NoSuchBucket"
            logger.warning("attachment store: %s (HTTP %s) on bucket %s", code, status, self.bucket)
            if status >= 500 or status in (0, 429):
                raise StorageUnavailable(
                    "The attachment store is not available; try again later."
                ) from error
            # Refused (AccessDenied, NoSuchBucket, a bad signature): the store's configuration
            # is wrong, which the caller can only wait out (the warning above tells the operator).
            raise StorageUnavailable(
                f"The attachment store refused the request ({code or status}); try again "
                "later or tell the administrator."
            ) from error
        except BotoCoreError as error:
            logger.warning("attachment store unreachable: %s", error)
            raise StorageUnavailable(
                "The attachment store cannot be reached; try again later."
            ) from error

    def _bucket_found(self) -> bool:
        """Whether the bucket is there (HEAD bucket); asked only when a HEAD of an object
        answered a bare 404, which S3 gives for a missing object and a missing bucket alike."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError):
            return False
        return True

    async def _run(self, action: Callable[["S3Client"], _T]) -> _T:
        return await to_thread.run_sync(self._call, action)

    async def save(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> Stored:
        """Upload `stream` as a multipart upload, one part of `part_bytes` in memory at a time
        (sent from a worker thread); PayloadTooLarge, and the upload aborted (nothing kept),
        once it passes `max_bytes`. A file within one part is sent by one PUT."""
        key = uuid.uuid4().hex
        name = self._name(key)
        reader = _Reader(max_bytes)
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        single = b""  # a file shorter than a part: sent by one PUT
        try:
            async for block in _blocks(stream, reader, self.part_bytes):
                if upload_id is None and len(block) < self.part_bytes:
                    single = bytes(block)  # the last block (only the last is short)
                    continue
                if upload_id is None:
                    upload_id = await self._run(
                        lambda client: client.create_multipart_upload(Bucket=self.bucket, Key=name)[
                            "UploadId"
                        ]
                    )
                parts.append(await self._part(name, upload_id, len(parts) + 1, block))
            if upload_id is None:
                await self._run(
                    lambda client: client.put_object(Bucket=self.bucket, Key=name, Body=single)
                )
            else:
                done = upload_id
                await self._run(
                    lambda client: client.complete_multipart_upload(
                        Bucket=self.bucket,
                        Key=name,
                        UploadId=done,
                        MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                    )
                )
        except BaseException:
            if upload_id is not None:
                aborted = upload_id
                # Should the abort fail too, the bucket's lifecycle rule for incomplete
                # multipart uploads clears the parts (docs/attachments.md).
                with contextlib.suppress(Exception):
                    await self._run(
                        lambda client: client.abort_multipart_upload(
                            Bucket=self.bucket, Key=name, UploadId=aborted
                        )
                    )
            raise
        return reader.stored(key)

    async def _part(
        self, name: str, upload_id: str, number: int, body: bytearray
    ) -> dict[str, Any]:
        """Send one part of a multipart upload; its number and ETag, to complete it with."""
        answer = await self._run(
            lambda client: client.upload_part(
                Bucket=self.bucket,
                Key=name,
                UploadId=upload_id,
                PartNumber=number,
                # botocore sends a bytearray as it is (its stubs say bytes): no copy.
                Body=cast("bytes", body),
            )
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        size = self._call(
            lambda client: client.head_object(Bucket=self.bucket, Key=name)["ContentLength"]
        )
        return io.BufferedReader(_S3Object(self, name, size), buffer_size=1024 * 1024)

    def delete(self, key: str) -> None:
        name = self._name(key)
        self._call(lambda client: client.delete_object(Bucket=self.bucket, Key=name))


_clients: dict[tuple[str, ...], "S3Client"] = {}
_clients_lock = threading.Lock()


def _s3_client(settings: Settings) -> "S3Client":
    """One client per configuration (boto3 clients are thread-safe; creating one is slow)."""
    import boto3
    from botocore.config import Config

    secret = settings.s3_secret_access_key
    config = (
        settings.s3_endpoint_url or "",
        settings.s3_region,
        settings.s3_access_key_id or "",
        secret.get_secret_value() if secret else "",
        str(settings.s3_timeout_seconds),
    )
    with _clients_lock:
        if config not in _clients:
            _clients[config] = boto3.session.Session().client(
                "s3",
                endpoint_url=settings.s3_endpoint_url,
                region_name=settings.s3_region,
                aws_access_key_id=settings.s3_access_key_id,
                aws_secret_access_key=secret.get_secret_value() if secret else None,
                config=Config(
                    connect_timeout=settings.s3_timeout_seconds,
                    read_timeout=settings.s3_timeout_seconds,
                    retries={"max_attempts": 2, "mode": "standard"},
                    s3={"addressing_style": settings.s3_addressing_style},
                ),
            )
        return _clients[config]


def get_storage() -> Storage:
    """The configured storage (read each time: tests change the settings)."""
    settings = get_settings()
    if settings.attachment_storage == "s3":
        assert settings.s3_bucket is not None  # the settings' validator sees to it
        return S3Storage(_s3_client(settings), settings.s3_bucket, prefix=settings.s3_prefix)
    return FilesystemStorage(settings.attachment_directory)
