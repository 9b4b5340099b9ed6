"""a durable queue of analysis work: detection and notification run after ingest answers

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("run_pk", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_pk"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "run_pk", name="uq_analysis_jobs_kind_run"),
    )
    with op.batch_alter_table("analysis_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_jobs_due", ["state", "not_before", "id"], unique=False)
        batch_op.create_index("ix_analysis_jobs_run_pk", ["run_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analysis_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_jobs_run_pk")
        batch_op.drop_index("ix_analysis_jobs_due")
    op.drop_table("analysis_jobs")
