"""Users, access tokens, the login throttle, and the hash-chained audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    # The head every writer locks to append an event; it starts at the genesis hash.
    op.bulk_insert(
        sa.table('audit_chain_head', sa.column('id', sa.Integer()),
                 sa.column('last_seq', sa.BigInteger()), sa.column('last_hash', sa.String())),
        [{'id': 1, 'last_seq': 0, 'last_hash': '0' * 64}],
    )
    op.create_table('audit_event',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Uuid(), nullable=True),
    sa.Column('actor_party_id', sa.Uuid(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=True),
    sa.Column('owner_party_id', sa.Uuid(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('id', name=op.f('uq_audit_event_id'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_user_id_seq', ['actor_user_id', 'seq'], unique=False)
        batch_op.create_index('ix_audit_event_entity_type_entity_id_seq', ['entity_type', 'entity_id', 'seq'], unique=False)
        batch_op.create_index('ix_audit_event_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_event_plan_id_seq', ['plan_id', 'seq'], unique=False)

    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('preferred_language', sa.String(length=35), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('totp_last_step', sa.BigInteger(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('viewer', 'editor', 'approver', 'admin')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_user_account_party_id_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index('ix_user_account_party_id_email', ['party_id', 'email'], unique=False)

    op.create_table('access_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idle_timeout_seconds', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('session', 'api')", name=op.f('ck_access_token_kind')),
    sa.CheckConstraint("scope IN ('read', 'read_write', 'enrol_totp')", name=op.f('ck_access_token_scope')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_access_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_token_token_hash'))
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index('ix_access_token_user_id_kind', ['user_id', 'kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index('ix_access_token_user_id_kind')

    op.drop_table('access_token')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index('ix_user_account_party_id_email')

    op.drop_table('user_account')
    op.drop_table('login_throttle')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_plan_id_seq')
        batch_op.drop_index('ix_audit_event_occurred_at')
        batch_op.drop_index('ix_audit_event_entity_type_entity_id_seq')
        batch_op.drop_index('ix_audit_event_actor_user_id_seq')

    op.drop_table('audit_event')
    op.drop_table('audit_chain_head')
