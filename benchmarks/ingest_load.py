"""How fast a real `benchsvc serve` on PostgreSQL takes runs, and how soon detection follows.

    .venv/bin/python benchmarks/ingest_load.py [--fill-results 30000] [--admin-url postgresql://postgres@127.0.0.1/postgres]

Creates a fresh database, fills it with a history of 336-result nights (7 models x 2 backends x
2 thread counts x 3 batch sizes x 4 image sizes on one machine), starts `benchsvc serve` (one
uvicorn worker) and measures, over HTTP with a write token:
1. one client posting 28-result runs one after the other: latency p50/p95;
2. 16 clients posting 28-result runs at once: runs per second and latency p95;
3. how long the analysis worker takes to catch up with what the clients posted;
4. 336-result runs extending the filled history (a first slower night, then the night that
   confirms the drop in every series): time from the POST until its detection job is done.
The figures are printed as JSON. Goals (issue 12): 1 client p95 < 100 ms; 16 clients >= 50 runs/s
with p95 < 500 ms; detection of a 336-result run within 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchsvc.domain import Machine, Result, RunDocument, Software, Status, Summary
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.bulk import save_runs
from benchsvc.storage.jobs import JobKind, JobState
from benchsvc.storage.regressions import RegressionRow
from benchsvc.storage.repository import find_run_pk
from benchsvc.storage.tables import AnalysisJobRow
from benchsvc.storage.tokens import Scope, create_token

MODELS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2"]
SOFTWARE = Software(python="3.11.9", torch="2.14.1", torchvision="0.29.1", tvm="0.27.0", benchsvc="0.1.0")
FILL_BATCH_NIGHTS = 20
BENCHSVC = str(Path(sys.executable).parent / "benchsvc")


def machine(hostname: str) -> Machine:
    return Machine(hostname=hostname, cpu_model="AMD EPYC 9B45", cpu_flags=["avx2", "avx512f"], cores=2,
                   memory_bytes=24 * 2**30, os="Linux-6.1")


def result(rng: random.Random, model: str, backend: str, threads: int, batch: int = 1, image: int = 224,
           level: float = 80.0) -> Result:
    samples = [level * rng.gauss(1.0, 0.01) for _ in range(10)]
    return Result(model=model, backend=backend, batch_size=batch, image_size=image, threads=threads,
                  status=Status.OK, samples=samples, calls_per_sample=10, warmup_calls=3, summary=Summary.of(samples))


def night_of_336(rng: random.Random, when: datetime, level: float = 80.0) -> RunDocument:
    results = [
        result(rng, model, backend, threads, batch, image, level)
        for model in MODELS for backend in ("jit", "tvm") for threads in (1, 2)
        for batch in (1, 4, 8) for image in (112, 160, 192, 224)
    ]
    return RunDocument(run_id=uuid.uuid4(), created_at=when, machine=machine("bench-fleet-00"),
                       software=SOFTWARE, results=results)


def run_of_28(rng: random.Random, hostname: str) -> str:
    results = [result(rng, model, backend, threads) for model in MODELS for backend in ("jit", "tvm") for threads in (1, 2)]
    document = RunDocument(run_id=uuid.uuid4(), machine=machine(hostname), software=SOFTWARE, results=results)
    return document.model_dump_json()


def fill(url: str, results: int, start: datetime) -> int:
    """Nights of 336 results, stored by the bulk path (a million results take minutes): a
    history that was analysed when it arrived."""
    rng = random.Random(1)
    engine = make_engine(url)
    nights = max(1, results // 336)
    for first in range(0, nights, FILL_BATCH_NIGHTS):
        with transaction(engine) as session:
            save_runs(session, [night_of_336(rng, start + timedelta(days=night))
                                for night in range(first, min(first + FILL_BATCH_NIGHTS, nights))])
    # As autovacuum would after a load this size (some servers run with it off): plans from real statistics.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return nights


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    process = subprocess.Popen([BENCHSVC, "serve", "--port", str(port), "--database-url", url],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit("benchsvc serve did not become healthy")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def post_many(base: str, token: str, bodies: list[str], latencies: list[float], failures: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for body in bodies:
            started = time.perf_counter()
            answer = client.post("/api/v1/runs", content=body)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 201:
                failures.append(answer.status_code)


def clients(base: str, token: str, count: int, runs_each: int, rng: random.Random) -> dict[str, float]:
    bodies = [[run_of_28(rng, f"bench-{count:02d}-{client:02d}") for _ in range(runs_each)] for client in range(count)]
    latencies: list[float] = []
    failures: list[int] = []
    threads = [threading.Thread(target=post_many, args=(base, token, bodies[i], latencies, failures)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": count, "runs": len(latencies), "failed": len(failures), "runs_per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * percentile(latencies, 0.95),
    }


def backlog_drained(url: str) -> float:
    """Seconds until no analysis job is pending: the worker catching up with what the clients posted."""
    engine = make_engine(url)
    started = time.perf_counter()
    while True:
        with transaction(engine) as session:
            pending = session.scalar(select(func.count()).where(AnalysisJobRow.state == JobState.PENDING.value))
        if not pending:
            break
        time.sleep(0.1)
    engine.dispose()
    return time.perf_counter() - started


def detection_latency(url: str, base: str, token: str, when: datetime, seed: int) -> dict[str, float]:
    document = night_of_336(random.Random(seed), when, level=70.0)
    engine = make_engine(url)
    started = time.perf_counter()
    answer = httpx.post(f"{base}/api/v1/runs", content=document.model_dump_json(),
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, timeout=60)
    answered = time.perf_counter() - started
    assert answer.status_code == 201, answer.text
    with transaction(engine) as session:
        run_pk = find_run_pk(session, document.run_id)
    while time.perf_counter() - started < 120:
        with transaction(engine) as session:
            state = session.scalar(select(AnalysisJobRow.state).where(
                AnalysisJobRow.run_pk == run_pk, AnalysisJobRow.kind == JobKind.DETECT.value))
        if state == JobState.DONE.value:
            break
        time.sleep(0.02)
    done = time.perf_counter() - started
    with transaction(engine) as session:
        found = session.scalar(select(func.count()).select_from(RegressionRow).where(RegressionRow.detected_run_pk == run_pk))
    engine.dispose()
    return {"results": len(document.results), "post_ms": 1000 * answered, "detection_done_s": done,
            "regressions_found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--fill-results", type=int, default=30_000)
    parser.add_argument("--runs-one-client", type=int, default=100)
    parser.add_argument("--runs-per-client", type=int, default=25, help="with 16 clients")
    arguments = parser.parse_args()

    name = f"benchsvc_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(arguments.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(arguments.admin_url).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        upgrade(url)
        start = datetime(2026, 1, 1, 2, tzinfo=timezone.utc)
        filled = time.perf_counter()
        nights = fill(url, arguments.fill_results, start)
        filled = time.perf_counter() - filled
        engine = make_engine(url)
        with transaction(engine) as session:
            token = create_token(session, "load", Scope.WRITE).secret
            stored = session.execute(text("select count(*) from results")).scalar_one()
        engine.dispose()
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        rng = random.Random(3)
        clients(base, token, 1, 5, rng)  # warm the server's connection pool and code paths
        figures = {
            "cpu": cpu_model(), "stored_results_before": stored, "fill_nights": nights, "fill_seconds": filled,
            "one_client": clients(base, token, 1, arguments.runs_one_client, rng),
            "sixteen_clients": clients(base, token, 16, arguments.runs_per_client, rng),
            "analysis_backlog_drained_s": backlog_drained(url),
            # A first slower night confirms nothing; the second confirms a 12% drop in all 336 series.
            "detection_of_336_first_slow_night": detection_latency(url, base, token, start + timedelta(days=nights), 2),
            "detection_of_336_confirming_night": detection_latency(url, base, token, start + timedelta(days=nights + 1), 3),
        }
        print(json.dumps(figures, indent=2))
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip() + f" ({os.cpu_count()} CPUs)"
    return "unknown"


if __name__ == "__main__":
    main()
