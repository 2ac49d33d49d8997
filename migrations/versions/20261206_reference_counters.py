"""Reference counters: the highest number taken in each reference series of a plan, so a new
commitment or exchange gets its reference without reading the plan's references. A counter is
made the first time its series is used after this revision (from the references it has).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reference_counter',
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('series', sa.String(length=32), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['plan_id'],
            ['plan.id'],
            name=op.f('fk_reference_counter_plan_id_plan'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('plan_id', 'series', name=op.f('pk_reference_counter')),
    )


def downgrade() -> None:
    op.drop_table('reference_counter')
