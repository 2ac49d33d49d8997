"""Sample users, one per party and role, with generated passwords (sample data only).

The logins are written to sample-logins.json (readable by the owner only; `logins_file` says
where) so `make run` can print them; approvers and admins get a second factor whose current
code `itpp sample logins` shows.
"""

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from itpp_api.auth import totp
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.config import get_settings
from itpp_api.db import utcnow
from itpp_api.enums import Role
from itpp_api.parties.models import Party
from itpp_api.users.service import create_user

SAMPLE_DOMAIN = "sample.itpp.example"
_LANGUAGE = {"JP": "ja"}
_DISPLAY = {
    ("JP", Role.VIEWER): "閲覧 花子（見本）",
    ("JP", Role.EDITOR): "編集 太郎（見本）",
    ("JP", Role.APPROVER): "承認 次郎（見本）",
    ("JP", Role.ADMIN): "管理 三郎（見本）",
}


@dataclass(frozen=True)
class SampleLogin:
    """One sample account's credentials (never real ones)."""

    email: str
    party: str
    role: str
    password: str
    totp_secret: str | None


def sample_email(party_code: str, role: Role) -> str:
    return f"{party_code.lower()}-{role.value}@{SAMPLE_DOMAIN}"


def _new_password() -> str:
    # Four groups of five letters/digits: 100+ bits, easy to copy from a terminal.
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def logins_file() -> Path:
    """Where the sample logins are kept: in ITPP_VAR_DIR when it is set; otherwise beside the
    SQLite file the sample went into (so a database outside the checkout never leaves its
    passwords in the checkout), or in the default var/ for a server database."""
    settings = get_settings()
    if "var_dir" not in settings.model_fields_set and settings.is_sqlite:
        database = make_url(settings.database_url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).resolve().parent / "sample-logins.json"
    return settings.var_dir / "sample-logins.json"


def create_sample_users(*, session: Session) -> list[SampleLogin]:
    """Create the missing sample accounts; returns the ones created now."""
    created: list[SampleLogin] = []
    parties = list(session.scalars(select(Party).order_by(Party.code)))
    for party in parties:
        for role in Role:
            email = sample_email(party.code, role)
            if session.scalars(select(User.id).where(User.email == email)).first():
                continue
            password = _new_password()
            user = create_user(
                session=session,
                actor=Actor.system(),
                party_id=party.id,
                email=email,
                display_name=_DISPLAY.get(
                    (party.code, role), f"{party.code} {role.value} (sample)"
                ),
                role=role,
                preferred_language=_LANGUAGE.get(party.code, "en"),
                password_hash=hash_password(password),
            )
            secret = None
            if role in (Role.APPROVER, Role.ADMIN):
                secret = totp.new_secret()
                user.totp_secret = secret
                user.totp_confirmed_at = utcnow()
                session.add(user)
            created.append(SampleLogin(email, party.code, role.value, password, secret))
    session.flush()
    return created


def save_logins(logins: list[SampleLogin]) -> Path:
    """Add the logins to the sample-logins file (owner-readable only)."""
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    known = {login.email: login for login in read_logins()}
    known.update({login.email: login for login in logins})
    payload = json.dumps(
        {
            "note": "SAMPLE ACCOUNTS ONLY - never use these in production.",
            "logins": [asdict(login) for login in known.values()],
        },
        ensure_ascii=False,
        indent=2,
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(payload)
    return path


def read_logins() -> list[SampleLogin]:
    """The sample logins recorded on this machine."""
    path = logins_file()
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [SampleLogin(**entry) for entry in data.get("logins", [])]
