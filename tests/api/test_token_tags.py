"""Tokens the database can tell it issued (issue 15, item 1: "authentication that rejects an
invalid token before it takes a connection"): a made-up token is refused without a turn at the
database, however many different ones come, while every token the database issued still
works (auth/tokens.py, auth/token_key.py)."""

import secrets
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from itpp_api.auth import token_key, tokens
from itpp_api.auth.models import AccessToken, TokenKey
from itpp_api.auth.service import REFUSED_TOKENS
from itpp_api.config import get_settings
from itpp_api.db import build_engine, transaction, utcnow
from tests.api.test_admission import (  # short_queue: a fixture
    answers_with_the_queue_full,
    short_queue,  # noqa: F401
)
from tests.conftest import Database, database_copy, drop_postgres_database
from tests.factories import make_user, make_world, token_for

NOT_VALID = "The token is not valid."


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def database_key() -> token_key.Key:
    """The configured database's key, as this process (and so the app under test) knows it."""
    with transaction(write=False) as session:
        key = token_key.load(session)
    assert key is not None
    return key


def with_the_queue_full(tokens_sent: list[str]) -> list[httpx.Response]:
    """`GET /parties` with each token while every turn at the database is taken."""
    return answers_with_the_queue_full([("/api/v1/parties", bearer(t)) for t in tokens_sent])


def made_up(key: bytes) -> list[str]:
    """Tokens of the issued shape that this database never issued."""
    issued_elsewhere = tokens.new_token(secrets.token_bytes(32))
    random_tag = tokens.new_secret() + secrets.token_urlsafe(16)
    real = tokens.new_token(key)
    borrowed_tag = tokens.new_secret() + real[tokens.UNTAGGED_LENGTH :]
    return [issued_elsewhere, random_tag, borrowed_tag]


def test_a_new_token_carries_its_databases_tag_and_works(anonymous_client: TestClient) -> None:
    make_world()
    token = token_for(make_user("JP", "editor"))
    assert token.startswith(tokens.PREFIX) and len(token) == tokens.TAGGED_LENGTH
    assert tokens.tag_matches(token, database_key().key)
    assert anonymous_client.get("/api/v1/users/me", headers=bearer(token)).status_code == 200


def test_a_signed_in_token_carries_the_tag_too(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="tagged@example.org", password="a long enough password")
    signed_in = anonymous_client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "tagged@example.org",
            "password": "a long enough password",
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    assert tokens.tag_matches(token, database_key().key)


@pytest.mark.usefixtures("short_queue")
def test_made_up_tokens_are_refused_even_when_the_database_queue_is_full(db: Database) -> None:
    """401 at once for each made-up token, every one new, not a 503 after waiting for a turn
    at the database; a well-tagged token the database does not have does need its turn (here
    a 503, as the queue stays full), so it is the tag that spared the others."""
    make_world()
    key = database_key()
    fakes = made_up(key.key)
    untagged = tokens.new_secret()  # the shape before tags; none of that shape is alive here
    answers = with_the_queue_full([*fakes, untagged, tokens.new_token(key.key)])
    assert [a.status_code for a in answers] == [401] * 4 + [503]
    assert {a.json()["detail"] for a in answers[:4]} == {NOT_VALID}
    assert {a.headers["www-authenticate"] for a in answers[:4]} == {"Bearer"}
    # Refused by their shape, not remembered: the memory of refusals is for tokens the
    # database was asked about.
    assert all(REFUSED_TOKENS.refusal(tokens.hash_secret(t)) is None for t in fakes)


def test_a_process_that_has_not_read_the_key_asks_the_database_and_then_knows(
    db: Database, anonymous_client: TestClient
) -> None:
    """Nothing is refused from a key the process does not have: the first token it checks
    reads the key, and a made-up one is refused from then on without a turn."""
    world = make_world()
    del world
    valid = token_for(make_user("JP", "editor"))
    token_key.forget()
    fake = made_up(database_key().key)[0]
    token_key.forget()
    assert anonymous_client.get("/api/v1/parties", headers=bearer(fake)).status_code == 401
    assert token_key.known() is not None
    assert anonymous_client.get("/api/v1/parties", headers=bearer(valid)).status_code == 200


def test_a_token_issued_before_tags_works_until_the_last_of_them_expires(
    db: Database, monkeypatch: pytest.MonkeyPatch, anonymous_client: TestClient
) -> None:
    """An untagged token (issued before migration 0028) is looked up as before while one may
    be alive (`legacy_until`, the latest expiry among them), then refused by its shape."""
    make_world()
    user = make_user("JP", "editor")
    old = tokens.new_secret()
    issued = token_for(user)
    with transaction(write=True) as session:
        session.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == tokens.hash_secret(issued))  # type: ignore[arg-type]
            .values(token_hash=tokens.hash_secret(old))
        )
    key = database_key()
    alive = token_key.Key(key.key, utcnow() + timedelta(hours=1))
    monkeypatch.setitem(token_key._KNOWN, db.engine.pool, alive)
    assert anonymous_client.get("/api/v1/users/me", headers=bearer(old)).status_code == 200
    monkeypatch.setitem(token_key._KNOWN, db.engine.pool, token_key.Key(key.key, utcnow()))
    [refused] = with_the_queue_full([old])
    assert refused.status_code == 401
    assert refused.json()["detail"] == NOT_VALID


def test_a_database_without_a_key_gets_one_at_the_first_token_issued(
    db: Database, anonymous_client: TestClient
) -> None:
    """A key row deleted by hand: tokens still work (nothing is refused from a missing key),
    and the next token issued makes a new key, which the database keeps."""
    make_world()
    user = make_user("JP", "editor")
    with transaction(write=True) as session:
        session.execute(TokenKey.__table__.delete())  # type: ignore[attr-defined]
    token_key.forget()
    try:
        with transaction(write=False) as session:
            assert token_key.load(session) is None
        token = token_for(user)
        assert anonymous_client.get("/api/v1/users/me", headers=bearer(token)).status_code == 200
        assert tokens.tag_matches(token, database_key().key)
    finally:
        token_key.forget()


def test_each_database_tags_its_tokens_with_its_own_key(db: Database, tmp_path: Path) -> None:
    """One process, two databases (a benchmark's, an `itpp` command's, a test's): a token
    issued into each carries that database's tag, whichever was used first."""
    other_url = database_copy(db.name, tmp_path, "itpp_other_key")
    other = build_engine(get_settings().model_copy(update={"database_url": other_url}))
    try:
        with other.begin() as connection:  # a copy has its template's key: give it its own
            connection.execute(update(TokenKey).values(key=secrets.token_hex(32)))
        keys = []
        for engine in (db.engine, other):
            with transaction(write=True, engine=engine) as session:
                issued_with = token_key.for_issuing(session)
            with engine.connect() as connection:
                stored = connection.execute(select(TokenKey.key)).scalar_one()  # type: ignore[call-overload]
            assert issued_with == bytes.fromhex(stored)
            keys.append(issued_with)
        assert keys[0] != keys[1]
    finally:
        other.dispose()
        if db.name == "postgresql":
            drop_postgres_database(other_url)
