"""runs, results and machines

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('machines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('cpu_model', sa.String(length=255), nullable=False),
    sa.Column('cpu_flags', sa.JSON(), nullable=False),
    sa.Column('cores', sa.Integer(), nullable=False),
    sa.Column('memory_bytes', sa.BigInteger(), nullable=False),
    sa.Column('os', sa.String(length=255), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint')
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('machine_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('python_version', sa.String(length=64), nullable=False),
    sa.Column('torch_version', sa.String(length=64), nullable=False),
    sa.Column('torchvision_version', sa.String(length=64), nullable=False),
    sa.Column('tvm_version', sa.String(length=64), nullable=True),
    sa.Column('benchsvc_version', sa.String(length=64), nullable=False),
    sa.Column('commit_repo', sa.String(length=512), nullable=True),
    sa.Column('commit_sha', sa.String(length=64), nullable=True),
    sa.Column('commit_branch', sa.String(length=255), nullable=True),
    sa.Column('commit_pr', sa.Integer(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['machine_id'], ['machines.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id')
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runs_commit_sha'), ['commit_sha'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_runs_machine_id'), ['machine_id'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_pk', sa.Integer(), nullable=False),
    sa.Column('history_key', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('image_size', sa.Integer(), nullable=False),
    sa.Column('threads', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('samples', sa.JSON(), nullable=False),
    sa.Column('calls_per_sample', sa.Integer(), nullable=True),
    sa.Column('warmup_calls', sa.Integer(), nullable=True),
    sa.Column('median', sa.Float(), nullable=True),
    sa.Column('q1', sa.Float(), nullable=True),
    sa.Column('q3', sa.Float(), nullable=True),
    sa.Column('iqr', sa.Float(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('stdev', sa.Float(), nullable=True),
    sa.Column('cov', sa.Float(), nullable=True),
    sa.Column('n_samples', sa.Integer(), nullable=True),
    sa.Column('compile_seconds', sa.Float(), nullable=True),
    sa.Column('peak_memory_bytes', sa.BigInteger(), nullable=True),
    sa.Column('max_abs_diff', sa.Float(), nullable=True),
    sa.Column('tolerance', sa.Float(), nullable=True),
    sa.Column('top5_match', sa.Boolean(), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=True),
    sa.Column('explain', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_pk'], ['runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_case', ['model', 'backend', 'threads', 'batch_size'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_history_key'), ['history_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_run_pk'), ['run_pk'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_results_run_pk'))
        batch_op.drop_index(batch_op.f('ix_results_history_key'))
        batch_op.drop_index('ix_results_case')

    op.drop_table('results')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runs_machine_id'))
        batch_op.drop_index(batch_op.f('ix_runs_created_at'))
        batch_op.drop_index(batch_op.f('ix_runs_commit_sha'))

    op.drop_table('runs')
    op.drop_table('machines')
