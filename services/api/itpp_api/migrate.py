"""Running the Alembic migrations from code (the CLI, readiness probe and tests use this)."""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from itpp_api.auth import token_key
from itpp_api.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations and the given (or configured) database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    url = database_url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    """Revert migrations down to `revision`. Below 0028 the database's token key goes, and the
    next upgrade makes a new one: this process forgets the keys it read (auth/token_key.py)."""
    command.downgrade(alembic_config(database_url), revision)
    token_key.forget()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision in the migrations directory (read once: the directory is part of
    the release, and reading it costs the readiness probe most of its time budget)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of this release's migrations (False for a newer release's)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:  # alembic's answer for a revision it has no script of
        return False


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# The SQLite FTS5 index of search_entry (migration 0019) and its shadow tables.
SEARCH_INDEX_TABLE = "search_fts"


def is_search_index_table(name: str) -> bool:
    """Whether a table of the database is the SQLite search index or one of its shadow tables."""
    return name == SEARCH_INDEX_TABLE or name.startswith(f"{SEARCH_INDEX_TABLE}_")


IncludeObject = Callable[[object, str | None, str, bool, object], bool]


def include_object_for(dialect_name: str) -> IncludeObject:
    """A filter that leaves out of comparisons the objects that exist only on another engine.

    The trigram index for free-text search is PostgreSQL-only (``ddl_if``): on SQLite the
    metadata has it but the database rightly does not. The search index on SQLite is an FTS5
    virtual table (``search_fts``, and the tables FTS5 keeps it in), which no model describes.
    """

    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        if type_ == "table" and reflected and name is not None and is_search_index_table(name):
            return False
        ddl_if = getattr(obj, "_ddl_if", None)
        only_on = getattr(ddl_if, "dialect", None)
        return only_on is None or only_on == dialect_name

    return include_object
