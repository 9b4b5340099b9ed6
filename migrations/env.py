from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from benchsvc.config import get_settings
from benchsvc.storage.database import normalize_url
from benchsvc.storage.schema import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or normalize_url(get_settings().effective_database_url)
target_metadata = metadata


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Batch mode lets ALTER TABLE migrations run on SQLite too.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
