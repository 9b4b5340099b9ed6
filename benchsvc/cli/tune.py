"""`benchsvc tune`: MetaSchedule tuning of a model's conv kernels into a reusable database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchsvc.cli.common import fail, stdout, writable_file
from benchsvc.models import MODEL_NAMES, InputShape, UnknownModelError, build_model, example_inputs


def tune(
    model: Annotated[str, typer.Option(help=f"One of: {', '.join(MODEL_NAMES)}.")] = "resnet18",
    trials: Annotated[int, typer.Option(min=1, help="Measurements to spend in all.")] = 200,
    database: Annotated[
        Path, typer.Option(help="Database directory; reused (resumed) if it exists.")
    ] = Path("tuning-db"),
    batch_size: Annotated[int, typer.Option(min=1)] = InputShape.batch_size,
    image_size: Annotated[int, typer.Option(min=32)] = InputShape.image_size,
) -> None:
    """Tune MODEL's kernels for this CPU; apply with `torch_tvm_core.apply_tuning(DATABASE)`."""
    if not database.is_dir():
        writable_file(database, "--database")
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import torch_tvm_core

    try:
        network = build_model(model)
    except UnknownModelError as error:
        fail(str(error), code=2)
    inputs = example_inputs(InputShape(batch_size, image_size))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stdout) as progress:
        bar = progress.add_task(f"tuning {model}", total=None)

        def show_progress(step: torch_tvm_core.TuningProgress) -> None:
            best = f"{step.best_us:.0f} us" if step.best_us is not None else "no valid run"
            progress.update(bar, total=step.kernel_count, completed=step.kernels_done)
            progress.console.print(f"{step.kernel}: {step.trials_run} trials, best {best}")

        path = torch_tvm_core.tune(
            network, inputs, trials=trials, database=database, on_progress=show_progress
        )
    stdout.print(f"database: {path}")
