"""A database's rows, read and written again: the sample's template copied into a test's clean
database (`tests/conftest.py` `load_sample`), the world the factories build (`make_world`)."""

from typing import Any

from sqlalchemy import Connection, Engine, Table, literal, select
from sqlmodel import SQLModel

import itpp_api.models  # noqa: F401

# What the migrations put in every database and nothing removes: the token key (one row, made
# by migration 0028). Kept by the clean-up between tests, so the key a test process has read
# stays the database's; not a sign that a database holds anything.
KEPT = frozenset({"token_key"})

TABLES = [
    table.name for table in reversed(SQLModel.metadata.sorted_tables) if table.name not in KEPT
]
"""The tables a test may fill, children before parents."""

# One round trip names the tables holding rows: a test writes to a few of the tables.
_NON_EMPTY = " UNION ALL ".join(
    f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {table})" for table in TABLES
)

Rows = list[tuple[Table, list[dict[str, Any]]]]
"""Rows by table, parents first (the order `insert_rows` inserts them in)."""


def holding(connection: Connection) -> set[str]:
    """The tables that hold any row."""
    return {row[0] for row in connection.exec_driver_sql(_NON_EMPTY)}


def is_empty(engine: Engine) -> bool:
    """Whether no table of the database holds a row."""
    with engine.connect() as connection:
        return not holding(connection)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A table's rows with each row after the row of the same table it refers to (a plan
    after its predecessor, a comment after its thread's first)."""
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not own:
        return rows
    key = next(iter(table.primary_key.columns)).name
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [
            r for r in waiting if all(r[c] is None or r[c] in placed or r[c] == r[key] for c in own)
        ]
        assert ready, f"rows of {table.name} refer to rows that are not there"
        ordered += ready
        placed |= {r[key] for r in ready}
        waiting = [r for r in waiting if r[key] not in placed]
    return ordered


def database_rows(connection: Connection) -> Rows:
    """Every row of the database a test may write, by table, parents first (not KEPT's:
    every database has its own)."""
    found = [
        (table, [dict(row) for row in connection.execute(table.select()).mappings()])
        for table in SQLModel.metadata.sorted_tables
        if table.name not in KEPT
    ]
    return [(table, _parents_first(table, rows)) for table, rows in found if rows]


def insert_rows(connection: Connection, tables: Rows) -> None:
    """Insert rows read by `database_rows` into an empty database of the same schema."""
    for table, rows in tables:
        # A table the database's triggers keep (the search index, the open milestones) is
        # already filled from the rows inserted before it.
        if connection.execute(select(literal(1)).select_from(table).limit(1)).first():
            continue
        connection.execute(table.insert(), rows)
