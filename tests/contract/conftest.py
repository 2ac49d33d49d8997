"""Live deployments for the contract tests: a migrated database holding the sample plan and
its sample users, and a real API process serving it."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from itpp_api.config import get_settings
from itpp_api.db import _engine_for
from itpp_api.migrate import upgrade
from itpp_api.sample.loader import load
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.live_api import ApiProcess, start_api, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "services" / "api" / "openapi.json"


@contextmanager
def sample_database(engine: str, directory: Path) -> Iterator[str]:
    """A scratch database of the engine, migrated, with the sample plan and sample users.

    The sample logins are written to `directory`/var (ITPP_VAR_DIR). While the context is
    open, this process's settings point at the database.
    """
    if engine == "postgresql":
        url = create_postgres_database("itpp_contract")
    else:
        url = f"sqlite:///{directory / 'itpp.sqlite3'}"
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ITPP_DATABASE_URL", url)
            patch.setenv("ITPP_VAR_DIR", str(directory / "var"))
            get_settings.cache_clear()
            upgrade(url)
            load()
            yield url
    finally:
        _engine_for(url).dispose()
        get_settings.cache_clear()
        if engine == "postgresql":
            drop_postgres_database(url)


@contextmanager
def running_api(
    database_url: str, directory: Path, *, env: dict[str, str] | None = None
) -> Iterator[ApiProcess]:
    """An API process serving the database until the context closes."""
    api = start_api(
        database_url,
        directory / "api.log",
        env={"ITPP_VAR_DIR": str(directory / "var"), **(env or {})},
    )
    try:
        wait_until_up(api)
        yield api
    finally:
        stop(api)
