"""The one Settings class: every setting of the API service, read from ITPP_* variables."""

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from itpp_api.bounds import ATTACHMENT_BYTES_MAX
from itpp_common.config import Seconds, ServiceSettings

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _default_database_url() -> str:
    return f"sqlite:///{_PROJECT_ROOT / 'var' / 'itpp.sqlite3'}"


class Settings(ServiceSettings):
    """Configuration of the API service and its command line."""

    # Sources, ITPP_SECRETS_DIR, ITPP_LOG_FORMAT and ITPP_METRICS_TOKEN: ServiceSettings.
    model_config = SettingsConfigDict(env_prefix="ITPP_")

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
        description="SQLite: how many reads (GET and HEAD requests) run at once (see "
        "concurrency.py).",
    )
    database_queue_timeout_seconds: Seconds = Field(
        default=15.0,
        le=600,
        description="How long a request waits for its turn at the database (one of the "
        "pool's 2 × ITPP_DATABASE_POOL_SIZE connections; on SQLite, for a writer, the write "
        "lock) before it is answered 503 with Retry-After.",
    )
    database_connect_timeout_seconds: int = Field(
        default=5,
        ge=2,
        le=600,
        description="PostgreSQL: the longest a new connection may take to open (libpq "
        "connect_timeout; at least 2).",
    )
    database_statement_timeout_seconds: Seconds = Field(
        default=30.0,
        le=3600,
        description="PostgreSQL: the server cancels a statement that runs longer "
        "(statement_timeout); the API stops waiting for a reply 2 s after that and drops the "
        "connection (a server or network that stopped answering). Either way: 503.",
    )
    database_lock_timeout_seconds: Seconds = Field(
        default=10.0,
        le=3600,
        description="PostgreSQL: the longest a statement waits for a row or table lock "
        "(lock_timeout); then 503 with Retry-After.",
    )
    database_keepalive_seconds: int = Field(
        default=30,
        ge=1,
        le=7200,
        description="PostgreSQL: TCP keepalive probes start after this many idle seconds and "
        "repeat every third of it; three unanswered probes close the connection.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    public_base_url: str | None = Field(
        default=None,
        description="The API's address as its clients reach it (scheme, host, port and any path "
        "prefix a proxy adds), e.g. https://itpp.example.org: calendar feed URLs are built from "
        "it, never from a request's Host header. Unset: http://<api_host>:<api_port> (what "
        "`itpp serve api` listens on).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1,::1",
        # uvicorn's own name is accepted too, so one variable configures both.
        validation_alias=AliasChoices("ITPP_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"),
        description="Comma-separated addresses or networks (CIDR) of the proxies whose "
        "X-Forwarded-For is believed (the web service, a load balancer); `*` believes every "
        "peer. Any other peer is the client itself, whatever it claims.",
    )
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
        description="A rendered plan document (HTML, Markdown or Word) larger than this is "
        "refused.",
    )
    document_pdf_timeout_seconds: Seconds = Field(
        default=60.0, description="A PDF that takes longer to render is refused (503)."
    )
    document_pdf_workers: int = Field(
        default=2, ge=1, le=32, description="PDFs rendered at once per process."
    )
    document_pdf_processes: int = Field(
        default=2,
        ge=0,
        le=8,
        description="Child processes one PDF is laid out in at the same time (its parts shared "
        "out among them; a document of one part takes one), and spares kept waiting for the "
        "next PDF (each spare holds about 120 MB, its fonts loaded). 0: the CPUs the API may "
        "run on, at most 8. At most document_pdf_workers × "
        "this many renderers run at once per API process.",
    )
    document_classification: str = Field(
        default="",
        max_length=60,
        description="A classification marking (e.g. NATO UNCLASSIFIED, 取扱注意) printed at "
        "the top and bottom of every page of a plan document and at the top of its HTML; "
        "empty: none.",
    )
    attachment_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        le=ATTACHMENT_BYTES_MAX,
        description="The largest file an attachment may be (1 KiB to 5 GiB); a larger upload "
        "is refused with 413 while it streams, and nothing of it is kept.",
    )
    attachment_dir: Path | None = Field(
        default=None,
        description="Where attachment files are stored (the filesystem storage). Unset: "
        "<ITPP_VAR_DIR>/attachments.",
    )
    attachment_storage: Literal["filesystem", "s3"] = Field(
        default="filesystem",
        description="Where attachment files are kept: filesystem (ITPP_ATTACHMENT_DIR) or s3 "
        "(a bucket of an S3-compatible object store: ITPP_S3_BUCKET and the ITPP_S3_* "
        "settings).",
    )
    s3_bucket: str | None = Field(
        default=None,
        min_length=3,
        max_length=63,
        description="The bucket attachment files go to (ITPP_ATTACHMENT_STORAGE=s3; it must "
        "exist). Enable its versioning: that is the attachments' backup.",
    )
    s3_prefix: str = Field(
        default="",
        max_length=200,
        description="A folder of the bucket to keep the files under (e.g. itpp/, ending in "
        "/); empty: the bucket's top.",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        max_length=2000,
        description="The store's URL for an S3-compatible store other than AWS (MinIO, Ceph, "
        "…), e.g. https://minio.example:9000; unset: AWS S3 of ITPP_S3_REGION.",
    )
    s3_region: str = Field(
        default="us-east-1",
        min_length=1,
        max_length=50,
        description="The bucket's region (what the store's signature expects).",
    )
    s3_access_key_id: str | None = Field(
        default=None,
        max_length=256,
        description="The access key id. Unset: boto3's own chain (AWS_* variables, an "
        "instance or pod role).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None,
        max_length=1024,
        description="The secret access key (a secret: from "
        "ITPP_SECRETS_DIR/itpp_s3_secret_access_key).",
    )
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="path: https://endpoint/bucket/key (MinIO and most self-hosted stores); "
        "virtual: https://bucket.endpoint/key; auto: the client's choice.",
    )
    s3_timeout_seconds: Seconds = Field(
        default=10.0,
        le=300,
        description="The longest a request to the store may wait to connect or for a read; a "
        "store that does not answer within it makes the request 503 with Retry-After.",
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
    invitation_hours: int = Field(
        default=72,
        ge=1,
        le=720,
        description="An invited user's one-time set-password link works this long (1 to 720 "
        "hours).",
    )
    login_window_minutes: int = Field(
        default=15,
        ge=1,
        description="An address's failed sign-ins are counted over this window; an account's "
        "are forgotten after this long without one.",
    )
    login_slowdown_after: int = Field(
        default=3,
        ge=1,
        description="From this many consecutive failures for an account on, its next attempt "
        "waits (1 s, then doubling).",
    )
    login_max_delay_seconds: float = Field(
        default=60.0,
        ge=0,
        description="The longest wait between two attempts on one account (0: no waiting). "
        "Accounts are slowed down, never locked.",
    )
    login_block_after_per_address: int = Field(
        default=50,
        ge=1,
        description="After this many failures from one address (an IPv6 /64) within the "
        "window, it is refused (429) until the window ends.",
    )
    login_familiar_days: int = Field(
        default=30,
        ge=0,
        description="An address a user signed in from within this many days is familiar: "
        "failures elsewhere do not slow the account down there (0: no familiar addresses).",
    )
    postgres_bin_dir: Path | None = Field(
        default=None,
        description="Where pg_dump, pg_restore and psql of the server's major version are "
        "(`itpp backup`/`restore`); unset: Debian's /usr/lib/postgresql/<major>/bin, then PATH.",
    )
    # --- notifications: the delivery worker (`itpp worker`) and e-mail -------------------
    smtp_host: str | None = Field(
        default=None,
        max_length=253,
        description="The SMTP server mails are sent through. Unset: the worker writes each mail "
        "to ITPP_MAIL_DIR as an .eml file instead (the local `make run`).",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="Usually 587 (starttls), 465 (tls), 25 (none)."
    )
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="starttls",
        description="starttls: plain connection upgraded with STARTTLS (refused if the server "
        "does not offer it); tls: TLS from the first byte (SMTPS); none: no encryption (a "
        "relay on the same host or network only).",
    )
    smtp_username: str | None = Field(
        default=None, max_length=254, description="Unset: no SMTP authentication."
    )
    smtp_password: SecretStr | None = Field(
        default=None,
        max_length=1024,
        description="The SMTP password (a secret: from ITPP_SECRETS_DIR/itpp_smtp_password).",
    )
    smtp_timeout_seconds: Seconds = Field(
        default=30.0,
        le=300,
        description="The longest the worker waits on the SMTP server for one step (connect, a "
        "command, the message).",
    )
    mail_sender: str = Field(
        default="ITPP Tracker <itpp-tracker@localhost>",
        min_length=3,
        max_length=320,
        description="The From of every mail: an address, optionally with a display name.",
    )
    mail_web_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The web's address as its users reach it: the links in mails point there.",
    )
    mail_dir: Path | None = Field(
        default=None,
        description="Without ITPP_SMTP_HOST, where the worker writes mails (.eml files, one per "
        "notification). Unset: <ITPP_VAR_DIR>/mail.",
    )
    worker_poll_seconds: Seconds = Field(
        default=5.0,
        le=3600,
        description="How long the worker sleeps when no notification is due.",
    )
    worker_max_attempts: int = Field(
        default=10,
        ge=1,
        le=100,
        description="After this many failed attempts a notification is given up: its row stays, "
        "with last_error, and is not tried again.",
    )
    worker_retry_seconds: Seconds = Field(
        default=60.0,
        le=86_400,
        description="The wait after the first failed attempt; it doubles with each further "
        "failure, up to ITPP_WORKER_RETRY_MAX_SECONDS.",
    )
    worker_retry_max_seconds: Seconds = Field(
        default=6 * 3600.0, le=7 * 86_400, description="The longest wait between attempts."
    )
    worker_reminder_seconds: Seconds = Field(
        default=3600.0,
        ge=1,
        le=86_400,
        description="How often the worker queues the reminders that have come due (reviews due "
        "within 30 days, overdue or quiet commitments, plans expiring within 90 days); also at "
        "its start. Each reminder is queued once per recipient and occasion.",
    )
    worker_lease_seconds: Seconds = Field(
        default=300.0,
        le=86_400,
        description="A notification a worker claimed and did not mark sent or failed within "
        "this long (the worker died) is due again. At least 4 × ITPP_SMTP_TIMEOUT_SECONDS.",
    )
    # --- webhooks: signed deliveries of the same events (itpp_api/webhooks/) -------------------
    webhook_allowed_hosts: str = Field(
        default="",
        max_length=4000,
        description="Comma-separated host names or addresses a webhook endpoint may name even "
        "though they are not public (loopback, private networks) and with plain http: a "
        "receiver on the same host or network, the tests' loopback receiver. Any other host "
        "must be reached over https and resolve to public addresses only.",
    )
    webhook_timeout_seconds: Seconds = Field(
        default=10.0,
        le=60,
        description="The longest the worker waits on a webhook receiver (connect, send, "
        "answer; at most a quarter of ITPP_WORKER_LEASE_SECONDS); a receiver that takes longer "
        "gets the delivery again later.",
    )
    digest_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="The hour (UTC, 0–23) at which the worker sends each user's daily digest: "
        "the notifications queued for it since the previous one, in one mail.",
    )
    unsubscribe_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        max_length=1024,
        description="The key that signs the one-click unsubscribe links in mails (HMAC-SHA256). "
        "The API and every worker need the same one; changing it makes the links of mails "
        "already sent stop working. Unset: a key generated once and kept in "
        "<ITPP_VAR_DIR>/unsubscribe-secret-key (one machine only).",
    )
    log_sql: bool = False

    @field_validator("public_base_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest or "?" in rest or "#" in rest:
            raise ValueError("an absolute http(s) URL without query or fragment")
        return value

    @field_validator("mail_web_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        checked = cls._absolute_http_url(value)
        if checked is None:
            raise ValueError("an absolute http(s) URL")
        return checked

    @field_validator("s3_prefix")
    @classmethod
    def _folder(cls, value: str) -> str:
        if value and not re.fullmatch(r"([A-Za-z0-9._-]+/)+", value):
            raise ValueError("folders of letters, digits, . _ - each ending in /, e.g. itpp/")
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        return cls._absolute_http_url(value)

    @model_validator(mode="after")
    def _s3_has_a_bucket(self) -> Self:
        if self.attachment_storage == "s3" and not self.s3_bucket:
            raise ValueError("ITPP_ATTACHMENT_STORAGE=s3 needs ITPP_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_delivery(self) -> Self:
        # A lease shorter than a slow delivery would let a second worker send the same mail
        # while the first is still talking to the server.
        if self.worker_lease_seconds < 4 * self.smtp_timeout_seconds:
            raise ValueError("ITPP_WORKER_LEASE_SECONDS must be at least 4 × smtp_timeout_seconds")
        return self

    @property
    def webhook_timeout(self) -> float:
        """The receiver timeout in use: ITPP_WEBHOOK_TIMEOUT_SECONDS, within a quarter of the
        lease, so that no other worker reclaims a delivery while a receiver is still slow."""
        return min(self.webhook_timeout_seconds, self.worker_lease_seconds / 4)

    @property
    def webhook_hosts(self) -> frozenset[str]:
        """The hosts of ITPP_WEBHOOK_ALLOWED_HOSTS, lower case, without brackets."""
        return frozenset(
            host.strip().strip("[]").lower().rstrip(".")
            for host in self.webhook_allowed_hosts.split(",")
            if host.strip()
        )

    @property
    def mail_directory(self) -> Path:
        """Where the file transport writes mails."""
        return self.mail_dir or self.var_dir / "mail"

    @property
    def attachment_directory(self) -> Path:
        """Where the filesystem storage keeps attachment files."""
        return self.attachment_dir or self.var_dir / "attachments"

    @property
    def pdf_processes(self) -> int:
        """`document_pdf_processes`, 0 resolved to the CPUs this process may run on (its
        affinity where the system has one), at most 8."""
        if self.document_pdf_processes:
            return self.document_pdf_processes
        if hasattr(os, "sched_getaffinity"):
            return max(1, min(8, len(os.sched_getaffinity(0))))
        return max(1, min(8, os.cpu_count() or 1))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def public_url(self) -> str:
        """Where clients reach the API (no trailing slash)."""
        return self.public_base_url or f"http://{self.api_host}:{self.api_port}"


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; tests clear the cache to change them)."""
    return Settings()
