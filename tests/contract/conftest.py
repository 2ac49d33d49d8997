"""Live deployments for the contract tests: a migrated database holding the sample plan and
its sample users, and a real API process serving it."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from itpp_api.config import get_settings
from itpp_api.db import _engine_for
from tests.conftest import drop_postgres_database, sample_database_copy
from tests.live_api import ApiProcess, start_api, stop, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "services" / "api" / "openapi.json"


@contextmanager
def sample_database(engine: str, directory: Path) -> Iterator[str]:
    """A scratch database of the engine, migrated, with the sample plan and sample users (a
    copy of the run's template: tests/conftest.py `sample_database_copy`).

    The sample logins are written to `directory`/var (ITPP_VAR_DIR). While the context is
    open, this process's settings point at the database.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_VAR_DIR", str(directory / "var"))
        url = sample_database_copy(engine, directory, "itpp_contract")
        try:
            patch.setenv("ITPP_DATABASE_URL", url)
            get_settings.cache_clear()
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
