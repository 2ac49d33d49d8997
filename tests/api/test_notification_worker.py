"""The notification worker (issue 17): a real SMTP server (aiosmtpd) receives the mails, in the
recipient's language, with the notification's Message-ID; failures are retried with back-off;
a worker killed mid-delivery loses nothing; two workers send each notification once."""

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.config import Settings
from itpp_api.db import transaction
from itpp_api.notifications.models import Notification
from itpp_api.notifications.sending import retry_delay
from itpp_api.notifications.texts import TEXTS
from itpp_api.notifications.transports import FileTransport, SmtpTransport
from itpp_api.notifications.worker import deliver_due
from tests.conftest import Database
from tests.factories import actor_of, make_amendment, make_user, make_world, token_for

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
WEB = "https://itpp.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received; `gate`, when cleared, holds a message before its 250."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    gate: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)
    hold_at: int | None = None  # the message (1-based) the server receives and then holds

    def __post_init__(self) -> None:
        self.gate.set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        if self.hold_at is not None and len(self.messages) == self.hold_at:
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port=port, mailbox=mailbox)
    finally:
        mailbox.gate.set()
        controller.stop()


def settings_for(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 5,
        "mail_sender": "ITPP Tracker <itpp@test.example>",
        "mail_web_url": WEB,
        "worker_retry_seconds": 60,
        "worker_max_attempts": 3,
    }
    values.update(overrides)
    return Settings(**values)


def rows() -> list[Notification]:
    with transaction(write=False) as session:
        return list(session.scalars(select(Notification).order_by(Notification.created_at)))


def deliver(settings: Settings, *, at: datetime) -> int:
    """Deliver what is due at `at` (the worker's clock stands still there)."""
    transport = SmtpTransport(settings)
    try:
        return deliver_due(transport=transport, settings=settings, clock=lambda: at)
    finally:
        transport.close()


def now() -> datetime:
    return datetime.now(UTC)


