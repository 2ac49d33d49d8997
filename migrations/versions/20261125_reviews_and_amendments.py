"""Review cycles (items, two-sided assessments, sign-offs), amendments and party decisions;
priority areas can be retired.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_cycle',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('is_final', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('continue', 'amend', 'renew', 'terminate')", name=op.f('ck_review_cycle_outcome')),
    sa.CheckConstraint("status IN ('scheduled', 'open', 'concluded')", name=op.f('ck_review_cycle_status')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_review_cycle_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cycle')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_review_cycle_plan_id_number')
    )
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.create_index('ix_review_cycle_plan_id_due_date', ['plan_id', 'due_date'], unique=False)
        batch_op.create_index('ix_review_cycle_status_due_date', ['status', 'due_date'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rationale', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_by', sa.Uuid(), nullable=True),
    sa.Column('proposing_party_id', sa.Uuid(), nullable=True),
    sa.Column('applied_version', sa.Integer(), nullable=True),
    sa.Column('successor_plan_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'applied', 'rejected', 'withdrawn')", name=op.f('ck_amendment_status')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_amendment_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by'], ['user_account.id'], name=op.f('fk_amendment_proposed_by_user_account')),
    sa.ForeignKeyConstraint(['proposing_party_id'], ['party.id'], name=op.f('fk_amendment_proposing_party_id_party')),
    sa.ForeignKeyConstraint(['review_id'], ['review_cycle.id'], name=op.f('fk_amendment_review_id_review_cycle'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['successor_plan_id'], ['plan.id'], name=op.f('fk_amendment_successor_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_amendment_plan_id_number')
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index('ix_amendment_plan_id_status', ['plan_id', 'status'], unique=False)

    op.create_table('review_sign_off',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_review_sign_off_party_id_party')),
    sa.ForeignKeyConstraint(['review_id'], ['review_cycle.id'], name=op.f('fk_review_sign_off_review_id_review_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_review_sign_off_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_sign_off')),
    sa.UniqueConstraint('review_id', 'party_id', name='uq_review_sign_off_review_id_party_id')
    )
    op.create_table('amendment_decision',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('amendment_id', sa.Uuid(), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approve', 'reject')", name=op.f('ck_amendment_decision_decision')),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_decision_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_amendment_decision_party_id_party')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_amendment_decision_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_decision')),
    sa.UniqueConstraint('amendment_id', 'party_id', name='uq_amendment_decision_amendment_id_party_id')
    )
    op.create_table('review_item',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('review_id', sa.Uuid(), nullable=False),
    sa.Column('commitment_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('health', sa.String(length=16), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('agreed_rating', sa.String(length=16), nullable=True),
    sa.Column('agreed_note', sa.Text(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("agreed_rating IS NULL OR agreed_rating IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_review_item_agreed_rating')),
    sa.CheckConstraint("health IS NULL OR health IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_review_item_health')),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'deferred', 'cancelled')", name=op.f('ck_review_item_status')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_review_item_commitment_id_commitment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['review_cycle.id'], name=op.f('fk_review_item_review_id_review_cycle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    sa.UniqueConstraint('review_id', 'commitment_id', name='uq_review_item_review_id_commitment_id')
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index('ix_review_item_commitment_id', ['commitment_id'], unique=False)

    op.create_table('review_assessment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('review_item_id', sa.Uuid(), nullable=False),
    sa.Column('party_id', sa.Uuid(), nullable=False),
    sa.Column('rating', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recommended_action', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("rating IN ('on_track', 'at_risk', 'off_track')", name=op.f('ck_review_assessment_rating')),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_review_assessment_party_id_party')),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_item.id'], name=op.f('fk_review_assessment_review_item_id_review_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['user_account.id'], name=op.f('fk_review_assessment_updated_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assessment')),
    sa.UniqueConstraint('review_item_id', 'party_id', name='uq_review_assessment_review_item_id_party_id')
    )
    with op.batch_alter_table('priority_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('priority_area', schema=None) as batch_op:
        batch_op.drop_column('retired_at')

    op.drop_table('review_assessment')
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.drop_index('ix_review_item_commitment_id')

    op.drop_table('review_item')
    op.drop_table('amendment_decision')
    op.drop_table('review_sign_off')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index('ix_amendment_plan_id_status')

    op.drop_table('amendment')
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cycle_status_due_date')
        batch_op.drop_index('ix_review_cycle_plan_id_due_date')

    op.drop_table('review_cycle')
