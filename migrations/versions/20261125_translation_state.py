"""Translation state of localized texts: each record with localized text gets `translations`
({field: {"source": tag, "stale": [tag, ...]}}); existing texts get Japanese as their source
when they have it, else their first language, and nothing stale.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

# The localized columns of each table (the plan's sections and objectives are handled apart).
_TABLES: dict[str, tuple[str, ...]] = {
    'plan': ('title', 'sections', 'objectives'),
    'priority_area': ('title', 'description'),
    'commitment': ('title', 'description'),
    'milestone': ('title',),
    'exchange': ('title', 'outcome', 'lessons_learned', 'post_title'),
}
_BATCH = 1000


def _state(text: dict[str, str]) -> dict[str, Any]:
    # A copy of localized.default_source as it is today: a revision must not change later.
    return {'source': 'ja' if 'ja' in text else next(iter(text)), 'stale': []}


def _texts(table: str, row: Any) -> Iterator[tuple[str, dict[str, str]]]:
    if table != 'plan':
        for name in _TABLES[table]:
            text = getattr(row, name)
            if text:
                yield name, text
        return
    yield 'title', row.title
    for section in row.sections or []:
        for part in ('heading', 'body'):
            if section.get(part):
                yield f"sections[{section['number']}].{part}", section[part]
    for index, objective in enumerate(row.objectives or []):
        if objective:
            yield f'objectives[{index}]', objective


def _backfill(table: str) -> None:
    columns = _TABLES[table]
    rows_table = sa.table(
        table,
        sa.column('id', sa.Uuid()),
        sa.column('translations', _JSON),
        *(sa.column(name, _JSON) for name in columns),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(rows_table.c.id, *(rows_table.c[name] for name in columns))
    ).all()
    update = (
        sa.update(rows_table)
        .where(rows_table.c.id == sa.bindparam('row_id'))
        .values(translations=sa.bindparam('states', type_=_JSON))
    )
    values = [
        {'row_id': row.id, 'states': {name: _state(text) for name, text in _texts(table, row)}}
        for row in rows
    ]
    for start in range(0, len(values), _BATCH):
        connection.execute(update, values[start : start + _BATCH])


def upgrade() -> None:
    # Added NOT NULL with a server default ({}), so neither engine rebuilds a table (on SQLite
    # a rebuild would drop the old table, and foreign keys with ON DELETE CASCADE would take
    # milestones and links with it).
    for table in _TABLES:
        op.add_column(
            table, sa.Column('translations', _JSON, server_default='{}', nullable=False)
        )
        _backfill(table)


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: see upgrade() on rebuilding tables.
    for table in reversed(_TABLES):
        op.drop_column(table, 'translations')
