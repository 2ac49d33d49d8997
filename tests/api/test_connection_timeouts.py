"""Every pooled connection carries the timeouts of the settings (issue 15, "No timeouts"): on
PostgreSQL the connect timeout, TCP keepalives and tcp_user_timeout, the server's
statement_timeout and lock_timeout, and the API's own deadline for a reply; on SQLite the busy
timeout. What they do under a silent network is tests/test_database_timeouts.py."""

from typing import Any

from sqlalchemy import text

from itpp_api.config import get_settings
from itpp_api.db import transaction
from tests.conftest import Database


def test_every_connection_carries_the_configured_timeouts(db: Database) -> None:
    with transaction(write=False) as session:
        connection: Any = session.connection().connection.dbapi_connection
        if db.name == "sqlite":
            assert session.execute(text("PRAGMA busy_timeout")).scalar_one() == 15_000
            return
        settings = get_settings()
        rows = session.execute(
            text(
                "SELECT name, setting FROM pg_settings "
                "WHERE name IN ('statement_timeout', 'lock_timeout')"  # in ms
            )
        )
        server = {name: setting for name, setting in rows}
        assert server == {
            "statement_timeout": str(int(settings.database_statement_timeout_seconds * 1000)),
            "lock_timeout": str(int(settings.database_lock_timeout_seconds * 1000)),
        }
        parameters = connection.info.get_parameters()
        assert parameters["connect_timeout"] == "5"
        assert parameters["keepalives"] == "1"
        assert parameters["keepalives_idle"] == "30"
        assert parameters["keepalives_interval"] == "10"
        assert parameters["keepalives_count"] == "3"
        reply = settings.database_statement_timeout_seconds + 2
        assert parameters["tcp_user_timeout"] == str(int(reply * 1000))
        assert connection.reply_timeout == reply
