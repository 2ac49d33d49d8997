"""Statements run on the driver's cursor (itpp_api.driver) read what SQLAlchemy would read.

The list, the single commitment read, the plan check and the token check run their statements
with `driver.run`, past SQLAlchemy's execution. What a reader gets must not change with that:
the same rows, value for value (ids as UUIDs, timestamps aware, parameters converted as their
types say), the same errors, and every listener on the engine still sees every statement (the
inference tests rely on that to hold each query to the access policy's filter).
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import literal_column

from itpp_api import driver
from itpp_api.auth.models import AccessToken, User
from itpp_api.db import table_of, transaction
from itpp_api.parties.models import Party
from tests.conftest import Database
from tests.factories import auth_headers, make_world

_T = table_of(AccessToken).c
_U = table_of(User).c
_P = table_of(Party).c

# Typed columns of several kinds (UUID, enum, timestamp, boolean, JSON) with a typed parameter.
_USER_BY_PARTY = (
    select(_U.id, _U.party_id, _U.role, _U.is_active, _U.created_at, _P.name)
    .join(table_of(Party), _P.id == _U.party_id)
    .where(_U.party_id == bindparam("party_id"))
    .order_by(_U.email)
)
_PARTIES_BY_CODE = select(_P.id, _P.code).where(_P.code.in_(bindparam("codes", expanding=True)))
_COUNT_AFTER = select(literal_column("count(*)")).where(_T.created_at > bindparam("after"))


def _two_users() -> uuid.UUID:
    """Japan's id, after two users of Japan have signed in (each with a token)."""
    world = make_world()
    auth_headers("JP", "editor", email="a-editor@test.example")
    auth_headers("JP", "viewer", email="b-viewer@test.example")
    return world.japan


def test_rows_read_on_the_driver_are_those_sqlalchemy_reads(db: Database) -> None:
    party_id = _two_users()
    params = {"party_id": party_id}
    with transaction(write=False) as session:
        connection = session.connection()
        expected = [tuple(row) for row in connection.execute(_USER_BY_PARTY, params)]
        got = [tuple(row) for row in driver.run(connection, _USER_BY_PARTY, params)]
    assert got == expected
    assert len(got) == 2
    user_id, read_party, role, is_active, created_at, name = got[0]
    assert isinstance(user_id, uuid.UUID) and read_party == party_id
    assert role == "editor" and is_active is True
    assert created_at.tzinfo is not None  # aware, as the column type reads it
    assert name == {"ja": "日本", "en": "Japan"}


def test_a_typed_parameter_is_converted_as_its_type_says(db: Database) -> None:
    _two_users()
    with transaction(write=False) as session:
        connection = session.connection()
        # A timestamp parameter: stored as text on SQLite, compared as a timestamp on PostgreSQL.
        before = driver.run(connection, _COUNT_AFTER, {"after": datetime(2000, 1, 1, tzinfo=UTC)})
        after = driver.run(connection, _COUNT_AFTER, {"after": datetime(2999, 1, 1, tzinfo=UTC)})
    assert (before[0][0], after[0][0]) == (2, 0)


def test_a_statement_finished_at_execution_runs_through_sqlalchemy_with_the_same_rows(
    db: Database,
) -> None:
    _two_users()
    auth_headers("NATO", "editor", email="c-editor@test.example")
    with transaction(write=False) as session:
        connection = session.connection()
        rows = driver.run(connection, _PARTIES_BY_CODE, {"codes": ["JP", "NATO", "XX"]})
    assert sorted(code for _, code in rows) == ["JP", "NATO"]
    assert not driver.compiled(_PARTIES_BY_CODE, db.engine.dialect).direct


def test_listeners_on_the_engine_see_each_statement_run_on_the_driver(db: Database) -> None:
    party_id = _two_users()
    elements: list[Any] = []
    sql: list[str] = []

    def before_execute(_conn: Any, element: Any, _multi: Any, params: Any, _opts: Any) -> None:
        elements.append((element, dict(params)))

    def before_cursor(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sql.append(statement)

    event.listen(db.engine, "before_execute", before_execute)
    event.listen(db.engine, "before_cursor_execute", before_cursor)
    try:
        with transaction(write=False) as session:
            driver.run(session.connection(), _USER_BY_PARTY, {"party_id": party_id})
    finally:
        event.remove(db.engine, "before_execute", before_execute)
        event.remove(db.engine, "before_cursor_execute", before_cursor)
    assert elements == [(_USER_BY_PARTY, {"party_id": party_id})]
    assert [s for s in sql if s.lstrip().upper().startswith("SELECT")] == [
        driver.compiled(_USER_BY_PARTY, db.engine.dialect).sql
    ]


def test_a_driver_error_is_sqlalchemys_error_and_the_connection_stays_usable(
    db: Database,
) -> None:
    broken = select(literal_column("no_such_column")).select_from(table_of(Party))
    with pytest.raises(DBAPIError) as raised, transaction(write=False) as session:
        driver.run(session.connection(), broken, {})
    assert "no_such_column" in str(raised.value)
    assert not raised.value.connection_invalidated
    with transaction(write=False) as session:  # the pool's connections still serve
        assert driver.run(session.connection(), select(literal_column("1")), {}) == [(1,)]


def test_a_missing_parameter_is_refused_before_the_database_is_asked(db: Database) -> None:
    with pytest.raises(Exception, match="party_id"), transaction(write=False) as session:
        driver.run(session.connection(), _USER_BY_PARTY, {})
