"""Organisations get a row version: their names and code can be edited (PATCH with If-Match),
so each state has an ETag. Existing organisations start at version 1.

Revision ID: 0027_organisation_row_version
Revises: 0025_saved_views
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_organisation_row_version"
down_revision: str | None = "0025_saved_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organisation",
        sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_column("organisation", "row_version")
