"""`benchsvc serve`: the API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from benchsvc.cli.common import DatabaseUrlOption, fail, resolve_database_url, stderr


def serve(
    host: Annotated[str | None, typer.Option(help="Default: the BENCHSVC_API_HOST setting.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: the BENCHSVC_API_PORT setting.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes. Default: the BENCHSVC_API_WORKERS setting.")] = None,
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Apply pending migrations first (default), or refuse to start while any are pending. "
            "Default: BENCHSVC_API_MIGRATE_ON_START.",
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs)."""
    if port is not None and not 1 <= port <= 65535:
        fail(f"--port must be between 1 and 65535, got {port}", code=2)
    import uvicorn

    from benchsvc.config import get_settings
    from benchsvc.storage.database import safe_url

    if database_url:
        resolve_database_url(database_url)
        # Worker processes build their app from the environment, so the choice must travel there.
        os.environ["BENCHSVC_DATABASE_URL"] = database_url
        get_settings.cache_clear()
    settings = get_settings()
    url = resolve_database_url(settings.effective_database_url)
    prepare_schema(url, settings.api_migrate_on_start if migrate is None else migrate)
    stderr.print(f"serving {safe_url(url)} on http://{host or settings.api_host}:{port or settings.api_port}", highlight=False)
    uvicorn.run(
        "benchsvc.api:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        workers=workers or settings.api_workers,
        proxy_headers=True,
    )


def prepare_schema(url: str, migrate: bool) -> None:
    from benchsvc.storage import DatabaseError, make_engine, upgrade
    from benchsvc.storage.database import current_revision, head_revision, safe_url

    try:
        if migrate:
            upgrade(url)
            return
        revision = current_revision(make_engine(url))
    except DatabaseError as exc:
        fail(str(exc))
    if revision != head_revision():
        fail(
            f"the database {safe_url(url)} is at revision {revision or 'none'}, this code needs "
            f"{head_revision()}; run `benchsvc db upgrade` (or start with --migrate)"
        )
