"""Faults caused for real: the server killed mid-post, PostgreSQL restarted mid-post, the analysis
worker killed mid-job. Afterwards every run is stored once and whole, every job exists once, and
detection catches up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from benchsvc.config import Settings
from benchsvc.ingest import drain, ingest
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.jobs import JobKind, JobState, jobs_of_run
from benchsvc.storage.repository import find_run_pk
from tests.support.analysis import analysis_settled
from tests.support.documents import a_document, a_result
from tests.support.servers import free_port, issue_token, stop

pytestmark = pytest.mark.postgres

CLIENTS = 4
RUNS_PER_CLIENT = 12
RESULTS_PER_RUN = 28


MODELS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2")
START = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def a_run_of_28():
    return a_document(*[a_result(backend, threads=threads, model=model)
                        for model in MODELS for backend in ("jit", "tvm") for threads in (1, 2)])


def post_until_taken(url: str, token: str, body: str, deadline: float) -> int:
    """What a careful client does: the same document again after any failure, until the server has it."""
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"{url}/api/v1/runs", content=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            if answer.status_code in (200, 201):
                return answer.status_code
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server never took the run")


def post_from_clients(url: str, token: str, documents: list, deadline: float) -> threading.Thread:
    def client(share: list) -> None:
        for document in share:
            post_until_taken(url, token, document.model_dump_json(), deadline)

    threads = [threading.Thread(target=client, args=(documents[i::CLIENTS],)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    waiter = threading.Thread(target=lambda: [thread.join() for thread in threads])
    waiter.start()
    return waiter


def assert_each_stored_once_and_whole(database_url: str, documents: list) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        runs = connection.execute(text("select run_id, (select count(*) from results r where r.run_pk = runs.id) "
                                       "from runs")).all()
        jobs = connection.execute(text("select run_pk, count(*) from analysis_jobs where kind = 'detect' "
                                       "group by run_pk having count(*) > 1")).all()
        without_job = connection.execute(text("select count(*) from runs where not exists (select 1 from "
                                              "analysis_jobs j where j.run_pk = runs.id and j.kind = 'detect')")).scalar()
    engine.dispose()
    assert sorted(run_id for run_id, _ in runs) == sorted(str(d.run_id) for d in documents)
    assert {count for _, count in runs} == {RESULTS_PER_RUN}
    assert jobs == [] and without_job == 0


def test_runs_posted_while_the_server_is_killed_are_stored_once_and_analysed(
    empty_postgres_url, server_factory
):
    # Given a server on PostgreSQL and 4 clients posting 48 runs of 28 results
    port = free_port()
    server = server_factory(empty_postgres_url, port=port)
    token = issue_token(empty_postgres_url)
    documents = [a_run_of_28() for _ in range(CLIENTS * RUNS_PER_CLIENT)]
    clients = post_from_clients(server.url, token, documents, time.monotonic() + 300)

    # When the server is killed with SIGKILL while they post, and started again
    time.sleep(1.5)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    server_factory(empty_postgres_url, port=port)
    clients.join()

    # Then every run is stored once and whole, with one detection job each, and all jobs get done
    assert_each_stored_once_and_whole(empty_postgres_url, documents)
    assert analysis_settled(empty_postgres_url, timeout=120) == {JobState.DONE: len(documents)}


def postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, list[str]]]:
    """A PostgreSQL cluster of this test's own, so restarting it disturbs nobody: its URL and restart command."""
    binaries = postgres_binaries()
    assert binaries is not None, "PostgreSQL's server programs are needed (scripts/ensure-postgres installs them)"
    directory = Path(tempfile.mkdtemp(prefix="benchsvc-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data, port = directory / "data", free_port()
    subprocess.run(as_postgres_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    pg_ctl = as_postgres_user([str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(directory / "log"),
                               "-o", f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"])
    subprocess.run([*pg_ctl, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", [*pg_ctl, "-m", "immediate", "restart"]
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def test_runs_posted_while_postgres_restarts_are_stored_once_and_analysed(own_postgres, server_factory):
    # Given a server on a PostgreSQL of its own and 4 clients posting 48 runs of 28 results
    database_url, restart = own_postgres
    server = server_factory(database_url)
    token = issue_token(database_url)
    documents = [a_run_of_28() for _ in range(CLIENTS * RUNS_PER_CLIENT)]
    clients = post_from_clients(server.url, token, documents, time.monotonic() + 300)

    # When PostgreSQL is restarted (immediate: in-flight transactions are cut) while they post
    time.sleep(1.5)
    subprocess.run(restart, check=True, capture_output=True)
    clients.join()

    # Then every run is stored once and whole, and detection caught up with all of them
    assert_each_stored_once_and_whole(database_url, documents)
    assert analysis_settled(database_url, timeout=120) == {JobState.DONE: len(documents)}
    stop(server)


WORKER = """
import sys
from benchsvc.config import Settings
from benchsvc.ingest import drain
from benchsvc.storage import make_engine
drain(make_engine(sys.argv[1]), Settings())
"""


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_which_detects_once(empty_postgres_url):
    # Given a series with a sustained 10% drop whose confirming night was just stored
    upgrade(empty_postgres_url)
    engine = make_engine(empty_postgres_url)
    level = [100.0] * 14 + [90.0] * 2
    history = [a_document(a_result("tvm", samples=[level[night] + d for d in (-0.3, 0.0, 0.3)]),
                          created_at=START + timedelta(days=night))
               for night in range(16)]
    for document in history[:-1]:
        ingest(engine, document)
        drain(engine, Settings())
    confirming = ingest(engine, history[-1])

    # When a worker takes its detection job and is killed while it stores the regression
    blocker = make_engine(empty_postgres_url)
    with blocker.connect() as held:
        held.execute(text("LOCK TABLE regressions IN EXCLUSIVE MODE"))
        worker = subprocess.Popen([sys.executable, "-c", WORKER, empty_postgres_url])
        waiting_for_lock(engine, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        held.rollback()
    blocker.dispose()

    # Then nothing of that job was kept and it waits, untouched, for the next worker
    with transaction(engine) as session:
        [job] = jobs_of_run(session, confirming.run_pk)
        assert (job.kind, job.state, job.attempts) == (JobKind.DETECT, JobState.PENDING, 0)
        assert session.execute(text("select count(*) from regressions")).scalar() == 0

    # When the next worker runs, and another after it
    drain(engine, Settings())
    drain(engine, Settings())

    # Then the drop is detected once and the job is done once
    with transaction(engine) as session:
        [job] = jobs_of_run(session, confirming.run_pk)
        assert (job.state, job.attempts) == (JobState.DONE, 1)
        assert session.execute(text("select count(*) from regressions")).scalar() == 1
        assert find_run_pk(session, history[-1].run_id) == confirming.run_pk
    engine.dispose()


def waiting_for_lock(engine, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    query = text("select count(*) from pg_locks l join pg_class c on c.oid = l.relation "
                 "where c.relname = 'regressions' and not l.granted")
    while time.monotonic() < deadline:
        with engine.connect() as probe:
            if probe.execute(query).scalar():
                return
        time.sleep(0.1)
    raise AssertionError("the worker never reached the regressions table")
