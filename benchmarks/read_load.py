"""p50/p95 of the read endpoints at 1 and 8 concurrent clients, against a running `benchsvc serve`.

    .venv/bin/benchsvc serve --database-url postgresql://postgres@127.0.0.1/bench_1m --port 8123 &
    .venv/bin/python benchmarks/read_load.py http://127.0.0.1:8123 [--requests 40]

Each client sends its requests one after the other (a closed loop), so at 8 clients the
server always has 8 requests in hand. Meanwhile a probe asks `/health` 5 times a second;
its p95 and worst answer under each load are printed beside the endpoint's figures.
Every endpoint is asked once before timing (imports, plotly templates, caches).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

ENDPOINTS = (
    "/api/v1/series?model=resnet18&backend=jit",
    "/api/v1/series?model=resnet18&backend=jit&max_points=500",
    "/api/v1/series?model=resnet50&machine=bench-04&threads=2",
    "/api/v1/regressions",
    "/api/v1/runs?limit=50",
    "/",
    "/series?model=resnet18",
    "/compare",
)
HEALTH_EVERY_S = 0.2
HEALTH_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Figures:
    endpoint: str
    clients: int
    p50_ms: float
    p95_ms: float
    kib: float
    health_p95_ms: float
    health_max_ms: float
    failures: int


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


class HealthProbe:
    """Asks /health on a fixed beat from its own connection until stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.times: list[float] = []
        self.failures = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=HEALTH_TIMEOUT_S) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    ok = client.get("/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.times.append((time.perf_counter() - started) * 1000)
                self.failures += not ok
                self.stop.wait(HEALTH_EVERY_S)

    def __enter__(self) -> HealthProbe:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()


def one_client(base: str, endpoint: str, requests: int) -> tuple[list[float], int, int]:
    times, size, failures = [], 0, 0
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(endpoint)
            times.append((time.perf_counter() - started) * 1000)
            size = len(response.content)
            failures += response.status_code != 200
    return times, size, failures


def measure(base: str, endpoint: str, clients: int, requests: int) -> Figures:
    with HealthProbe(base) as probe, ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(lambda _: one_client(base, endpoint, requests), range(clients)))
    times = [t for client_times, _, _ in outcomes for t in client_times]
    health = probe.times or [float("nan")]
    return Figures(
        endpoint=endpoint, clients=clients, p50_ms=statistics.median(times), p95_ms=percentile(times, 0.95),
        kib=outcomes[0][1] / 1024, health_p95_ms=percentile(health, 0.95), health_max_ms=max(health),
        failures=sum(f for _, _, f in outcomes) + probe.failures,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="where `benchsvc serve` listens, e.g. http://127.0.0.1:8123")
    parser.add_argument("--requests", type=int, default=40, help="requests per client at 1 client")
    parser.add_argument("--endpoint", action="append", help="measure only these (repeatable)")
    args = parser.parse_args()
    endpoints = args.endpoint or list(ENDPOINTS)
    with httpx.Client(base_url=args.base_url, timeout=120) as client:
        for endpoint in endpoints:
            client.get(endpoint).raise_for_status()
    print(f"| endpoint | clients | p50 ms | p95 ms | KiB | /health p95 ms | /health max ms | failures |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for endpoint in endpoints:
        for clients in (1, 8):
            # The same number of requests in all at both loads, at least 5 per client.
            per_client = max(5, args.requests // clients)
            f = measure(args.base_url, endpoint, clients, per_client)
            print(f"| `{f.endpoint}` | {f.clients} | {f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.kib:.1f} | "
                  f"{f.health_p95_ms:.1f} | {f.health_max_ms:.1f} | {f.failures} |", flush=True)


if __name__ == "__main__":
    main()
