"""`itpp backup` and `itpp restore` (issue 16, part 4): a backup taken while commitments are
being written restores into a new database with the same content and an intact audit chain."""

import hashlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Row, create_engine, select

from tests.conftest import Database, create_postgres_database, drop_postgres_database
from tests.factories import World, make_commitment, make_world


def itpp(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, as an operator runs it."""
    env = {**os.environ, "ITPP_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "itpp_api", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def table_hashes(database_url: str) -> dict[str, str]:
    """A SHA-256 of every table's rows in primary-key order (all columns), by table name."""
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        hashes: dict[str, str] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(select(table).order_by(*order)).all()
                hashes[table.name] = hashlib.sha256(
                    repr([tuple(r) for r in rows]).encode()
                ).hexdigest()
        return hashes
    finally:
        engine.dispose()


def rows_of(database_url: str, table_name: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=[table_name])
        with engine.connect() as connection:
            rows = connection.execute(select(metadata.tables[table_name]))
            return {repr(tuple(row)) for row in rows}
    finally:
        engine.dispose()


def created_commitments(database_url: str) -> set[str]:
    return {str(row.id) for row in _select(database_url, "commitment", "id")}


def audited_creations(database_url: str) -> set[str]:
    return {
        str(row.entity_id)
        for row in _select(database_url, "audit_event", "entity_id", "entity_type", "action")
        if row.entity_type == "commitment" and row.action == "create"
    }


def _select(database_url: str, table_name: str, *columns: str) -> list[Row[Any]]:
    engine = create_engine(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=[table_name])
        table = metadata.tables[table_name]
        with engine.connect() as connection:
            return list(connection.execute(select(*(table.c[name] for name in columns))))
    finally:
        engine.dispose()


def printed_counts(output: str) -> dict[str, int]:
    """The per-table lines of a backup or restore report."""
    counts: dict[str, int] = {}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("  ") and len(words) == 2 and words[1].isdigit():
            counts[words[0]] = int(words[1])
    return counts


class CommitmentWriter(threading.Thread):
    """Creates commitments through the service layer, one transaction each, until stopped."""

    def __init__(self, world: World) -> None:
        super().__init__(daemon=True)
        self.world = world
        self.written = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                make_commitment(self.world, title={"en": f"Commitment {self.written}"})
                with self.progress:
                    self.written += 1
                    self.progress.notify_all()
        except BaseException as exc:
            self.error = exc
            with self.progress:
                self.progress.notify_all()

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(
                lambda: self.written >= count or self.error is not None, timeout=120
            ), f"the writer made {self.written} commitments, not {count}"
        assert self.error is None, repr(self.error)


@pytest.fixture
def new_database(db: Database, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same engine, not migrated, for restores."""
    if db.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = create_postgres_database("itpp_restore")
    yield url
    drop_postgres_database(url)


def test_a_backup_taken_under_writes_restores_to_the_same_content_and_audit_chain(
    db: Database, new_database: str, tmp_path: Path
) -> None:
    world = make_world()
    writer = CommitmentWriter(world)
    writer.start()
    try:
        writer.wait_for(5)
        under_load = itpp(db.url, "backup", str(tmp_path / "under-load.backup"))
        assert under_load.returncode == 0, under_load.stderr
        # The writes went on while and after the backup was taken.
        writer.wait_for(writer.written + 5)
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.error is None, repr(writer.error)
    saved = printed_counts(under_load.stdout)
    assert 5 <= saved["commitment"] < writer.written
    assert f"{sum(saved.values())} rows" in under_load.stdout

    restored = itpp(new_database, "restore", str(tmp_path / "under-load.backup"))

    assert restored.returncode == 0, restored.stderr
    assert printed_counts(restored.stdout) == saved
    verified = itpp(new_database, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"{saved['audit_event']} events verified" in verified.stdout
    # A snapshot of one moment: every restored commitment is the source's, unchanged, and each
    # has its audit event (a backup cut between a write and its audit event would not).
    assert rows_of(new_database, "commitment") <= rows_of(db.url, "commitment")
    assert created_commitments(new_database) == audited_creations(new_database)

    # Quiet now: a second backup restored over the first gives back the source, table by table.
    quiet = itpp(db.url, "backup", str(tmp_path / "quiet.backup"))
    assert quiet.returncode == 0, quiet.stderr
    restored_hashes = table_hashes(new_database)

    refused = itpp(new_database, "restore", str(tmp_path / "quiet.backup"))

    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert table_hashes(new_database) == restored_hashes

    forced = itpp(new_database, "restore", "--force", str(tmp_path / "quiet.backup"))

    assert forced.returncode == 0, forced.stderr
    source_hashes = table_hashes(db.url)
    assert set(source_hashes) >= {"commitment", "audit_event", "alembic_version"}
    assert table_hashes(new_database) == source_hashes


def test_a_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    make_world()
    before = table_hashes(db.url)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("minutes of the joint review\n")

    result = itpp(db.url, "restore", "--force", str(not_a_backup))

    assert result.returncode == 1
    assert "is not a backup made by `itpp backup`" in result.stderr
    assert table_hashes(db.url) == before


def test_a_backup_of_one_engine_is_not_restored_into_the_other(
    db: Database, tmp_path: Path
) -> None:
    make_world()
    made = itpp(db.url, "backup", str(tmp_path / "one.backup"))
    assert made.returncode == 0, made.stderr
    other = (
        "postgresql+psycopg://nobody@127.0.0.1:1/none"
        if db.name == "sqlite"
        else f"sqlite:///{tmp_path / 'other.sqlite3'}"
    )

    result = itpp(other, "restore", str(tmp_path / "one.backup"))

    assert result.returncode == 1
    assert f"is a {db.name} backup" in result.stderr


def test_a_backup_copies_the_attachment_files_beside_it_and_a_restore_puts_lost_ones_back(
    db: Database, new_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("ITPP_ATTACHMENT_STORAGE", "filesystem")
    monkeypatch.setenv("ITPP_ATTACHMENT_DIR", str(store))
    files = {uuid.uuid4().hex: f"minutes {n}\n".encode() for n in range(3)}
    for key, content in files.items():
        (store / key[:2]).mkdir(parents=True, exist_ok=True)
        (store / key[:2] / key).write_bytes(content)
    (store / "ab").mkdir(exist_ok=True)
    (store / "ab" / f".{'ab' * 16}.part").write_bytes(b"half an upload")
    make_world()
    backups = tmp_path / "backups"
    backups.mkdir()

    first = itpp(db.url, "backup", str(backups / "one.dump"))
    assert first.returncode == 0, first.stderr
    assert "Attachment files: 3 copied" in first.stdout
    kept = backups / "attachments"
    assert {p.name: p.read_bytes() for p in kept.rglob("*") if p.is_file()} == files
    # The next backup copies only what is new.
    later = uuid.uuid4().hex
    (store / later[:2]).mkdir(exist_ok=True)
    (store / later[:2] / later).write_bytes(b"exercise report\n")
    second = itpp(db.url, "backup", str(backups / "two.dump"))
    assert "Attachment files: 1 copied" in second.stdout
    assert "3 already there" in second.stdout

    # The store is lost; a restore brings its files back with the database.
    lost = next(iter(files))
    (store / lost[:2] / lost).unlink()
    restored = itpp(new_database, "restore", str(backups / "two.dump"))
    assert restored.returncode == 0, restored.stderr
    assert "Attachment files: 1 copied back" in restored.stdout
    assert (store / lost[:2] / lost).read_bytes() == files[lost]
