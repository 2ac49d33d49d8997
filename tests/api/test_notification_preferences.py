"""Notification preferences, one-click unsubscribe and daily digests (issue 17): each user
chooses per kind `immediately`, `daily_digest` or `off`; every mail carries an RFC 8058
unsubscribe link whose POST (no session) turns its kinds off while a GET changes nothing; the
worker gathers a day's digest notifications into one mail in the recipient's language."""

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select, update

from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.notifications.digest import digest_message_id, digest_moment
from itpp_api.notifications.kinds import NotificationKind
from itpp_api.notifications.models import Notification
from itpp_api.notifications.unsubscribe import token_for as unsubscribe_token
from tests.api import test_notification_worker
from tests.api.test_notification_worker import (
    WEB,
    SmtpServer,
    deliver,
    free_port,
    now,
    rows,
    settings_for,
)
from tests.conftest import Database
from tests.factories import make_amendment, make_user, make_world, token_for

smtp = test_notification_worker.smtp  # the fixture: a real SMTP server (aiosmtpd)
API = "/api/v1"
PREFERENCES = f"{API}/users/me/notification-preferences"
SECRET = "a test key that signs unsubscribe links, 32+ characters"
KINDS = [kind.value for kind in NotificationKind]
HOUR = 7


@pytest.fixture(autouse=True)
def unsubscribe_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API and the worker sign and check links with the same key."""
    monkeypatch.setenv("ITPP_UNSUBSCRIBE_SECRET", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def mail_settings(port: int) -> Any:
    return settings_for(port, unsubscribe_secret=SECRET, digest_hour=HOUR)


def bearer(user: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


def choose(client: TestClient, user: uuid.UUID, **choices: str) -> dict[str, Any]:
    headers = bearer(user)
    etag = client.get(PREFERENCES, headers=headers).headers["ETag"]
    changed = client.patch(
        PREFERENCES, json={"preferences": choices}, headers={**headers, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    body: dict[str, Any] = changed.json()
    return body


def next_digest(after: datetime) -> datetime:
    """The first digest moment after `after`."""
    return digest_moment(after, HOUR) + timedelta(days=1)


def link_of(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    match = re.fullmatch(r"<(.+)>", header)
    assert match, header
    return match.group(1)


def token_of(message: EmailMessage) -> str:
    link = link_of(message)
    assert link.startswith(f"{WEB}/unsubscribe/")
    return link.removeprefix(f"{WEB}/unsubscribe/")


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def rich(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def test_preferences_default_to_immediately_and_change_only_with_the_current_etag(
    client: TestClient, db: Database
) -> None:
    make_world()
    user = make_user("NATO", "approver")
    headers = bearer(user)

    read = client.get(PREFERENCES, headers=headers)
    assert read.status_code == 200
    assert read.json()["preferences"] == dict.fromkeys(KINDS, "immediately")
    etag = read.headers["ETag"]
    assert read.json()["etag"] == etag

    change = {"preferences": {"review_signed": "off", "amendment_decided": "daily_digest"}}
    missing = client.patch(PREFERENCES, json=change, headers=headers)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    star = client.patch(PREFERENCES, json=change, headers={**headers, "If-Match": "*"})
    assert star.status_code == 428

    changed = client.patch(PREFERENCES, json=change, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.json()["preferences"] == {
        **dict.fromkeys(KINDS, "immediately"),
        "amendment_decided": "daily_digest",
        "review_signed": "off",
    }
    assert changed.headers["ETag"] != etag

    # A second writer that read the old state is refused, not silently overwritten.
    stale = client.patch(
        PREFERENCES,
        json={"preferences": {"review_signed": "immediately"}},
        headers={**headers, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == changed.headers["ETag"]
    assert client.get(PREFERENCES, headers=headers).json() == changed.json()

    # The user's own audit trail records the change.
    events = client.get(
        f"{API}/audit-events", params={"entity_id": str(user)}, headers=headers
    ).json()["items"]
    assert any(event["action"] == "update_notification_preferences" for event in events)


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"no_such_kind": "off"}},
        {"preferences": {"review_signed": "weekly"}},
        {"preferences": {}},
        {"preferences": {"review_signed": None}},
        {"review_signed": "off"},
    ],
)
def test_an_unknown_kind_or_value_is_a_problem_not_a_change(
    client: TestClient, db: Database, body: dict[str, Any]
) -> None:
    make_world()
    user = make_user("NATO", "approver")
    headers = bearer(user)
    read = client.get(PREFERENCES, headers=headers)
    refused = client.patch(
        PREFERENCES, json=body, headers={**headers, "If-Match": read.headers["ETag"]}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(PREFERENCES, headers=headers).json() == read.json()


def test_a_read_only_token_cannot_change_preferences(client: TestClient, db: Database) -> None:
    from itpp_api.enums import TokenScope

    make_world()
    user = make_user("NATO", "approver")
    headers = {"Authorization": f"Bearer {token_for(user, scope=TokenScope.READ)}"}
    etag = client.get(PREFERENCES, headers=headers).headers["ETag"]
    refused = client.patch(
        PREFERENCES,
        json={"preferences": {"review_signed": "off"}},
        headers={**headers, "If-Match": etag},
    )
    assert refused.status_code == 403


def test_off_queues_and_sends_nothing_of_that_kind(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    make_user("JP", "approver", email="jp-approver@test.example")
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    choose(client, nato, amendment_proposed="off")

    make_amendment(world, [{"op": "change_term", "term_months": 30}])

    assert deliver(mail_settings(smtp.port), at=now()) == 1
    assert smtp.mailbox.recipients == [["jp-approver@test.example"]]
    assert len(rows()) == 1  # nothing was even queued for NATO's approver


def test_every_mail_has_a_one_click_unsubscribe_that_a_get_never_triggers(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    make_amendment(world, [{"op": "change_term", "term_months": 30}])
    assert deliver(mail_settings(smtp.port), at=now()) == 1
    [message] = smtp.mailbox.messages

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_of(message)
    assert link.startswith("https://") and link in plain(message) and link in rich(message)
    token = token_of(message)

    # What a mail scanner does: open the link. The API's GET says what it would turn off, in
    # the recipient's language, and changes nothing.
    for _ in range(2):
        looked = client.get(f"{API}/notification-unsubscriptions/{token}")
        assert looked.status_code == 200
        assert looked.json() == {
            "kinds": ["amendment_proposed"],
            "preferences": {"amendment_proposed": "immediately"},
            "language": "en",
        }
    before = client.get(PREFERENCES, headers=bearer(nato)).json()
    assert before["preferences"]["amendment_proposed"] == "immediately"

    # The one-click POST, without a session or any header.
    done = client.post(f"{API}/notification-unsubscriptions/{token}")
    assert done.status_code == 200, done.text
    assert done.json()["preferences"] == {"amendment_proposed": "off"}
    after = client.get(PREFERENCES, headers=bearer(nato)).json()
    assert after["preferences"] == {**before["preferences"], "amendment_proposed": "off"}
    assert after["etag"] != before["etag"]
    # Twice is the same as once.
    assert client.post(f"{API}/notification-unsubscriptions/{token}").status_code == 200

    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Second")
    assert [row for row in rows() if row.sent_at is None] == []


def test_a_forged_or_broken_unsubscribe_token_is_refused_alike(
    client: TestClient, db: Database
) -> None:
    make_world()
    nato = make_user("NATO", "approver")
    gone = make_user("NATO", "editor")
    with transaction(write=True) as session:
        from itpp_api.auth.models import User

        user = session.get(User, gone)
        assert user is not None
        session.delete(user)
    valid = unsubscribe_token(SECRET.encode(), nato, ["review_signed"])
    mac = valid.rsplit(".", 1)[1]
    forged = [
        unsubscribe_token(b"another key, another server, 32 chars", nato, ["review_signed"]),
        valid[:-1] + ("A" if valid[-1] != "A" else "B"),  # tampered signature
        f"{nato.hex}.amendment_proposed.{mac}",  # another kind under this signature
        f"{uuid.uuid4().hex}.review_signed.{mac}",  # another user under it
        unsubscribe_token(SECRET.encode(), gone, ["review_signed"]),  # a deleted user
        unsubscribe_token(SECRET.encode(), nato, ["no_such_kind"]),
        "not-a-token",
        "x" * 500,
    ]
    answers = set()
    for token in forged:
        for method in ("GET", "POST"):
            refused = client.request(method, f"{API}/notification-unsubscriptions/{token}")
            assert refused.status_code in (404, 422), (token, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            if refused.status_code == 404:
                answers.add(refused.json()["detail"])
    assert len(answers) == 1  # one message whichever user or kind the token names
    too_long = client.post(f"{API}/notification-unsubscriptions/{'x' * 700}")
    assert too_long.status_code == 422
    preferences = client.get(PREFERENCES, headers=bearer(nato)).json()["preferences"]
    assert set(preferences.values()) == {"immediately"}


def test_a_daily_digest_gathers_the_days_notifications_into_one_mail_per_recipient(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    japan = make_user("JP", "approver", email="jp-approver@test.example")  # ja
    nato = make_user("NATO", "approver", email="nato-approver@test.example")  # en
    for user in (japan, nato):
        choose(client, user, amendment_proposed="daily_digest")
    start = now()
    make_amendment(world, [{"op": "change_term", "term_months": 30}], title="First")
    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Second")
    settings = mail_settings(smtp.port)

    # Before the digest hour nothing goes out.
    assert deliver(settings, at=start) == 0
    moment = next_digest(start)
    assert deliver(settings, at=moment - timedelta(seconds=1)) == 0

    assert deliver(settings, at=moment) == 2
    assert deliver(settings, at=moment + timedelta(minutes=1)) == 0  # once a day
    by_recipient = {
        recipients[0]: message
        for recipients, message in zip(smtp.mailbox.recipients, smtp.mailbox.messages, strict=True)
    }
    english = by_recipient["nato-approver@test.example"]
    japanese = by_recipient["jp-approver@test.example"]
    assert english["Subject"] == "[ITPP Tracker] Your daily digest: 2 notifications"
    assert english["Content-Language"] == "en"
    assert japanese["Subject"] == "【ITPP Tracker】本日のダイジェスト：通知 2 件"
    assert japanese["Content-Language"] == "ja"
    for message, words in (
        (english, ("Amendment 1 proposed: First", "Amendment 2 proposed: Second")),
        (japanese, ("改正案 第1号が提案されました", "改正案 第2号が提案されました")),
    ):
        assert message.get_content_type() == "multipart/alternative"
        for phrase in words:
            assert phrase in plain(message) and phrase in rich(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(
            r"<digest\.[a-z2-7]{26}@itpp-tracker\.notifications>", message["Message-ID"]
        )
    queued = rows()
    assert len(queued) == 4 and all(row.sent_at is not None and row.digest for row in queued)
    batches = {row.recipient_id: row.digest_batch for row in queued}
    assert len(set(batches.values())) == 2
    assert english["Message-ID"] == digest_message_id(batches[nato])

    # The digest's link turns off the kinds it gathered, for its recipient only.
    assert client.post(f"{API}/notification-unsubscriptions/{token_of(japanese)}").json() == {
        "kinds": ["amendment_proposed"],
        "preferences": {"amendment_proposed": "off"},
        "language": "ja",
    }
    assert (
        client.get(PREFERENCES, headers=bearer(nato)).json()["preferences"]["amendment_proposed"]
        == "daily_digest"
    )


def test_a_failed_digest_is_retried_whole_with_the_same_message_id_and_marked_sent_after(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    choose(client, nato, amendment_proposed="daily_digest")
    start = now()
    make_amendment(world, [{"op": "change_term", "term_months": 30}], title="First")
    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Second")
    moment = next_digest(start)
    down = settings_for(
        free_port(), smtp_timeout_seconds=2, unsubscribe_secret=SECRET, digest_hour=HOUR
    )

    assert deliver(down, at=moment) == 1
    first = rows()
    assert all(row.sent_at is None and row.attempts == 1 for row in first)
    [batch] = {row.digest_batch for row in first}
    assert batch is not None
    # Queued after the digest went (and failed): waits for tomorrow's, not this batch.
    make_amendment(world, [{"op": "change_term", "term_months": 40}], title="Late")
    with transaction(write=True) as session:  # queued, as the worker's clock has it, just now
        session.execute(
            update(Notification)
            .where(col(Notification.digest_batch).is_(None))
            .values(created_at=moment + timedelta(seconds=30))
        )

    assert deliver(mail_settings(smtp.port), at=moment + timedelta(seconds=60)) == 1
    [message] = smtp.mailbox.messages
    assert message["Message-ID"] == digest_message_id(batch)
    assert "Second" in plain(message) and "Late" not in plain(message)
    with transaction(write=False) as session:
        late = session.scalars(
            select(Notification).where(col(Notification.digest_batch).is_(None))
        ).one()
    assert late.sent_at is None

    assert deliver(mail_settings(smtp.port), at=moment + timedelta(days=1)) == 1
    assert "Late" in plain(smtp.mailbox.messages[-1])
    assert (
        smtp.mailbox.messages[-1]["Subject"] == "[ITPP Tracker] Your daily digest: 1 notification"
    )
    assert all(row.sent_at is not None for row in rows())


def test_a_change_of_preference_neither_drops_nor_duplicates_what_is_queued(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    world = make_world()
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    start = now()
    make_amendment(world, [{"op": "change_term", "term_months": 30}], title="Immediate")
    choose(client, nato, amendment_proposed="daily_digest")
    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Digest")
    choose(client, nato, amendment_proposed="off")
    settings = mail_settings(smtp.port)

    assert deliver(settings, at=now()) == 1  # queued before the change: sent on its own
    assert deliver(settings, at=next_digest(start)) == 1  # queued for the digest: in it
    first, second = smtp.mailbox.messages
    assert "Immediate" in first["Subject"]
    assert second["Message-ID"].startswith("<digest.")
    assert "Digest" in plain(second) and "Immediate" not in plain(second)
    assert len(rows()) == 2


def test_changes_sent_at_once_with_the_same_etag_never_both_succeed(db: Database) -> None:
    import asyncio

    import httpx

    from itpp_api.main import create_app

    make_world()
    user = make_user("NATO", "approver")
    headers = bearer(user)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            etag = (await client.get(PREFERENCES, headers=headers)).headers["ETag"]
            return list(
                await asyncio.gather(
                    *(
                        client.patch(
                            PREFERENCES,
                            json={"preferences": {kind: "off"}},
                            headers={**headers, "If-Match": etag},
                        )
                        for kind in KINDS
                    )
                )
            )

    try:
        answers = asyncio.run(burst())
    finally:
        db.engine.dispose()
    assert sorted(answer.status_code for answer in answers) == [200] + [412] * (len(KINDS) - 1)
    [winner] = [answer for answer in answers if answer.status_code == 200]
    with TestClient(create_app()) as client:
        now_read = client.get(PREFERENCES, headers=headers).json()
    assert now_read == winner.json()
    assert list(now_read["preferences"].values()).count("off") == 1


def test_a_worker_that_dies_mid_digest_leaves_it_to_be_sent_whole_after_the_lease(
    client: TestClient, db: Database, smtp: SmtpServer
) -> None:
    from itpp_api.db import get_engine
    from itpp_api.notifications.digest import claim_digest

    world = make_world()
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    choose(client, nato, amendment_proposed="daily_digest")
    start = now()
    make_amendment(world, [{"op": "change_term", "term_months": 30}], title="First")
    make_amendment(world, [{"op": "change_term", "term_months": 36}], title="Second")
    settings = mail_settings(smtp.port)
    moment = next_digest(start)

    # A worker claims the digest, then dies before sending or marking it.
    claimed = claim_digest(engine=get_engine(), settings=settings, now=moment)
    assert claimed is not None and len(claimed.entries) == 2
    # Another worker leaves it alone while the lease runs.
    assert claim_digest(engine=get_engine(), settings=settings, now=moment) is None
    assert deliver(settings, at=moment + timedelta(seconds=60)) == 0

    lease_over = moment + timedelta(seconds=settings.worker_lease_seconds)
    assert deliver(settings, at=lease_over) == 1
    [message] = smtp.mailbox.messages
    assert message["Message-ID"] == digest_message_id(claimed.batch)
    assert "First" in plain(message) and "Second" in plain(message)
    assert all(row.sent_at is not None and row.attempts == 2 for row in rows())


@pytest.mark.parametrize(
    "setting",
    [{"digest_hour": -1}, {"digest_hour": 24}, {"unsubscribe_secret": "too short a key"}],
)
def test_the_digest_hour_and_the_unsubscribe_key_have_bounds(setting: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from itpp_api.config import Settings

    with pytest.raises(ValidationError):
        Settings(**setting)


def test_the_digest_moment_is_the_latest_digest_hour_at_or_before_now() -> None:
    from datetime import UTC

    at = datetime(2026, 12, 6, 6, 59, 59, tzinfo=UTC)
    assert digest_moment(at, 7) == datetime(2026, 12, 5, 7, tzinfo=UTC)
    assert digest_moment(at + timedelta(seconds=1), 7) == datetime(2026, 12, 6, 7, tzinfo=UTC)
    assert digest_moment(datetime(2026, 1, 1, 0, 0, tzinfo=UTC), 0) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


def test_the_worker_refuses_to_start_without_a_usable_unsubscribe_key(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    environment = {
        key: value for key, value in os.environ.items() if key != "ITPP_UNSUBSCRIBE_SECRET"
    }
    result = subprocess.run(
        [sys.executable, "-m", "itpp_api", "worker", "--once"],
        env={
            **environment,
            "ITPP_VAR_DIR": str(blocked / "var"),
            "ITPP_DATABASE_URL": f"sqlite:///{tmp_path / 'none.sqlite3'}",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1
    assert "ITPP_UNSUBSCRIBE_SECRET" in result.stderr
    assert "Traceback" not in result.stderr
