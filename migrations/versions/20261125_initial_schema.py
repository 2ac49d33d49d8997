"""Initial schema: parties, organisations, plans, priority areas, commitments, milestones,
plan versions and idempotency records.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_record',
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_headers', sa.Text(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_idempotency_record'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_expires_at'), ['expires_at'], unique=False)

    op.create_table('party',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_party')),
    sa.UniqueConstraint('code', name=op.f('uq_party_code'))
    )
    op.create_table('plan',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('sections', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('objectives', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approval_date', sa.Date(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('review_interval_months', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Uuid(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'active', 'expired', 'superseded', 'terminated')", name=op.f('ck_plan_status')),
    sa.CheckConstraint('review_interval_months BETWEEN 1 AND term_months', name=op.f('ck_plan_review_interval_months')),
    sa.CheckConstraint('term_months BETWEEN 1 AND 240', name=op.f('ck_plan_term_months')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['plan.id'], name=op.f('fk_plan_predecessor_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('reference', name=op.f('uq_plan_reference'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index('ix_plan_status_expiry_date', ['status', 'expiry_date'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_organisation_party_id_party')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('code', name=op.f('uq_organisation_code'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_party_id'), ['party_id'], unique=False)

    op.create_table('plan_party',
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_plan_party_party_id_party')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_party_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'party_id', name=op.f('pk_plan_party'))
    )
    with op.batch_alter_table('plan_party', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_party_party_id'), ['party_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_version_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_version_plan_id_number')
    )
    op.create_table('priority_area',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('short_code', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_priority_area_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_area')),
    sa.UniqueConstraint('plan_id', 'code', name='uq_priority_area_plan_id_code'),
    sa.UniqueConstraint('plan_id', 'short_code', name='uq_priority_area_plan_id_short_code')
    )
    with op.batch_alter_table('priority_area', schema=None) as batch_op:
        batch_op.create_index('ix_priority_area_plan_id_position', ['plan_id', 'position'], unique=False)

    op.create_table('commitment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('priority_area_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('modality', sa.String(length=32), nullable=False),
    sa.Column('lead_party_id', sa.Uuid(), nullable=False),
    sa.Column('lead_organisation_id', sa.Uuid(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('health', sa.String(length=16), nullable=True),
    sa.Column('pcm_activity_ref', sa.String(length=64), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("health IS NULL OR health IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_commitment_health')),
    sa.CheckConstraint("modality IN ('high_level_dialogue', 'joint_consultation', 'seminar_symposium', 'sps_programme', 'personnel_exchange', 'exercise_participation', 'sto_collaboration', 'information_sharing', 'placement', 'expert_dispatch', 'pcm_activity', 'other')", name=op.f('ck_commitment_modality')),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'deferred', 'cancelled')", name=op.f('ck_commitment_status')),
    sa.CheckConstraint("visibility IN ('shared', 'internal')", name=op.f('ck_commitment_visibility')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_commitment_progress')),
    sa.CheckConstraint('start_date IS NULL OR due_date IS NULL OR due_date >= start_date', name=op.f('ck_commitment_dates')),
    sa.ForeignKeyConstraint(['lead_organisation_id'], ['organisation.id'], name=op.f('fk_commitment_lead_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['lead_party_id'], ['party.id'], name=op.f('fk_commitment_lead_party_id_party')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_commitment_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['priority_area_id'], ['priority_area.id'], name=op.f('fk_commitment_priority_area_id_priority_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
    sa.UniqueConstraint('plan_id', 'reference', name='uq_commitment_plan_id_reference')
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_lead_organisation_id'), ['lead_organisation_id'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_created_at', ['plan_id', 'created_at'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_due_date', ['plan_id', 'due_date'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_health', ['plan_id', 'health'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_lead_party_id', ['plan_id', 'lead_party_id'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_modality', ['plan_id', 'modality'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_priority_area_id', ['plan_id', 'priority_area_id'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_progress', ['plan_id', 'progress'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_status', ['plan_id', 'status'], unique=False)
        batch_op.create_index('ix_commitment_plan_id_updated_at', ['plan_id', 'updated_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # Free-text search (`q`) uses LIKE '%…%', which only a trigram index can serve.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            'ix_commitment_search_text_trgm', 'commitment', ['search_text'], unique=False,
            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
        )

    op.create_table('commitment_supporter',
    sa.Column('commitment_id', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_commitment_supporter_commitment_id_commitment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_commitment_supporter_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('commitment_id', 'organisation_id', name=op.f('pk_commitment_supporter'))
    )
    with op.batch_alter_table('commitment_supporter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_supporter_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('commitment_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_milestone_commitment_id_commitment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_commitment_id_position', ['commitment_id', 'position'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_commitment_id_position')

    op.drop_table('milestone')
    with op.batch_alter_table('commitment_supporter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_supporter_organisation_id'))

    op.drop_table('commitment_supporter')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_commitment_search_text_trgm', table_name='commitment')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_plan_id_updated_at')
        batch_op.drop_index('ix_commitment_plan_id_status')
        batch_op.drop_index('ix_commitment_plan_id_progress')
        batch_op.drop_index('ix_commitment_plan_id_priority_area_id')
        batch_op.drop_index('ix_commitment_plan_id_modality')
        batch_op.drop_index('ix_commitment_plan_id_lead_party_id')
        batch_op.drop_index('ix_commitment_plan_id_health')
        batch_op.drop_index('ix_commitment_plan_id_due_date')
        batch_op.drop_index('ix_commitment_plan_id_created_at')
        batch_op.drop_index(batch_op.f('ix_commitment_lead_organisation_id'))

    op.drop_table('commitment')
    with op.batch_alter_table('priority_area', schema=None) as batch_op:
        batch_op.drop_index('ix_priority_area_plan_id_position')

    op.drop_table('priority_area')
    op.drop_table('plan_version')
    with op.batch_alter_table('plan_party', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_party_party_id'))

    op.drop_table('plan_party')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_party_id'))

    op.drop_table('organisation')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_status_expiry_date')
        batch_op.drop_index(batch_op.f('ix_plan_predecessor_id'))

    op.drop_table('plan')
    op.drop_table('party')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_expires_at'))

    op.drop_table('idempotency_record')
