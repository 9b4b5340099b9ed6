"""Generate a long benchmark history through the real ingest path, then time each dashboard page.

    .venv/bin/python -m benchmarks.dashboard_history --database-url sqlite:///history.sqlite3 [--nights 100]

Default plan: 100 nights x 7 models x 2 backends (jit, tvm) x 2 thread counts, one
machine, 2% noise and four injected steps (benchsvc/analysis/synthetic_history.py).
Each night is stored with benchsvc.ingest.store, which also runs regression detection.
Pages are then requested through the FastAPI app in-process; the median of --repeat
answers is printed per page.
"""

from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient

from benchsvc.api.app import create_app
from benchsvc.config import Settings
from benchsvc.ingest import store
from benchsvc.storage import RunFilter, list_runs, make_engine, transaction, upgrade
from tests.support.synthetic_history import HistoryPlan, default_steps, generate_history

PAGES = (
    "/",
    "/series?model=resnet18",
    "/series?model=resnet18&threads=2",
    "/series?model=resnet18&max_points=200",
    "/compare",
    "/api/v1/regressions",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--nights", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    upgrade(args.database_url)
    engine = make_engine(args.database_url)
    with transaction(engine) as session:
        empty = not list_runs(session, RunFilter(), limit=1)
    engine.dispose()
    if empty:
        generate(args.database_url, args.nights)
    measure(args.database_url, args.repeat)


def generate(url: str, nights: int) -> None:
    started = time.perf_counter()
    plan = HistoryPlan(nights=nights, steps=default_steps(nights))
    for document in generate_history(plan):
        store(url, document)
    elapsed = time.perf_counter() - started
    results = nights * len(plan.models) * len(plan.backends) * len(plan.threads)
    print(f"stored {nights} nights, {results} results in {elapsed:.1f} s ({elapsed / nights * 1000:.0f} ms per run, "
          "detection included)")


def measure(url: str, repeat: int) -> None:
    client = TestClient(create_app(Settings(database_url=url)))
    client.get("/")  # first request pays for imports and plotly's templates
    print(f"{'page':45} {'median ms':>9} {'max ms':>7} {'KiB':>6}")
    for page in PAGES:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(page)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        print(f"{page:45} {statistics.median(times):9.0f} {max(times):7.0f} {len(response.content) / 1024:6.0f}")


if __name__ == "__main__":
    main()
