"""The one Settings class: every setting of the API service, read from ITPP_* variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _default_database_url() -> str:
    return f"sqlite:///{_PROJECT_ROOT / 'var' / 'itpp.sqlite3'}"


class Settings(BaseSettings):
    """Configuration of the API service and its command line."""

    model_config = SettingsConfigDict(env_prefix="ITPP_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=_default_database_url,
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    var_dir: Path = Field(
        default=_PROJECT_ROOT / "var",
        description="Where local state lives: the SQLite file, the sample logins.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_pool_recycle_seconds: int = Field(
        default=1800,
        ge=1,
        description="PostgreSQL: a pooled connection older than this is replaced before use.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=15_000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    sqlite_read_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="SQLite: how many commitment-list reads run at once (see concurrency.py).",
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_import_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Larger bodies of the import operations (plan documents, plan exports) "
        "get 413.",
    )
    document_max_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="A rendered plan document (HTML or Markdown) larger than this is refused.",
    )
    document_pdf_timeout_seconds: float = Field(
        default=60.0, gt=0, description="A PDF that takes longer to render is refused (503)."
    )
    document_pdf_workers: int = Field(
        default=2, ge=1, le=32, description="PDFs rendered at once per process."
    )
    export_max_rows: int = Field(
        default=100_000, ge=1, description="CSV and XLSX exports refuse more rows than this."
    )
    page_size_default: int = Field(default=50, ge=1, le=200)
    page_size_max: int = Field(default=200, ge=1, le=1000)
    idempotency_ttl_hours: int = Field(
        default=24, ge=1, description="How long a replayable Idempotency-Key is kept."
    )
    idempotency_in_flight_seconds: int = Field(
        default=60, ge=1, description="After this, a request that never finished frees its key."
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, description="A sign-in ends after this long without a request."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="A sign-in ends this long after it began, used or not."
    )
    api_token_idle_days: int = Field(
        default=90, ge=1, description="An API token unused this long stops working."
    )
    api_token_max_days: int = Field(default=366, ge=1, description="Longest API token expiry.")
    login_window_minutes: int = Field(
        default=15, ge=1, description="Failed sign-ins are counted over this window."
    )
    login_slowdown_after: int = Field(
        default=3, ge=1, description="From this many failures on, each answer is delayed."
    )
    login_block_after: int = Field(
        default=10, ge=1, description="After this many failures an account is refused (429)."
    )
    login_block_after_per_address: int = Field(
        default=50, ge=1, description="After this many failures an address is refused (429)."
    )
    login_max_delay_seconds: float = Field(default=8.0, ge=0)
    log_sql: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; tests clear the cache to change them)."""
    return Settings()
