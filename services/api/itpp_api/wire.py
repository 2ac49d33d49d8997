"""The wire format of every resource, free of the HTTP framework: JSON encoding, ETags and the
If-Match check, list cursors and the Idempotency-Key's form. Services use these; the HTTP
layer's helpers (responses, headers' documentation, FastAPI parameters) are in conventions."""

import base64
import binascii
import hashlib
import uuid
from datetime import date, datetime
from typing import Any

import orjson

from itpp_api.errors import InvalidCursor, PreconditionFailed, PreconditionRequired

JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dump_json(value: Any) -> bytes:
    """Serialize with orjson: UUIDs, dates and aware datetimes (as ...Z) natively."""
    return orjson.dumps(value, option=JSON_OPTIONS)


def content_etag(content: bytes) -> str:
    """A strong ETag of an answer's bytes: the same bytes, the same ETag, in every process."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"


def etag_of(id_hex: str, row_version: int, qualifier: str = "") -> str:
    """The one ETag format: ``"<first 12 hex digits of the id>-<row version>[.<qualifier>]"``.

    `qualifier` is what else moves the representation one reader sees (a review's internal
    items, a commitment's linked exchanges); only its presence, after a dot, is the format's.
    """
    return (
        f'"{id_hex[:12]}-{row_version}.{qualifier}"'
        if qualifier
        else f'"{id_hex[:12]}-{row_version}"'
    )


def make_etag(record_id: uuid.UUID, row_version: int) -> str:
    """The strong ETag of one state of a record."""
    return etag_of(record_id.hex, row_version)


def require_if_match(header: str | None, current_etag: str) -> None:
    """Refuse a write without If-Match (428) or with a stale one (412)."""
    if header is None or not header.strip():
        raise PreconditionRequired(
            "Send the record's ETag in If-Match so a concurrent change is not overwritten. "
            "Read the record first to get it."
        )
    candidates = [part.strip() for part in header.split(",")]
    if "*" in candidates:
        # "Any version" would overwrite changes the caller has not seen: lost-update
        # protection is never switched off.
        raise PreconditionRequired(
            "If-Match: * is not accepted: send the ETag of the version you read, so a change "
            "made since is not overwritten."
        )
    if current_etag in candidates:
        return
    raise PreconditionFailed(
        f"The record has changed since you read it (its ETag is now {current_etag}). "
        "Read it again, reapply your change and retry.",
        headers={"ETag": current_etag},
    )


def encode_cursor(sort: str, value: Any, record_id: uuid.UUID) -> str:
    """An opaque cursor positioned after the given row of the given sort order."""
    if isinstance(value, date | datetime):
        value = value.isoformat()
    payload = dump_json({"s": sort, "v": value, "i": record_id.hex})
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor points after; InvalidCursor when it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(payload, dict) or payload.get("s") != sort:
            raise ValueError("cursor of another sort order")
        return payload["v"], uuid.UUID(hex=payload["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(
            "The cursor is not valid for this list and sort order; start again without it."
        ) from exc
