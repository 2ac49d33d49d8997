"""Tables for parties and organisations."""

import uuid
from typing import Any, ClassVar

from sqlalchemy import Column, ForeignKey, Integer, String, Uuid
from sqlmodel import Field

from itpp_api.db import Created, HasId, PortableJSON


class Party(Created, HasId, table=True):
    """A signatory of plans, such as Japan or NATO."""

    __tablename__ = "party"

    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    name: dict[str, str] = Field(sa_column=Column(PortableJSON, nullable=False))
    # {field: {"source": tag, "stale": [tag, ...]}} for each localized text (localized.py).
    translations: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(PortableJSON, nullable=False, server_default="{}"),
    )


class Organisation(Created, HasId, table=True):
    """A unit of a party: a ministry, a headquarters, a command, a centre."""

    # Columns no audit event shows (audit.service.audited): where the record lives and who
    # wrote it are the event's own, the rest is bookkeeping.
    __unaudited__: ClassVar[frozenset[str]] = frozenset({"party_id", "translations"})

    __tablename__ = "organisation"

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
    # Incremented by each edit (PATCH /organisations/{id}); the ETag is made from it.
    row_version: int = Field(
        default=1, sa_column=Column(Integer, nullable=False, server_default="1")
    )
