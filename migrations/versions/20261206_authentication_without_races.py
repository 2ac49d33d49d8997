"""Authentication without races: the idempotency store keeps hashes, never secrets; a second
factor being set up waits in a column of its own.

idempotency_record is dropped and made again: its rows were keyed by a hash of the caller's
Authorization header (not mappable to a token) and may hold secrets in plain text (API tokens,
calendar feed URLs, second-factor seeds) — dropping them is the point. A retry of a request
sent before the upgrade runs again. Nothing points at the table, so nothing cascades.

user_account gains totp_pending_secret by a plain ADD COLUMN, never batch mode: on SQLite a
rebuild drops the old table, and access_token, calendar_feed… (ON DELETE CASCADE) would go
with it. Enrolments started but not confirmed move into it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USER = sa.table(
    'user_account',
    sa.column('totp_secret', sa.String()),
    sa.column('totp_pending_secret', sa.String()),
    sa.column('totp_confirmed_at', sa.DateTime(timezone=True)),
)


def _drop_idempotency_record() -> None:
    op.drop_index(op.f('ix_idempotency_record_expires_at'), table_name='idempotency_record')
    op.drop_table('idempotency_record')


def _create_idempotency_record(*key: sa.Column[str]) -> None:
    op.create_table(
        'idempotency_record',
        *key,
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_headers', sa.Text(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            *(column.name for column in key), name=op.f('pk_idempotency_record')
        ),
    )
    op.create_index(
        op.f('ix_idempotency_record_expires_at'), 'idempotency_record', ['expires_at'], unique=False
    )


def upgrade() -> None:
    _drop_idempotency_record()
    _create_idempotency_record(sa.Column('key_hash', sa.String(length=64), nullable=False))

    op.add_column(
        'user_account', sa.Column('totp_pending_secret', sa.String(length=64), nullable=True)
    )
    op.execute(
        _USER.update()
        .where(_USER.c.totp_confirmed_at.is_(None), _USER.c.totp_secret.is_not(None))
        .values(totp_pending_secret=_USER.c.totp_secret, totp_secret=None)
    )


def downgrade() -> None:
    op.execute(
        _USER.update()
        .where(_USER.c.totp_confirmed_at.is_(None), _USER.c.totp_pending_secret.is_not(None))
        .values(totp_secret=_USER.c.totp_pending_secret)
    )
    # A plain DROP COLUMN (SQLite 3.35+), not batch mode: see the module's docstring.
    op.drop_column('user_account', 'totp_pending_secret')

    _drop_idempotency_record()
    _create_idempotency_record(
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
    )
