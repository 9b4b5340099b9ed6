"""The migrations and the tables declared in code describe one schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from benchsvc.storage import make_engine
from benchsvc.storage.schema import metadata

REPOSITORY = Path(__file__).resolve().parents[3]


def test_every_table_the_migrations_create_is_declared_in_code(database_url):
    # Given a database at the newest revision
    engine = make_engine(database_url)
    try:
        created = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    # Then the metadata Alembic compares with holds exactly those tables
    assert created == set(metadata.tables)


def test_autogenerate_finds_no_difference_between_the_head_and_the_code(database_url):
    # Given a database at the newest revision
    # When a developer runs `alembic check` (autogenerate, through migrations/env.py alone)
    checked = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=REPOSITORY, env={**os.environ, "BENCHSVC_DATABASE_URL": database_url},
        capture_output=True, text=True, timeout=120,
    )
    # Then it finds nothing to migrate
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr
