"""Tables for parties and organisations."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Uuid
from sqlmodel import Field, SQLModel

from itpp_api.db import PortableJSON, UTCDateTime, new_id, utcnow


class Party(SQLModel, table=True):
    """A signatory of plans, such as Japan or NATO."""

    __tablename__ = "party"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    name: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class Organisation(SQLModel, table=True):
    """A unit of a party: a ministry, a headquarters, a command, a centre."""

    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    party_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("party.id"), nullable=False, index=True)
    )
    code: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    name: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # Incremented by each edit (PATCH /organisations/{id}); the ETag is made from it.
    row_version: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
