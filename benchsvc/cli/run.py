from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchsvc.backends import BACKEND_NAMES, DEFAULT_BACKENDS, UnknownBackendError
from benchsvc.cli.common import (
    DatabaseUrlOption,
    fail,
    parse_list,
    parse_threads,
    resolve_database_url,
    stderr,
    stdout,
    writable_file,
)
from benchsvc.models import MODEL_NAMES, InputShape, UnknownModelError
from benchsvc.runner.plan import TimingPlan

if TYPE_CHECKING:
    from benchsvc.domain import Result, RunDocument
    from benchsvc.runner.case import Case


def run(
    model: Annotated[str, typer.Option(help=f"One of: {', '.join(MODEL_NAMES)}.")] = "resnet18",
    backends: Annotated[
        str, typer.Option(help=f"Comma-separated, from: {', '.join(BACKEND_NAMES)}.")
    ] = ",".join(DEFAULT_BACKENDS),
    threads: Annotated[
        str | None, typer.Option(help="Thread counts to sweep, e.g. 1,2. Default: all cores.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=4096)] = InputShape.batch_size,
    image_size: Annotated[int, typer.Option(min=32, max=4096)] = InputShape.image_size,
    iterations: Annotated[
        int | None, typer.Option(min=1, help="Calls per sample; default: calibrated to --min-sample-time.")
    ] = None,
    warmup: Annotated[int, typer.Option(min=0)] = TimingPlan.warmup,
    repeat: Annotated[int, typer.Option(min=1, max=10_000, help="Samples per result.")] = TimingPlan.repeat,
    min_sample_time: Annotated[
        float, typer.Option(min=0.001, help="Seconds one sample lasts at least.")
    ] = TimingPlan.min_sample_seconds,
    weights: Annotated[Path | None, typer.Option(help="A local state_dict to load instead of random weights.")] = None,
    no_tuning: Annotated[bool, typer.Option("--no-tuning", help="tvm: default schedules only, no tuning database.")] = False,
    tuning_db: Annotated[Path | None, typer.Option(help="tvm: this tuning database instead of the shipped one.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="KEY=VALUE stored with the run; repeatable.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the run document as JSON on stdout.")] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the run document as JSON to this file.")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Measure and print only.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Measure a model through each backend and store the run."""
    from benchsvc.cli.results_table import results_table
    from benchsvc.runner import Case, build_document
    from benchsvc.runner.environment import default_threads

    # Every option is checked before the first model is built: a typo costs seconds, not a run.
    case = Case(
        model=validated_model(model),
        backends=validated_backends(backends),
        threads=parse_threads(threads, default_threads()),
        shape=InputShape(batch_size=batch_size, image_size=image_size),
        weights=weights,
        tuning_db=False if no_tuning else tuning_db,
    )
    if weights is not None and not weights.is_file():
        fail(f"weights file not found: {weights}", code=2)
    tags = parse_tags(tag or [])
    url = None if no_store else resolve_database_url(database_url)
    if out is not None:
        writable_file(out, "--out")
    if isinstance(case.tuning_db, Path) and "tvm" in case.backends:
        validated_tuning_database(case.tuning_db)
    plan = TimingPlan(warmup=warmup, repeat=repeat, min_sample_seconds=min_sample_time, calls_per_sample=iterations)
    document = build_document(measure_with_progress(case, plan), tags=tags)
    if json_output:
        print(document.model_dump_json(indent=2))
        stderr.print(results_table(document.results))
    else:
        stdout.print(results_table(document.results))
    if out is not None:
        out.write_text(document.model_dump_json(indent=2))
    if url is not None:
        save(document, url)


def measure_with_progress(case: Case, plan: TimingPlan) -> list[Result]:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from benchsvc.runner import run_case

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as progress:
        task = progress.add_task("loading model", total=case.steps)
        started = 0

        def on_step(description: str) -> None:
            nonlocal started
            progress.update(task, description=description, completed=started)
            started += 1

        results = run_case(case, plan, on_step)
        progress.update(task, completed=case.steps)
    return results


def save(document: RunDocument, url: str) -> None:
    from benchsvc.config import get_settings
    from benchsvc.ingest import Spooled, store_or_spool
    from benchsvc.storage.database import safe_url

    saved = store_or_spool(url, document, get_settings().spool_dir)
    if isinstance(saved, Spooled):
        fail(f"{saved.reason}\nthe run was not stored; its results are kept in {saved.path}")
    verb = "stored" if saved.outcome.created else "already stored"
    stderr.print(f"run {document.run_id} {verb} in {safe_url(url)}", highlight=False)


def validated_model(name: str) -> str:
    if name not in MODEL_NAMES:
        fail(str(UnknownModelError(name)), code=2)
    return name


def validated_backends(value: str) -> list[str]:
    names = parse_list(value, "--backends")
    for name in names:
        if name not in BACKEND_NAMES:
            fail(str(UnknownBackendError(name)), code=2)
    return list(dict.fromkeys(names))


def validated_tuning_database(path: Path) -> None:
    from benchsvc.backends.tvm import check_tuning_database

    try:
        check_tuning_database(path)
    except ValueError as exc:
        fail(f"--tuning-db: {exc}", code=2)


def parse_tags(items: list[str]) -> dict[str, str]:
    tags = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--tag takes KEY=VALUE, got {item!r}", code=2)
        tags[key.strip()] = value.strip()
    return tags
