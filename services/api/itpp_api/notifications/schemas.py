"""Request and response bodies of notification preferences and one-click unsubscribe."""

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.notifications.kinds import NotificationDelivery, NotificationKind


class NotificationPreferences(BaseModel):
    """How the caller hears of each kind of notification (every kind, defaults included)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "preferences": {
                    "amendment_proposed": "immediately",
                    "amendment_decided": "daily_digest",
                    "review_opened": "immediately",
                    "review_signed": "off",
                },
                "etag": '"3f2a9c1b7d4e-p0c1d2e3f4a5b6c7d"',
            }
        }
    )

    preferences: dict[NotificationKind, NotificationDelivery] = Field(
        description="Each kind of notification and how it is delivered: `immediately` (a mail "
        "of its own), `daily_digest` (one mail a day, at ITPP_DIGEST_HOUR UTC) or `off`."
    )
    etag: str = Field(description="Send it back in If-Match to change the preferences.")


class NotificationPreferencesUpdate(BaseModel):
    """The kinds to change and their new delivery; kinds not named keep theirs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"preferences": {"review_signed": "daily_digest"}}},
    )

    preferences: dict[NotificationKind, NotificationDelivery] = Field(
        min_length=1,
        max_length=len(NotificationKind),
        description="Kind → `immediately`, `daily_digest` or `off`. An unknown kind or value "
        "gets 422.",
    )


class Unsubscription(BaseModel):
    """What an unsubscribe link turns off, and the language of the page that shows it."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "kinds": ["review_signed"],
                "preferences": {"review_signed": "off"},
                "language": "ja",
            }
        }
    )

    kinds: list[NotificationKind] = Field(description="The kinds the link turns off.")
    preferences: dict[NotificationKind, NotificationDelivery] = Field(
        description="Those kinds' delivery now."
    )
    language: str = Field(description="The recipient's preferred language (BCP 47).")
