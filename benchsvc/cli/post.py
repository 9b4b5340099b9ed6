"""`benchsvc post`: what CI runs to send a `benchsvc run --json` document to the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchsvc.cli.common import fail, http_url, stdout

UrlOption = Annotated[str | None, typer.Option("--url", help="The server, e.g. http://bench:8000. Default: BENCHSVC_SERVER_URL.")]
TokenOption = Annotated[str | None, typer.Option("--token", help="A write token. Default: BENCHSVC_TOKEN.")]


def server_and_token(url: str | None, token: str | None) -> tuple[str, str]:
    from benchsvc.config import get_settings

    settings = get_settings()
    url, token = url or settings.server_url, token or settings.token
    if not url:
        fail("no server: pass --url or set BENCHSVC_SERVER_URL", code=2)
    if not token:
        fail("no token: pass --token or set BENCHSVC_TOKEN (create one with `benchsvc token create`)", code=2)
    return http_url(url, "--url"), token


def post(
    file: Annotated[Path, typer.Argument(help="A run document, as `benchsvc run --json` printed it; - reads stdin.")],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Post one run document; posting the same run again stores nothing new."""
    from pydantic import ValidationError

    from benchsvc.agent import DeliveryError, post_document
    from benchsvc.domain import RunDocument

    server, secret = server_and_token(url, token)
    try:
        text = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text()
        document = RunDocument.model_validate_json(text)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", code=2)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        fail(f"{file} is not a run document: {where}: {first['msg']}", code=2)
    if "run_id" not in document.model_fields_set:
        fail(f"{file} has no run_id; without one a retried post would store the run twice", code=2)
    try:
        delivered = post_document(document, server, secret)
    except DeliveryError as exc:
        fail(str(exc))
    verb = "stored" if delivered.created else "already stored"
    stdout.print(f"run {delivered.run_id} {verb} on {server}", highlight=False)
