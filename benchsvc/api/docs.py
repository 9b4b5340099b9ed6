"""/docs (Swagger UI) and /redoc served from files in installed packages: they work without internet.

The Swagger UI and ReDoc bundles come with the fastapi-offline package; the page that
starts Swagger UI loads its settings from a file too, so no page has inline script.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_URL = "/static/docs"
BUNDLED = {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"}
OWN = {"swagger-init.js"}

router = APIRouter(include_in_schema=False)


def asset_path(name: str) -> Path | None:
    if name in BUNDLED:
        return Path(str(files("fastapi_offline") / "static" / name))
    if name in OWN:
        return Path(str(files("benchsvc.api") / "static" / name))
    return None


def page(title: str, head: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="icon" href="{ASSETS_URL}/favicon.png">{head}</head><body>{body}</body></html>'
    )


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> str:
    app: FastAPI = request.app
    openapi_url = request.scope.get("root_path", "") + (app.openapi_url or "/openapi.json")
    return page(
        f"{app.title} - Swagger UI",
        f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">',
        f'<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>'
        f'<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>'
        f'<script src="{ASSETS_URL}/swagger-init.js"></script>',
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> str:
    app: FastAPI = request.app
    openapi_url = request.scope.get("root_path", "") + (app.openapi_url or "/openapi.json")
    return page(
        f"{app.title} - ReDoc", "",
        f'<redoc spec-url="{escape(openapi_url)}"></redoc><script src="{ASSETS_URL}/redoc.standalone.js"></script>',
    )


@router.get(ASSETS_URL + "/{name}")
def docs_asset(name: str) -> FileResponse:
    found = asset_path(name)
    if found is None or not found.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})
