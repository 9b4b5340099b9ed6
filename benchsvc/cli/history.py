from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from benchsvc.cli.common import DatabaseUrlOption, nothing_stored_message, stdout, stored_engine
from benchsvc.cli.run import validated_model


def history(
    model: Annotated[str, typer.Option(help="The model whose series to print.")],
    backend: Annotated[str | None, typer.Option()] = None,
    threads: Annotated[int | None, typer.Option(min=1)] = None,
    batch_size: Annotated[int | None, typer.Option(min=1)] = None,
    image_size: Annotated[int | None, typer.Option(min=1)] = None,
    machine: Annotated[str | None, typer.Option(help="Hostname or machine fingerprint.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest points to show.")] = 50,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Print the stored time series of a model, oldest first."""
    from benchsvc.storage import SeriesQuery, series, transaction

    query = SeriesQuery(
        model=validated_model(model),
        backend=backend,
        threads=threads,
        batch_size=batch_size,
        image_size=image_size,
        machine=machine,
    )
    engine = stored_engine(database_url)
    if engine is None:
        if json_output:
            print("[]")
        else:
            stdout.print(nothing_stored_message(database_url), highlight=False)
        return
    with transaction(engine) as session:
        points = series(session, query, newest=limit)
    if json_output:
        print(json.dumps([
            {"run_id": p.run_id, "created_at": p.created_at.isoformat(), "commit": p.commit_sha,
             "backend": p.backend, "threads": p.threads, "median": p.median, "iqr": p.iqr, "n": p.n}
            for p in points
        ], indent=2))
        return
    if not points:
        stdout.print(f"no stored results for {model}")
        return
    table = Table(title=f"{model}: iterations per second")
    for column in ("time (UTC)", "commit", "backend", "threads", "median", "IQR", "samples"):
        table.add_column(column)
    for point in points:
        table.add_row(
            point.created_at.strftime("%Y-%m-%d %H:%M"),
            (point.commit_sha or "-")[:10],
            point.backend,
            str(point.threads),
            f"{point.median:.2f}",
            f"{point.iqr:.2f}",
            str(point.n),
        )
    stdout.print(table)
