"""The token check reads its row with the driver's own cursor (auth.service._token_row), not
through SQLAlchemy's execution: it must read what SQLAlchemy would, and fail as SQLAlchemy would,
so the error handlers still tell "try again" (503) from a bug (500)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from itpp_api.auth import service
from itpp_api.auth.tokens import hash_secret
from itpp_api.db import transaction
from tests.conftest import Database
from tests.factories import make_user, make_world, token_for


@pytest.mark.parametrize("write", [False, True])
def test_the_token_row_is_the_one_sqlalchemy_reads(db: Database, write: bool) -> None:
    make_world()
    token = token_for(make_user("JP", "editor", email="row@test.example"))
    with transaction(write=write, snapshot=write) as session:
        expected = session.connection().execute(
            service._AUTHENTICATE, {"token_hash": hash_secret(token)}
        )
        assert service._token_row(session, hash_secret(token)) == tuple(expected.one())
        assert service._token_row(session, hash_secret("unknown")) is None


def test_a_driver_error_in_the_token_check_is_sqlalchemys(db: Database) -> None:
    make_world()
    token = token_for(make_user("JP", "editor", email="error@test.example"))
    with pytest.raises(DBAPIError) as raised, transaction(write=True) as session:
        # Gone for this transaction only: it is rolled back.
        session.execute(text("ALTER TABLE access_token RENAME TO access_token_gone"))
        service.check_token(session=session, secret=token)
    assert not isinstance(raised.value.orig, DBAPIError)  # the driver's own error, wrapped
    assert not raised.value.connection_invalidated
    with transaction(write=False) as session:  # the connection went back to the pool clean
        actor, _ = service.check_token(session=session, secret=token)
    assert actor.email == "error@test.example"
