"""Real processes: `benchsvc serve` on a free port, the CLI as users type it, a tiny suite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchsvc.storage import make_engine, transaction
from benchsvc.storage.tokens import Scope, create_token

# The console script installed beside this interpreter: exactly what users run.
BENCHSVC = [str(Path(sys.executable).parent / "benchsvc")]

# Small enough to measure in seconds; never full-size models in tests.
TINY_SUITE = """
[suite]
models = ["resnet18"]
backends = ["eager", "jit"]
threads = [1]
image_size = 32
repeat = 2
warmup = 0
iterations = 1
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def benchsvc(*args: str, env: dict[str, str], timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BENCHSVC, *args], env=env, capture_output=True, text=True, timeout=timeout, input=stdin
    )


@pytest.fixture
def cli_env(isolated_data_dir: Path) -> dict[str, str]:
    return {**os.environ, "BENCHSVC_DATA_DIR": str(isolated_data_dir)}


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"benchsvc serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"benchsvc serve did not become healthy within {timeout} s")


def start_server(database_url: str, env: dict[str, str], port: int) -> Server:
    process = subprocess.Popen(
        [*BENCHSVC, "serve", "--port", str(port), "--database-url", database_url],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    server = Server(url=f"http://127.0.0.1:{port}", database_url=database_url, process=process)
    wait_until_healthy(server.url, process)
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def server_factory(cli_env) -> Iterator:
    """Servers started by a test, stopped after it."""
    started: list[Server] = []

    def start(database_url: str, port: int | None = None) -> Server:
        server = start_server(database_url, cli_env, port or free_port())
        started.append(server)
        return server

    yield start
    for server in started:
        stop(server)


@pytest.fixture(scope="module")
def server(postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `benchsvc serve` on a fresh PostgreSQL database for a whole test module.

    Shared because every start of the console script pays for importing torch; tests that
    use it post runs with fresh run_ids, so they do not see each other's effects.
    """
    name = f"benchsvc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "BENCHSVC_DATA_DIR": str(tmp_path_factory.mktemp("server-data"))}
    # Not migrated here: `benchsvc serve` migrates on start, which this also shows.
    started = start_server(database_url, env, free_port())
    yield started
    stop(started)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def issue_token(database_url: str, name: str = "ci") -> str:
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            return create_token(session, name, Scope.WRITE).secret
    finally:
        engine.dispose()
