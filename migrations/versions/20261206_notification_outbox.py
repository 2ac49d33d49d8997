"""The notification outbox: one row per message to one user, written in the transaction of the
change that causes it; a worker delivers it (issue 17).

Revision ID: 0011_notification_outbox
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011_notification_outbox'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'amendment_proposed', 'amendment_decided', 'review_opened', 'review_signed'"


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('recipient_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f'kind IN ({KINDS})', name=op.f('ck_notification_kind')),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plan.id'], name=op.f('fk_notification_plan_id_plan'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['recipient_id'],
            ['user_account.id'],
            name=op.f('fk_notification_recipient_id_user_account'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('message_id', name=op.f('uq_notification_message_id')),
    )
    op.create_index(
        'ix_notification_sent_at_next_attempt_at',
        'notification',
        ['sent_at', 'next_attempt_at'],
        unique=False,
    )
    op.create_index(
        'ix_notification_recipient_id', 'notification', ['recipient_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_notification_recipient_id', table_name='notification')
    op.drop_index('ix_notification_sent_at_next_attempt_at', table_name='notification')
    op.drop_table('notification')
