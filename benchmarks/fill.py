"""Fill a database with a realistic benchmark history, fast, through the storage layer's bulk path.

    .venv/bin/python benchmarks/fill.py postgresql://postgres@127.0.0.1/bench_1m [--results 1000000]

Default: 1,000,000 results from 10 machines, each night one run per machine of 7 models x
4 backends (jit, tvm, eager, inductor) x 3 thread counts x 3 batch sizes (252 results, 10 raw
samples each), ~397 nights. Rates follow each machine's speed, with 2% sample noise, a slow
night-to-night drift, 1% disturbed nights, 0.5% failed tvm results and a few steps (a TVM
upgrade, a slowdown and its fix on one machine, a JIT speedup). Detection then runs once over
every series and stores the slowdowns it finds, as ingest would have.

Prints rows/s while filling, and at the end the database size (pg_database_size) per million
results. The database is migrated first; runs already there are kept.
"""

from __future__ import annotations

import argparse
import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import func, select, text

from benchsvc.domain import Commit, Correctness, Machine, Result, RunDocument, Software, Status, Summary
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.bulk import save_runs
from benchsvc.storage.tables import ResultRow

MODELS = {  # jit it/s at batch 1, 2 threads, on the reference machine
    "resnet18": 82.0, "resnet34": 42.0, "resnet50": 30.0, "resnet101": 17.0,
    "resnet152": 12.0, "resnext50_32x4d": 25.0, "wide_resnet50_2": 11.0,
}
BACKENDS = {"jit": 1.0, "tvm": 1.12, "eager": 0.82, "inductor": 1.05}
THREADS = (1, 2, 4)
BATCH_SIZES = (1, 8, 32)
SAMPLES = 10
START = datetime(2025, 11, 1, 2, 0, tzinfo=timezone.utc)
CPUS = [
    ("AMD EPYC 9B45", ["avx2", "avx512f", "avx512bw"], 1.30),
    ("AMD EPYC 7B13", ["avx2", "fma"], 0.45),
    ("Intel Xeon 8375C", ["avx2", "avx512f", "avx512bw"], 0.95),
    ("Intel Core i9-13900K", ["avx2", "fma"], 1.10),
    ("Ampere-less EPYC 9654", ["avx2", "avx512f"], 1.20),
]
SOFTWARE_BEFORE = Software(python="3.11.9", torch="2.13.0", torchvision="0.28.0", tvm="0.26.0", benchsvc="0.1.0")
SOFTWARE_AFTER = Software(python="3.11.9", torch="2.14.1", torchvision="0.29.1", tvm="0.27.0", benchsvc="0.2.0")


@dataclass(frozen=True)
class Step:
    """From `night` on, results matching the case run `factor` times as fast."""

    night: int
    factor: float
    backend: str
    model: str | None = None
    machine: int | None = None


