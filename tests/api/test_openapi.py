"""The OpenAPI document is a product: committed, stable and complete."""

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from itpp_api.main import create_app

SNAPSHOT = Path(__file__).resolve().parents[2] / "services" / "api" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


@cache
def _document() -> dict[str, Any]:
    """The application's OpenAPI document, made once for this module's tests (2-3 s each time
    at load ~3); the tests only read it."""
    document: dict[str, Any] = create_app().openapi()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_snapshot_matches_the_app() -> None:
    current = _document()
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == committed, (
        "services/api/openapi.json is out of date: run `make openapi` and commit the result"
    )


def test_every_operation_has_a_unique_camel_case_id_a_tag_and_a_summary() -> None:
    operations = _operations(_document())
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations:
        assert re.fullmatch(r"[a-z]+[A-Za-z0-9]*", operation["operationId"]), (path, method)
        assert operation.get("tags"), (path, method)
        assert operation.get("summary"), (path, method)


def test_error_responses_are_documented_as_problem_json() -> None:
    document = _document()
    for path, method, operation in _operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        if path not in ("/healthz",):
            assert errors, (path, method)
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (
                path,
                method,
                status,
            )


def test_schemas_are_named_and_no_generated_body_names_leak() -> None:
    names = _document()["components"]["schemas"]
    assert "Problem" in names
    assert not [n for n in names if n.startswith("Body_") or "__" in n or n.endswith("-Input")]


# Signing in and out and revoking a token are not record writes: they need no ETag, and
# repeating them is harmless.
_SESSION_OPERATIONS = {
    "createToken",
    "deleteCurrentToken",
    "revokeToken",
    "revokeCalendarFeed",
    # A saved view never changes once saved (there is no update): deleting one can lose no
    # one's edit, and only its user can reach it.
    "deleteSavedView",
}
# Uploads stream their body to storage as it arrives: it is never held to be compared with a
# retry's, so they take no Idempotency-Key (docs/attachments.md).
_STREAMED_UPLOADS = {
    "uploadCommitmentAttachment",
    "uploadExchangeAttachment",
    "uploadReviewAttachment",
    "uploadReviewItemAttachment",
    "uploadAmendmentAttachment",
    "uploadProgressUpdateAttachment",
}


def test_updates_document_if_match_and_creations_document_idempotency_key() -> None:
    for path, method, operation in _operations(_document()):
        if operation["operationId"] in _SESSION_OPERATIONS:
            continue
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method in ("patch", "delete"):
            assert "If-Match" in headers, (path, method)
        if method == "post" and operation["operationId"] not in _STREAMED_UPLOADS:
            assert "Idempotency-Key" in headers, (path, method)


def test_every_operation_but_probes_and_sign_in_requires_the_bearer_token() -> None:
    document = _document()
    assert "bearer" in document["components"]["securitySchemes"]
    for path, method, operation in _operations(document):
        # A calendar program cannot send headers: the feed's secret URL is its credential; a
        # mail's one-click unsubscribe link (RFC 8058) likewise.
        public = path in ("/healthz", "/readyz") or operation["operationId"] in (
            "createToken",
            "getCalendarFeed",
            "getUnsubscription",
            "unsubscribe",
            # An invitation's one-time link is its credential (users/invitations.py).
            "getInvitation",
            "acceptInvitation",
        )
        assert bool(operation.get("security")) is not public, (path, method)


