"""each result's paired speed over the same backend at the fewest threads of its run

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

RATIOS = ("scaling_median", "scaling_low", "scaling_high")


def upgrade() -> None:
    # Plain ADD COLUMN of nullable columns, as 0008: a table of a million results is not rewritten.
    op.add_column("results", sa.Column("scaling_threads", sa.Integer(), nullable=True))
    for name in RATIOS:
        op.add_column("results", sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        for name in (*reversed(RATIOS), "scaling_threads"):
            batch_op.drop_column(name)
