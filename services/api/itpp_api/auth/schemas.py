"""Request and response models for sign-in, tokens and users."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from itpp_api.enums import AllowedAction, Role, TokenKind, TokenScope

LanguageTag = Annotated[
    str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$", max_length=35)
]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class TokenRequest(BaseModel):
    """OAuth2 password grant, with the one-time code of the second factor when set up."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "grant_type": "password",
                "username": "k.tanaka@mofa.example",
                "password": "amber kettle north meadow",
                "otp": "492039",
            }
        }
    )

    grant_type: Literal["password"] = Field(
        description="Always `password` (RFC 6749 §4.3.2); missing, empty or any other value "
        "gets 422.",
    )
    username: str = Field(min_length=1, max_length=254, description="The user's email address.")
    password: Password
    otp: str | None = Field(
        default=None, max_length=16, description="Current code of the authenticator app."
    )
    scope: str = Field(default="", max_length=200)
    client_id: str | None = Field(default=None, max_length=200)
    client_secret: str | None = Field(default=None, max_length=200)


class TokenResponse(BaseModel):
    """A bearer token. Keep it secret: it is shown once and stored only as a hash."""

    access_token: str
    token_type: Literal["bearer"]
    expires_at: datetime
    scope: TokenScope = Field(
        description="read_write normally; enrol_totp when the second factor must be set up first."
    )


class UserPublic(BaseModel):
    """A user as the API returns it."""

    id: uuid.UUID
    email: str
    display_name: str
    party_id: uuid.UUID
    party_code: str
    role: Role
    preferred_language: str
    is_active: bool
    totp_enabled: bool
    invitation_pending: bool = Field(
        default=False,
        description="Invited and not yet active: the one-time set-password link is unused and "
        "has not expired (listed to admins).",
    )
    allowed_actions: list[AllowedAction] = Field(
        default_factory=list,
        description="For the signed-in user (GET /users/me): what their account may do "
        "across the service (`manage_users`, `manage_organisations`, `manage_webhooks`, "
        "`verify_audit_chain`). For a user an admin reads: `update`, `reset_second_factor`.",
    )
    etag: str
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    """Users of the caller's party, by email."""

    items: list[UserPublic]


class UserCreate(BaseModel):
    """A new user of the admin's own party, with an initial password to change at first use."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "email": "k.tanaka@mofa.example",
                "display_name": "田中 健",
                "role": "editor",
                "preferred_language": "ja",
                "password": "three unrelated words plus",
            }
        },
    )

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    preferred_language: LanguageTag = "en"
    password: Password


class UserInvite(BaseModel):
    """A user to invite to the admin's own party: they choose their password through a
    one-time link sent to this address."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "email": "k.tanaka@mofa.example",
                "display_name": "田中 健",
                "role": "editor",
                "preferred_language": "ja",
            }
        },
    )

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    preferred_language: LanguageTag = "en"


class InvitationPublic(BaseModel):
    """Whom a valid set-password link is for."""

    email: str
    display_name: str
    preferred_language: str
    role: Role
    expires_at: datetime


class InvitationAcceptance(BaseModel):
    """The password the invited user chooses (the password policy applies)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"password": "amber kettle north meadow"}}
    )

    password: Password


class AdminReauthentication(BaseModel):
    """The admin's own proof, in the request that changes another user's credentials: their
    current password, and a current code of their own second factor when they have one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"current_password": "amber kettle north meadow", "current_code": "492039"}
        },
    )

    current_password: Password
    current_code: str | None = Field(default=None, min_length=6, max_length=16)


class UserUpdate(BaseModel):
    """Changes an admin makes to a user of their party; deactivating ends all their tokens."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"role": "approver", "is_active": True}}
    )

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    preferred_language: LanguageTag | None = None
    is_active: bool | None = None


class ProfileUpdate(BaseModel):
    """Changes users make to their own profile."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"preferred_language": "ja"}}
    )

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    preferred_language: LanguageTag | None = None


class PasswordChange(BaseModel):
    """A new password; ends every token of the user, so they sign in again."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "current_password": "three unrelated words plus",
                "new_password": "amber kettle north meadow",
            }
        },
    )

    current_password: Password
    new_password: Password


class PasswordReset(BaseModel):
    """An admin sets a new password for a user of their party."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"new_password": "amber kettle north meadow"}},
    )

    new_password: Password


class TotpEnrolmentStart(BaseModel):
    """Proof that the caller is the account's owner, before a second factor is set up.

    A token that may only enrol (just issued by a sign-in with the password) needs nothing.
    Any other token sends the current password; when a second factor is already set up, also
    a current code of it: the new authenticator replaces it once confirmed.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"current_password": "amber kettle north meadow", "current_code": "492039"}
        },
    )

    current_password: Password | None = None
    current_code: str | None = Field(
        default=None,
        min_length=6,
        max_length=16,
        description="A current code of the second factor already set up (to replace it).",
    )


class TotpEnrolment(BaseModel):
    """The secret to put into an authenticator app (shown once), then confirm with a code."""

    secret: str
    provisioning_uri: str


class TotpConfirmation(BaseModel):
    """The current code from the authenticator app."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"code": "492039"}})

    code: str = Field(min_length=6, max_length=16)


class ApiTokenCreate(BaseModel):
    """A named token for an automated client."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"name": "nightly report", "scope": "read", "expires_in_days": 90}
        },
    )

    name: str = Field(min_length=1, max_length=100)
    scope: Annotated[TokenScope, Field(description="read or read_write")] = TokenScope.READ
    expires_in_days: int = Field(default=90, ge=1, le=366)


class ApiTokenPublic(BaseModel):
    """A token as listed (never its secret)."""

    id: uuid.UUID
    kind: TokenKind
    name: str | None
    scope: TokenScope
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    is_current: bool = Field(description="Whether this is the token of the request.")


class ApiTokenCreated(ApiTokenPublic):
    """A new API token with its secret, shown this once."""

    token: str


class ApiTokenList(BaseModel):
    """The caller's tokens, newest first (sign-in sessions and API tokens)."""

    items: list[ApiTokenPublic]
