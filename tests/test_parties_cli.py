"""`itpp parties create`: on a new installation the first party, then its first admin (the VM
install of deploy/README.md had no way to make either: `itpp users create` needs a party)."""

from click.testing import Result
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from itpp_api.cli import app as cli
from itpp_api.db import transaction
from itpp_api.parties.models import Party
from tests.conftest import Database

PASSWORD = "amber kettle orbit mosaic 7"


def run(db: Database, *arguments: str) -> Result:
    return CliRunner().invoke(cli, list(arguments), env={"ITPP_DATABASE_URL": db.url})


def parties() -> dict[str, dict[str, str]]:
    with transaction(write=False) as session:
        return {party.code: party.name for party in session.scalars(select(Party))}


def test_a_new_installation_gets_its_first_party_and_admin(
    db: Database, anonymous_client: TestClient
) -> None:
    assert parties() == {}

    made = run(db, "parties", "create", "--code", "JP", "--name", "en=Japan", "--name", "ja=日本")
    assert made.exit_code == 0, made.output
    assert "Created party JP." in made.output
    assert parties() == {"JP": {"en": "Japan", "ja": "日本"}}

    admin = run(
        db, "users", "create", "--email", "admin@mofa.example", "--name", "Admin",
        "--party", "JP", "--role", "admin", "--password", PASSWORD,
    )  # fmt: skip
    assert admin.exit_code == 0, admin.output
    signed_in = anonymous_client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "admin@mofa.example", "password": PASSWORD},
    )
    # The password is accepted; an admin's first token only enrols a second factor.
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["scope"] == "enrol_totp"


def test_refuses_a_code_in_use_with_exit_code_1(db: Database) -> None:
    assert run(db, "parties", "create", "--code", "JP", "--name", "en=Japan").exit_code == 0

    again = run(db, "parties", "create", "--code", "JP", "--name", "en=Japan again")

    assert again.exit_code == 1
    assert "already exists" in again.output
    assert parties() == {"JP": {"en": "Japan"}}


def test_refuses_a_bad_code_or_name_and_creates_nothing(db: Database) -> None:
    for arguments in (
        ["--code", "jp", "--name", "en=Japan"],
        ["--code", "JP", "--name", "Japan"],
        ["--code", "JP", "--name", "en="],
        ["--code", "JP", "--name", "not a tag=Japan"],
    ):
        result = run(db, "parties", "create", *arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert "Traceback" not in result.output
    assert parties() == {}
