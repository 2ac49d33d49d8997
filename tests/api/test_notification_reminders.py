"""Reminders of the inbox's time-based items (issue 17): queued by the worker's periodic step,
once per recipient and occasion however many workers run, to the editors and approvers of the
party whose inbox holds the item, and never a trace of one party's internal records in the
other party's mail."""

import email
import email.policy
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from itpp_api.auth.models import User
from itpp_api.clock import add_months, today
from itpp_api.commitments.models import Commitment
from itpp_api.config import Settings
from itpp_api.db import transaction, utcnow
from itpp_api.notifications.mail import Delivery, compose
from itpp_api.notifications.models import Notification, NotificationPreference
from itpp_api.notifications.reminders import queue_reminders
from itpp_api.notifications.transports import FileTransport
from itpp_api.notifications.worker import run
from tests.conftest import Database
from tests.factories import World, make_commitment, make_user, make_world

WEB = "https://itpp.example.org"


def outbox() -> list[tuple[str, str, Notification]]:
    """(recipient e-mail, kind, row) of every queued notification, in a stable order."""
    with transaction(write=False) as session:
        rows = session.execute(
            select(User.email, Notification.kind, Notification)
            .join(User, User.id == Notification.recipient_id)  # type: ignore[arg-type]
            .order_by(User.email, Notification.kind, Notification.reminder_key)
        ).all()
    return [(email, kind, row) for email, kind, row in rows]


def sent_to(kind: str) -> list[str]:
    return sorted(email for email, queued, _ in outbox() if queued == kind)


def team(party: str) -> dict[str, uuid.UUID]:
    """An editor, an approver, a viewer and an administrator of the party."""
    return {
        role: make_user(party, role, email=f"{party.lower()}-{role}@test.example")
        for role in ("editor", "approver", "viewer", "admin")
    }


def change(commitment_id: uuid.UUID, **values: object) -> None:
    with transaction(write=True) as session:
        commitment = session.get(Commitment, commitment_id)
        assert commitment is not None
        for name, value in values.items():
            setattr(commitment, name, value)
        session.add(commitment)


def overdue_world() -> tuple[World, uuid.UUID]:
    world = make_world()
    team("JP")
    team("NATO")
    overdue = make_commitment(
        world,
        reference="CYB-01",
        title={"en": "Cyber range access", "ja": "サイバーレンジの利用"},
        due_date=today() - timedelta(days=3),
        status="in_progress",
    )
    return world, overdue


def test_an_overdue_commitment_is_reminded_once_to_its_lead_partys_editors_and_approvers(
    db: Database,
) -> None:
    _, overdue = overdue_world()

    assert queue_reminders() == 2
    assert sent_to("commitment_overdue") == ["jp-approver@test.example", "jp-editor@test.example"]
    for _, _, row in outbox():
        assert row.payload["subject"] == {
            "type": "commitment",
            "id": str(overdue),
            "reference": "CYB-01",
            "number": None,
            "title": {"en": "Cyber range access", "ja": "サイバーレンジの利用"},
            "due_date": (today() - timedelta(days=3)).isoformat(),
        }
        assert row.message_id == f"<notification.{row.id}@itpp-tracker.notifications>"

    # The worker's next steps, and a restarted worker's: nothing new.
    assert queue_reminders() == 0
    assert queue_reminders() == 0
    assert len(outbox()) == 2

    # A new due date that passes again is a new occasion.
    change(overdue, due_date=today() - timedelta(days=1))
    assert queue_reminders() == 2
    assert len(outbox()) == 4


def test_reminders_follow_each_recipients_preference_for_their_kind(db: Database) -> None:
    overdue_world()
    with transaction(write=True) as session:
        editor = session.scalars(select(User).where(User.email == "jp-editor@test.example")).one()
        approver = session.scalars(
            select(User).where(User.email == "jp-approver@test.example")
        ).one()
        session.add(
            NotificationPreference(user_id=editor.id, kind="commitment_overdue", delivery="off")
        )
        session.add(
            NotificationPreference(
                user_id=approver.id, kind="commitment_overdue", delivery="daily_digest"
            )
        )

    assert queue_reminders() == 1
    [(email, kind, row)] = outbox()
    assert (email, kind, row.digest) == ("jp-approver@test.example", "commitment_overdue", True)


