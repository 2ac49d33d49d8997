"""The table remembering POST requests by Idempotency-Key, so retries replay the response."""

from datetime import datetime

from sqlalchemy import Column, Integer, String, Text
from sqlmodel import Field, SQLModel

from itpp_api.db import UTCDateTime


class IdempotencyRecord(SQLModel, table=True):
    """One claimed key: in flight until the response is stored, then replayable until expiry.

    Neither the key nor the request is kept: only a hash of the key with the token that sent
    it, and a keyed hash of the request. A response carrying a secret (`Cache-Control:
    no-store`) is never kept either: its record says only that it was withheld.
    """

    __tablename__ = "idempotency_record"

    # SHA-256 of (the authenticated token's id, the key): keys of different callers never meet.
    key_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    # HMAC-SHA256 of the request under the token's secret: it tells a retry from another
    # request without keeping anything from which a body (a password in it) could be guessed.
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    # in_flight | completed | withheld
    state: str = Field(sa_column=Column(String(16), nullable=False))
    response_status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    response_headers: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
