"""One benchmark run: every (backend, thread count) for one model and input shape."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from benchsvc.backends import get_backend
from benchsvc.domain import Result, Status
from benchsvc.models import InputShape, build_model, example_inputs
from benchsvc.runner.correctness import check
from benchsvc.runner.measure import TimingPlan, measure
from benchsvc.runner.memory import track_peak_memory
from benchsvc.runner.stats import summarize


@dataclass(frozen=True)
class Case:
    model: str
    backends: Sequence[str]
    threads: Sequence[int]
    shape: InputShape = field(default_factory=InputShape)
    weights: Path | None = None
    tuning_db: Path | bool | None = None

    @property
    def steps(self) -> int:
        return len(self.backends) * len(self.threads)


Progress = Callable[[str], None]


def run_case(case: Case, plan: TimingPlan, progress: Progress = lambda _: None) -> list[Result]:
    model = build_model(case.model, case.weights)
    inputs = example_inputs(case.shape)
    previous_threads = torch.get_num_threads()
    results = []
    try:
        for threads in case.threads:
            torch.set_num_threads(threads)
            with torch.no_grad():
                reference = model(*inputs)
            for backend in case.backends:
                progress(f"{case.model} · {backend} · {threads} thread{'s' if threads > 1 else ''}")
                results.append(measure_backend(case, backend, threads, model, inputs, reference, plan))
    finally:
        torch.set_num_threads(previous_threads)
    return results


def measure_backend(
    case: Case,
    backend_name: str,
    threads: int,
    model: torch.nn.Module,
    inputs: tuple[torch.Tensor, ...],
    reference: torch.Tensor,
    plan: TimingPlan,
) -> Result:
    identity = {
        "model": case.model,
        "backend": backend_name,
        "batch_size": case.shape.batch_size,
        "image_size": case.shape.image_size,
        "threads": threads,
    }
    try:
        backend = get_backend(backend_name, tuning_db=case.tuning_db)
        with track_peak_memory() as memory:
            started = time.perf_counter()
            prepared = backend.prepare(model, inputs)
            compile_seconds = time.perf_counter() - started
            with torch.no_grad():
                output = prepared.forward(*inputs)
            correctness = check(reference, output)
            timing = measure(lambda: prepared.forward(*inputs), plan)
    except Exception as exc:  # noqa: BLE001 - one backend failing must not stop the others
        return Result(**identity, status=Status.FAILED, error=describe_failure(exc))
    return Result(
        **identity,
        status=Status.OK if correctness.valid else Status.INVALID,
        error=None if correctness.valid else "output differs from eager beyond tolerance",
        samples=timing.samples,
        calls_per_sample=timing.calls_per_sample,
        warmup_calls=timing.warmup_calls,
        summary=summarize(timing.samples),
        compile_seconds=compile_seconds,
        peak_memory_bytes=memory.growth_bytes,
        correctness=correctness,
        explain=prepared.details,
    )


def describe_failure(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}"[:4000]