def test_a_commitment_without_an_update_in_60_days_is_reminded_once_per_silence(
    db: Database,
) -> None:
    world = make_world()
    team("JP")
    quiet = make_commitment(world, reference="CYB-02", due_date=today() + timedelta(days=100))
    change(quiet, updated_at=utcnow() - timedelta(days=59))
    assert queue_reminders() == 0

    change(quiet, updated_at=utcnow() - timedelta(days=61))
    assert queue_reminders() == 2
    assert queue_reminders() == 0
    assert sent_to("commitment_stale") == ["jp-approver@test.example", "jp-editor@test.example"]

    # Updated, then silent for 60 days again: reminded again.
    change(quiet, updated_at=utcnow() - timedelta(days=60, hours=1))
    assert queue_reminders() == 2
    assert len(outbox()) == 4


def test_the_other_partys_internal_commitment_leaves_no_trace_in_any_mail(
    db: Database,
) -> None:
    world = make_world()
    team("JP")
    team("NATO")
    make_commitment(world, reference="CYB-01", due_date=today() - timedelta(days=3))
    queue_reminders()
    japan_before = [(e, k, r.payload) for e, k, r in outbox() if e.startswith("jp-")]

    hidden = make_commitment(
        world,
        reference="MAR-NATO-01",
        priority_area_id=world.maritime,
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal commitment"},
        due_date=today() - timedelta(days=30),
    )
    queue_reminders()

    # Japan's mail is as it was; NATO's editors and approvers, and only they, are reminded.
    japan_after = [(e, k, r.payload) for e, k, r in outbox() if e.startswith("jp-")]
    assert japan_after == japan_before
    for recipient, _, row in outbox():
        if str(hidden) in json.dumps(row.payload):
            assert recipient in {"nato-editor@test.example", "nato-approver@test.example"}
        else:
            assert "NATO internal" not in json.dumps(row.payload)
    assert sent_to("commitment_overdue") == [
        "jp-approver@test.example",
        "jp-editor@test.example",
        "nato-approver@test.example",
        "nato-editor@test.example",
    ]


def test_a_review_due_and_a_plan_expiring_are_reminded_to_every_partys_editors_and_approvers(
    db: Database,
) -> None:
    # Approved 24 months minus 50 days ago: the plan expires in about 50 days, and its reviews
    # (every 12 months) were never opened.
    world = make_world(approval=add_months(today(), -24) + timedelta(days=50))
    team("JP")
    team("NATO")
    everyone = [
        "jp-approver@test.example",
        "jp-editor@test.example",
        "nato-approver@test.example",
        "nato-editor@test.example",
    ]

    queue_reminders()

    assert sent_to("plan_expiring") == everyone
    # Every review due and not open (here: both, the first past due), once for each of them.
    reviews = {row.payload["subject"]["id"] for _, kind, row in outbox() if kind == "review_due"}
    assert reviews
    assert sent_to("review_due") == sorted(everyone * len(reviews))
    [expiring] = {
        json.dumps(row.payload, sort_keys=True)
        for _, kind, row in outbox()
        if kind == "plan_expiring"
    }
    subject = json.loads(expiring)["subject"]
    assert (subject["type"], subject["id"]) == ("plan", str(world.plan))
    expires = datetime.fromisoformat(subject["due_date"]).date()
    assert today() < expires <= today() + timedelta(days=90)
    assert queue_reminders() == 0


def test_nobody_is_reminded_of_a_plan_that_is_not_in_force(db: Database) -> None:
    from itpp_api.enums import PlanStatus

    world = make_world(status=PlanStatus.DRAFT)
    team("JP")
    make_commitment(world, due_date=today() - timedelta(days=3))
    assert queue_reminders() == 0


@pytest.mark.parametrize("workers", [4])
def test_several_workers_at_once_queue_each_reminder_once(db: Database, workers: int) -> None:
    world = make_world(approval=add_months(today(), -24) + timedelta(days=50))
    team("JP")
    team("NATO")
    for number in range(5):
        make_commitment(world, due_date=today() - timedelta(days=number + 1))
    start = threading.Barrier(workers)
    counts: list[int] = []
    errors: list[BaseException] = []

    def one_worker() -> None:
        start.wait()
        try:
            counts.append(queue_reminders())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    # 5 overdue commitments × 2 Japanese recipients; the plan's expiry and its reviews × 4.
    reviews = {row.payload["subject"]["id"] for _, kind, row in outbox() if kind == "review_due"}
    assert sum(counts) == len(outbox()) == 5 * 2 + (1 + len(reviews)) * 4
    keys = [(row.recipient_id, row.reminder_key) for _, _, row in outbox()]
    assert len(set(keys)) == len(keys)


