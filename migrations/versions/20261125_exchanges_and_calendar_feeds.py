"""Exchanges and placements with their links to commitments; personal calendar feeds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_calendar_feed_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_calendar_feed_secret_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_feed_user_id', ['user_id'], unique=False)

    op.create_table('exchange',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('from_party_id', sa.Uuid(), nullable=False),
    sa.Column('from_organisation_id', sa.Uuid(), nullable=True),
    sa.Column('to_party_id', sa.Uuid(), nullable=False),
    sa.Column('to_organisation_id', sa.Uuid(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('participants', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('outcome', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('lessons_learned', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('post_title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('host_organisation_id', sa.Uuid(), nullable=True),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('dialogue', 'consultation', 'seminar', 'visit', 'exercise', 'placement', 'expert_dispatch', 'information_sharing', 'training')", name=op.f('ck_exchange_kind')),
    sa.CheckConstraint("status IN ('planned', 'confirmed', 'held', 'cancelled')", name=op.f('ck_exchange_status')),
    sa.CheckConstraint("visibility IN ('shared', 'internal')", name=op.f('ck_exchange_visibility')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_exchange_dates')),
    sa.ForeignKeyConstraint(['from_organisation_id'], ['organisation.id'], name=op.f('fk_exchange_from_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['from_party_id'], ['party.id'], name=op.f('fk_exchange_from_party_id_party')),
    sa.ForeignKeyConstraint(['host_organisation_id'], ['organisation.id'], name=op.f('fk_exchange_host_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_exchange_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_organisation_id'], ['organisation.id'], name=op.f('fk_exchange_to_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['to_party_id'], ['party.id'], name=op.f('fk_exchange_to_party_id_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange')),
    sa.UniqueConstraint('plan_id', 'reference', name='uq_exchange_plan_id_reference')
    )
    with op.batch_alter_table('exchange', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_from_organisation_id', ['from_organisation_id'], unique=False)
        batch_op.create_index('ix_exchange_host_organisation_id', ['host_organisation_id'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_end_date', ['plan_id', 'end_date'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_from_party_id', ['plan_id', 'from_party_id'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_kind', ['plan_id', 'kind'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_start_date', ['plan_id', 'start_date'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_status', ['plan_id', 'status'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_to_party_id', ['plan_id', 'to_party_id'], unique=False)
        batch_op.create_index('ix_exchange_plan_id_updated_at', ['plan_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_exchange_to_organisation_id', ['to_organisation_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            'ix_exchange_search_text_trgm', 'exchange', ['search_text'], unique=False,
            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
        )
    op.create_table('exchange_commitment',
    sa.Column('exchange_id', sa.Uuid(), nullable=False),
    sa.Column('commitment_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_exchange_commitment_commitment_id_commitment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_exchange_commitment_exchange_id_exchange'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exchange_id', 'commitment_id', name=op.f('pk_exchange_commitment'))
    )
    with op.batch_alter_table('exchange_commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_commitment_commitment_id'), ['commitment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exchange_commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_commitment_commitment_id'))

    op.drop_table('exchange_commitment')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_exchange_search_text_trgm', table_name='exchange')
    with op.batch_alter_table('exchange', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_to_organisation_id')
        batch_op.drop_index('ix_exchange_plan_id_updated_at')
        batch_op.drop_index('ix_exchange_plan_id_to_party_id')
        batch_op.drop_index('ix_exchange_plan_id_status')
        batch_op.drop_index('ix_exchange_plan_id_start_date')
        batch_op.drop_index('ix_exchange_plan_id_kind')
        batch_op.drop_index('ix_exchange_plan_id_from_party_id')
        batch_op.drop_index('ix_exchange_plan_id_end_date')
        batch_op.drop_index('ix_exchange_host_organisation_id')
        batch_op.drop_index('ix_exchange_from_organisation_id')

    op.drop_table('exchange')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_feed_user_id')

    op.drop_table('calendar_feed')
