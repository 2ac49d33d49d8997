"""Administration (issue 19, item 4): invitations with a one-time set-password link, a party
that always keeps an admin, a second-factor reset that needs the admin's own proof, what an
account may do (`allowed_actions` of /users/me) and the audit chain's verification."""

import re
import uuid
from datetime import timedelta
from email.message import EmailMessage

import pyotp
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.auth.models import User, UserInvitation
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.errors import LastAdmin
from itpp_api.notifications.worker import deliver_due
from itpp_api.users import service as users
from tests.api.test_authentication_races import at_once
from tests.api.test_sign_in import (
    API,
    DEFAULT_PASSWORD,
    GOOD_NEW_PASSWORD,
    assert_problem,
    bearer,
    etag_of_user,
    sign_in,
)
from tests.conftest import Database
from tests.factories import SYSTEM, make_user, make_world, token_for

INVITEE = "new.colleague@mofa.example"


class Outbox:
    """A transport that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)

    def close(self) -> None:
        pass


def japan_admin() -> tuple[uuid.UUID, str, str]:
    secret = pyotp.random_base32()
    admin_id = make_user("JP", "admin", email="jp-admin@mofa.example", totp_secret=secret)
    return admin_id, token_for(admin_id), secret


def invite(client: TestClient, admin: str, **values: str) -> dict[str, object]:
    body = {
        "email": INVITEE,
        "display_name": "新しい 同僚",
        "role": "editor",
        "preferred_language": "ja",
        **values,
    }
    response = client.post(f"{API}/users/invitations", json=body, headers=bearer(admin))
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def mailed_token(outbox: Outbox) -> str:
    assert deliver_due(transport=outbox, settings=get_settings()) >= 1
    message = outbox.messages[-1]
    plain = message.get_body(("plain",))
    assert plain is not None
    found = re.search(r"/invitation/([0-9a-f]{32}\.[A-Za-z0-9_-]{43})", plain.get_content())
    assert found, plain.get_content()
    return found.group(1)


def test_an_invited_user_sets_a_password_through_the_mailed_link_and_signs_in(
    anonymous_client: TestClient,
) -> None:
    make_world()
    _, admin, _ = japan_admin()

    user = invite(anonymous_client, admin)

    assert user["is_active"] is False and user["invitation_pending"] is True
    assert sign_in(anonymous_client, INVITEE, DEFAULT_PASSWORD).status_code == 401
    outbox = Outbox()
    token = mailed_token(outbox)
    message = outbox.messages[-1]
    assert message["To"].addresses[0].addr_spec == INVITEE
    assert message["Content-Language"] == "ja" and "パスワード" in str(message["Subject"])
    with transaction(write=False) as session:
        stored = session.scalars(select(UserInvitation)).one()
        assert token not in (stored.token_hash,) and len(stored.token_hash) == 64
    # The mail goes once.
    assert deliver_due(transport=outbox, settings=get_settings()) == 0

    shown = anonymous_client.get(f"{API}/invitations/{token}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["email"] == INVITEE
    weak = anonymous_client.post(f"{API}/invitations/{token}", json={"password": "password123"})
    assert_problem(weak, 422, "validation-error")
    chosen = anonymous_client.post(
        f"{API}/invitations/{token}", json={"password": GOOD_NEW_PASSWORD}
    )

    assert chosen.status_code == 204, chosen.text
    signed_in = sign_in(anonymous_client, INVITEE, GOOD_NEW_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    listed = anonymous_client.get(f"{API}/users", headers=bearer(admin)).json()["items"]
    mine = next(item for item in listed if item["email"] == INVITEE)
    assert mine["is_active"] is True and mine["invitation_pending"] is False
    # Used once: the link is spent.
    again = anonymous_client.post(
        f"{API}/invitations/{token}", json={"password": "copper lantern violet harbour 9"}
    )
    assert_problem(again, 404, "invitation-invalid")
    assert_problem(anonymous_client.get(f"{API}/invitations/{token}"), 404, "invitation-invalid")
    assert sign_in(anonymous_client, INVITEE, GOOD_NEW_PASSWORD).status_code == 200
    # The audit log has both steps, and its action filter finds each.
    for action in ("invite", "accept_invitation"):
        events = anonymous_client.get(
            f"{API}/audit-events", params={"action": action}, headers=bearer(admin)
        ).json()["items"]
        assert [event["entity_id"] for event in events] == [user["id"]], action


def test_an_expired_or_forged_link_is_refused_with_one_answer(
    anonymous_client: TestClient,
) -> None:
    make_world()
    _, admin, _ = japan_admin()
    invite(anonymous_client, admin)
    token = mailed_token(Outbox())
    with transaction(write=True) as session:
        invitation = session.scalars(select(UserInvitation)).one()
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        session.add(invitation)

    expired = anonymous_client.post(
        f"{API}/invitations/{token}", json={"password": GOOD_NEW_PASSWORD}
    )
    forged = anonymous_client.post(
        f"{API}/invitations/{token[:-4]}AAAA", json={"password": GOOD_NEW_PASSWORD}
    )
    unknown = anonymous_client.get(f"{API}/invitations/{uuid.uuid4().hex}.{'A' * 43}")

    first = assert_problem(expired, 404, "invitation-invalid")
    assert assert_problem(forged, 404, "invitation-invalid")["detail"] == first["detail"]
    assert assert_problem(unknown, 404, "invitation-invalid")["detail"] == first["detail"]
    assert sign_in(anonymous_client, INVITEE, GOOD_NEW_PASSWORD).status_code == 401


def test_the_link_setting_is_bounded() -> None:
    settings = get_settings()
    assert settings.invitation_hours == 72
    import pydantic
    import pytest

    for bad in (0, 721):
        with pytest.raises(pydantic.ValidationError):
            type(settings)(invitation_hours=bad)


def test_only_admins_invite_and_an_address_of_the_party_is_not_taken_twice(
    anonymous_client: TestClient,
) -> None:
    make_world()
    _, admin, _ = japan_admin()
    editor = token_for(make_user("JP", "editor", email="jp-editor@mofa.example"))
    body = {"email": INVITEE, "display_name": "X", "role": "viewer"}

    assert_problem(
        anonymous_client.post(f"{API}/users/invitations", json=body, headers=bearer(editor)),
        403,
        "forbidden",
    )
    invite(anonymous_client, admin)
    assert_problem(
        anonymous_client.post(f"{API}/users/invitations", json=body, headers=bearer(admin)),
        409,
        "conflict",
    )


def test_the_last_active_admin_of_a_party_is_never_demoted_or_deactivated(db: Database) -> None:
    make_world()
    admin_id, _, _ = japan_admin()
    with transaction(write=True) as session:
        admin = session.get(User, admin_id)
        assert admin is not None
        for change in ({"role": "editor"}, {"is_active": False}):
            try:
                users.update_user(session=session, actor=SYSTEM, user=admin, changes=change)
            except LastAdmin:
                pass
            else:
                raise AssertionError(f"{change} left the party without an admin")
    with transaction(write=False) as session:
        admin = session.get(User, admin_id)
        assert admin is not None and admin.role == "admin" and admin.is_active


def test_two_admins_demoting_each_other_at_once_leave_the_party_one_admin(
    db: Database,
) -> None:
    make_world()
    first = make_user("JP", "admin", email="first@mofa.example", totp_secret=pyotp.random_base32())
    second = make_user(
        "JP", "admin", email="second@mofa.example", totp_secret=pyotp.random_base32()
    )
    first_token, second_token = token_for(first), token_for(second)
    with TestClient_for() as client:
        first_etag = etag_of_user(client, second_token, first)
        second_etag = etag_of_user(client, first_token, second)

    answers = at_once(
        [
            (
                "PATCH",
                f"{API}/users/{second}",
                {
                    "json": {"role": "editor"},
                    "headers": {**bearer(first_token), "If-Match": second_etag},
                },
            ),
            (
                "PATCH",
                f"{API}/users/{first}",
                {
                    "json": {"role": "editor"},
                    "headers": {**bearer(second_token), "If-Match": first_etag},
                },
            ),
        ]
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses[0] == 200, [a.text for a in answers]
    assert statuses[1] in (401, 409), [a.text for a in answers]
    with transaction(write=False) as session:
        admins = session.scalars(
            select(User).where(User.role == "admin", User.is_active.is_(True))  # type: ignore[attr-defined]
        ).all()
        assert len(admins) == 1


def TestClient_for() -> TestClient:
    from itpp_api.main import create_app

    return TestClient(create_app())


def test_resetting_a_second_factor_needs_the_admins_own_password_and_code(
    anonymous_client: TestClient,
) -> None:
    make_world()
    _, admin, admin_secret = japan_admin()
    user_id = make_user(
        "JP", "approver", email="lost.phone@mofa.example", totp_secret=pyotp.random_base32()
    )
    reset = f"{API}/users/{user_id}/totp/reset"

    assert_problem(anonymous_client.post(reset, headers=bearer(admin)), 422, "validation-error")
    wrong = anonymous_client.post(
        reset,
        json={"current_password": "not my password at all", "current_code": "000000"},
        headers=bearer(admin),
    )
    assert_problem(wrong, 422, "rule-violation")
    no_code = anonymous_client.post(
        reset, json={"current_password": DEFAULT_PASSWORD}, headers=bearer(admin)
    )
    assert_problem(no_code, 422, "validation-error")
    with transaction(write=False) as session:
        still = session.get(User, user_id)
        assert still is not None and still.totp_confirmed_at is not None

    done = anonymous_client.post(
        reset,
        json={"current_password": DEFAULT_PASSWORD, "current_code": pyotp.TOTP(admin_secret).now()},
        headers=bearer(admin),
    )

    assert done.status_code == 200, done.text
    assert done.json()["totp_enabled"] is False
    assert sign_in(anonymous_client, "lost.phone@mofa.example").json()["scope"] == "enrol_totp"


def test_the_account_says_what_it_may_administer(anonymous_client: TestClient) -> None:
    make_world()
    admin_id, admin, _ = japan_admin()
    editor_id = make_user("JP", "editor", email="jp-editor@mofa.example")
    editor = token_for(editor_id)

    mine = anonymous_client.get(f"{API}/users/me", headers=bearer(admin)).json()
    theirs = anonymous_client.get(f"{API}/users/me", headers=bearer(editor)).json()
    listed = {
        item["id"]: item["allowed_actions"]
        for item in anonymous_client.get(f"{API}/users", headers=bearer(admin)).json()["items"]
    }

    assert mine["allowed_actions"] == [
        "manage_users",
        "manage_organisations",
        "manage_webhooks",
        "verify_audit_chain",
    ]
    assert theirs["allowed_actions"] == []
    assert listed[str(admin_id)] == [] and listed[str(editor_id)] == ["update"]


def test_an_admin_verifies_the_audit_chain_and_others_may_not(
    anonymous_client: TestClient,
) -> None:
    make_world()
    _, admin, _ = japan_admin()
    editor = token_for(make_user("JP", "editor", email="jp-editor@mofa.example"))

    result = anonymous_client.get(f"{API}/audit-chain/verification", headers=bearer(admin))

    assert result.status_code == 200, result.text
    assert result.json()["ok"] is True and result.json()["checked"] > 0
    refused = anonymous_client.get(f"{API}/audit-chain/verification", headers=bearer(editor))
    assert_problem(refused, 403, "forbidden")
