"""The token key: bearer tokens issued from now on carry a tag under it, so a token that was
never issued here is refused without a look at the database (auth/tokens.py). Tokens issued
before carry none; they are looked up as before until the last of them has expired
(`legacy_until`: the latest expiry among them, or now).

Revision ID: 0028_token_key
Revises: 0027_organisation_row_version
Create Date: 2026-12-07
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0028_token_key"
down_revision: str | None = "0027_organisation_row_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    token_key = op.create_table(
        "token_key",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("legacy_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_key")),
    )
    now = datetime.now(UTC)
    tokens = sa.table(
        "access_token",
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    latest = op.get_bind().scalar(
        sa.select(sa.func.max(tokens.c.expires_at)).where(tokens.c.revoked_at.is_(None))
    )
    if isinstance(latest, str):  # SQLite hands back its text
        latest = datetime.fromisoformat(latest)
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    op.bulk_insert(
        token_key,
        [
            {
                "id": 1,
                "key": secrets.token_hex(32),
                "legacy_until": max(now, latest) if latest is not None else now,
                "created_at": now,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("token_key")
