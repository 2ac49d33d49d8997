"""The request path's plumbing (issue 15, item 6): one ASGI layer, routers indexed by their
first path segment, tokens refused before the queue for the database."""

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from itpp_api.auth.models import AccessToken, User
from itpp_api.auth.service import REFUSED_TOKENS
from itpp_api.auth.tokens import hash_secret, new_token
from itpp_api.db import transaction, utcnow
from tests.api.test_admission import (  # short_queue: a fixture
    answers_with_the_queue_full,
    short_queue,  # noqa: F401
)
from tests.api.test_token_tags import database_key
from tests.conftest import Database, QueryCounter
from tests.factories import make_user, make_world, token_for


def test_every_operation_is_routed_to_its_handler(anonymous_client: TestClient) -> None:
    """Not one operation of the contract is lost to the segment index: none answers routing's
    own 404 ("Nothing at …") or 405."""
    paths = anonymous_client.get("/api/v1/openapi.json").json()["paths"]
    some_id = str(uuid.uuid4())
    for path, item in paths.items():
        concrete = re.sub(r"\{[^}]+\}", some_id, path)
        for method in item:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            answer = anonymous_client.request(method, concrete)
            assert answer.status_code != 405, (method, path)
            detail = answer.json().get("detail", "") if answer.content else ""
            assert not str(detail).startswith("Nothing at"), (method, path, detail)


def test_routing_still_answers_unknown_paths_and_methods_with_problems(
    anonymous_client: TestClient,
) -> None:
    for path in ("/api/v1/nothing-here", "/api/v1/parties/x/y/z", "/api/v1", "/nothing"):
        answer = anonymous_client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"
    answer = anonymous_client.put("/api/v1/parties")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"


@pytest.mark.usefixtures("short_queue")
def test_a_malformed_token_is_refused_even_when_the_database_queue_is_full(db: Database) -> None:
    """401 at once, not a 503 after waiting for a turn it does not need."""
    world = make_world()
    headers = {"Authorization": "Bearer not-a-token"}
    answers = answers_with_the_queue_full(
        [
            (path, headers)
            for path in (f"/api/v1/plans/{world.plan}", "/api/v1/users/me", "/api/v1/parties")
        ]
    )
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert {a.headers["www-authenticate"] for a in answers} == {"Bearer"}


def test_an_unknown_token_is_refused_again_without_a_query(
    anonymous_client: TestClient, query_counter: QueryCounter
) -> None:
    make_world()
    # Well tagged, so only the database can say it is unknown (test_token_tags.py).
    unknown = {"Authorization": f"Bearer {new_token(database_key().key)}"}
    assert anonymous_client.get("/api/v1/parties", headers=unknown).status_code == 401
    query_counter.active = True
    again = anonymous_client.get("/api/v1/parties", headers=unknown)
    query_counter.active = False
    assert again.status_code == 401
    assert again.json()["detail"] == "The token is not valid."
    assert query_counter.count == 0


def test_a_revoked_token_stays_refused_and_a_valid_one_is_never_remembered(
    anonymous_client: TestClient,
) -> None:
    make_world()
    token = token_for(make_user("JP", "editor"))
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous_client.get("/api/v1/parties", headers=headers).status_code == 200
    assert REFUSED_TOKENS.refusal(hash_secret(token)) is None
    with transaction(write=True) as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == hash_secret(token))  # type: ignore[arg-type]
            .values(revoked_at=utcnow())
        )
    for _ in range(2):
        answer = anonymous_client.get("/api/v1/parties", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["detail"] == "The token has expired or was revoked; sign in again."


def test_a_token_of_a_deactivated_user_works_again_once_the_user_is_reactivated(
    anonymous_client: TestClient,
) -> None:
    """An inactive user's refusal is not remembered: the user may come back."""
    make_world()
    user = make_user("JP", "editor")
    headers = {"Authorization": f"Bearer {token_for(user)}"}

    def set_active(active: bool) -> None:
        with transaction(write=True) as session:
            session.execute(update(User).where(User.id == user).values(is_active=active))  # type: ignore[arg-type]

    set_active(False)
    assert anonymous_client.get("/api/v1/parties", headers=headers).status_code == 401
    set_active(True)
    assert anonymous_client.get("/api/v1/parties", headers=headers).status_code == 200
