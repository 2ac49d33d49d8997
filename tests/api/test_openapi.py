"""The OpenAPI document is a product: committed, stable and complete."""

import json
import re
from pathlib import Path
from typing import Any

from itpp_api.main import create_app

SNAPSHOT = Path(__file__).resolve().parents[2] / "services" / "api" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_snapshot_matches_the_app() -> None:
    current = create_app().openapi()
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current == committed, (
        "services/api/openapi.json is out of date: run `make openapi` and commit the result"
    )


def test_every_operation_has_a_unique_camel_case_id_a_tag_and_a_summary() -> None:
    operations = _operations(create_app().openapi())
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations:
        assert re.fullmatch(r"[a-z]+[A-Za-z0-9]*", operation["operationId"]), (path, method)
        assert operation.get("tags"), (path, method)
        assert operation.get("summary"), (path, method)


def test_error_responses_are_documented_as_problem_json() -> None:
    document = create_app().openapi()
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
    names = create_app().openapi()["components"]["schemas"]
    assert "Problem" in names
    assert not [n for n in names if n.startswith("Body_") or "__" in n or n.endswith("-Input")]


# Signing in and out and revoking a token are not record writes: they need no ETag, and
# repeating them is harmless.
_SESSION_OPERATIONS = {
    "createToken",
    "deleteCurrentToken",
    "revokeToken",
    "revokeCalendarFeed",
}


def test_updates_document_if_match_and_creations_document_idempotency_key() -> None:
    for path, method, operation in _operations(create_app().openapi()):
        if operation["operationId"] in _SESSION_OPERATIONS:
            continue
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method in ("patch", "delete"):
            assert "If-Match" in headers, (path, method)
        if method == "post":
            assert "Idempotency-Key" in headers, (path, method)


def test_every_operation_but_probes_and_sign_in_requires_the_bearer_token() -> None:
    document = create_app().openapi()
    assert "bearer" in document["components"]["securitySchemes"]
    for path, method, operation in _operations(document):
        # A calendar program cannot send headers: the feed's secret URL is its credential.
        public = path in ("/healthz", "/readyz") or operation["operationId"] in (
            "createToken",
            "getCalendarFeed",
        )
        assert bool(operation.get("security")) is not public, (path, method)
