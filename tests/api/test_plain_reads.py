"""A plain read answers exactly as FastAPI's own handling would (routing._PlainCall).

A GET with no query string, canonical ids in its path, and a route whose only parameters are
those ids, the session and the caller skips FastAPI's parameter solving. The answer must not
change with that: the same status, headers and body as the same request made to go FastAPI's
whole way (an extra query parameter, which every route ignores, does that), for records the
caller sees, records it may not see, unknown ids, and callers with a missing, malformed or
unknown token.
"""

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.calendar import service as calendar_service
from itpp_api.db import utcnow
from itpp_api.routing import OneHopRoute, _PlainCall
from tests.conftest import Database, api_app
from tests.factories import auth_headers, make_commitment, make_exchange, make_world

API = "/api/v1"
_PARAM = re.compile(r"{(\w+)}")
_IGNORED_HEADERS = {"date", "x-request-id", "server-timing"}


def _plain_routes() -> list[str]:
    """The paths (under /api/v1) of the routes that take the plain way."""
    found: list[str] = []

    def walk(router: Any) -> None:
        for route in getattr(router, "routes", []):
            if isinstance(route, OneHopRoute):
                if _PlainCall.of(route) is not None:
                    found.append(route.path)
            elif hasattr(route, "original_router"):
                walk(route.original_router)
            elif hasattr(route, "routes"):
                walk(route)

    walk(api_app().router)
    return sorted({path.removeprefix(API) for path in found})


def test_the_common_reads_take_the_plain_way(db: Database) -> None:
    plain = _plain_routes()
    for path in ("/parties", "/commitments/{commitment_id}", "/plans/{plan_id}", "/users/me"):
        assert path in plain
    # A route with query parameters, or one that writes, never does.
    assert "/plans/{plan_id}/commitments" not in plain
    assert not any(path.endswith("/approve") for path in plain)


def _answer(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k not in _IGNORED_HEADERS}
    return {"status": response.status_code, "headers": kept, "body": response.content}


@pytest.mark.parametrize("caller", ["editor", "no token", "malformed token", "unknown token"])
def test_every_plain_read_answers_as_fastapi_would(
    client: TestClient, db: Database, caller: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A calendar stamps itself with the time it was made (to the second): held still, so two
    # answers a second boundary apart still compare.
    stamped = utcnow()
    monkeypatch.setattr(calendar_service, "utcnow", lambda: stamped)
    world = make_world()
    shared = make_commitment(world)
    hidden = make_commitment(
        world, lead_party_id=world.nato, lead_organisation_id=world.shape, visibility="internal"
    )
    exchange = make_exchange(world)
    headers = {
        "editor": auth_headers("JP", "editor"),
        "no token": {"Authorization": ""},
        "malformed token": {"Authorization": "Bearer not-a-token"},
        "unknown token": {"Authorization": "Bearer itpp_" + "A" * 43},
    }[caller]
    known = {
        "plan_id": world.plan,
        "commitment_id": shared,
        "exchange_id": exchange,
        "party_id": world.japan,
        "organisation_id": world.mofa,
        "area_id": world.cyber,
    }
    compared = 0
    for path in _plain_routes():
        names = _PARAM.findall(path)
        variants = [{name: known.get(name, uuid.uuid4()) for name in names}]
        if "commitment_id" in names:  # a record the caller may not see: as an unknown one
            variants.append({**variants[0], "commitment_id": hidden})
        if names:
            variants.append({name: uuid.uuid4() for name in names})
        for ids in variants:
            url = API + path.format(**{name: str(value) for name, value in ids.items()})
            plain = _answer(client, url, headers)
            whole = _answer(client, url + "?fastapi=1", headers)
            assert plain == whole, (url, plain["status"], whole["status"])
            compared += 1
    assert compared > 40
