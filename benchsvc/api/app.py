"""The app factory. Routers are listed once; adding a resource is one line in a list below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

import benchsvc
from benchsvc.api import docs
from benchsvc.api.deps import printable_parameters, require_page_access, require_read_access
from benchsvc.api.errors import API_ERRORS, UNAVAILABLE, install_error_handlers
from benchsvc.api.limits import BodySizeLimit
from benchsvc.api.routers import compare, health, machines, pages, regressions, runs, series, tokens
from benchsvc.api.security import SecurityHeaders
from benchsvc.config import Settings, get_settings
from benchsvc.ingest import AnalysisWorker
from benchsvc.storage import make_engine
from benchsvc.storage.cache import READS
from benchsvc.storage.database import head_revision, make_probe_engine

API_PREFIX = "/api/v1"

# Resources under /api/v1; reads through them obey api_require_read_token.
API_ROUTERS: list[APIRouter] = [
    runs.router, machines.router, series.router, compare.router, regressions.router, tokens.router,
]

# Mounted at the root with no token check: health probes, the API's own documentation.
ROOT_ROUTERS: list[APIRouter] = [health.router, docs.router]

# HTML pages obey api_require_read_token too, with the token in a header or a cookie.
PAGE_ROUTERS: list[APIRouter] = [pages.router]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Detection and the webhook run here, after the answers, from the queue in the database.
        app.state.analysis.start()
        yield
        app.state.analysis.stop()
        app.state.engine.dispose()
        app.state.probe_engine.dispose()

    app = FastAPI(
        title="benchsvc",
        version=benchsvc.__version__,
        description="Continuous CPU inference benchmarks of the ResNet family: TorchScript vs TVM.",
        lifespan=lifespan,
        # Served by benchsvc.api.docs from installed files instead of a CDN.
        docs_url=None,
        redoc_url=None,
        # A client that sends no Content-Type at all still means JSON; only a wrong one is refused.
        strict_content_type=False,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.effective_database_url)
    app.state.probe_engine = make_probe_engine(settings.effective_database_url)
    app.state.head_revision = head_revision()
    READS.enabled = settings.api_read_cache
    app.state.analysis = AnalysisWorker(app.state.engine, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(
            router, prefix=API_PREFIX, dependencies=[Depends(printable_parameters), Depends(require_read_access)],
            responses=API_ERRORS,
        )
    for router in ROOT_ROUTERS:
        app.include_router(router, responses={503: UNAVAILABLE})
    for router in PAGE_ROUTERS:
        app.include_router(router, dependencies=[Depends(printable_parameters), Depends(require_page_access)])
    return app