def _walk(
    node: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def test_enums_and_objects_are_named_schemas_not_inline_copies() -> None:
    document = _document()
    for path, node in _walk(document):
        if not isinstance(node, dict):
            continue
        named = path[:2] == ("components", "schemas") and len(path) == 3
        if "enum" in node:
            assert named, f"inline enum at {'/'.join(map(str, path))}: make it a named schema"
        if node.get("type") == "object" and node.get("properties"):
            assert named, f"inline object at {'/'.join(map(str, path))}: make it a named schema"
    # Localized text is one schema referred to everywhere, not a copy per field.
    assert "LocalizedText" in document["components"]["schemas"]
    titles = [node.get("title") for _, node in _walk(document) if isinstance(node, dict)]
    assert titles.count("LocalizedText") == 1


def test_every_reference_resolves() -> None:
    document = _document()
    names = document["components"]["schemas"]
    for path, node in _walk(document):
        if isinstance(node, dict) and "$ref" in node:
            prefix, _, name = node["$ref"].rpartition("/")
            assert prefix == "#/components/schemas" and name in names, path


def test_every_request_body_has_an_example() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    for path, method, operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            schema = media["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rpartition("/")[2]]
            assert "example" in media or "examples" in media or "example" in schema, (path, method)


def test_single_record_responses_document_their_etag_and_creations_their_location() -> None:
    document = _document()
    schemas = document["components"]["schemas"]
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            name = schema.get("$ref", "").rpartition("/")[2]
            headers = response.get("headers", {})
            if name and "etag" in schemas[name].get("properties", {}):
                assert headers.get("ETag", {}).get("required") is True, (path, method)
            if status == "201" and "ETag" in headers:
                assert headers.get("Location", {}).get("required") is True, (path, method)


def test_problem_responses_document_their_headers() -> None:
    for path, method, operation in _operations(_document()):
        responses = operation["responses"]
        if "401" in responses:
            assert responses["401"]["headers"]["WWW-Authenticate"]["required"], (path, method)
        if "412" in responses:
            assert responses["412"]["headers"]["ETag"]["required"], (path, method)
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["required"], (path, method)


def test_errors_from_middleware_are_documented_where_they_can_happen() -> None:
    for path, method, operation in _operations(_document()):
        documented = set(operation["responses"])
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method != "get":
            assert "413" in documented, (path, method)
        if "requestBody" in operation:
            assert {"400", "422"} <= documented, (path, method)
        if "Idempotency-Key" in headers:
            assert {"400", "409", "422"} <= documented, (path, method)
        if path != "/healthz":
            assert "503" in documented, (path, method)


def test_headers_are_documented_as_header_parameters_with_their_rules() -> None:
    for path, method, operation in _operations(_document()):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                assert parameter["in"] == "header"
                schema = parameter["schema"]
                assert schema["pattern"] == r"^[\x21-\x7e]{1,255}$", (path, method)
                assert schema["maxLength"] == 255
            if parameter["name"] == "If-Match":
                assert parameter["in"] == "header"
                assert parameter["required"] is True, (path, method)
                assert "428" in parameter["description"], (path, method)


def test_optional_parameters_are_absent_never_null() -> None:
    for path, method, operation in _operations(_document()):
        for parameter in operation.get("parameters", []):
            branches = parameter["schema"].get("anyOf", [])
            assert {"type": "null"} not in branches, (path, method, parameter["name"])
            assert parameter["schema"].get("type") != "null", (path, method, parameter["name"])


def test_patch_fields_that_refuse_null_are_not_documented_as_nullable() -> None:
    from itpp_api.patch import PatchBody

    schemas = _document()["components"]["schemas"]
    bodies = PatchBody.__subclasses__()
    assert {body.__name__ for body in bodies} >= {"CommitmentUpdate", "PlanUpdate"}
    for body in bodies:
        properties = schemas[body.__name__]["properties"]
        for name in body.NOT_NULL:
            assert {"type": "null"} not in properties[name].get("anyOf", []), (body, name)
            assert properties[name].get("type") != "null", (body, name)


def test_enum_values_that_are_not_identifiers_have_names_for_generated_code() -> None:
    schemas = _document()["components"]["schemas"]
    sort = schemas["CommitmentSort"]
    names = dict(zip(sort["enum"], sort["x-enum-varnames"], strict=True))
    assert names["-due_date"] == "DUE_DATE_DESC"
    assert names["due_date"] == "DUE_DATE"
    for name, schema in schemas.items():
        values = schema.get("enum", [])
        if any(isinstance(v, str) and not v.isidentifier() for v in values):
            assert len(schema["x-enum-varnames"]) == len(values), name
