"""Tables for users, their access tokens and the login throttle."""

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlmodel import Field, SQLModel

from itpp_api.db import Created, EnumString, HasId, Record, UTCDateTime, utcnow
from itpp_api.enums import Role, TokenKind, TokenScope, check_in


class User(Record, table=True):
    """An official (or an automated client's owner) acting for exactly one party."""

    # Columns no audit event shows (audit.service.audited). Secrets and sign-in state: never
    # in an audit event.
    __unaudited__: ClassVar[frozenset[str]] = frozenset(
        {
            "password_hash",
            "password_changed_at",
            "totp_secret",
            "totp_pending_secret",
            "totp_confirmed_at",
            "totp_last_step",
        }
    )

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(check_in("role", Role), name="role"),
        Index("ix_user_account_party_id_email", "party_id", "email"),
    )
    # Kept by signing in and by starting an enrolment: no part of the user's record, so their
    # change moves no ETag (db._bump_row_versions).
    __unversioned__: ClassVar[frozenset[str]] = frozenset({"totp_last_step", "totp_pending_secret"})

    # Stored lower-cased: addresses are compared case-insensitively.
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    display_name: str = Field(sa_column=Column(String(200), nullable=False))
    party_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False))
    role: Role = Field(sa_column=Column(EnumString(Role, 16), nullable=False))
    preferred_language: str = Field(sa_column=Column(String(35), nullable=False))
    is_active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    password_changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # The second factor in use (confirmed at totp_confirmed_at).
    totp_secret: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    # An authenticator being set up: it replaces totp_secret when a code of it is confirmed.
    totp_pending_secret: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True)
    )
    totp_confirmed_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # The last time step whose code was accepted: a code is never accepted twice.
    totp_last_step: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class AccessToken(Created, HasId, table=True):
    """A bearer token: a sign-in session or a named API token. Only its hash is stored."""

    __tablename__ = "access_token"
    __table_args__ = (
        CheckConstraint(check_in("kind", TokenKind), name="kind"),
        CheckConstraint(check_in("scope", TokenScope), name="scope"),
        Index("ix_access_token_user_id_kind", "user_id", "kind"),
    )

    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: TokenKind = Field(sa_column=Column(EnumString(TokenKind, 16), nullable=False))
    name: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    scope: TokenScope = Field(sa_column=Column(EnumString(TokenScope, 16), nullable=False))
    # SHA-256 of the secret: the secret is random and long, so a fast hash is enough.
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    last_used_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    idle_timeout_seconds: int = Field(sa_column=Column(Integer, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))


class TokenKey(SQLModel, table=True):
    """The key that tags the bearer tokens this database's API issues (auth/tokens.py), and
    until when tokens issued before tags existed may still be alive. One row (id 1), made by
    migration 0028 (or by the first token issued where it is missing: auth/token_key.py); it
    never changes."""

    __tablename__ = "token_key"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    key: str = Field(sa_column=Column(String(64), nullable=False))  # 32 random bytes, hex
    legacy_until: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class LoginThrottle(SQLModel, table=True):
    """Sign-in attempts per account, per address and per familiar (account, address) pair,
    shared by every API process (auth/throttle.py says how they are read)."""

    __tablename__ = "login_throttle"

    key: str = Field(sa_column=Column(String(320), primary_key=True))
    failures: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # When counting began (for a familiar pair: its last successful sign-in).
    window_started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # No attempt is accepted before this time.
    blocked_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )


class UserInvitation(Created, HasId, table=True):
    """A one-time link that lets an invited user choose their password (users/invitations.py).

    The link's token is never stored: only its SHA-256 (`token_hash`). The row is also the
    invitation mail's place in the outbox (`mail_*`): the notification worker sends it.
    """

    __tablename__ = "user_invitation"
    __table_args__ = (
        Index("ix_user_invitation_user_id", "user_id"),
        Index("ix_user_invitation_mail_sent_at_mail_next_at", "mail_sent_at", "mail_next_at"),
    )

    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    invited_by: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    mail_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    mail_next_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    mail_sent_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    mail_last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
