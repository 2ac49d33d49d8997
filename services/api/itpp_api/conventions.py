"""HTTP conventions shared by every resource, on the framework's types: JSON and problem
responses, conditional reads, the headers' documentation, the Idempotency-Key parameter. The
wire format they write (JSON encoding, ETags, If-Match, cursors) is `itpp_api.wire`, which the
services use without importing the HTTP framework."""

from typing import Annotated, Any

from fastapi import Header, Query
from fastapi.responses import Response

from itpp_api.bounds import PAGE_NUMBER_MAX
from itpp_api.errors import PROBLEM_MEDIA_TYPE, DomainError
from itpp_api.wire import IDEMPOTENCY_KEY_PATTERN, content_etag, dump_json


def json_response(
    body: Any, *, status_code: int = 200, etag: str | None = None, location: str | None = None
) -> Response:
    """A JSON response, with the record's ETag and, for creations, its Location."""
    headers: dict[str, str] = {}
    if etag is not None:
        headers["ETag"] = etag
    if location is not None:
        headers["Location"] = location
    return Response(
        content=dump_json(body),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "The record's current ETag: send it back in If-Match to change the record.",
        "required": True,
        "schema": {"type": "string"},
    }
}
LOCATION_HEADER: dict[str, Any] = {
    "Location": {
        "description": "The path of the new record.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def problem_response(error: DomainError, instance: str) -> Response:
    """A refusal returned rather than raised: the request's transaction commits what it
    recorded before refusing (a failed attempt that must count)."""
    return Response(
        content=dump_json(error.to_problem(instance).model_dump(exclude_none=True)),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=error.headers,
    )


NO_STORE_HEADER: dict[str, Any] = {
    "Cache-Control": {
        "description": "`no-store`: the response carries a secret shown this once; no cache "
        "keeps it, and a retry with the same Idempotency-Key does not replay it.",
        "required": True,
        "schema": {"type": "string", "const": "no-store"},
    }
}


def secret_bearing(response: Response) -> Response:
    """Mark a response that carries a secret (a token, a feed URL, a second-factor seed).

    `Cache-Control: no-store` keeps it out of caches (RFC 6749 §5.1 asks it of token responses)
    and out of the idempotency store, which never keeps such a response to replay it.
    """
    response.headers["Cache-Control"] = "no-store"
    return response


def record_response(status: int = 200, *, created: bool = False) -> dict[int | str, Any]:
    """The OpenAPI `responses` entry of a single record: its ETag, and Location when created."""
    headers = {**ETAG_HEADER, **(LOCATION_HEADER if created else {})}
    return {status: {"headers": headers}}


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the record as you last read it. Required: a missing one "
        "gets 428, a stale one 412.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=1000,
        description="ETags of answers you keep (comma-separated): while the answer is still one "
        "of them, 304 with no body.",
    ),
]
NOT_MODIFIED: dict[int | str, Any] = {
    304: {"description": "Not modified: the answer is still the one of your `If-None-Match`."}
}


ANSWER_ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "The answer's ETag: send it in If-None-Match to be told it is unchanged.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def conditional_response() -> dict[int | str, Any]:
    """The OpenAPI `responses` of a read that answers `If-None-Match` (`conditional_json`)."""
    return {200: {"headers": ANSWER_ETAG_HEADER}, **NOT_MODIFIED}


def conditional_json(body: Any, if_none_match: str | None) -> Response:
    """A JSON answer with an ETag of its bytes; 304 without a body when `If-None-Match` names
    that ETag (or is `*`). For composite reads, whose parts carry no version of their own: the
    work of reading is done either way, the bytes are not sent again nor parsed again."""
    content = dump_json(body)
    etag = content_etag(content)
    if if_none_match is not None:
        offered = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
        if etag in offered or "*" in offered:
            return Response(status_code=304, headers={"ETag": etag})
    return Response(content=content, media_type="application/json", headers={"ETag": etag})


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Any unique string of visible ASCII characters (a UUID is best). Retrying "
        "with the same key and body, with the same token, replays the first response (with the "
        "header `Idempotent-Replayed: true`) instead of creating twice; the same key with another "
        "body gets 422, and while the first request still runs 409. A response that carried a "
        "secret (`Cache-Control: no-store`) is not kept: its retry gets 409 "
        "`idempotent-response-not-kept`. Keys are kept 24 hours.",
    ),
]


# A list's numbered page (the commitment and exchange lists; pagination for the rest).
PageNumber = Annotated[
    int | None,
    Query(
        ge=1,
        le=PAGE_NUMBER_MAX,
        description=(
            f"The page to return, 1 to {PAGE_NUMBER_MAX}, counted in pages of `limit` in the "
            "list's order (for numbered pages; not with `cursor`). Past the last page: no items."
        ),
    ),
]
