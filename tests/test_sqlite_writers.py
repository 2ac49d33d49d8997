"""Concurrent writers: on SQLite they queue on the lock instead of failing with "database is
locked", and two updates with the same If-Match never both succeed (no lost update)."""

import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from itpp_api.config import get_settings
from itpp_api.db import build_engine, transaction
from tests.conftest import Database
from tests.factories import make_commitment, make_world

HOLD_SECONDS = 0.3


def run_in_threads(*targets: Any) -> list[BaseException]:
    """Run the callables in parallel threads; return what they raised."""
    errors: list[BaseException] = []

    def guarded(target: Any) -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return errors


def test_two_sqlite_write_transactions_queue_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'writers.sqlite3'}"
    engine = build_engine(get_settings().model_copy(update={"database_url": url}))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE log (writer TEXT NOT NULL, seen INTEGER)")
    barrier = threading.Barrier(2)
    spans: dict[str, tuple[float, float, int]] = {}

    def writer(name: str) -> None:
        barrier.wait()
        with transaction(write=True, engine=engine) as session:
            started = time.monotonic()
            # Read, hold the lock, then write: a deferred transaction would fail here with
            # "database is locked" once the other writer has committed in between.
            seen = session.execute(text("SELECT count(*) FROM log")).scalar_one()
            time.sleep(HOLD_SECONDS)
            session.execute(
                text("INSERT INTO log (writer, seen) VALUES (:w, :s)"), {"w": name, "s": seen}
            )
            spans[name] = (started, time.monotonic(), seen)

    try:
        errors = run_in_threads(lambda: writer("a"), lambda: writer("b"))

        assert errors == []
        first, second = sorted(spans.values())
        assert first[2] == 0
        assert second[2] == 1, "the second writer must see the first one's committed row"
        assert second[0] >= first[1], "the second writer started while the first held the lock"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM log").scalar() == 2
    finally:
        engine.dispose()


def test_two_updates_with_the_same_if_match_give_one_200_and_one_412(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    url = f"/api/v1/commitments/{make_commitment(world)}"
    etag = client.get(url).headers["etag"]
    barrier = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def update(progress: int) -> None:
        barrier.wait()
        response = client.patch(url, json={"progress": progress}, headers={"If-Match": etag})
        statuses[progress] = response.status_code

    errors = run_in_threads(lambda: update(30), lambda: update(70))

    assert errors == []
    assert sorted(statuses.values()) == [200, 412]
    winner = next(p for p, status in statuses.items() if status == 200)
    final = client.get(url).json()
    assert final["progress"] == winner
    assert final["etag"] != etag