def propose_as_japan(world: Any) -> None:
    proposer = make_user("JP", "approver", email="jp-proposer@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}], actor=actor_of(proposer))


def test_a_proposal_mails_the_other_partys_approvers_in_their_language(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("JP", "approver", email="jp-approver@test.example")  # preferred language: ja
    make_user("NATO", "approver", email="nato-approver@test.example")  # en
    propose_as_japan(world)

    assert deliver(settings_for(smtp.port), at=now()) == 2

    by_recipient = {
        recipients[0]: message
        for recipients, message in zip(smtp.mailbox.recipients, smtp.mailbox.messages, strict=True)
    }
    assert set(by_recipient) == {"jp-approver@test.example", "nato-approver@test.example"}
    queued = {row.message_id for row in rows()}
    assert set(smtp.mailbox.message_ids()) == queued
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows())

    japanese = by_recipient["jp-approver@test.example"]
    assert japanese["Subject"] == "【TEST-PLAN】改正案 第1号が提案されました：改正"
    assert japanese["Content-Language"] == "ja"
    english = by_recipient["nato-approver@test.example"]
    assert english["Subject"] == "[TEST-PLAN] Amendment 1 proposed: Amendment"
    assert english["Content-Language"] == "en"
    assert english["To"] == "NATO approver <nato-approver@test.example>"
    assert english["From"] == "ITPP Tracker <itpp@test.example>"
    assert english["Auto-Submitted"] == "auto-generated"

    [amendment_id] = {row.payload["subject"]["id"] for row in rows()}
    for message, words in ((japanese, "改正案 第1号「改正」"), (english, "“Amendment”")):
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",))
        rich = message.get_body(("html",))
        assert plain is not None and rich is not None
        plain_text, html_text = plain.get_content(), rich.get_content()
        assert words in plain_text and words in html_text
        link = f"{WEB}/amendments/{amendment_id}"
        assert link in plain_text and f'href="{link}"' in html_text
        assert "jp-proposer" not in plain_text  # the proposer's name, never their address
    english_plain = english.get_body(("plain",))
    assert english_plain is not None
    assert "JP approver (JP) proposed amendment 1" in english_plain.get_content()


def test_a_decision_is_mailed_to_the_other_party_in_japanese(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("JP", "approver", email="jp-approver@test.example")
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    deliver(settings_for(smtp.port), at=now())
    smtp.mailbox.messages.clear()
    [amendment] = {row.payload["subject"]["id"] for row in rows()}

    approved = client.post(
        f"{API}/amendments/{amendment}/approvals",
        json={"decision": "approve"},
        headers={"Authorization": f"Bearer {token_for(nato)}"},
    )
    assert approved.status_code < 300, approved.text
    assert deliver(settings_for(smtp.port), at=now()) == 1
    [message] = smtp.mailbox.messages
    assert message["To"].addresses[0].addr_spec == "jp-approver@test.example"
    assert message["Subject"] == "【TEST-PLAN】NATOが改正案 第1号を承認しました"


def test_smtp_down_is_retried_with_back_off_and_nothing_is_lost(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("NATO", "approver", email="nato-approver@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    down = settings_for(free_port(), smtp_timeout_seconds=2)
    start = now()

    assert deliver(down, at=start) == 1
    [row] = rows()
    assert row.sent_at is None and row.attempts == 1
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=60)
    # Not due yet: nothing is attempted before the back-off ends.
    assert deliver(down, at=start + timedelta(seconds=59)) == 0

    assert deliver(down, at=start + timedelta(seconds=60)) == 1
    [row] = rows()
    assert row.attempts == 2 and row.next_attempt_at == start + timedelta(seconds=180)

    # The server is back: the next attempt delivers, with the Message-ID of the row.
    assert deliver(settings_for(smtp.port), at=start + timedelta(seconds=180)) == 1
    [row] = rows()
    assert row.sent_at is not None and row.attempts == 3 and row.last_error is None
    assert smtp.mailbox.message_ids() == [row.message_id]


def test_a_notification_is_given_up_after_the_last_attempt_and_kept(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_user("NATO", "approver")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    down = settings_for(free_port(), smtp_timeout_seconds=2, worker_max_attempts=2)
    at = now()
    for _ in range(2):
        assert deliver(down, at=at) == 1
        at += timedelta(days=1)
    assert deliver(down, at=at + timedelta(days=30)) == 0
    [row] = rows()
    assert row.attempts == 2 and row.sent_at is None
    assert row.last_error is not None and row.last_error.startswith("gave up after 2 attempts")


def test_the_back_off_doubles_up_to_its_bound() -> None:
    settings = Settings(worker_retry_seconds=10, worker_retry_max_seconds=100)
    assert [retry_delay(n, settings).total_seconds() for n in (1, 2, 3, 4, 5, 50)] == [
        10,
        20,
        40,
        80,
        100,
        100,
    ]


def test_a_rolled_back_change_sends_nothing(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("NATO", "approver")
    from itpp_api.amendments.schemas import AmendmentCreate
    from itpp_api.amendments.service import propose
    from itpp_api.plans.service import get_plan
    from tests.factories import SYSTEM

    data = AmendmentCreate.model_validate(
        {
            "title": {"en": "Never"},
            "rationale": {"en": "Rolled back."},
            "changes": [{"op": "change_term", "term_months": 30}],
        }
    )
    with pytest.raises(RuntimeError), transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=SYSTEM, for_update=True)
        propose(session=session, actor=SYSTEM, plan=plan, data=data)
        raise RuntimeError("abandoned")
    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Kept")

    assert deliver(settings_for(smtp.port), at=now()) == 1
    [message] = smtp.mailbox.messages
    assert "Kept" in message["Subject"]


def test_a_deactivated_recipient_gets_no_mail(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    nato = make_user("NATO", "approver")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    from itpp_api.auth.models import User

    with transaction(write=True) as session:
        user = session.get(User, nato)
        assert user is not None
        user.is_active = False
    assert deliver(settings_for(smtp.port), at=now()) == 0
    assert smtp.mailbox.messages == []
    [row] = rows()
    assert row.sent_at is None and row.last_error == "the recipient is deactivated"


def test_without_an_smtp_host_mails_are_written_as_eml_files(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    world = make_world()
    make_user("NATO", "approver")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    settings = Settings(mail_dir=tmp_path / "mail")
    transport = FileTransport(settings.mail_directory)
    assert deliver_due(transport=transport, settings=settings) == 1
    [row] = rows()
    [written] = (tmp_path / "mail").iterdir()
    assert written.name == f"notification.{row.id}.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == row.message_id
    assert message["Subject"].startswith("[TEST-PLAN] Amendment 1 proposed")


def test_both_languages_have_every_text_with_the_same_placeholders() -> None:
    import string

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    assert set(TEXTS["ja"]) == set(TEXTS["en"])
    for key, english in TEXTS["en"].items():
        assert fields(TEXTS["ja"][key]) == fields(english), key


# --- processes: killed mid-delivery, two at once --------------------------------------------


def worker_process(db: Database, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "ITPP_DATABASE_URL": db.url,
        "ITPP_SMTP_HOST": "127.0.0.1",
        "ITPP_SMTP_PORT": str(port),
        "ITPP_SMTP_SECURITY": "none",
        # Long enough that the worker is still waiting for the server when it is killed.
        "ITPP_SMTP_TIMEOUT_SECONDS": "1.5",
        "ITPP_WORKER_LEASE_SECONDS": "6",
        "ITPP_WORKER_POLL_SECONDS": "0.2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "itpp_api", "worker"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_and_restarted_delivers_everything(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    for number in range(4):
        make_user("NATO", "approver", email=f"nato-{number}@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    queued = {row.message_id for row in rows()}
    assert len(queued) == 4
    # The server receives the second mail and never answers it: the worker is killed while it
    # waits for the 250, after sending, before marking the row sent.
    smtp.mailbox.hold_at = 2
    smtp.mailbox.gate.clear()

    first = worker_process(db, smtp.port)
    try:
        assert smtp.mailbox.held.wait(60), "the worker sent nothing"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    smtp.mailbox.gate.set()
    assert sum(row.sent_at is not None for row in rows()) == 1

    second = worker_process(db, smtp.port)
    try:
        wait_until(lambda: all(row.sent_at is not None for row in rows()))
        second.send_signal(signal.SIGTERM)  # a graceful stop
        assert second.wait(20) == 0
    finally:
        second.kill()

    received = smtp.mailbox.message_ids()
    held = received[1]
    assert set(received) == queued  # none lost
    # The mail the killed worker sent but did not mark was sent again, with the same
    # Message-ID (a mail client keeps one); every other mail was sent once.
    assert {mid: received.count(mid) for mid in queued} == {
        mid: 2 if mid == held else 1 for mid in queued
    }


def test_two_workers_at_once_send_each_notification_once(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    for number in range(12):
        make_user("NATO", "approver", email=f"nato-{number}@test.example")
    for term in (30, 36):
        make_amendment(world, [{"op": "change_term", "term_months": term}])
    queued = {row.message_id for row in rows()}
    assert len(queued) == 24

    settings = settings_for(smtp.port)
    counts: list[int] = []
    start = threading.Barrier(2)

    def one_worker() -> None:
        transport = SmtpTransport(settings)
        start.wait()
        try:
            counts.append(deliver_due(transport=transport, settings=settings))
        finally:
            transport.close()

    threads = [threading.Thread(target=one_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(counts) == 24
    assert sorted(smtp.mailbox.message_ids()) == sorted(queued)  # each exactly once
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows())


def test_approving_the_sample_amendment_as_nato_mails_japans_approver_a_file(
    db: Database, tmp_path: Path
) -> None:
    # What a fresh `make run` shows: the sample's own history is not mailed; NATO's approval
    # of the sample amendment is, to Japan's approver, in Japanese, as an .eml file.
    from itpp_api.amendments.models import Amendment
    from itpp_api.amendments.schemas import AmendmentDecisionCreate
    from itpp_api.amendments.service import decide
    from itpp_api.auth.models import User
    from itpp_api.auth.service import actor_for
    from tests.conftest import load_sample

    load_sample()
    assert rows() == []
    with transaction(write=True) as session:
        nato = session.scalars(
            select(User).where(User.email == "nato-approver@sample.itpp.example")
        ).one()
        # Number 2: proposed and approved by Japan, awaiting NATO (sample/amendments_content.py).
        awaiting = session.scalars(select(Amendment).where(Amendment.number == 2)).one()
        assert awaiting.status == "proposed"
        decide(
            session=session,
            actor=actor_for(nato, None),
            amendment_id=awaiting.id,
            data=AmendmentDecisionCreate.model_validate({"decision": "approve"}),
        )

    settings = Settings(mail_dir=tmp_path / "mail")
    assert deliver_due(transport=FileTransport(settings.mail_directory), settings=settings) == 1
    [written] = (tmp_path / "mail").iterdir()
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "jp-approver@sample.itpp.example"
    assert message["Subject"] == "【JP-NATO-ITPP】NATOが改正案 第2号を承認しました"


def test_review_mails_link_the_review_and_never_name_another_partys_internal_commitment(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    from itpp_api.clock import add_months, today
    from tests.api.test_reviews import make_scene, open_first

    scene = make_scene(approval=add_months(today(), -12) + timedelta(days=10))
    review = open_first(client, scene)

    assert deliver(settings_for(smtp.port), at=now()) == 4  # editors and approvers, both parties
    for message in smtp.mailbox.messages:
        everything = message.as_string() + "".join(
            part.get_content()
            for part in message.iter_parts()  # type: ignore[attr-defined]
        )
        assert "MAR-NATO-01" not in everything and "NATO internal commitment" not in everything
        assert str(scene.commitments["MAR-NATO-01"]) not in everything
        assert f"{WEB}/reviews/{review['id']}" in everything
    subjects = {str(message["Subject"]) for message in smtp.mailbox.messages}
    due = review["due_date"]
    assert subjects == {
        f"[TEST-PLAN] Review 1 is open (due {due})",
        f"【TEST-PLAN】第1回レビューが開始されました（期限 {due}）",
    }


def test_starttls_is_required_when_configured_never_skipped(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("NATO", "approver")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    # The test server offers no STARTTLS: the mail is not sent in clear text, it waits.
    assert deliver(settings_for(smtp.port, smtp_security="starttls"), at=now()) == 1
    assert smtp.mailbox.messages == []
    [row] = rows()
    assert row.sent_at is None and row.last_error is not None
    assert "SMTPNotSupportedError" in row.last_error


# The test server takes AUTH in clear text (no certificate here); production uses TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_credentials_are_sent_and_a_refused_login_is_a_failed_attempt(
    client: TestClient, db: Database
) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"itpp",
            b"s3cret",
        )
        return AuthResult(success=good)

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        world = make_world()
        make_user("NATO", "approver")
        make_amendment(world, [{"op": "change_term", "term_months": 30}])
        at = now()
        wrong = settings_for(
            port, smtp_username="itpp", smtp_password="wrong", smtp_timeout_seconds=1
        )
        assert deliver(wrong, at=at) == 1
        assert mailbox.messages == []
        [row] = rows()
        # (aiosmtpd answers smtplib's refused AUTH by going silent: the error is a timeout.)
        assert row.sent_at is None and row.last_error is not None
        assert "wrong" not in row.last_error  # the password is never recorded

        right = settings_for(port, smtp_username="itpp", smtp_password="s3cret")
        assert deliver(right, at=at + timedelta(minutes=1)) == 1
        assert mailbox.message_ids() == [row.message_id]
    finally:
        controller.stop()


def test_mail_settings_refuse_a_lease_shorter_than_a_delivery_and_a_relative_web_url() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="LEASE"):
        Settings(smtp_timeout_seconds=30, worker_lease_seconds=60)
    with pytest.raises(ValidationError):
        Settings(mail_web_url="/relative")
    with pytest.raises(ValidationError):
        Settings(smtp_security="ssl")
    assert Settings(mail_web_url="https://itpp.example.org/").mail_web_url == (
        "https://itpp.example.org"
    )


def test_itpp_worker_once_writes_the_due_mails_and_exits(
    client: TestClient, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from itpp_api.cli import app
    from itpp_api.config import get_settings

    world = make_world()
    make_user("NATO", "approver")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    monkeypatch.delenv("ITPP_SMTP_HOST", raising=False)
    monkeypatch.setenv("ITPP_MAIL_DIR", str(tmp_path / "mail"))
    get_settings.cache_clear()

    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 notification(s) attempted" in result.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
    assert all(row.sent_at is not None for row in rows())


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_mail_goes_over_tls_to_a_trusted_server_and_not_to_an_untrusted_one(
    client: TestClient,
    db: Database,
    certificate: tuple[Path, Path],
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = (
        Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=server_context)
        if security == "tls"
        else Controller(
            mailbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_context,
            require_starttls=True,
        )
    )
    controller.start()
    try:
        world = make_world()
        make_user("NATO", "approver")
        make_amendment(world, [{"op": "change_term", "term_months": 30}])
        settings = settings_for(port, smtp_security=security, smtp_timeout_seconds=3)
        at = now()
        # The certificate is nobody's the system trusts: refused, nothing sent.
        assert deliver(settings, at=at) == 1
        [row] = rows()
        assert row.sent_at is None and "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
        assert mailbox.messages == []
        # Trusted (OpenSSL's SSL_CERT_FILE, as for a private CA): delivered.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert deliver(settings, at=at + timedelta(minutes=1)) == 1
        assert mailbox.message_ids() == [row.message_id]
    finally:
        controller.stop()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # PostgreSQL has no database-wide lock
def test_an_idle_poll_does_not_wait_for_the_sqlite_write_lock(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    # An API writer holds the lock; a worker with nothing due must not queue behind it.
    with transaction(write=True):
        started = time.monotonic()
        result: list[int] = []
        poll = threading.Thread(
            target=lambda: result.append(deliver(settings_for(smtp.port), at=now()))
        )
        poll.start()
        poll.join(10)
        assert result == [0] and time.monotonic() - started < 5


def test_a_recipient_the_server_refuses_for_good_is_given_up_at_once_the_others_sent(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("NATO", "approver", email="gone@test.example")
    make_user("JP", "approver", email="jp-approver@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])

    async def handle_RCPT(
        server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == "gone@test.example":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.mailbox.handle_RCPT = handle_RCPT  # type: ignore[attr-defined]
    assert deliver(settings_for(smtp.port, worker_max_attempts=5), at=now()) == 2
    from itpp_api.auth.models import User

    with transaction(write=False) as session:
        by_email = {
            user_email: row
            for user_email, row in session.execute(
                select(User.email, Notification).join(
                    User,
                    User.id == Notification.recipient_id,  # type: ignore[arg-type]
                )
            ).all()
        }
    refused, sent = by_email["gone@test.example"], by_email["jp-approver@test.example"]
    assert sent.sent_at is not None
    assert refused.sent_at is None and refused.attempts == 5
    assert refused.last_error is not None and "550" in refused.last_error
    assert refused.last_error.startswith("gave up")
