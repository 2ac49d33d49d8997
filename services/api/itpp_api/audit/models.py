"""Tables for audit events and the head of their hash chain."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, String, Uuid
from sqlmodel import Field, SQLModel

from itpp_api.db import PortableJSON, UTCDateTime, new_id


class AuditEvent(SQLModel, table=True):
    """One write: who did what to which record, with the changed fields before and after.

    `seq` is gapless and `hash` covers the event and its predecessor's hash, so editing,
    deleting or reordering a row breaks the chain where it happened.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity_type_entity_id_seq", "entity_type", "entity_id", "seq"),
        Index("ix_audit_event_actor_user_id_seq", "actor_user_id", "seq"),
        # What a reader may see of a plan's events is decided from the index where it can:
        # PostgreSQL keeps the owner and the subject in it.
        Index(
            "ix_audit_event_plan_id_seq",
            "plan_id",
            "seq",
            postgresql_include=["owner_party_id", "subject_id"],
        ),
        Index("ix_audit_event_occurred_at", "occurred_at"),
    )

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: uuid.UUID = Field(
        default_factory=new_id, sa_column=Column(Uuid, unique=True, nullable=False)
    )
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor_user_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    actor_party_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    action: str = Field(sa_column=Column(String(32), nullable=False))
    entity_type: str = Field(sa_column=Column(String(32), nullable=False))
    entity_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    plan_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    # Set for events about a party-internal record: only that party may read them.
    owner_party_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    # The commitment or exchange whose visibility governs who may read the event (the record
    # itself, or the commitment of a milestone or review item): events follow their subject's
    # current visibility. Derived from the event, kept beside it for the query; not hashed.
    subject_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, nullable=True, index=True)
    )
    before: dict[str, Any] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    after: dict[str, Any] | None = Field(
        default=None, sa_column=Column(PortableJSON, nullable=True)
    )
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class AuditChainHead(SQLModel, table=True):
    """The single row every writer locks to append: it serializes appends across processes."""

    __tablename__ = "audit_chain_head"

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_hash: str = Field(sa_column=Column(String(64), nullable=False))
