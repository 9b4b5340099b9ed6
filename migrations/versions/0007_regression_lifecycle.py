"""regression lifecycle: recovery, the last good run, the noise level, and who changed what

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("regressions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_good_run_pk", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recovered_run_pk", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("noise", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("p_value", sa.Float(), nullable=True))
        batch_op.create_foreign_key(
            "fk_regressions_last_good_run", "runs", ["last_good_run_pk"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            "fk_regressions_recovered_run", "runs", ["recovered_run_pk"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "regression_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regression_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["regression_id"], ["regressions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("regression_events", schema=None) as batch_op:
        batch_op.create_index("ix_regression_events_regression_id", ["regression_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("regression_events", schema=None) as batch_op:
        batch_op.drop_index("ix_regression_events_regression_id")
    op.drop_table("regression_events")
    with op.batch_alter_table("regressions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_regressions_recovered_run", type_="foreignkey")
        batch_op.drop_constraint("fk_regressions_last_good_run", type_="foreignkey")
        batch_op.drop_column("p_value")
        batch_op.drop_column("noise")
        batch_op.drop_column("recovered_run_pk")
        batch_op.drop_column("last_good_run_pk")
