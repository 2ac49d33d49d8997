"""What the settings of both services have in common: where their values come from (the
environment, .env, then a secrets directory), the log format and the /metrics token."""

import os
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from itpp_common.observability import LogFormat

# A length of time in seconds, from a variable: more than zero, fractions allowed (0.5). A
# setting of this type adds its own upper bound (le=…) where it has one, and says what the time
# is for.
Seconds = Annotated[float, Field(gt=0)]


def secrets_source(settings_cls: type[BaseSettings]) -> SecretsSettingsSource:
    """Settings from the files of the directory <prefix>SECRETS_DIR names (ITPP_SECRETS_DIR,
    ITPP_WEB_SECRETS_DIR), if that variable is set in the environment."""
    variable = f"{settings_cls.model_config.get('env_prefix', '')}SECRETS_DIR".upper()
    directory = os.environ.get(variable, "").strip()
    return SecretsSettingsSource(settings_cls, secrets_dir=Path(directory) if directory else None)


class ServiceSettings(BaseSettings):
    """The settings every service has; a service's class adds its own and its env_prefix."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    secrets_dir: Path | None = Field(
        default=None,
        description="A directory of files named after settings (itpp_database_url, "
        "itpp_web_secret_key, …), each holding that setting's value: how container, "
        "Kubernetes and systemd secrets reach the service. Read from the environment only; a "
        "variable set there wins over a file.",
    )
    log_format: LogFormat = Field(
        default="auto",
        description="json: one JSON object a line; console: readable lines; auto: console on "
        "a terminal, else json.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="The bearer token the service's /metrics asks for (Authorization: Bearer "
        "<token>). Unset: /metrics answers 404.",
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
        return (init_settings, env_settings, dotenv_settings, secrets_source(settings_cls))


def secret_key(configured: SecretStr | None, kept_in: Path) -> bytes:
    """A signing key: the configured one, else one generated once and kept (owner-only) in the
    file `kept_in` — the first of several processes to need it writes it, the others read it."""
    if configured is not None:
        return configured.get_secret_value().encode()
    if kept_in.exists():
        return kept_in.read_bytes().strip()
    kept_in.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    try:
        descriptor = os.open(kept_in, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return kept_in.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key
