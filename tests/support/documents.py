"""Run documents for tests, built without measuring anything."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from benchsvc.domain import Commit, Correctness, Machine, Result, RunDocument, Software, Status
from benchsvc.runner.stats import summarize

MACHINE = Machine(
    hostname="bench-01", cpu_model="AMD EPYC 9B45", cpu_flags=["avx2", "avx512f"],
    cores=2, memory_bytes=24 * 2**30, os="Linux 6.1",
)
SOFTWARE = Software(python="3.11.7", torch="2.14.1", torchvision="0.29.1", tvm="0.27.0", benchsvc="0.1.0")


def a_result(backend: str = "jit", samples: list[float] | None = None, **changes: object) -> Result:
    samples = samples or [80.0, 82.0, 81.0]
    fields: dict[str, object] = {
        "model": "resnet18", "backend": backend, "batch_size": 1, "image_size": 224, "threads": 2,
        "status": Status.OK, "samples": samples, "calls_per_sample": 16, "warmup_calls": 3,
        "summary": summarize(samples), "compile_seconds": 1.5, "peak_memory_bytes": 10_000_000,
        "correctness": Correctness(max_abs_diff=1e-6, tolerance=1e-3, top5_match=True, valid=True),
    }
    fields.update(changes)
    return Result(**fields)


def a_document(*results: Result, created_at: datetime | None = None, sha: str | None = "abc1234") -> RunDocument:
    return RunDocument(
        run_id=uuid.uuid4(),
        created_at=created_at or datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc),
        machine=MACHINE,
        software=SOFTWARE,
        commit=Commit(repo="https://example.org/bench.git", sha=sha, branch="main") if sha else None,
        tags={"trigger": "nightly"},
        results=list(results) or [a_result()],
    )
