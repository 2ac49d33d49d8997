"""Test fixtures: every database test runs on SQLite and on PostgreSQL, each on a clean database.

PostgreSQL is required (CI=true or not): the suite creates a scratch database on the server at
ITPP_TEST_POSTGRES_URL (default: the local cluster's `test` database) and drops it at the end.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

import itpp_api.models  # noqa: F401
from itpp_api.config import get_settings
from itpp_api.db import get_engine
from itpp_api.main import create_app
from itpp_api.migrate import upgrade
from itpp_api.observability import configure_logging
from itpp_api.sample import users as sample_users
from itpp_api.sample.loader import LoadResult, load
from itpp_api.sample.users import save_logins
from itpp_common.runtime import tune_collector
from tests.factories import quick_hash
from tests.rows import TABLES, Rows, database_rows, holding, insert_rows, is_empty

# Property tests draw their examples from a fixed seed in the gate (`make test` gives the same
# result on every fresh clone); ITPP_HYPOTHESIS_PROFILE=explore draws at random.
hypothesis_settings.register_profile("gate", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("ITPP_HYPOTHESIS_PROFILE", "gate"))

# The suite's bursts (200 sign-ins at once, writers queueing on one lock) must get their own
# answers on a loaded machine too: the waits for a turn at the database and for a lock are
# bounded far beyond their defaults (15 s, 10 s). Tests of those bounds set their own.
for _bound in ("QUEUE", "LOCK", "STATEMENT"):
    os.environ.setdefault(f"ITPP_DATABASE_{_bound}_TIMEOUT_SECONDS", "60")

# One PDF renderer (and one spare started after each PDF, ~1 s of CPU loading WeasyPrint and
# the fonts) instead of the default two: most test documents are one part, and the spares
# started after the last PDF of a process are never used. The tests of documents in parts
# set their own.
os.environ.setdefault("ITPP_DOCUMENT_PDF_PROCESSES", "1")
# Every web process of the tests (in process and started) renders a page found in its render
# cache again and fails on a difference (itpp_web.render_cache): each page a test visits twice
# checks that the cache's key stands for everything the page was rendered from.
os.environ.setdefault("ITPP_WEB_RENDER_CACHE_VERIFY", "true")
# The test processes run the API and the web in process (TestClient) as the servers run them:
# with the collector tuned once per process (itpp_common.runtime), from the start of the run
# rather than from the first application a test builds.
tune_collector()

# Under pytest-xdist (`make test TEST_WORKERS=2`, --dist loadfile) a worker takes a whole file
# at a time, so a module's set-up is made once. Files are handed out in the collection's order
# (not xdist's default of the largest files first, which would leave the fuzzer's long run alone
# at the end), and the fuzzer's run on each engine (minutes each) is a unit of its own, so the two
# go to different workers. The order itself is kept: the browser tests come last, and once a
# worker has started Playwright (whose sync API keeps an event loop running in the main thread)
# the tests that call asyncio.run() could not run after them in that worker.
EACH_TEST_A_UNIT = ("tests/contract/test_fuzz.py",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadfile, in the collection's order, with EACH_TEST_A_UNIT split by test."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FilesInOrder(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path in EACH_TEST_A_UNIT else path

    config.option.loadscopereorder = False  # the collection's order, not the largest files first
    return FilesInOrder(config, log)


POSTGRES_SERVER_URL = os.environ.get(
    "ITPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def _run_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run's local state (sample logins, mails written as files) goes to a folder of its
    own, not to the checkout's var/ where `make run` keeps the developer's: two runs (or two
    pytest-xdist workers) never write the same file. Tests that care set their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


def _postgres_admin_engine() -> Engine:
    engine = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise pytest.UsageError(
            f"PostgreSQL is required for the test suite and is not reachable at "
            f"{POSTGRES_SERVER_URL} ({exc.__class__.__name__}). Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
            "or set ITPP_TEST_POSTGRES_URL."
        ) from exc
    return engine


def create_postgres_database(prefix: str = "itpp_test", template: str | None = None) -> str:
    """Create a scratch database on the test server (empty, or a copy of the database named
    `template`) and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
        # Tests never need a commit to survive a crash of the server: skip the fsync wait.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    admin.dispose()
    return make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a scratch database (closing any connection left to it)."""
    name = make_url(url).database
    admin = _postgres_admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# Per engine and kind ("migrated": an empty database at head; "sample": and the sample plan
# with its users, as `itpp db upgrade` then `itpp sample load` leave it), in this worker: a
# template database, made on first use and dropped at the end of the run, and for "sample" the
# logins the load wrote. Each database a test needs is a copy of one: PostgreSQL's
# `CREATE DATABASE ... TEMPLATE` (the template has no connection then), a copied SQLite file.
_TEMPLATES: dict[tuple[str, str], tuple[str, LoadResult | None]] = {}
_TEMPLATE_DIRECTORY: list[Path] = []


def _template(engine: str, kind: str) -> tuple[str, LoadResult | None]:
    if (engine, kind) not in _TEMPLATES:
        from itpp_api.db import _engine_for

        directory = _TEMPLATE_DIRECTORY[-1]
        if kind == "migrated":
            url = _empty_database(engine, directory, "itpp_migrated_template")
            upgrade(url)
            result = None
        else:
            migrated = _template(engine, "migrated")[0]
            url = _copy(engine, migrated, directory, f"itpp_{kind}_template")
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("ITPP_DATABASE_URL", url)
                patch.setenv("ITPP_VAR_DIR", str(directory / f"{kind}-var"))
                # The sample's users with the factories' quick hashes (tests/factories.py).
                patch.setattr(sample_users, "hash_password", quick_hash)
                get_settings.cache_clear()
                try:
                    result = load()
                finally:
                    get_settings.cache_clear()
        # Closed, so a PostgreSQL template can be copied and a SQLite file is whole (its
        # write-ahead log folded in).
        _engine_for(url).dispose()
        _TEMPLATES[(engine, kind)] = (url, result)
    return _TEMPLATES[(engine, kind)]


@contextmanager
def template_databases(directory: Path) -> Iterator[None]:
    """Template databases made on first use while inside: the SQLite ones in `directory`, the
    PostgreSQL ones dropped on the way out. The test run's (`_templates`), and a benchmark's
    that starts the web tests' stack outside pytest (bench/web_pages.py)."""
    _TEMPLATE_DIRECTORY.append(directory)
    try:
        yield
    finally:
        for url, _ in _TEMPLATES.values():
            if make_url(url).get_backend_name() == "postgresql":
                drop_postgres_database(url)
        _TEMPLATES.clear()
        _TEMPLATE_DIRECTORY.remove(directory)


