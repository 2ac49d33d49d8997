"""Request and response models for parties and organisations."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.localized import (
    LocalizedText,
    ReviewedTranslations,
    SourceLanguages,
    TranslationState,
)
from itpp_api.patch import PatchBody

CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"


class PartyCreate(BaseModel):
    """A new party (signatory)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"code": "JP", "name": {"ja": "日本", "en": "Japan"}}},
    )

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,15}$", description="Short code, e.g. JP, NATO.")
    name: LocalizedText
    source_languages: SourceLanguages = Field(
        default_factory=dict, description='The governing language of `name` (`{"name": tag}`).'
    )


class PartyPublic(BaseModel):
    """A party as the API returns it."""

    id: uuid.UUID
    code: str
    name: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `name`."
    )
    created_at: datetime


class PartyList(BaseModel):
    """All parties, by code."""

    items: list[PartyPublic]


class OrganisationCreate(BaseModel):
    """A new organisation of a party."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "MARCOM",
                "name": {
                    "ja": "NATO 海上司令部（MARCOM）",
                    "en": "Allied Maritime Command (MARCOM)",
                },
            }
        },
    )

    code: str = Field(pattern=CODE_PATTERN, description="Short code, e.g. MOFA, SHAPE.")
    name: LocalizedText
    source_languages: SourceLanguages = Field(
        default_factory=dict, description='The governing language of `name` (`{"name": tag}`).'
    )


class OrganisationUpdate(PatchBody):
    """Changes to an organisation: its names and code; omitted fields stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"name": {"ja": "外務省", "en": "Ministry of Foreign Affairs of Japan"}}
        },
    )

    NOT_NULL = ("code", "name")

    code: str | None = Field(
        default=None, pattern=CODE_PATTERN, description="Short code, e.g. MOFA, SHAPE."
    )
    name: LocalizedText | None = Field(
        default=None, description="The names, replacing the current ones."
    )
    source_languages: SourceLanguages = Field(
        default_factory=dict, description='The governing language of `name` (`{"name": tag}`).'
    )
    reviewed_translations: ReviewedTranslations = Field(default_factory=dict)


class OrganisationPublic(BaseModel):
    """An organisation as the API returns it."""

    id: uuid.UUID
    party_id: uuid.UUID
    code: str
    name: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `name`."
    )
    allowed_actions: list[str] = Field(
        description="`update` for an admin of the organisation's party (its names and code)."
    )
    etag: str = Field(description="The organisation's current ETag (for If-Match).")
    created_at: datetime


class OrganisationList(BaseModel):
    """Organisations, by party and code."""

    items: list[OrganisationPublic]
