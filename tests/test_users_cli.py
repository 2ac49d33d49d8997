"""`itpp users create`: the command-line way to add a user (issue 3, part 1)."""

from typing import Any

from click.testing import Result
from fastapi.testclient import TestClient
from sqlmodel import func, select
from typer.testing import CliRunner

from itpp_api.auth.models import User
from itpp_api.cli import app as cli
from itpp_api.db import transaction
from tests.conftest import Database
from tests.factories import make_world

PASSWORD = "amber kettle orbit mosaic 7"
TOKEN_URL = "/api/v1/auth/token"


def create_user(
    db: Database, *options: str, password: str | None = PASSWORD, **kwargs: Any
) -> Result:
    arguments = ["users", "create", *options]
    if password is not None:
        arguments += ["--password", password]
    return CliRunner().invoke(cli, arguments, env={"ITPP_DATABASE_URL": db.url}, **kwargs)


def editor(
    email: str = "k.tanaka@mofa.example", party: str = "JP", role: str = "editor"
) -> list[str]:
    return [
        "--email",
        email,
        "--name",
        "田中 健",
        "--party",
        party,
        "--role",
        role,
        "--language",
        "ja",
    ]


def users_named(email: str) -> list[User]:
    with transaction(write=False) as session:
        return list(session.scalars(select(User).where(User.email == email)))


def user_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_creates_a_user_who_can_then_sign_in(db: Database, anonymous_client: TestClient) -> None:
    world = make_world()

    result = create_user(db, *editor(email="K.Tanaka@MOFA.example"))

    assert result.exit_code == 0, result.output
    assert "Created k.tanaka@mofa.example (editor, JP)." in result.output
    [user] = users_named("k.tanaka@mofa.example")
    assert user.party_id == world.japan
    assert user.role == "editor"
    assert user.display_name == "田中 健"
    assert user.preferred_language == "ja"
    assert PASSWORD not in user.password_hash
    signed_in = anonymous_client.post(
        TOKEN_URL,
        data={"grant_type": "password", "username": "k.tanaka@mofa.example", "password": PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["scope"] == "read_write"


def test_an_approver_created_on_the_command_line_must_enrol_a_second_factor(
    db: Database, anonymous_client: TestClient
) -> None:
    make_world()

    result = create_user(db, *editor(email="approver@mofa.example", role="approver"))

    assert result.exit_code == 0, result.output
    signed_in = anonymous_client.post(
        TOKEN_URL,
        data={"grant_type": "password", "username": "approver@mofa.example", "password": PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["scope"] == "enrol_totp"


def test_prompts_for_the_password_when_it_is_not_given(db: Database) -> None:
    make_world()

    result = create_user(db, *editor(), password=None, input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert len(users_named("k.tanaka@mofa.example")) == 1


def test_refuses_a_weak_password(db: Database) -> None:
    make_world()

    result = create_user(db, *editor(), password="password1234")

    assert result.exit_code != 0
    assert "too common" in result.output
    assert users_named("k.tanaka@mofa.example") == []


def test_refuses_a_short_password(db: Database) -> None:
    make_world()

    result = create_user(db, *editor(), password="Zq8#vLm2!pR")

    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert users_named("k.tanaka@mofa.example") == []


def test_refuses_an_unknown_party_code(db: Database) -> None:
    make_world()
    before = user_count()

    result = create_user(db, *editor(party="XX"))

    assert result.exit_code != 0
    assert "no party with code XX" in result.output
    assert user_count() == before


def test_refuses_an_unknown_role(db: Database) -> None:
    make_world()

    result = create_user(db, *editor(role="superuser"))

    assert result.exit_code != 0
    assert users_named("k.tanaka@mofa.example") == []


def test_refuses_a_duplicate_email_with_exit_code_1(db: Database) -> None:
    make_world()
    first = create_user(db, *editor(email="k.tanaka@mofa.example"))
    assert first.exit_code == 0, first.output

    again = create_user(db, *editor(email="K.TANAKA@mofa.example", party="NATO"))

    assert again.exit_code == 1
    assert "already exists" in again.output
    [user] = users_named("k.tanaka@mofa.example")
    assert user.role == "editor"


def test_revoke_tokens_all_ends_every_sign_in_and_records_it_in_the_audit_chain(
    db: Database, anonymous_client: TestClient
) -> None:
    from itpp_api.audit.models import AuditEvent
    from tests.factories import make_user, token_for

    make_world()
    editor_id = make_user("JP", "editor")
    viewer_id = make_user("NATO", "viewer")
    tokens = [token_for(editor_id), token_for(editor_id), token_for(viewer_id)]
    for token in tokens:
        me = anonymous_client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text

    result = CliRunner().invoke(
        cli, ["users", "revoke-tokens", "--all"], env={"ITPP_DATABASE_URL": db.url}
    )

    assert result.exit_code == 0, result.output
    assert "Revoked 3 tokens." in result.output
    for token in tokens:
        me = anonymous_client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    with transaction(write=False) as session:
        revoked = session.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.action == "revoke_all_tokens")
        ).all()
    assert sorted(revoked) == sorted([editor_id, viewer_id])
    verified = CliRunner().invoke(cli, ["audit", "verify"], env={"ITPP_DATABASE_URL": db.url})
    assert verified.exit_code == 0, verified.output


def test_revoke_tokens_of_one_user_leaves_the_others_signed_in(
    db: Database, anonymous_client: TestClient
) -> None:
    from tests.factories import make_user, token_for

    make_world()
    leaked = token_for(make_user("JP", "editor", email="leak@test.example"))
    kept = token_for(make_user("JP", "viewer"))

    result = CliRunner().invoke(
        cli,
        ["users", "revoke-tokens", "--email", "Leak@test.example"],
        env={"ITPP_DATABASE_URL": db.url},
    )

    assert result.exit_code == 0, result.output
    assert "Revoked 1 tokens." in result.output
    assert (
        anonymous_client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {leaked}"}
        ).status_code
        == 401
    )
    assert (
        anonymous_client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {kept}"}
        ).status_code
        == 200
    )
