"""Migration 0008 (authentication without races), down and up again on both engines."""

from datetime import timedelta

from sqlalchemy import func, inspect, select, text

from itpp_api.auth.models import AccessToken, User
from itpp_api.auth.tokens import hash_secret, new_secret
from itpp_api.calendar.models import CalendarFeed
from itpp_api.db import transaction, utcnow
from itpp_api.idempotency.models import IdempotencyRecord
from itpp_api.migrate import downgrade, upgrade
from tests.conftest import Database
from tests.factories import make_user, make_world, token_for


def _columns(db: Database, table: str) -> set[str]:
    with db.engine.connect() as connection:
        return {column["name"] for column in inspect(connection).get_columns(table)}


def test_migration_0008_moves_started_enrolments_drops_kept_responses_and_keeps_every_token(
    db: Database,
) -> None:
    make_world()
    starting = make_user("JP", "approver", email="starting@mofa.example")
    enrolled = make_user("JP", "admin", email="enrolled@mofa.example", totp_secret="A" * 32)
    for user_id in (starting, enrolled):
        token_for(user_id)
    now = utcnow()
    with transaction(write=True) as session:
        user = session.get(User, starting)
        assert user is not None
        user.totp_pending_secret = "B" * 32
        session.add(user)
        session.add(
            CalendarFeed(user_id=starting, name="feed", secret_hash=hash_secret(new_secret()))
        )
        session.add(
            IdempotencyRecord(
                key_hash="0" * 64,
                fingerprint="f" * 64,
                state="completed",
                response_status=201,
                response_body='{"token": "itpp_secret"}',
                started_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )

    downgrade(db.url, "0007")
    try:
        assert "totp_pending_secret" not in _columns(db, "user_account")
        assert {"scope", "key"} <= _columns(db, "idempotency_record")
        with db.engine.connect() as connection:
            secrets = dict(
                connection.execute(text("SELECT email, totp_secret FROM user_account")).all()
            )
            # No table with cascading children was rebuilt: the tokens and the feed are there.
            assert connection.scalar(select(func.count()).select_from(AccessToken)) == 2
            assert connection.scalar(text("SELECT count(*) FROM calendar_feed")) == 1
            assert connection.scalar(text("SELECT count(*) FROM idempotency_record")) == 0
        assert secrets["starting@mofa.example"] == "B" * 32
        assert secrets["enrolled@mofa.example"] == "A" * 32
    finally:
        upgrade(db.url)

    assert "key_hash" in _columns(db, "idempotency_record")
    with transaction(write=False) as session:
        users = {u.email: u for u in session.scalars(select(User))}
        assert session.scalar(select(func.count()).select_from(AccessToken)) == 2
        assert session.scalar(select(func.count()).select_from(CalendarFeed)) == 1
    assert users["starting@mofa.example"].totp_secret is None
    assert users["starting@mofa.example"].totp_pending_secret == "B" * 32
    assert users["enrolled@mofa.example"].totp_secret == "A" * 32
    assert users["enrolled@mofa.example"].totp_pending_secret is None
