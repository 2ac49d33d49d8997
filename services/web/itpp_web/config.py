"""Settings of the web service, read from ITPP_WEB_* variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from itpp_common.config import Seconds, ServiceSettings

_PACKAGE_DIR = Path(__file__).resolve().parent
_PROJECT_ROOT = _PACKAGE_DIR.parents[2]


class WebSettings(ServiceSettings):
    """Configuration of the web service (`itpp serve web`)."""

    # Sources, ITPP_WEB_SECRETS_DIR, ITPP_WEB_LOG_FORMAT and ITPP_WEB_METRICS_TOKEN:
    # ServiceSettings.
    model_config = SettingsConfigDict(env_prefix="ITPP_WEB_")

    api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the API service, without /api/v1.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs the CSRF tokens. Every replica of the web service needs the same "
            "one; when unset, a key is generated once and kept in var/web-secret-key."
        ),
    )
    var_dir: Path = Field(default=_PROJECT_ROOT / "var")
    assets_dir: Path = Field(
        default=_PACKAGE_DIR.parent / "node_modules",
        description="Where `npm ci` put htmx and Pico CSS (services/web/node_modules).",
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Mark cookies Secure. Unset: Secure when the request came over HTTPS "
            "(directly or through a proxy that sets X-Forwarded-Proto)."
        ),
    )
    api_timeout_seconds: Seconds = Field(
        default=30.0,
        description="How long the web waits for the API's answer (and to send a request) before "
        "it shows its 503 page. Keep it above the API's ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS, so "
        "that a busy API answers 503 itself.",
    )
    api_connect_timeout_seconds: Seconds = Field(
        default=3.0,
        description="How long the web waits to connect to the API, or for a free connection "
        "of its pool to it, before it shows its 503 page.",
    )
    api_max_connections: int = Field(default=100, ge=1)
    inbox_poll_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="How often an open page asks for the inbox count in its header (seconds).",
    )
    read_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a web process keeps a user's answers of slow-changing reads (their "
        "profile, the parties, organisations and a plan's areas), so that pages do not ask "
        "the API again. A change made by someone else shows within this time; the user's own "
        "changes at once. 0 turns the cache off.",
    )
    render_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        le=1024 * 1024 * 1024,
        description="How many bytes of rendered pages a web process keeps (at most 1 GiB), so "
        "that a page whose data have not changed is sent again without rendering its "
        "template: the data are read from the API every time, and a page is found only for "
        "the same session, URL and data. The same bound again holds the pages kept to be "
        "sent without running their route while nothing they read has changed. 0 turns both "
        "off.",
    )
    render_cache_verify: bool = Field(
        default=False,
        description="For tests: render a page found in the render cache again and fail the "
        "request if the two differ (the cache then saves nothing).",
    )
    default_language: str = Field(default="ja", pattern="^(ja|en)$")
    page_size: int = Field(default=25, ge=1, le=200)


@lru_cache
def get_web_settings() -> WebSettings:
    """The process's web settings (cached; tests clear the cache to change them)."""
    return WebSettings()