def steps(nights: int) -> list[Step]:
    return [
        Step(nights * 4 // 10, 1.08, "tvm"),  # the TVM upgrade, on every machine
        Step(nights * 6 // 10, 0.90, "jit", model="resnet50", machine=3),  # a slowdown...
        Step(nights * 7 // 10, 1 / 0.90, "jit", model="resnet50", machine=3),  # ...and its fix
        Step(nights * 8 // 10, 1.06, "jit", model="resnet18"),
        Step(nights * 9 // 10, 0.88, "inductor", model="resnet101", machine=7),
    ]


def machines(count: int) -> list[tuple[Machine, float]]:
    found = []
    for index in range(count):
        cpu_model, flags, speed = CPUS[index % len(CPUS)]
        machine = Machine(hostname=f"bench-{index + 1:02d}", cpu_model=cpu_model, cpu_flags=flags,
                          cores=8, memory_bytes=32 * 2**30, os="Linux 6.1")
        found.append((machine, speed))
    return found


def cases() -> list[tuple[str, str, int, int]]:
    return [(m, b, t, bs) for m in MODELS for b in BACKENDS for t in THREADS for bs in BATCH_SIZES]


def base_rates(speed: float) -> np.ndarray:
    """it/s of every case on a machine of this speed, before noise and steps."""
    return np.array([
        MODELS[model] * BACKENDS[backend] * speed * (0.55 if threads == 1 else 1.0 if threads == 2 else 1.8)
        / (batch_size ** 0.9)
        for model, backend, threads, batch_size in cases()
    ])


def step_factors(night: int, machine: int, all_steps: list[Step]) -> np.ndarray:
    factor = np.ones(len(cases()))
    for step in all_steps:
        if night < step.night or (step.machine is not None and step.machine != machine):
            continue
        for i, (model, backend, _, _) in enumerate(cases()):
            if backend == step.backend and (step.model is None or step.model == model):
                factor[i] *= step.factor
    return factor


def night_documents(night: int, fleet: list[tuple[Machine, float]], drift: np.ndarray, all_steps: list[Step],
                    rng: np.random.Generator) -> list[RunDocument]:
    sha = f"{night * 2654435761 % 2**32:08x}{night:032x}"[:40]
    software = SOFTWARE_BEFORE if night < all_steps[0].night else SOFTWARE_AFTER
    documents = []
    for index, (machine, speed) in enumerate(fleet):
        disturbed = 0.8 if rng.random() < 0.01 else 1.0
        levels = base_rates(speed) * step_factors(night, index, all_steps) * drift[index] * disturbed
        samples = levels[:, None] * (1 + 0.02 * rng.standard_normal((len(levels), SAMPLES)))
        samples = np.abs(samples)
        q1, median, q3 = np.percentile(samples, [25, 50, 75], axis=1)
        mean, stdev = samples.mean(axis=1), samples.std(axis=1, ddof=1)
        failed = rng.random(len(levels)) < 0.005
        rounded = np.round(samples, 4).tolist()
        median, q1, q3, mean, stdev = (values.tolist() for values in (median, q1, q3, mean, stdev))
        results = []
        for i, (model, backend, threads, batch_size) in enumerate(cases()):
            common = dict(model=model, backend=backend, batch_size=batch_size, image_size=224, threads=threads)
            if failed[i] and backend == "tvm":
                results.append(Result.model_construct(
                    **common, status=Status.FAILED, error="TVMError: compilation failed", samples=[],
                    calls_per_sample=None, warmup_calls=None, summary=None, compile_seconds=None,
                    peak_memory_bytes=None, correctness=None, explain=None,
                ))
                continue
            results.append(Result.model_construct(
                **common, status=Status.OK, error=None,
                samples=rounded[i], calls_per_sample=max(1, int(levels[i] * 0.2)),
                warmup_calls=3,
                summary=Summary.model_construct(
                    median=median[i], q1=q1[i], q3=q3[i], iqr=q3[i] - q1[i],
                    mean=mean[i], stdev=stdev[i], cov=stdev[i] / mean[i], n=SAMPLES,
                ),
                compile_seconds=12.0 if backend == "tvm" else 0.8, peak_memory_bytes=180_000_000,
                correctness=Correctness.model_construct(max_abs_diff=4e-6, tolerance=1e-3, top5_match=True,
                                                        valid=True),
                explain={"subgraphs": 1, "ops_in_tvm": 62, "ops_in_torch": 0} if backend == "tvm" else None,
            ))
        documents.append(RunDocument.model_construct(
            schema_version=1, run_id=uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | night << 8 | index),
            created_at=START + timedelta(days=night, minutes=7 * index),
            machine=machine, software=software,
            commit=Commit.model_construct(repo="https://example.org/benchsvc.git", sha=sha, branch="main", pr=None),
            tags={"trigger": "nightly"}, results=results,
        ))
    return documents


def fill(url: str, target: int, machine_count: int, seed: int) -> int:
    upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as session:
        already = session.scalar(select(func.count()).select_from(ResultRow)) or 0
    per_night = machine_count * len(cases())
    nights = math.ceil(max(target - already, 0) / per_night)
    rng = np.random.default_rng(seed)
    fleet = machines(machine_count)
    all_steps = steps(nights)
    drift = np.ones(machine_count)
    started = time.perf_counter()
    stored = 0
    for night in range(nights):
        drift *= np.exp(0.003 * rng.standard_normal(machine_count))
        drift = np.clip(drift, 0.97, 1.03)
        documents = night_documents(night, fleet, drift, all_steps, rng)
        with transaction(engine) as session:
            stored += save_runs(session, documents)
        if night % 20 == 19 or night == nights - 1:
            elapsed = time.perf_counter() - started
            print(f"night {night + 1}/{nights}: {stored:,} results, {stored / elapsed:,.0f} rows/s", flush=True)
    engine.dispose()
    return stored


def detect(url: str) -> int:
    """Detection over every series once, storing the slowdowns it confirms, as ingest would have night by night."""
    from benchsvc.analysis import Direction, change_points
    from benchsvc.storage.regressions import NewRegression, add_regression, recent_nights

    engine = make_engine(url)
    found = 0
    with transaction(engine) as session:
        keys = session.execute(
            select(ResultRow.history_key, func.min(ResultRow.id)).group_by(ResultRow.history_key)
        ).all()
        for key, any_result in keys:
            nights = recent_nights(session, key, 100_000)
            example = session.get(ResultRow, any_result)
            for step in change_points(nights):
                if step.direction is not Direction.SLOWER:
                    continue
                stored = add_regression(session, NewRegression(
                    history_key=key, machine_id=example.machine_id, model=example.model, backend=example.backend,
                    batch_size=example.batch_size, image_size=example.image_size, threads=example.threads,
                    start_run_pk=nights[step.index].run_pk, detected_run_pk=nights[step.detected_index].run_pk,
                    last_good_run_pk=nights[step.index - 1].run_pk if step.index > 0 else None,
                    before=step.before, after=step.after, noise=step.noise, p_value=step.p_value,
                    confidence=step.confidence,
                ))
                found += stored is not None
    engine.dispose()
    return found


def size_report(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        results = connection.scalar(select(func.count()).select_from(ResultRow)) or 0
        if engine.dialect.name != "postgresql":
            print(f"{results:,} results stored")
            return
        connection.execute(text("ANALYZE"))
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
        tables = connection.execute(text(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('results', 'runs', 'machines', 'regressions') ORDER BY 2 DESC"
        )).all()
    engine.dispose()
    print(f"{results:,} results; database {size / 2**20:,.0f} MiB = "
          f"{size / 2**20 / max(results, 1) * 1e6:,.0f} MiB per million results")
    for name, table_size in tables:
        print(f"  {name}: {table_size / 2**20:,.0f} MiB (with indexes and TOAST)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url", help="postgresql://user@host/db (SQLite works too, slowly)")
    parser.add_argument("--results", type=int, default=1_000_000, help="results to have stored in the end")
    parser.add_argument("--machines", type=int, default=10)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-detect", action="store_true", help="skip the detection pass")
    args = parser.parse_args()
    started = time.perf_counter()
    stored = fill(args.database_url, args.results, args.machines, args.seed)
    elapsed = time.perf_counter() - started
    print(f"stored {stored:,} results in {elapsed:.0f} s: {stored / max(elapsed, 1e-9):,.0f} rows/s")
    if not args.no_detect:
        started = time.perf_counter()
        print(f"detection stored {detect(args.database_url)} regressions in {time.perf_counter() - started:.0f} s")
    if args.database_url.startswith("postgres"):
        engine = make_engine(args.database_url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Fresh visibility maps let PostgreSQL answer series reads from the indexes alone.
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    size_report(args.database_url)


if __name__ == "__main__":
    main()
