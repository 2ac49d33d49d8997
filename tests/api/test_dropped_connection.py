"""A database connection the server dropped gives a 503 problem, never a 500.

The PostgreSQL pool does not ping a connection before each use (that would cost a round trip
per request); a pooled connection the server has closed fails its request instead. That
request must get the same 503 problem as any unreachable database, and the next one a fresh
connection.
"""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_SERVER_URL, Database
from tests.factories import make_world


def _drop_connections(database: str) -> int:
    """Terminate every server connection to the database, as a restart or an admin would."""
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database},
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
    client: TestClient, db: Database, path: str
) -> None:
    world = make_world()
    url = path.format(plan=world.plan)
    assert client.get(url).status_code == 200  # the pool now holds live connections
    assert _drop_connections(db.engine.url.database or "") >= 1

    response = client.get(url)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-unavailable"
    assert response.headers["retry-after"] == "2"

    assert client.get(url).status_code == 200
