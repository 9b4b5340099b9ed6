"""The containers' start scripts, run on a plain machine: no Docker engine runs here."""

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.servers import Server, free_port, stop, wait_until_healthy

DOCKER = Path(__file__).resolve().parents[2] / "docker"
INSTANT_SUITE = '[suite]\nmodels = ["resnet18"]\nbackends = ["eager"]\nthreads = [1]\nimage_size = 32\ntimeout_seconds = 0.01\n'


def test_the_api_script_migrates_and_serves_then_the_scheduler_script_runs_the_suite_against_it(
    empty_sqlite_url, isolated_data_dir
):
    port = free_port()
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "suite.toml").write_text(INSTANT_SUITE)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "BENCHSVC_DATA_DIR": str(isolated_data_dir),
        "BENCHSVC_DATABASE_URL": empty_sqlite_url,
        "BENCHSVC_API_HOST": "127.0.0.1",
        "BENCHSVC_API_PORT": str(port),
        "BENCHSVC_API_URL": f"http://127.0.0.1:{port}",
    }
    api = subprocess.Popen([DOCKER / "start-api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = Server(url=f"http://127.0.0.1:{port}", database_url=empty_sqlite_url, process=api)
    try:
        wait_until_healthy(server.url, api)

        scheduled = subprocess.run(
            [DOCKER / "start-scheduler", "--now"], env=env, capture_output=True, text=True, timeout=180
        )

        assert scheduled.returncode == 0, scheduled.stderr
        assert "1 results, 1 failed" in scheduled.stderr
        runs = httpx.get(f"{server.url}/api/v1/runs").json()
        assert runs["total"] == 1 and runs["runs"][0]["tags"]["trigger"] == "manual"
    finally:
        stop(server)


def test_the_api_script_says_which_setting_is_missing():
    env = {k: v for k, v in os.environ.items() if k != "BENCHSVC_DATABASE_URL"}

    started = subprocess.run([DOCKER / "start-api"], env=env, capture_output=True, text=True, timeout=30)

    assert started.returncode != 0
    assert "set BENCHSVC_DATABASE_URL" in started.stderr
