"""Webhooks: a party's endpoints and the deliveries of events to them, queued in the
transaction of the change (issue 17, item 4).

Revision ID: 0015_webhooks
Revises: 0014_notification_reminders
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015_webhooks'
down_revision: str | None = '0014_notification_reminders'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'amendment_proposed', 'amendment_decided', 'review_opened', 'review_signed'"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('party_id', sa.Uuid(), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=True),
        sa.Column('event_kinds', JSON, nullable=False),
        sa.Column('is_enabled', sa.Boolean(), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['party_id'],
            ['party.id'],
            name=op.f('fk_webhook_endpoint_party_id_party'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint')),
    )
    op.create_index(
        'ix_webhook_endpoint_party_id', 'webhook_endpoint', ['party_id'], unique=False
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('endpoint_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('payload', JSON, nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f'kind IN ({KINDS})', name=op.f('ck_webhook_delivery_kind')),
        sa.ForeignKeyConstraint(
            ['endpoint_id'],
            ['webhook_endpoint.id'],
            name=op.f('fk_webhook_delivery_endpoint_id_webhook_endpoint'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'],
            ['plan.id'],
            name=op.f('fk_webhook_delivery_plan_id_plan'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    )
    op.create_index(
        'ix_webhook_delivery_delivered_at_next_attempt_at',
        'webhook_delivery',
        ['delivered_at', 'next_attempt_at'],
        unique=False,
    )
    op.create_index(
        'ix_webhook_delivery_endpoint_id_created_at',
        'webhook_delivery',
        ['endpoint_id', 'created_at'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_endpoint_id_created_at', table_name='webhook_delivery')
    op.drop_index(
        'ix_webhook_delivery_delivered_at_next_attempt_at', table_name='webhook_delivery'
    )
    op.drop_table('webhook_delivery')
    op.drop_index('ix_webhook_endpoint_party_id', table_name='webhook_endpoint')
    op.drop_table('webhook_endpoint')
