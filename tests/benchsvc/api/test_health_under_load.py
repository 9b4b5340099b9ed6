"""/health keeps answering while heavy reads hold every database connection and worker thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from benchsvc.api import create_app
from benchsvc.config import Settings
from benchsvc.storage import make_engine, upgrade

# More than the main pool's connections (5 + 10) and than the shared thread pool (40 threads).
BLOCKED_READS = 50


@pytest.fixture
def served(empty_postgres_url: str, isolated_data_dir) -> Iterator[str]:
    upgrade(empty_postgres_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(database_url=empty_postgres_url, data_dir=isolated_data_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def waiting_on_locks(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ))


@pytest.mark.postgres
def test_health_answers_while_reads_hold_every_connection_and_thread(served, empty_postgres_url):
    engine = make_engine(empty_postgres_url)
    holder = engine.connect()
    # Given reads that cannot finish: the table they read is locked by someone else...
    holder.execute(text("LOCK TABLE results IN ACCESS EXCLUSIVE MODE"))
    with ThreadPoolExecutor(BLOCKED_READS) as pool:
        reads = [pool.submit(httpx.get, f"{served}/api/v1/series?model=resnet18", timeout=60)
                 for _ in range(BLOCKED_READS)]
        deadline = time.monotonic() + 20
        while waiting_on_locks(engine) < 15 and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            # ...when a probe asks for health,
            started = time.perf_counter()
            answer = httpx.get(f"{served}/health", timeout=5)
            elapsed = time.perf_counter() - started
        finally:
            holder.rollback()
            holder.close()
        statuses = [read.result().status_code for read in reads]
    engine.dispose()

    # then it answers at once, and the reads still finish once the lock is gone.
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert elapsed < 1.0
    assert statuses == [200] * BLOCKED_READS
