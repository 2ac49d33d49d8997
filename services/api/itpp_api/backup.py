"""Backups of the database and their restore (`itpp backup`, `itpp restore`).

SQLite: the online backup API copies the database in one step, inside one read transaction,
so the copy is a consistent snapshot while other processes go on writing (WAL lets them).
PostgreSQL: `pg_dump` in its custom format, taken in a snapshot exported by a transaction that
also counts the rows, so what is printed is exactly what the file holds; a restore replays
`pg_restore`'s script through `psql` in one transaction that commits only if the whole
archive was read. Either restore replaces the whole database, and refuses to replace one that
holds any rows unless forced.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# What the migrations put in every database, not content: a freshly migrated database counts
# as empty (the revision; the token key, auth/token_key.py).
_NOT_CONTENT = frozenset({"alembic_version", "token_key"})


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup file holds (or a restore put back): rows per table, schema revision."""

    engine: str
    path: Path
    tables: dict[str, int]
    revision: str | None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def backup(*, database_url: str, path: Path, postgres_bin_dir: Path | None = None) -> BackupReport:
    """Write a consistent copy of the database to `path` (replaced only once complete)."""
    url = make_url(database_url)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            tables, revision = _sqlite_backup(_sqlite_path(url), partial)
        elif url.get_backend_name() == "postgresql":
            tables, revision = _postgres_backup(url, partial, postgres_bin_dir)
        else:
            raise BackupError(f"no backup for {url.get_backend_name()} databases")
        os.chmod(partial, 0o600)  # password and token hashes: readable by the operator only
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(url.get_backend_name(), path, tables, revision)


def restore(
    *, database_url: str, path: Path, force: bool = False, postgres_bin_dir: Path | None = None
) -> BackupReport:
    """Replace the database with a backup's content; refuse a non-empty one unless `force`."""
    url = make_url(database_url)
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    kind = (
        "sqlite"
        if magic == SQLITE_MAGIC
        else "postgresql"
        if magic.startswith(PG_DUMP_MAGIC)
        else None
    )
    if kind is None:
        raise BackupError(f"{path} is not a backup made by `itpp backup`")
    if kind != url.get_backend_name():
        raise BackupError(
            f"{path} is a {kind} backup and the database is {url.get_backend_name()}: restore it "
            "into the same engine (a plan export moves plans between engines: `itpp export plan`)"
        )
    if kind == "sqlite":
        tables, revision = _sqlite_restore(path, _sqlite_path(url), force=force)
    else:
        tables, revision = _postgres_restore(url, path, force=force, bin_dir=postgres_bin_dir)
    return BackupReport(kind, path, tables, revision)


def _refuse_unless_empty(tables: dict[str, int], *, force: bool) -> None:
    content = {name: rows for name, rows in tables.items() if rows and name not in _NOT_CONTENT}
    if content and not force:
        raise BackupError(
            f"the database is not empty ({sum(content.values())} rows in {len(content)} tables); "
            "a restore replaces everything in it: pass --force to do that"
        )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("the SQLite database must be a file (sqlite:///path)")
    return Path(url.database)


def _sqlite_tables(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])  # noqa: S608
        for name in names
    }


def _sqlite_revision(connection: sqlite3.Connection, tables: Iterable[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _sqlite_backup(source_path: Path, target: Path) -> tuple[dict[str, int], str | None]:
    if not source_path.is_file():
        raise BackupError(f"there is no SQLite database at {source_path}")
    # mode=rw: never create an empty database where the configured one is missing.
    source = sqlite3.connect(f"file:{source_path}?mode=rw", uri=True, timeout=60)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # every page in one step: one read transaction, one snapshot
        # One self-contained file (no -wal beside it), readable without write access.
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = _sqlite_tables(copy)
        revision = _sqlite_revision(copy, tables)
    finally:
        copy.close()
        source.close()
    return tables, revision


def _sqlite_restore(
    backup_path: Path, target_path: Path, *, force: bool
) -> tuple[dict[str, int], str | None]:
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupError(f"{backup_path} is damaged: {check[0] if check else 'unreadable'}")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, timeout=60)
        try:
            _refuse_unless_empty(_sqlite_tables(target), force=force)
            source.backup(target)  # replaces every page of the target, under its write lock
            target.execute("PRAGMA journal_mode=WAL")  # as the services open it
            tables = _sqlite_tables(target)
            revision = _sqlite_revision(target, tables)
        finally:
            target.close()
    finally:
        source.close()
    return tables, revision


# --- PostgreSQL -----------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _connect(url: URL) -> psycopg.Connection[Any]:
    conninfo, env = _libpq(url)
    try:
        return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to PostgreSQL: {exc}") from exc


def _postgres_tables(connection: psycopg.Connection[Any]) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        )
    ]
    tables: dict[str, int] = {}
    for name in names:
        row = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
        ).fetchone()
        tables[name] = int(row[0]) if row else 0
    return tables


