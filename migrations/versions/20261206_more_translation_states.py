"""Translation state for the other localized texts (issue 23, item 1): party and organisation
names, review summaries, amendment titles and rationales get `translations`
({field: {"source": tag, "stale": [tag, ...]}}) as commitments have since 0005. Existing texts
get Japanese as their source when they have it, else their first language, and nothing stale.

Revision ID: 0018_more_translation_states
Revises: 0017_plan_lead_texts
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_more_translation_states"
down_revision: str | None = "0017_plan_lead_texts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# The localized columns of each table.
_TABLES: dict[str, tuple[str, ...]] = {
    "party": ("name",),
    "organisation": ("name",),
    "review_cycle": ("summary",),
    "amendment": ("title", "rationale"),
}
_BATCH = 1000


def _state(text: dict[str, str]) -> dict[str, Any]:
    # A copy of localized.default_source as it is today: a revision must not change later.
    return {"source": "ja" if "ja" in text else next(iter(text)), "stale": []}


def _backfill(table: str) -> None:
    columns = _TABLES[table]
    rows_table = sa.table(
        table,
        sa.column("id", sa.Uuid()),
        sa.column("translations", _JSON),
        *(sa.column(name, _JSON) for name in columns),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(rows_table.c.id, *(rows_table.c[name] for name in columns))
    ).all()
    update = (
        sa.update(rows_table)
        .where(rows_table.c.id == sa.bindparam("row_id"))
        .values(translations=sa.bindparam("states", type_=_JSON))
    )
    values = [
        {
            "row_id": row.id,
            "states": {
                name: _state(getattr(row, name)) for name in columns if getattr(row, name)
            },
        }
        for row in rows
    ]
    values = [value for value in values if value["states"]]
    for start in range(0, len(values), _BATCH):
        connection.execute(update, values[start : start + _BATCH])


def upgrade() -> None:
    # NOT NULL with a server default ({}): SQLite adds such a column in place, so batch mode
    # ("auto") does not rebuild the table (a rebuild would drop it, and foreign keys with
    # ON DELETE CASCADE would take the rows that refer to it with it).
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("translations", _JSON, server_default="{}", nullable=False))
        _backfill(table)


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: see upgrade() on rebuilding tables.
    for table in reversed(_TABLES):
        op.drop_column(table, "translations")
