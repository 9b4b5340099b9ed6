"""A live dashboard (uvicorn on a free port, real SQLite) and a headless Chromium driving it."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from benchsvc.config import Settings
from benchsvc.ingest import store
from benchsvc.domain import Machine, RunDocument, Status
from benchsvc.storage import make_engine, transaction, upgrade
from benchsvc.storage.tokens import Scope, create_token
from tests.support.synthetic_history import HistoryPlan, InjectedFailure, InjectedStep, generate_history

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
ENSURE_CHROMIUM = Path(__file__).resolve().parents[3] / "scripts" / "ensure-chromium"
REPOSITORY_URL = "https://example.org/benchsvc"
TRIAGER = "triager"
# bench-01: jit and tvm, a 10% TVM slowdown of resnet18 on 2 threads, one invalid night on that series.
PLAN = HistoryPlan(
    nights=40, models=("resnet18", "resnet50"), threads=(1, 2),
    steps=[InjectedStep("resnet18", "tvm", 2, 25, -0.10)],
    failures=[InjectedFailure("resnet18", "tvm", 2, 30, Status.INVALID,
                              "output differs from eager: max abs diff 0.2 > tolerance 0.001")],
    noisy=(10,),
)
# bench-02: jit only, resnet18 only; its latest night has a crash.
SECOND_MACHINE = Machine(
    hostname="bench-02", cpu_model="Intel Xeon", cpu_flags=["avx2"], cores=2, memory_bytes=8 * 2**30, os="Linux-6.1",
)
SECOND_PLAN = HistoryPlan(
    nights=40, models=("resnet18",), backends=("jit",), threads=(1, 2), steps=[], seed=8, machine=SECOND_MACHINE,
    failures=[InjectedFailure("resnet18", "jit", 1, 39, Status.FAILED, "measurement process crashed with SIGSEGV")],
)


@pytest.fixture(scope="module")
def posted_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[RunDocument]]:
    """The database and bench-01's runs, oldest first (bench-02's runs are stored too)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'dashboard.sqlite3'}"
    upgrade(url)
    documents = list(generate_history(PLAN))
    for first, second in zip(documents, generate_history(SECOND_PLAN)):
        store(url, first)
        store(url, second)
    return url, documents


@pytest.fixture(scope="module")
def write_token(posted_history: tuple[str, list[RunDocument]]) -> str:
    engine = make_engine(posted_history[0])
    with transaction(engine) as session:
        secret = create_token(session, TRIAGER, Scope.WRITE).secret
    engine.dispose()
    return secret


@pytest.fixture(scope="module")
def dashboard_url(posted_history: tuple[str, list[RunDocument]]) -> Iterator[str]:
    from benchsvc.api.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(database_url=posted_history[0], repository_url=REPOSITORY_URL))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept for people to look at (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    subprocess.run([str(ENSURE_CHROMIUM)], check=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--window-size=1400,1200"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
