"""Every filter and sort the list endpoints offer is served by an index, on both engines."""

from sqlalchemy import inspect, text

from tests.conftest import Database

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
