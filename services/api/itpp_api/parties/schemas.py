"""Request and response models for parties and organisations."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from itpp_api.localized import LocalizedText

CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"


class PartyCreate(BaseModel):
    """A new party (signatory)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"code": "JP", "name": {"ja": "日本", "en": "Japan"}}},
    )

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,15}$", description="Short code, e.g. JP, NATO.")
    name: LocalizedText


class PartyPublic(BaseModel):
    """A party as the API returns it."""

    id: uuid.UUID
    code: str
    name: dict[str, str]
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


class OrganisationPublic(BaseModel):
    """An organisation as the API returns it."""

    id: uuid.UUID
    party_id: uuid.UUID
    code: str
    name: dict[str, str]
    created_at: datetime


class OrganisationList(BaseModel):
    """Organisations, by party and code."""

    items: list[OrganisationPublic]