def delivery_of(row: Notification, *, language: str) -> Delivery:
    return Delivery(
        notification_id=row.id,
        kind=row.kind,
        payload=row.payload,
        message_id=row.message_id,
        created_at=row.created_at,
        recipient_email="someone@test.example",
        recipient_name="Someone",
        recipient_language=language,
    )


def test_reminder_mails_say_what_is_due_in_the_recipients_language_and_link_the_action(
    db: Database,
) -> None:
    _, overdue = overdue_world()
    queue_reminders()
    [(_, _, row), *_] = outbox()
    due = (today() - timedelta(days=3)).isoformat()

    english = compose(delivery_of(row, language="en"), sender="itpp@test.example", web_url=WEB)
    assert english["Subject"] == f"[TEST-PLAN] Commitment CYB-01 is overdue (due {due})"
    text = english.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "“Cyber range access”, which your party leads" in body
    assert f"{WEB}/commitments/{overdue}" in body
    html = english.get_body(("html",))
    assert html is not None and f'href="{WEB}/commitments/{overdue}"' in html.get_content()

    japanese = compose(delivery_of(row, language="ja"), sender="itpp@test.example", web_url=WEB)
    assert (
        japanese["Subject"] == f"【TEST-PLAN】コミットメント CYB-01 の期限（{due}）が過ぎています"
    )
    text = japanese.get_body(("plain",))
    assert text is not None and "「サイバーレンジの利用」" in text.get_content()


def test_expiry_and_review_mails_link_the_plan_and_the_review(db: Database) -> None:
    world = make_world(approval=add_months(today(), -24) + timedelta(days=50))
    team("JP")
    queue_reminders()
    by_kind = {kind: row for _, kind, row in outbox()}

    expiring = compose(
        delivery_of(by_kind["plan_expiring"], language="en"),
        sender="itpp@test.example",
        web_url=WEB,
    )
    assert expiring["Subject"].startswith("[TEST-PLAN] The plan expires on ")
    assert f"{WEB}/plans/{world.plan}" in expiring.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    review = by_kind["review_due"]
    due = compose(delivery_of(review, language="ja"), sender="itpp@test.example", web_url=WEB)
    assert "レビュー" in due["Subject"] and "開始されていません" in due["Subject"]
    link = f"{WEB}/reviews/{review.payload['subject']['id']}"
    assert link in due.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_worker_queues_reminders_when_it_starts_and_mails_them(
    db: Database, tmp_path: Path
) -> None:
    overdue_world()
    settings = Settings(mail_dir=tmp_path / "mail", worker_poll_seconds=0.05)
    stop = threading.Event()
    worker = threading.Thread(
        target=run,
        kwargs={
            "transport": FileTransport(settings.mail_directory),
            "settings": settings,
            "stop": stop,
        },
    )
    worker.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while not (len(outbox()) == 2 and all(r.sent_at for _, _, r in outbox())):
            assert datetime.now(UTC) < deadline, "the worker queued or sent nothing"
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(30)
    mails = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 2
    for path in mails:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["X-ITPP-Notification-Kind"] == "commitment_overdue"


def test_itpp_worker_once_queues_the_due_reminders_and_sends_them(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from itpp_api.cli import app
    from itpp_api.config import get_settings

    overdue_world()
    monkeypatch.delenv("ITPP_SMTP_HOST", raising=False)
    monkeypatch.setenv("ITPP_MAIL_DIR", str(tmp_path / "mail"))
    get_settings.cache_clear()

    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 notification(s) attempted" in result.output
    again = CliRunner().invoke(app, ["worker", "--once"])
    assert "0 notification(s) attempted" in again.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def test_on_the_sample_natos_overdue_commitments_are_reminded_to_nato_only(db: Database) -> None:
    # What a fresh `make run` mails as the worker starts.
    from tests.conftest import load_sample

    load_sample()
    assert outbox() == []

    assert queue_reminders() > 0

    recipients = {email for email, _, _ in outbox()}
    assert recipients == {"nato-editor@sample.itpp.example", "nato-approver@sample.itpp.example"}
    assert {kind for _, kind, _ in outbox()} == {"commitment_overdue"}
    assert queue_reminders() == 0
