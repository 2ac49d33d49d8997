"""Where both services' settings come from (itpp_common.config.ServiceSettings): the
environment first, then a file of the secrets directory their own variable names, so that a
container or systemd secret reaches the service and an explicit variable still wins; and the
bounds of a time in seconds (itpp_common.config.Seconds)."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from itpp_api.config import Settings
from itpp_web.config import WebSettings


def test_the_api_reads_a_secret_from_its_secrets_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "itpp_metrics_token").write_text("api-token-from-a-file\n")
    (tmp_path / "itpp_database_url").write_text("sqlite:///from-a-file.sqlite3")
    monkeypatch.setenv("ITPP_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("ITPP_DATABASE_URL", "sqlite:///from-the-environment.sqlite3")
    monkeypatch.delenv("ITPP_METRICS_TOKEN", raising=False)
    settings = Settings()
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "api-token-from-a-file"
    # A variable set in the environment wins over the file.
    assert settings.database_url == "sqlite:///from-the-environment.sqlite3"


def test_the_web_reads_its_own_secrets_directory_not_the_apis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_dir, web_dir = tmp_path / "api", tmp_path / "web"
    api_dir.mkdir()
    web_dir.mkdir()
    (api_dir / "itpp_web_secret_key").write_text("not-for-the-web")
    (web_dir / "itpp_web_secret_key").write_text("w" * 32)
    (web_dir / "itpp_web_log_format").write_text("console")
    monkeypatch.setenv("ITPP_SECRETS_DIR", str(api_dir))
    monkeypatch.setenv("ITPP_WEB_SECRETS_DIR", str(web_dir))
    for name in ("ITPP_WEB_SECRET_KEY", "ITPP_WEB_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    settings = WebSettings()
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == "w" * 32
    assert settings.log_format == "console"


def test_without_a_secrets_directory_the_settings_are_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("ITPP_WEB_SECRETS_DIR", "ITPP_WEB_METRICS_TOKEN", "ITPP_WEB_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    settings = WebSettings(_env_file=None)  # type: ignore[call-arg]
    assert settings.metrics_token is None
    assert settings.log_format == "auto"


def test_a_log_format_outside_the_three_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITPP_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS", "0"),
        ("ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS", "601"),
        ("ITPP_DATABASE_LOCK_TIMEOUT_SECONDS", "-1"),
        ("ITPP_DOCUMENT_PDF_TIMEOUT_SECONDS", "0"),
        ("ITPP_SMTP_TIMEOUT_SECONDS", "301"),
        ("ITPP_WORKER_RETRY_MAX_SECONDS", str(7 * 86_400 + 1)),
        ("ITPP_DATABASE_STATEMENT_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_a_time_in_seconds_out_of_its_bounds_is_refused(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("ITPP_").lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_time_in_seconds_may_be_a_fraction_up_to_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITPP_DATABASE_QUEUE_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("ITPP_WORKER_POLL_SECONDS", "3600")
    monkeypatch.setenv("ITPP_WEB_API_CONNECT_TIMEOUT_SECONDS", "0.25")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_queue_timeout_seconds == 0.5
    assert settings.worker_poll_seconds == 3600
    assert WebSettings(_env_file=None).api_connect_timeout_seconds == 0.25  # type: ignore[call-arg]
    monkeypatch.setenv("ITPP_WEB_API_TIMEOUT_SECONDS", "0")
    with pytest.raises(ValidationError, match="api_timeout_seconds"):
        WebSettings(_env_file=None)  # type: ignore[call-arg]
