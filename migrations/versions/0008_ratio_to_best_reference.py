"""each result's paired speed over the fastest reference runtime (ONNX Runtime, OpenVINO) of its run

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("best_reference", "reference_ratio_median", "reference_ratio_low", "reference_ratio_high")


def upgrade() -> None:
    # Plain ADD COLUMN of nullable columns: PostgreSQL and SQLite change only the table's
    # definition, so a table of a million results is not rewritten.
    op.add_column("results", sa.Column("best_reference", sa.String(length=32), nullable=True))
    for name in COLUMNS[1:]:
        op.add_column("results", sa.Column(name, sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
