"""`benchsvc tune`: tune a model's conv kernels for this machine, into the database runs use."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
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
    background: Annotated[
        bool,
        typer.Option(
            "--background",
            help="Tune in a detached process that outlives this shell, and return at once; "
            "its progress goes to a log file under the data directory.",
        ),
    ] = False,
) -> None:
    """Tune MODEL's conv kernels on this machine; a schedule is kept only where it beats the
    default here. Interrupt at will: the next run resumes."""
    if database is not None and not database.is_dir():
        writable_file(database, "--database")
    if model not in MODEL_NAMES:
        fail(str(UnknownModelError(model)), code=2)
    import torch

    import torch_tvm_core
    from benchsvc.runner.environment import default_threads

    path = database or torch_tvm_core.machine_tuning_database()
    if (holder := torch_tvm_core.tuning_process(path)) is not None:
        fail(str(torch_tvm_core.TuningBusyError(path, holder)))
    count = threads or default_threads()
    if background:
        _start_in_background([
            "--model", model, "--trials", str(trials), "--database", str(path), "--threads", str(count),
            "--batch-size", str(batch_size), "--image-size", str(image_size),
        ], model, path)
        return
    network = build_model(model)
    inputs = example_inputs(InputShape(batch_size, image_size))
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        _tune_with_progress(model, network, inputs, trials, path)
    except torch_tvm_core.TuningBusyError as error:
        fail(str(error))
    finally:
        torch.set_num_threads(previous_threads)
    stdout.print(f"database: {path}")


def _start_in_background(options: list[str], model: str, database: Path) -> None:
    """Run this command with `options` in a new session (a closed terminal or Ctrl-C here does
    not reach it), its output in a log file; say where to follow it."""
    from benchsvc.config import get_settings

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    log = get_settings().data_dir / "logs" / f"tune-{model}-{stamp}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchsvc", "tune", *options],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    stdout.print(f"tuning {model} in the background: process {process.pid}", highlight=False)
    stdout.print(f"progress: {log}", highlight=False, soft_wrap=True)
    stdout.print(
        f"database: {database} (the next `benchsvc run` after it finishes uses it; if the tuning "
        "is stopped, the same command resumes it)", highlight=False, soft_wrap=True,
    )


def _tune_with_progress(
    model: str, network: nn.Module, inputs: tuple[torch.Tensor, ...], trials: int, database: Path,
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
