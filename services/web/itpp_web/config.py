"""Settings of the web service, read from ITPP_WEB_* variables."""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

_PACKAGE_DIR = Path(__file__).resolve().parent
_PROJECT_ROOT = _PACKAGE_DIR.parents[2]


def _secrets_dir() -> Path | None:
    directory = os.environ.get("ITPP_WEB_SECRETS_DIR", "").strip()
    return Path(directory) if directory else None


class WebSettings(BaseSettings):
    """Configuration of the web service (`itpp serve web`)."""

    model_config = SettingsConfigDict(env_prefix="ITPP_WEB_", env_file=".env", extra="ignore")

    secrets_dir: Path | None = Field(
        default=None,
        description="A directory of files named after settings (itpp_web_secret_key, …), each "
        "holding that setting's value. Read from the environment only; a variable set there "
        "wins over a file.",
    )
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
    api_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the web waits for the API's answer (and to send a request) before "
        "it shows its 503 page. Keep it above the API's ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS, so "
        "that a busy API answers 503 itself.",
    )
    api_connect_timeout_seconds: float = Field(
        default=3.0,
        gt=0,
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
    default_language: str = Field(default="ja", pattern="^(ja|en)$")
    page_size: int = Field(default=25, ge=1, le=200)
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="json: one JSON object a line; console: readable lines; auto: console on "
        "a terminal, else json.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="The bearer token the web's /metrics asks for. Unset: /metrics answers 404.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            # The web does not import the API's packages: the same few lines as its config.py.
            SecretsSettingsSource(settings_cls, secrets_dir=_secrets_dir()),
        )


@lru_cache
def get_web_settings() -> WebSettings:
    """The process's web settings (cached; tests clear the cache to change them)."""
    return WebSettings()
