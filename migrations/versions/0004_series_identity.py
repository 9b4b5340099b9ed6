"""paired speedups, interference, coverage, tuning and the backend configuration in a series' key

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

tvm results stored before this revision do not say which tuning database they ran with; they
get the configuration "opt_level=3;tuning=unrecorded" and a history key of their own, so that they
never share a line with results whose database is known.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNRECORDED = "opt_level=3;tuning=unrecorded"


def upgrade() -> None:
    with op.batch_alter_table("results") as batch_op:
        batch_op.add_column(sa.Column("configuration", sa.String(length=255), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("ratio_median", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("ratio_low", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("ratio_high", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("cpu_share", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("steal_fraction", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("noisy", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("coverage", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("tuning", sa.JSON(), nullable=True))
    rekey_tvm_series(UNRECORDED)


def downgrade() -> None:
    rekey_tvm_series("")
    with op.batch_alter_table("results") as batch_op:
        for column in (
            "tuning", "coverage", "noisy", "steal_fraction", "cpu_share",
            "ratio_high", "ratio_low", "ratio_median", "configuration",
        ):
            batch_op.drop_column(column)


def rekey_tvm_series(configuration: str) -> None:
    """Every tvm series gets the key of (its case, configuration); one UPDATE per series, not per row."""
    connection = op.get_bind()
    series = connection.execute(
        sa.text(
            "SELECT DISTINCT r.history_key, m.fingerprint, r.model, r.backend, r.batch_size, "
            "r.image_size, r.threads FROM results r JOIN runs u ON r.run_pk = u.id "
            "JOIN machines m ON u.machine_id = m.id WHERE r.backend = 'tvm'"
        )
    ).all()
    for old_key, fingerprint, model, backend, batch_size, image_size, threads in series:
        identity = {
            "machine": fingerprint, "model": model, "backend": backend, "batch_size": batch_size,
            "image_size": image_size, "threads": threads,
        }
        if configuration:
            identity["configuration"] = configuration
        new_key = stable_hash(identity)
        connection.execute(
            sa.text(
                "UPDATE results SET history_key = :new, configuration = :configuration "
                "WHERE history_key = :old AND backend = 'tvm'"
            ).bindparams(new=new_key, configuration=configuration, old=old_key)
            if configuration
            else sa.text("UPDATE results SET history_key = :new WHERE history_key = :old AND backend = 'tvm'")
            .bindparams(new=new_key, old=old_key)
        )
        connection.execute(
            sa.text("UPDATE regressions SET history_key = :new WHERE history_key = :old").bindparams(
                new=new_key, old=old_key
            )
        )


def stable_hash(value: object) -> str:
    # A copy of benchsvc.domain.stable_hash as it is at this revision: migrations must not change
    # meaning when the application code moves on.
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