def _postgres_revision(connection: psycopg.Connection[Any], tables: dict[str, int]) -> str | None:
    if "alembic_version" not in tables:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _major_version(executable: str) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    for word in output.split():
        head = word.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def postgres_tool(name: str, server_major: int, bin_dir: Path | None = None) -> str:
    """The `pg_dump`/`pg_restore`/`psql` for a server: its own major version, else a newer one.

    Looked for in `bin_dir` (ITPP_POSTGRES_BIN_DIR), then where Debian's postgresql-client-N
    packages put them, then on PATH (Debian's wrapper there picks the newest installed).
    """
    candidates: list[str] = []
    if bin_dir is not None:
        candidates.append(str(bin_dir / name))
    candidates.append(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    found: list[tuple[int, str]] = []
    for candidate in candidates:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            major = _major_version(candidate)
            if major == server_major:
                return candidate
            if major is not None:
                found.append((major, candidate))
    newer = sorted(item for item in found if item[0] > server_major)
    if newer:
        return newer[0][1]
    seen = ", ".join(f"{path} ({major})" for major, path in found) or "none"
    raise BackupError(
        f"{name} {server_major} (or newer) is needed for this PostgreSQL {server_major} server; "
        f"found: {seen}. Install the client tools of version {server_major} (Debian: "
        f"postgresql-client-{server_major}) or set ITPP_POSTGRES_BIN_DIR."
    )


def _server_major(connection: psycopg.Connection[Any]) -> int:
    return int(connection.info.server_version) // 10000


def _postgres_backup(
    url: URL, target: Path, bin_dir: Path | None
) -> tuple[dict[str, int], str | None]:
    conninfo, env = _libpq(url)
    with _connect(url) as connection:
        pg_dump = postgres_tool("pg_dump", _server_major(connection), bin_dir)
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction():
            # pg_dump reads in this transaction's snapshot: the counts below are the file's.
            row = connection.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            tables = _postgres_tables(connection)
            revision = _postgres_revision(connection, tables)
            result = subprocess.run(  # noqa: S603
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={row[0]}",
                    f"--file={target}",
                    f"--dbname={conninfo}",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return tables, revision


def _postgres_restore(
    url: URL, path: Path, *, force: bool, bin_dir: Path | None
) -> tuple[dict[str, int], str | None]:
    conninfo, env = _libpq(url)
    with _connect(url) as connection:
        connection.autocommit = True
        major = _server_major(connection)
        _refuse_unless_empty(_postgres_tables(connection), force=force)
    pg_restore = postgres_tool("pg_restore", major, bin_dir)
    psql = postgres_tool("psql", major, bin_dir)
    # Read the archive's table of contents first: a file that is not a whole archive stops
    # here, before anything in the database is touched.
    listing = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(path)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{path} cannot be read: {listing.stderr.strip()}")
    _replay(pg_restore, psql, path, conninfo, env)
    with _connect(url) as connection:
        connection.autocommit = True
        tables = _postgres_tables(connection)
        return tables, _postgres_revision(connection, tables)


def _replay(pg_restore: str, psql: str, path: Path, conninfo: str, env: dict[str, str]) -> None:
    """Drop the schema and replay the archive in one transaction, committed only when whole."""
    # Messages go to files, not pipes: a chatty tool must never block on a full pipe.
    with tempfile.TemporaryFile() as loader_log, tempfile.TemporaryFile() as script_log:
        loader = subprocess.Popen(  # noqa: S603
            [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={conninfo}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=loader_log,
            env=env,
        )
        script = subprocess.Popen(  # noqa: S603
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=script_log,
        )
        failed = _stream(loader, script)
        if failed is script:
            script_log.seek(0)
            message = script_log.read().decode(errors="replace").strip()
            raise BackupError(f"pg_restore failed, nothing was changed: {message}")
        if failed is loader:
            loader_log.seek(0)
            message = loader_log.read().decode(errors="replace").strip()
            raise BackupError(f"the restore was rolled back; psql said: {message}")


def _stream(
    loader: "subprocess.Popen[bytes]", script: "subprocess.Popen[bytes]"
) -> "subprocess.Popen[bytes] | None":
    """Feed the script to psql after the schema's drop; the process that failed, if one did."""
    assert loader.stdin is not None and script.stdout is not None
    loader_in: IO[bytes] = loader.stdin
    try:
        loader_in.write(
            b"SET client_min_messages = warning;\nBEGIN;\n"
            b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
        )
        shutil.copyfileobj(script.stdout, loader_in)
        if script.wait() != 0:
            # Closing psql's connection without COMMIT rolls everything back.
            loader.kill()
            loader.wait()
            return script
        loader_in.write(b"COMMIT;\n")
        loader_in.close()
    except BrokenPipeError:  # psql stopped at an error: it rolled back
        script.kill()
        script.wait()
    return None if loader.wait() == 0 else loader
