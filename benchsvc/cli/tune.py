"""`benchsvc tune`: tune a model's conv kernels for this machine, into the database runs use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchsvc.cli.common import fail, stdout, writable_file
from benchsvc.models import MODEL_NAMES, InputShape, UnknownModelError, build_model, example_inputs

if TYPE_CHECKING:
    import torch
    from torch import nn


def tune(
    model: Annotated[str, typer.Option(help=f"One of: {', '.join(MODEL_NAMES)}.")] = "resnet18",
    trials: Annotated[int, typer.Option(min=1, help="Schedules to compile and time in all.")] = 200,
    database: Annotated[
        Path | None,
        typer.Option(
            help="Database directory; reused (resumed) if it exists. Default: this machine's "
            "own database for this CPU, which the next `benchsvc run` uses."
        ),
    ] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Threads the kernels are timed with. Default: all cores.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = InputShape.batch_size,
    image_size: Annotated[int, typer.Option(min=32)] = InputShape.image_size,
) -> None:
    """Tune MODEL's conv kernels on this machine; a schedule is kept only where it beats the
    default here. Interrupt at will: the next run resumes."""
    if database is not None and not database.is_dir():
        writable_file(database, "--database")
    import torch

    from benchsvc.runner.environment import default_threads

    try:
        network = build_model(model)
    except UnknownModelError as error:
        fail(str(error), code=2)
    inputs = example_inputs(InputShape(batch_size, image_size))
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads or default_threads())
    try:
        path = _tune_with_progress(model, network, inputs, trials, database)
    finally:
        torch.set_num_threads(previous_threads)
    stdout.print(f"database: {path}")


def _tune_with_progress(
    model: str, network: nn.Module, inputs: tuple[torch.Tensor, ...], trials: int,
    database: Path | None,
) -> Path:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import torch_tvm_core

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stdout) as progress:
        bar = progress.add_task(f"tuning {model}", total=None)

        def show_progress(step: torch_tvm_core.TuningProgress) -> None:
            progress.update(bar, total=step.kernel_count, completed=step.kernels_done)
            if step.speedup is None:
                outcome = "already tuned"
            elif step.speedup == 1.0:
                outcome = f"{step.trials_run} schedules timed, default kept"
            else:
                outcome = f"{step.trials_run} schedules timed, {step.speedup:.2f}x over the default"
            progress.console.print(f"{step.kernel}: {outcome}")

        return torch_tvm_core.tune(
            network, inputs, trials=trials, database=database, on_progress=show_progress
        )
