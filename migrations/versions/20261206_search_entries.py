"""Search across record kinds: `search_entry`, one row per plan, priority area, commitment,
exchange, review and amendment with its reference, titles and bodies in Japanese and English,
kept by triggers on those tables in the writing transaction and filled here from the records
there are. Indexed for substring search in any language: on SQLite by an FTS5 table with the
trigram tokenizer (`search_fts`, external content), on PostgreSQL by a GIN trigram index
(`pg_trgm`: the migrating role needs the right to create the extension, or an administrator
creates it beforehand).

Revision ID: 0019_search_entries
Revises: 0018_more_translation_states
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = "0019_search_entries"
down_revision: str | None = "0018_more_translation_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@dataclass(frozen=True)
class _Source:
    """A searched table: how its row `{n}` becomes a search entry, and the columns that matter."""

    table: str
    kind: str
    plan_id: str
    reference: str
    title: str | None  # a localized JSON column, or None: the titles below
    body: str | None  # a localized JSON column
    watched: tuple[str, ...]
    title_ja: str = ""
    title_en: str = ""


_NUMBER = "'#' || CAST({n}.number AS TEXT)"
_SOURCES = (
    _Source("plan", "plan", "{n}.id", "{n}.reference", "title", None, ("reference", "title")),
    _Source(
        "priority_area",
        "priority_area",
        "{n}.plan_id",
        "{n}.code",
        "title",
        "description",
        ("code", "title", "description"),
    ),
    _Source(
        "commitment",
        "commitment",
        "{n}.plan_id",
        "{n}.reference",
        "title",
        "description",
        ("reference", "title", "description"),
    ),
    _Source(
        "exchange",
        "exchange",
        "{n}.plan_id",
        "{n}.reference",
        "title",
        "outcome",
        ("reference", "title", "outcome"),
    ),
    _Source(
        "review_cycle",
        "review",
        "{n}.plan_id",
        _NUMBER,
        None,
        "summary",
        ("number", "summary"),
        title_ja="'第 ' || CAST({n}.number AS TEXT) || ' 回見直し'",
        title_en="'Review ' || CAST({n}.number AS TEXT)",
    ),
    _Source(
        "amendment",
        "amendment",
        "{n}.plan_id",
        _NUMBER,
        "title",
        "rationale",
        ("number", "title", "rationale"),
    ),
)


def _localized(postgresql: bool, column: str | None, language: str) -> str:
    if column is None:
        return "''"
    value = f"({{n}}.{column} ->> '{language}')" if postgresql else (
        f"json_extract({{n}}.{column}, '$.{language}')"
    )
    return f"COALESCE({value}, '')"


def _insert(source: _Source, postgresql: bool, row: str, origin: str = "") -> str:
    """The INSERT of the search entry of row `row` (NEW in a trigger; the table's name, with
    `origin` its FROM clause, for the rows there are)."""
    newline = "chr(10)" if postgresql else "char(10)"
    title_ja = source.title_ja or _localized(postgresql, source.title, "ja")
    title_en = source.title_en or _localized(postgresql, source.title, "en")
    values = (
        f"SELECT {{n}}.id AS record_id, '{source.kind}' AS kind, {source.plan_id} AS plan_id, "
        f"{source.reference} AS reference, {title_ja} AS title_ja, {title_en} AS title_en, "
        f"{_localized(postgresql, source.body, 'ja')} AS body_ja, "
        f"{_localized(postgresql, source.body, 'en')} AS body_en {origin}"
    ).format(n=row)
    lines = f" || {newline} || ".join(
        ("s.reference", "s.title_ja", "s.title_en", "s.body_ja", "s.body_en")
    )
    return (
        "INSERT INTO search_entry (record_id, kind, plan_id, reference, title_ja, title_en, "
        "body_ja, body_en, document) SELECT s.record_id, s.kind, s.plan_id, s.reference, "
        f"s.title_ja, s.title_en, s.body_ja, s.body_en, {lines} FROM ({values}) AS s"
    )


def _postgresql_triggers(source: _Source) -> list[str]:
    name = f"search_entry_{source.table}"
    return [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM search_entry WHERE record_id = OLD.id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {_insert(source, True, "NEW")};
            END IF;
            RETURN NULL;
        END
        $$
        """,
        f"CREATE TRIGGER tr_{source.table}_search_entry AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(source.watched)} ON {source.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def _sqlite_triggers(source: _Source) -> list[str]:
    table = source.table
    return [
        f"""
        CREATE TRIGGER tr_{table}_search_entry_insert AFTER INSERT ON {table}
        BEGIN
            {_insert(source, False, "NEW")};
        END
        """,
        f"""
        CREATE TRIGGER tr_{table}_search_entry_update
        AFTER UPDATE OF {", ".join(source.watched)} ON {table}
        BEGIN
            DELETE FROM search_entry WHERE record_id = OLD.id;
            {_insert(source, False, "NEW")};
        END
        """,
        f"""
        CREATE TRIGGER tr_{table}_search_entry_delete AFTER DELETE ON {table}
        BEGIN
            DELETE FROM search_entry WHERE record_id = OLD.id;
        END
        """,
    ]


# The FTS5 index follows search_entry (external content: it keeps no copy of the text).
_SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(document, content='search_entry', "
    "content_rowid='id', tokenize='trigram')",
    """
    CREATE TRIGGER tr_search_entry_fts_insert AFTER INSERT ON search_entry
    BEGIN
        INSERT INTO search_fts (rowid, document) VALUES (NEW.id, NEW.document);
    END
    """,
    """
    CREATE TRIGGER tr_search_entry_fts_delete AFTER DELETE ON search_entry
    BEGIN
        INSERT INTO search_fts (search_fts, rowid, document)
        VALUES ('delete', OLD.id, OLD.document);
    END
    """,
    """
    CREATE TRIGGER tr_search_entry_fts_update AFTER UPDATE ON search_entry
    BEGIN
        INSERT INTO search_fts (search_fts, rowid, document)
        VALUES ('delete', OLD.id, OLD.document);
        INSERT INTO search_fts (rowid, document) VALUES (NEW.id, NEW.document);
    END
    """,
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "search_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("title_ja", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("body_ja", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
            name=op.f("fk_search_entry_plan_id_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entry")),
        sa.UniqueConstraint("record_id", name=op.f("uq_search_entry_record_id")),
    )
    op.create_index("ix_search_entry_plan_id", "search_entry", ["plan_id"], unique=False)
    if postgresql:
        op.create_index(
            "ix_search_entry_document_trgm",
            "search_entry",
            ["document"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"document": "gin_trgm_ops"},
        )
    else:
        for statement in _SQLITE_INDEX:
            op.execute(statement)
    for source in _SOURCES:
        op.execute(_insert(source, postgresql, source.table, f"FROM {source.table}"))
        triggers = _postgresql_triggers if postgresql else _sqlite_triggers
        for statement in triggers(source):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for source in _SOURCES:
        if postgresql:
            op.execute(f"DROP TRIGGER tr_{source.table}_search_entry ON {source.table}")
            op.execute(f"DROP FUNCTION search_entry_{source.table}()")
        else:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER tr_{source.table}_search_entry_{when}")
    if postgresql:
        op.drop_index("ix_search_entry_document_trgm", table_name="search_entry")
    else:
        for when in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER tr_search_entry_fts_{when}")
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_search_entry_plan_id", table_name="search_entry")
    op.drop_table("search_entry")
