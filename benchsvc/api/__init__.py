"""The HTTP API: a FastAPI app factory, one router per resource."""

from benchsvc.api.app import create_app

__all__ = ["create_app"]
