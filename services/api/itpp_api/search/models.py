"""The search index: one row per searchable record, kept by the database.

Triggers on each searched table (migration 0019) write a record's row in the transaction that
writes the record, so a search never sees a record older or newer than the record itself; no
code writes this table. On SQLite an FTS5 table with the trigram tokenizer (`search_fts`, not a
model: a virtual table) indexes `document`; on PostgreSQL a GIN trigram index does.
"""

import uuid

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, Uuid
from sqlmodel import Field, SQLModel


class SearchEntry(SQLModel, table=True):
    """A record's searchable text: its reference, title and body in Japanese and English."""

    __tablename__ = "search_entry"
    __table_args__ = (
        Index(
            "ix_search_entry_document_trgm",
            "document",
            postgresql_using="gin",
            postgresql_ops={"document": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    # An integer key: the FTS5 index on SQLite names its rows by an integer (content_rowid).
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    record_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    plan_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    reference: str = Field(sa_column=Column(String(64), nullable=False))
    title_ja: str = Field(sa_column=Column(Text, nullable=False))
    title_en: str = Field(sa_column=Column(Text, nullable=False))
    body_ja: str = Field(sa_column=Column(Text, nullable=False))
    body_en: str = Field(sa_column=Column(Text, nullable=False))
    # Reference, titles and bodies, one per line: what a query is matched against.
    document: str = Field(sa_column=Column(Text, nullable=False))
