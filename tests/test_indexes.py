"""Every filter and sort the list endpoints offer is served by an index, on both engines."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, inspect, text

from tests.conftest import Database
from tests.factories import make_world

# Commitment list: filter/sort column → must lead an index after plan_id.
COMMITMENT_FILTERS = (
    "status",
    "priority_area_id",
    "modality",
    "lead_party_id",
    "health",
    "due_date",
    "progress",
    "updated_at",
    "created_at",
)


def test_each_commitment_filter_has_an_index_led_by_the_plan(db: Database) -> None:
    indexes = inspect(db.engine).get_indexes("commitment")
    column_lists = [tuple(index["column_names"]) for index in indexes]
    for column in COMMITMENT_FILTERS:
        assert ("plan_id", column) in column_lists, f"no (plan_id, {column}) index"
    unique = inspect(db.engine).get_unique_constraints("commitment")
    assert ("plan_id", "reference") in [tuple(u["column_names"]) for u in unique]


def test_plan_status_filter_and_area_order_are_indexed(db: Database) -> None:
    inspector = inspect(db.engine)
    assert ("status", "expiry_date") in [
        tuple(i["column_names"]) for i in inspector.get_indexes("plan")
    ]
    assert ("plan_id", "position") in [
        tuple(i["column_names"]) for i in inspector.get_indexes("priority_area")
    ]
    assert ("commitment_id", "position") in [
        tuple(i["column_names"]) for i in inspector.get_indexes("milestone")
    ]


def test_free_text_search_uses_a_trigram_index_on_postgresql(db: Database) -> None:
    if db.name != "postgresql":
        # SQLite has no index type for LIKE '%…%'; the PostgreSQL one is what production uses.
        assert "ix_commitment_search_text_trgm" not in [
            i["name"] for i in inspect(db.engine).get_indexes("commitment")
        ]
        return
    with db.engine.connect() as connection:
        definition = connection.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_commitment_search_text_trgm'"
            )
        ).scalar_one()
    assert "gin" in definition.lower()
    assert "gin_trgm_ops" in definition


def test_open_commitments_by_lead_party_and_due_date_are_a_partial_index(db: Database) -> None:
    """The inbox reads "commitments my party leads that are overdue or quiet" through it."""
    indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("commitment")}
    index = indexes["ix_commitment_open_lead_party_id_due_date"]
    assert tuple(index["column_names"]) == ("lead_party_id", "due_date", "reference")
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        if db.name == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    )
    with db.engine.connect() as connection:
        definition = connection.execute(
            text(query), {"name": "ix_commitment_open_lead_party_id_due_date"}
        ).scalar_one()
    assert "WHERE" in definition
    assert "completed" in definition and "cancelled" in definition


def test_the_inboxs_commitment_statement_uses_the_partial_index(
    client: TestClient, db: Database
) -> None:
    """A partial index serves a query only when the query states the index's condition with
    the same values written in the SQL (not bound): the inbox's statement must, or it reads
    every commitment of the party's plans. On SQLite the plan shows the index used; which
    index PostgreSQL picks depends on table statistics, so bench/inbox.py shows it there."""
    make_world()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/users/me/inbox")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    (statement, parameters), *_ = [
        (s, p) for s, p in seen if "FROM commitment" in s and "lead_party_id =" in s
    ]
    # Both engines: the statuses are written into the SQL, as the index's predicate states them,
    # never bound (a generic plan of PostgreSQL, like SQLite always, cannot match through a
    # bound parameter).
    assert re.search(r"status NOT IN \('completed', 'cancelled'\)", statement), statement
    assert "completed" not in repr(parameters)
    if db.name == "sqlite":
        with db.engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        assert any("ix_commitment_open_lead_party_id_due_date" in row[-1] for row in plan), plan


@pytest.mark.parametrize("q", ["cyber", "サイバー"])
def test_the_search_across_plans_reads_its_trigram_index(
    client: TestClient, db: Database, q: str
) -> None:
    """GET /api/v1/search finds a text of three characters or more, in either language,
    through the index: the FTS5 trigram table on SQLite, the GIN trigram index on PostgreSQL
    (chosen whenever a scan is not cheaper, as here with scans made dear; on a large database
    it is chosen anyway)."""
    make_world()
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/search", params={"q": q})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    assert response.json()["items"], "the world's area 'Cyber defence' (サイバー防衛) is found"
    (statement, parameters), *_ = [(s, p) for s, p in seen if "search_entry" in s]
    with db.engine.connect() as connection:
        if db.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            assert any("VIRTUAL TABLE INDEX" in row[-1] for row in plan), plan
            return
        # Scans made dear, and fresh statistics: after the suite's other tests the planner's
        # figures for this table may be anything (it was seen walking another index instead).
        connection.exec_driver_sql("ANALYZE search_entry")
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            connection.exec_driver_sql(f"SET {setting} = off")
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
    assert any("ix_search_entry_document_trgm" in row[0] for row in plan), plan
