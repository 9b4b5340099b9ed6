"""From `benchsvc run --json` on a benchmark host to the series a dashboard reads, through real processes."""

import json

import httpx
from typer.testing import CliRunner

from benchsvc.cli.app import app
from benchsvc.storage import make_engine, transaction
from benchsvc.storage.tokens import revoke_tokens
from tests.support.servers import benchsvc, issue_token
from tests.support.documents import a_document

runner = CliRunner()


def test_a_measured_run_posted_with_a_real_token_is_read_back_through_the_series(server, cli_env, tmp_path):
    # Given a server on PostgreSQL and a write token created the way an operator creates one
    created = runner.invoke(app, ["token", "create", "--name", "ci", "--database-url", server.database_url])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]

    # When CI measures a tiny run and posts what `benchsvc run --json` printed
    measured = benchsvc(
        "run", "--model", "resnet18", "--backends", "eager,jit", "--threads", "1", "--image-size", "32",
        "--repeat", "2", "--iterations", "1", "--warmup", "0", "--json", "--no-store", env=cli_env,
    )
    assert measured.returncode == 0, measured.stderr
    run_file = tmp_path / "run.json"
    run_file.write_text(measured.stdout)
    posted = runner.invoke(app, ["post", str(run_file), "--url", server.url, "--token", token])
    reposted = runner.invoke(app, ["post", str(run_file), "--url", server.url, "--token", token])

    # Then it is stored once, and its results form the series
    document = json.loads(measured.stdout)
    assert posted.exit_code == 0 and f"run {document['run_id']} stored on" in posted.stdout, posted.output
    assert reposted.exit_code == 0 and "already stored" in reposted.stdout
    series = httpx.get(f"{server.url}/api/v1/series", params={"model": "resnet18", "threads": 1}).json()
    points = [point for point in series["points"] if point["run_id"] == document["run_id"]]
    assert {point["backend"] for point in points} == {"eager", "jit"}
    jit = next(result for result in document["results"] if result["backend"] == "jit")
    assert next(p for p in points if p["backend"] == "jit")["median"] == jit["summary"]["median"]


def test_posting_with_a_revoked_token_fails_with_the_servers_reason(server, tmp_path):
    token = issue_token(server.database_url, "old")
    engine = make_engine(server.database_url)
    with transaction(engine) as session:
        revoke_tokens(session, "old")
    engine.dispose()
    run_file = tmp_path / "run.json"
    run_file.write_text(a_document().model_dump_json())

    posted = runner.invoke(app, ["post", str(run_file), "--url", server.url, "--token", token])

    assert posted.exit_code == 1
    assert "answered 401: the token is unknown or revoked" in posted.output


def test_the_server_applied_its_migrations_on_start(server):
    assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
