"""results carry their run's time and machine; indexes for series reads at scale

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None

# What bucketing a series reads, so that PostgreSQL answers it from the index alone.
SERIES_FIGURES = ["status", "threads", "batch_size", "image_size", "machine_id", "median", "id"]


def upgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("machine_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE results SET created_at = runs.created_at, machine_id = runs.machine_id "
            "FROM runs WHERE runs.id = results.run_pk"
        )
    else:
        op.execute(
            "UPDATE results SET "
            "created_at = (SELECT runs.created_at FROM runs WHERE runs.id = results.run_pk), "
            "machine_id = (SELECT runs.machine_id FROM runs WHERE runs.id = results.run_pk)"
        )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("machine_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_results_machine_id_machines", "machines", ["machine_id"], ["id"])
        batch_op.drop_index("ix_results_case")
        batch_op.drop_index("ix_results_history_key")
        batch_op.create_index(
            "ix_results_series", ["model", "backend", "history_key", "created_at", "run_pk"],
            unique=False, postgresql_include=SERIES_FIGURES,
        )
        batch_op.create_index(
            "ix_results_history_time", ["history_key", "created_at"],
            unique=False, postgresql_include=["status", "median", "run_pk"],
        )


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index("ix_results_history_time")
        batch_op.drop_index("ix_results_series")
        batch_op.create_index("ix_results_history_key", ["history_key"], unique=False)
        batch_op.create_index("ix_results_case", ["model", "backend", "threads", "batch_size"], unique=False)
        batch_op.drop_constraint("fk_results_machine_id_machines", type_="foreignkey")
        batch_op.drop_column("machine_id")
        batch_op.drop_column("created_at")
