"""A generated benchmark history: nights of the ResNet suite on one machine, with known steps.

It feeds the dashboard's tests and its timing on long histories (benchmarks/generate_history.py)
with the same documents `benchsvc run --json` prints, so they travel the real ingest path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from benchsvc.analysis.paired import paired_ratio
from benchsvc.domain import Commit, Machine, RatioToReference, Result, RunDocument, Software, Status, Summary, ThreadScaling
from tests.support.synthetic import NoiseModel, noisy_nights, step_levels

# it/s of TorchScript at batch 1 on 2 threads, roughly as measured on our machines;
# the others scale with their GFLOPs.
JIT_RATE = {
    "resnet18": 82.0, "resnet34": 42.0, "resnet50": 30.0, "resnet101": 17.0,
    "resnet152": 12.0, "resnext50_32x4d": 25.0, "wide_resnet50_2": 11.0,
}
TVM_SPEEDUP = {"resnet18": 1.10, "resnet50": 0.95}
DEFAULT_SPEEDUP = 1.02
# The reference runtimes' rates as shares of TVM's.
REFERENCE_SHARE = {"ort": 0.90, "openvino": 0.96}
SINGLE_THREAD_SHARE = 0.55


@dataclass(frozen=True)
class InjectedStep:
    model: str
    backend: str
    threads: int
    night: int
    size: float


@dataclass(frozen=True)
class InjectedFailure:
    """One night where a case did not produce a rate: failed, invalid or degraded, with its reason."""

    model: str
    backend: str
    threads: int
    night: int
    status: Status
    reason: str


@dataclass(frozen=True)
class HistoryPlan:
    nights: int = 100
    models: Sequence[str] = tuple(JIT_RATE)
    backends: Sequence[str] = ("jit", "tvm")
    threads: Sequence[int] = (1, 2)
    noise: NoiseModel = NoiseModel(cov=0.02)
    steps: Sequence[InjectedStep] = field(default_factory=lambda: default_steps())
    start: datetime = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)
    seed: int = 7
    machine: Machine | None = None
    failures: Sequence[InjectedFailure] = ()
    # Nights whose results are all marked noisy (timed under interference).
    noisy: Sequence[int] = ()


def default_steps(nights: int = 100) -> list[InjectedStep]:
    """A TVM slowdown and its later fix, and a JIT speedup: what a real history shows."""
    return [
        InjectedStep("resnet18", "tvm", 2, nights * 6 // 10, -0.08),
        InjectedStep("resnet18", "tvm", 2, nights * 8 // 10, +0.08),
        InjectedStep("resnet50", "jit", 1, nights // 2, +0.06),
        InjectedStep("resnet101", "tvm", 1, nights * 7 // 10, -0.12),
    ]


MACHINE = Machine(
    hostname="bench-01", cpu_model="AMD EPYC 9B45", cpu_flags=["avx2", "avx512f"], cores=2,
    memory_bytes=8 * 2**30, os="Linux-6.1",
)


def generate_history(plan: HistoryPlan = HistoryPlan()) -> Iterator[RunDocument]:
    """One run document per night, oldest first, every case of the plan in each."""
    rng = np.random.default_rng(plan.seed)
    nights_by_case = {
        (model, backend, threads): noisy_nights(rng, levels(plan, model, backend, threads), plan.noise)
        for model in plan.models for backend in plan.backends for threads in plan.threads
    }
    for night in range(plan.nights):
        failed = {(f.model, f.backend, f.threads): f for f in plan.failures if f.night == night}
        samples = {case: nights_by_case[case][night].samples for case in nights_by_case}
        results = [
            failure_result(failed[case]) if case in failed
            else result(*case, samples[case], samples.get((case[0], "jit", case[2])), noisy=night in plan.noisy,
                        best_reference=fastest_reference(samples, failed, case[0], case[2]),
                        fewest_threads=fewest_threads(samples, failed, case, min(plan.threads)))
            for case in nights_by_case
        ]
        yield RunDocument(
            run_id=uuid.UUID(int=int(rng.integers(0, 2**62)) * 2**64 + night),
            created_at=plan.start + timedelta(days=night),
            machine=plan.machine or MACHINE,
            software=software(night, plan.nights),
            commit=Commit(repo="https://example.org/benchsvc.git", sha=f"{rng.integers(0, 2**40):010x}", branch="main"),
            results=results,
        )


def levels(plan: HistoryPlan, model: str, backend: str, threads: int) -> np.ndarray:
    base = JIT_RATE[model] * (1.0 if threads > 1 else SINGLE_THREAD_SHARE)
    if backend != "jit":
        base *= TVM_SPEEDUP.get(model, DEFAULT_SPEEDUP) * REFERENCE_SHARE.get(backend, 1.0)
    steps = [(s.night, s.size) for s in plan.steps if (s.model, s.backend, s.threads) == (model, backend, threads)]
    return step_levels(plan.nights, base, steps)


def software(night: int, nights: int) -> Software:
    # The TVM version moves once mid-history, so hovers have something to tell apart.
    tvm = "0.27.0" if night < nights // 3 else "0.27.0.post1"
    return Software(python="3.11.9", torch="2.14.1", torchvision="0.29.1", tvm=tvm, benchsvc="0.1.0")


def fastest_reference(
    samples: dict[tuple[str, str, int], Sequence[float]], failed: dict, model: str, threads: int
) -> tuple[str, Sequence[float]] | None:
    """The reference runtime of the case with the highest median that night, with its samples."""
    found = [
        (float(np.median(values)), backend, values) for (m, backend, t), values in samples.items()
        if (m, t) == (model, threads) and backend in REFERENCE_SHARE and (m, backend, t) not in failed
    ]
    return max(found, key=lambda entry: entry[0])[1:] if found else None


def fewest_threads(
    samples: dict[tuple[str, str, int], Sequence[float]], failed: dict, case: tuple[str, str, int], fewest: int
) -> tuple[int, Sequence[float]] | None:
    """The same backend's samples at the plan's fewest threads, where the case runs on more."""
    model, backend, threads = case
    at_fewest = (model, backend, fewest)
    return (fewest, samples[at_fewest]) if threads > fewest and at_fewest not in failed else None


def result(
    model: str, backend: str, threads: int, samples: Sequence[float], jit_samples: Sequence[float] | None = None,
    *, noisy: bool = False, best_reference: tuple[str, Sequence[float]] | None = None,
    fewest_threads: tuple[int, Sequence[float]] | None = None,
) -> Result:
    # Samples of one night are taken in the same rounds as jit's, as `benchsvc run` does.
    ratio = paired_ratio(samples, jit_samples) if backend != "jit" and jit_samples else None
    reference = None
    if best_reference is not None and backend not in REFERENCE_SHARE:
        name, reference_samples = best_reference
        reference = RatioToReference(reference=name, **paired_ratio(samples, reference_samples).model_dump())
    scaling = None
    if fewest_threads is not None:
        fewest, fewest_samples = fewest_threads
        scaling = ThreadScaling(threads=fewest, **paired_ratio(samples, fewest_samples).model_dump())
    return Result(
        model=model, backend=backend, batch_size=1, image_size=224, threads=threads, status=Status.OK,
        samples=list(samples), calls_per_sample=10, warmup_calls=3, summary=summary(samples), ratio_to_jit=ratio,
        ratio_to_best_reference=reference, scaling=scaling, noisy=noisy,
    )


def failure_result(failure: InjectedFailure) -> Result:
    return Result(
        model=failure.model, backend=failure.backend, batch_size=1, image_size=224, threads=failure.threads,
        status=failure.status, error=failure.reason,
    )


def summary(samples: Sequence[float]) -> Summary:
    # benchsvc.runner.stats.summarize computes the same, but importing benchsvc.runner loads torch (~20 s).
    values = np.asarray(samples, dtype=float)
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    stdev = float(np.std(values, ddof=1))
    mean = float(np.mean(values))
    return Summary(
        median=float(median), q1=float(q1), q3=float(q3), iqr=float(q3 - q1), mean=mean,
        stdev=stdev, cov=stdev / mean, n=len(values),
    )
