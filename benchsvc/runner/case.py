"""One benchmark run: every (backend, thread count) for one model and input shape.

Every backend is prepared and checked at every thread count first; then all of them are timed
in the same interleaved rounds, each sample at its own thread count, so that each result can be
paired with jit's samples at its thread count and with its own at the fewest threads.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from benchsvc.analysis.paired import paired_ratio
from benchsvc.backends import REFERENCE_BACKENDS, get_backend
from benchsvc.backends.base import Prepared
from benchsvc.domain import Correctness, RatioToReference, Result, Status, ThreadScaling
from benchsvc.models import InputShape, build_model, example_inputs
from benchsvc.runner.correctness import check
from benchsvc.runner.interference import is_noisy
from benchsvc.runner.measure import Timing, TimingPlan, measure_in_rounds
from benchsvc.runner.memory import track_peak_memory
from benchsvc.runner.stats import summarize
from benchsvc.runner.validity import degraded_reason

BASELINE = "jit"


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
        """Progress steps: preparing each backend at each thread count, then timing the rounds."""
        return len(self.backends) * len(self.threads) + 1


Progress = Callable[[str], None]


@dataclass(frozen=True)
class Contender:
    """A backend prepared for one thread count, or the reason it could not be."""

    identity: dict[str, Any]
    prepared: Prepared | None = None
    compile_seconds: float | None = None
    peak_memory_bytes: int | None = None
    correctness: Correctness | None = None
    failure: str | None = None


def run_case(case: Case, plan: TimingPlan, progress: Progress = lambda _: None) -> list[Result]:
    model = build_model(case.model, case.weights)
    inputs = example_inputs(case.shape)
    previous_threads = torch.get_num_threads()
    contenders = []
    try:
        for threads in case.threads:
            torch.set_num_threads(threads)
            with torch.no_grad():
                reference = model(*inputs)
            for backend in case.backends:
                progress(f"{case.model} · preparing {backend} · {plural(threads)}")
                contenders.append(prepare(case, backend, threads, model, inputs, reference))
        progress(f"{case.model} · timing {len(contenders)} backend(s) and thread count(s) in rounds")
        return time_contenders(contenders, inputs, plan)
    finally:
        torch.set_num_threads(previous_threads)


def plural(threads: int) -> str:
    return f"{threads} thread{'s' if threads > 1 else ''}"


def prepare(
    case: Case,
    backend_name: str,
    threads: int,
    model: torch.nn.Module,
    inputs: tuple[torch.Tensor, ...],
    reference: torch.Tensor,
) -> Contender:
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
    except Exception as exc:  # noqa: BLE001 - one backend failing must not stop the others
        return Contender(identity, failure=describe_failure(exc))
    return Contender(
        identity,
        prepared=prepared,
        compile_seconds=compile_seconds,
        peak_memory_bytes=memory.growth_bytes,
        correctness=correctness,
    )


def time_contenders(
    contenders: Sequence[Contender], inputs: tuple[torch.Tensor, ...], plan: TimingPlan
) -> list[Result]:
    """Time the prepared contenders in shared rounds; their results in the contenders' order,
    each paired with jit and the fastest reference runtime at its thread count and with its own
    backend at the fewest threads."""
    keys = [(c.identity["backend"], c.identity["threads"]) for c in contenders]
    running = {key: c for key, c in zip(keys, contenders) if c.prepared is not None}
    timings = measure_in_rounds(
        {key: bound_forward(c.prepared, inputs) for key, c in running.items()},
        plan,
        {key: key[1] for key in running},
    )
    results = {key: result_of(c, timings.get(key)) for key, c in zip(keys, contenders)}
    fewest = min(threads for _, threads in keys)
    paired = []
    for (backend, threads), result in results.items():
        same_threads = [r for (_, t), r in results.items() if t == threads]
        result = with_ratio_to_jit(result, results.get((BASELINE, threads)))
        result = with_ratio_to_best_reference(result, fastest_reference(same_threads))
        paired.append(with_scaling(result, results.get((backend, fewest))))
    return paired


def bound_forward(prepared: Prepared, inputs: tuple[torch.Tensor, ...]) -> Callable[[], object]:
    return lambda: prepared.forward(*inputs)


def result_of(contender: Contender, timing: Timing | BaseException | None) -> Result:
    if contender.failure is not None or contender.prepared is None:
        return Result(**contender.identity, status=Status.FAILED, error=contender.failure)
    if not isinstance(timing, Timing):
        error = describe_failure(timing) if timing else "not timed"
        return Result(**contender.identity, status=Status.FAILED, error=error)
    prepared = contender.prepared
    status, error = Status.OK, None
    if contender.correctness is not None and not contender.correctness.valid:
        status, error = Status.INVALID, "output differs from eager beyond tolerance"
    elif reason := degraded_reason(contender.identity["backend"], prepared.fallback_ops):
        status, error = Status.DEGRADED, reason
    return Result(
        **contender.identity,
        status=status,
        error=error,
        samples=timing.samples,
        calls_per_sample=timing.calls_per_sample,
        warmup_calls=timing.warmup_calls,
        summary=summarize(timing.samples),
        compile_seconds=contender.compile_seconds,
        peak_memory_bytes=contender.peak_memory_bytes,
        correctness=contender.correctness,
        explain=prepared.details,
        interference=timing.interference,
        noisy=timing.interference is not None and is_noisy(timing.interference),
        coverage=prepared.coverage,
        tuning=prepared.tuning,
        configuration=prepared.configuration,
    )


def with_ratio_to_jit(result: Result, baseline: Result | None) -> Result:
    """Pair a result's samples with jit's from the same rounds; only ok results are speedups."""
    if (
        result.backend == BASELINE
        or baseline is None
        or result.status is not Status.OK
        or baseline.status is not Status.OK
        or len(result.samples) != len(baseline.samples)
    ):
        return result
    return result.model_copy(update={"ratio_to_jit": paired_ratio(result.samples, baseline.samples)})


def fastest_reference(results: Sequence[Result]) -> Result | None:
    """The reference runtime (ONNX Runtime, OpenVINO) with the highest median rate among the ok
    results of one case; None where none ran ok."""
    references = [
        r for r in results if r.backend in REFERENCE_BACKENDS and r.status is Status.OK and r.summary is not None
    ]
    return max(references, key=lambda r: r.summary.median, default=None)


def with_ratio_to_best_reference(result: Result, best: Result | None) -> Result:
    """Pair an ok result's samples with the fastest reference runtime's from the same rounds; the
    reference runtimes themselves are what the others are measured against."""
    if (
        best is None
        or result.backend in REFERENCE_BACKENDS
        or result.status is not Status.OK
        or len(result.samples) != len(best.samples)
    ):
        return result
    ratio = paired_ratio(result.samples, best.samples)
    return result.model_copy(
        update={"ratio_to_best_reference": RatioToReference(reference=best.backend, **ratio.model_dump())}
    )


def with_scaling(result: Result, fewest: Result | None) -> Result:
    """Pair an ok result's samples with its own backend's at the run's fewest threads, from the
    same rounds: how much faster the extra threads made it."""
    if (
        fewest is None
        or fewest.threads == result.threads
        or result.status is not Status.OK
        or fewest.status is not Status.OK
        or len(result.samples) != len(fewest.samples)
    ):
        return result
    ratio = paired_ratio(result.samples, fewest.samples)
    return result.model_copy(update={"scaling": ThreadScaling(threads=fewest.threads, **ratio.model_dump())})


def describe_failure(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}"[:4000]
