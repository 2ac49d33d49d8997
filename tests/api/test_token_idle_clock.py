"""The commitment list keeps the caller's idle clock running like every other request.

The list reads in one transaction and leaves the token's touch (a write, once a minute) to a
transaction of its own after the read; the touch must still happen, also when the request
then fails, and never for a token that was refused.
"""

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.auth.models import AccessToken
from itpp_api.auth.tokens import hash_secret
from itpp_api.db import transaction, utcnow
from tests.conftest import Database
from tests.factories import make_user, make_world, token_for


def _age_token(secret: str, minutes: float) -> None:
    with transaction(write=True) as session:
        token = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
        ).one()
        token.last_used_at = utcnow() - timedelta(minutes=minutes)
        session.add(token)


def _idle_for(secret: str) -> timedelta:
    with transaction(write=False) as session:
        token = session.scalars(
            select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
        ).one()
        return utcnow() - token.last_used_at


def test_list_touches_a_token_unused_for_over_a_minute(client: TestClient, db: Database) -> None:
    world = make_world()
    secret = token_for(make_user("JP", "viewer"))
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/plans/{world.plan}/commitments"

    _age_token(secret, minutes=5)
    assert client.get(url, headers=headers).status_code == 200
    assert _idle_for(secret) < timedelta(seconds=30)

    # Within the minute, reads do not write.
    _age_token(secret, minutes=0.5)
    assert client.get(url, headers=headers).status_code == 200
    assert _idle_for(secret) >= timedelta(seconds=29)


def test_list_touches_the_token_even_when_the_plan_is_not_found(
    client: TestClient, db: Database
) -> None:
    make_world()
    secret = token_for(make_user("JP", "viewer"))
    _age_token(secret, minutes=5)
    response = client.get(
        f"/api/v1/plans/{uuid.uuid4()}/commitments",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 404
    assert _idle_for(secret) < timedelta(seconds=30)


def test_an_idle_expired_token_is_refused_and_not_touched(client: TestClient, db: Database) -> None:
    world = make_world()
    secret = token_for(make_user("JP", "viewer"))  # idle timeout: 30 minutes
    _age_token(secret, minutes=31)
    response = client.get(
        f"/api/v1/plans/{world.plan}/commitments",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 401
    assert _idle_for(secret) >= timedelta(minutes=31)
