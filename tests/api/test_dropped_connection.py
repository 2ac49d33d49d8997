"""A database connection the server dropped gives a 503 problem, never a 500.

The PostgreSQL pool does not ping a connection before each use (that would cost a round trip
per request); a pooled connection the server has closed fails its request instead. That
request must get the same 503 problem as any unreachable database, and the next one a fresh
connection.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from itpp_api.config import get_settings
from itpp_api.db import get_engine
from tests.conftest import POSTGRES_SERVER_URL, Database
from tests.factories import make_world

APPLICATION = "itpp-dropped-connection-test"


def _drop_connections(database: str) -> int:
    """Terminate the test's server connections to the database, as a restart or an admin would
    (only the test's own engine's: another engine of the worker keeps its pool intact)."""
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND application_name = :application"
                    ),
                    {"name": database, "application": APPLICATION},
                ).all()
            )
    finally:
        admin.dispose()


# Only PostgreSQL has a server whose connections can be dropped.
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/plans/{plan}/commitments?limit=5", "/api/v1/plans/{plan}"],
    ids=["list (one thread hop)", "get plan (request session)"],
)
def test_dropped_connection_gives_503_then_recovers(
    client: TestClient, db: Database, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app on an engine (and pool) of this test's own, named on the server, so nothing else
    # in the worker's process can meet a dropped connection first and recycle the pool.
    monkeypatch.setenv("ITPP_DATABASE_URL", f"{db.url}?application_name={APPLICATION}")
    get_settings.cache_clear()
    engine = get_engine()
    world = make_world()
    url = path.format(plan=world.plan)
    assert client.get(url).status_code == 200  # the pool now holds live connections
    # Two of them, so the request after the failed one would meet the second dead one unless
    # the failure recycled the pool's older connections (as SQLAlchemy does on a disconnect).
    with engine.connect() as one, engine.connect() as two:
        one.exec_driver_sql("SELECT 1")
        two.exec_driver_sql("SELECT 1")
    assert _drop_connections(engine.url.database or "") >= 2

    response = client.get(url)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == "2"

    assert client.get(url).status_code == 200
    engine.dispose()
