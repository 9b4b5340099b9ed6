from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from benchsvc.cli.common import DatabaseUrlOption, nothing_stored_message, stdout, stored_engine
from benchsvc.cli.run import validated_model

if TYPE_CHECKING:
    from benchsvc.storage.series import SeriesPoint


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
             "history_key": p.history_key, "machine": p.machine, "backend": p.backend, "threads": p.threads,
             "batch_size": p.batch_size, "image_size": p.image_size, "configuration": p.configuration,
             "median": p.median, "iqr": p.iqr, "n": p.n, "ratio_to_jit": p.ratio_to_jit,
             "ratio_to_best_reference": p.ratio_to_best_reference, "best_reference": p.best_reference,
             "scaling": p.scaling, "scaling_threads": p.scaling_threads, "noisy": p.noisy}
            for p in points
        ], indent=2))
        return
    if not points:
        stdout.print(f"no stored results for {model}")
        return
    # One table per series: two image sizes or two tuning databases are never one line.
    by_series: dict[str, list[SeriesPoint]] = {}
    for point in points:
        by_series.setdefault(point.history_key, []).append(point)
    for key, line in by_series.items():
        stdout.print(series_table(model, key, line))


def series_table(model: str, key: str, points: list[SeriesPoint]) -> Table:
    first = points[0]
    identity = (
        f"{model} · {first.backend} · {first.threads} thread(s) · batch {first.batch_size} · "
        f"{first.image_size}x{first.image_size}" + (f" · {first.configuration}" if first.configuration else "")
    )
    table = Table(title=f"{identity}\nseries {key} on machine {first.machine}: iterations per second")
    with_references = any(point.ratio_to_best_reference is not None for point in points)
    columns = ["time (UTC)", "commit", "median", "IQR", "samples", "vs jit"]
    columns += ["vs best reference"] if with_references else []
    with_scaling = any(point.scaling is not None for point in points)
    columns += ["vs fewest threads"] if with_scaling else []
    for column in [*columns, "noisy"]:
        table.add_column(column)
    for point in points:
        cells = [
            point.created_at.strftime("%Y-%m-%d %H:%M"),
            (point.commit_sha or "-")[:10],
            f"{point.median:.2f}",
            f"{point.iqr:.2f}",
            str(point.n),
            f"{point.ratio_to_jit:.2f}x" if point.ratio_to_jit is not None else "-",
        ]
        if with_references:
            reference = point.ratio_to_best_reference
            cells.append(f"{reference:.2f}x {point.best_reference}" if reference is not None else "-")
        if with_scaling:
            cells.append(f"{point.scaling:.2f}x from {point.scaling_threads}" if point.scaling is not None else "-")
        table.add_row(*cells, "noisy" if point.noisy else "")
    return table