@pytest.fixture(scope="session", autouse=True)
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where the SQLite templates go; the PostgreSQL ones are dropped at the end of the run."""
    with template_databases(tmp_path_factory.mktemp("templates")):
        yield


def _empty_database(engine: str, directory: Path, prefix: str) -> str:
    if engine == "postgresql":
        return create_postgres_database(prefix)
    return f"sqlite:///{directory / f'{prefix}.sqlite3'}"


def _copy(engine: str, template: str, directory: Path, prefix: str) -> str:
    """A new database (a SQLite file in `directory`) holding what `template` holds."""
    if engine == "postgresql":
        return create_postgres_database(prefix, template=make_url(template).database)
    path = directory / f"{prefix}.sqlite3"
    shutil.copyfile(template.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def database_copy(engine: str, directory: Path, prefix: str, kind: str = "migrated") -> str:
    """The URL of a new database of the engine (a SQLite file in `directory`, a scratch
    PostgreSQL database the caller drops with `drop_postgres_database`), a copy of the run's
    template of that kind: "migrated" (empty, at head) or "sample" (the sample plan and its
    users; the logins, the same in every copy of a run, go to sample-logins.json where
    `itpp sample load` would write them). Migrating takes ~2 s and loading the sample ~5 s on
    a quiet machine; copying, a fraction of a second."""
    template, result = _template(engine, kind)
    url = _copy(engine, template, directory, prefix)
    if result is not None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ITPP_DATABASE_URL", url)
            get_settings.cache_clear()
            save_logins(result.logins)
        get_settings.cache_clear()
    return url


def sample_database_copy(engine: str, directory: Path, prefix: str = "itpp_sample") -> str:
    """A new database holding the sample plan and its users (`database_copy`)."""
    return database_copy(engine, directory, prefix, "sample")


@contextmanager
def own_database(engine: str, directory: Path, prefix: str = "itpp_own") -> Iterator[str]:
    """A migrated database of a test's own: a SQLite file in `directory` or a scratch
    PostgreSQL database named after `prefix`, dropped at the end (a copy of the run's migrated
    template: `database_copy`).

    While the context is open it is this process's configured database (ITPP_DATABASE_URL), so
    the factories write where a live API process started on the URL reads.
    """
    url = database_copy(engine, directory, prefix)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ITPP_DATABASE_URL", url)
            get_settings.cache_clear()
            yield url
    finally:
        from itpp_api.db import _engine_for

        _engine_for(url).dispose()
        get_settings.cache_clear()
        if engine == "postgresql":
            drop_postgres_database(url)


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own, made the configured one."""
    with own_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def own_sqlite(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite database of this test's own, made the configured one."""
    with own_database("sqlite", tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One database per engine, migrated to head once for the whole run."""
    directory = tmp_path_factory.mktemp("db")
    urls = {engine: database_copy(engine, directory, "itpp_test") for engine in ENGINES}
    yield urls
    from itpp_api.db import _engine_for

    for url in urls.values():
        _engine_for(url).dispose()
    _engine_for.cache_clear()
    drop_postgres_database(urls["postgresql"])


def _clean(engine: Engine) -> None:
    """Empty the tables a test wrote to, children before parents.

    DELETE, not TRUNCATE, on PostgreSQL too: TRUNCATE makes new files for every table it names
    and took 0.6-1.2 s a test on a loaded 2-core machine, DELETE of the few rows a test leaves
    takes milliseconds. No table has a sequence (keys are UUIDs, the audit chain counts its own
    `seq`), so nothing needs restarting.
    """
    with engine.begin() as connection:
        found = holding(connection)
        deletes = [f"DELETE FROM {table}" for table in TABLES if table in found]
        if not deletes:
            return
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("; ".join(deletes))  # one round trip
        else:
            for statement in deletes:
                connection.exec_driver_sql(statement)


# Per engine, in this worker: the rows of the sample's template database, by table.
_SAMPLE_ROWS: dict[str, Rows] = {}


def _sample_rows(engine: str) -> tuple[LoadResult, Rows]:
    template, result = _template(engine, "sample")
    assert result is not None
    if engine not in _SAMPLE_ROWS:
        reader = create_engine(template)
        with reader.connect() as connection:
            _SAMPLE_ROWS[engine] = database_rows(connection)
        reader.dispose()  # a PostgreSQL template is copied only while nobody is connected
    return result, _SAMPLE_ROWS[engine]


def load_sample() -> LoadResult:
    """The sample plan in the configured (clean) database, as `itpp_api.sample.loader.load`
    leaves it, logins file included.

    Loading the sample takes ~5 s (2 of them Argon2 for its users); it is loaded once per
    engine in a process, into the template `sample_database_copy` copies, and each test gets
    the template's rows inserted into its clean database (a fraction of a second): the same
    records, with the same passwords, in every test of a run. A database that is not empty
    gets a real load. The loader's own tests (tests/test_sample.py: twice, into a database
    holding a plan, the command line) call it directly.
    """
    engine = get_engine()
    if not is_empty(engine):
        return load()
    result, tables = _sample_rows(engine.dialect.name)
    with engine.begin() as connection:
        insert_rows(connection, tables)
    save_logins(result.logins)
    return result


@dataclass
class Database:
    """The database a test runs against."""

    name: str
    url: str
    engine: Engine


@pytest.fixture(params=ENGINES)
def db(
    request: pytest.FixtureRequest,
    migrated_databases: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Database]:
    """A clean, migrated database (parametrized: every test runs on SQLite and PostgreSQL)."""
    name: str = request.param
    url = migrated_databases[name]
    monkeypatch.setenv("ITPP_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = get_engine()
    _clean(engine)
    yield Database(name=name, url=url, engine=engine)
    get_settings.cache_clear()


class DefaultSignIn(httpx.Auth):
    """Signs each request as a Japan editor unless the test sent its own Authorization.

    The user (and the party JP, if the test has not made it yet) and the token are made on
    first use. Pass `headers={"Authorization": ""}` or use `anonymous_client` to send no
    credentials.
    """

    def __init__(self) -> None:
        self.header: str | None = None

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        if "authorization" not in request.headers:
            header = self.default_header()
            if header:
                request.headers["Authorization"] = header
        elif not request.headers["authorization"]:
            del request.headers["authorization"]
        yield request

    def default_header(self) -> str:
        if self.header is None:
            from sqlmodel import select

            from itpp_api.db import transaction
            from itpp_api.parties.models import Party
            from tests.factories import auth_headers

            with transaction(write=True) as session:
                if session.scalars(select(Party.id).where(Party.code == "JP")).first() is None:
                    session.add(Party(code="JP", name={"ja": "日本", "en": "Japan"}))
            self.header = auth_headers("JP", "editor", email="default-jp-editor@test.example")[
                "Authorization"
            ]
        return self.header


# The API applications of this worker, by the settings they were built with (the database's
# URL aside: the application looks the engine up on each request). FastAPI prepares a route of
# an included router (its dependencies, its parameters' validators) the first time a request
# is matched against it, in the application that includes it: ~0.1 s of a test that made its
# own application and sent a few requests, a fifth of the API tests' time (docs/testing.md).
# A test gets a TestClient of its own (its own lifespan, cookies, event loop) on an
# application built for the same settings, so a test that changes a setting first still gets
# an application built with it.
_APPS: dict[str, FastAPI] = {}
_APPS_KEPT = 4


def api_app() -> FastAPI:
    """The API application (`create_app()`) for the current settings, made once a worker."""
    settings = get_settings()
    key = settings.model_dump_json(exclude={"database_url"})
    app = _APPS.pop(key, None)
    if app is None:
        app = create_app()
    else:
        configure_logging(settings.log_format)  # as create_app does: a test may have changed it
    _APPS[key] = app  # the most recently used last
    while len(_APPS) > _APPS_KEPT:
        del _APPS[next(iter(_APPS))]
    return app


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    """An HTTP client for the API app on the test database, signed in as a Japan editor."""
    with TestClient(api_app(), raise_server_exceptions=False) as test_client:
        test_client.auth = DefaultSignIn()
        yield test_client


@pytest.fixture
def anonymous_client(db: Database) -> Iterator[TestClient]:
    """An HTTP client that sends no credentials."""
    with TestClient(api_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class QueryCounter:
    """Counts the SQL statements an engine runs while active."""

    statements: list[str] = field(default_factory=list)
    active: bool = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.active and not statement.lstrip().upper().startswith(
            ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
        ):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def query_counter(db: Database) -> Iterator[QueryCounter]:
    """Counts SQL statements on the test engine (start with `counter.active = True`)."""
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


def require_tool(name: str, *, also: tuple[str, ...] = ()) -> str:
    """The path of a command-line tool the suite needs (`also`: places outside PATH, such as
    /usr/sbin for nginx); a missing one fails the test, as a missing PostgreSQL does, never
    skips it. `.ci/run` installs each."""
    path = shutil.which(name) or next((p for p in also if Path(p).exists()), None)
    if path is None:
        pytest.fail(f"`{name}` is not installed; the tests need it (.ci/run installs it)")
    return path
