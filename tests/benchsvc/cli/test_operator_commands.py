"""The operator's commands: tokens, serve's schema check, post's errors."""

from sqlalchemy import text
from typer.testing import CliRunner

from benchsvc.cli.app import app
from benchsvc.storage import make_engine, transaction
from benchsvc.storage.database import head_revision
from benchsvc.storage.tokens import authenticate, hash_secret, list_tokens
from tests.support.documents import a_document

runner = CliRunner()


def test_token_create_prints_the_secret_once_and_stores_only_its_hash(database_url):
    created = runner.invoke(app, ["token", "create", "--name", "ci", "--database-url", database_url])

    secret = created.stdout.strip()
    engine = make_engine(database_url)
    with transaction(engine) as session:
        [token] = list_tokens(session)
        assert authenticate(session, secret) is not None
        stored = session.execute(text("select token_hash from api_tokens")).scalar_one()
    engine.dispose()
    assert created.exit_code == 0 and secret.startswith("bsv_")
    assert (token.name, token.scope) == ("ci", "write")
    assert stored == hash_secret(secret) and secret not in stored


def test_token_list_and_revoke(database_url):
    runner.invoke(app, ["token", "create", "--name", "bench-01", "--scope", "admin", "--database-url", database_url])

    revoked = runner.invoke(app, ["token", "revoke", "bench-01", "--database-url", database_url])
    listed = runner.invoke(app, ["token", "list", "--database-url", database_url])

    assert revoked.exit_code == 0 and "revoked token 1 'bench-01'" in revoked.stdout
    assert "bench-01" in listed.stdout and "admin" in listed.stdout and "revoked" in listed.stdout


def test_revoking_an_unknown_token_says_how_to_find_one(database_url):
    answer = runner.invoke(app, ["token", "revoke", "nobody", "--database-url", database_url])

    assert answer.exit_code == 1
    assert "no active token with id or name 'nobody'; see `benchsvc token list`" in answer.output


def test_serve_without_migrating_refuses_a_database_with_pending_migrations(empty_database_url):
    answer = runner.invoke(app, ["serve", "--no-migrate", "--database-url", empty_database_url])

    assert answer.exit_code == 1
    assert f"is at revision none, this code needs {head_revision()}" in " ".join(answer.output.split())
    assert "run `benchsvc db upgrade`" in answer.output


def test_post_refuses_a_document_without_run_id_before_sending_it(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(a_document().model_dump_json(exclude={"run_id"}))

    answer = runner.invoke(app, ["post", str(path), "--url", "http://127.0.0.1:9", "--token", "t"])

    assert answer.exit_code == 2
    assert "has no run_id" in answer.output


def test_post_names_the_field_of_a_malformed_document(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('{"run_id": "x"}')

    answer = runner.invoke(app, ["post", str(path), "--url", "http://127.0.0.1:9", "--token", "t"])

    assert answer.exit_code == 2
    assert "is not a run document: run_id:" in " ".join(answer.output.split())


def test_post_without_a_server_says_which_setting_to_give():
    answer = runner.invoke(app, ["post", "run.json", "--token", "t"])

    assert answer.exit_code == 2
    assert "pass --url or set BENCHSVC_SERVER_URL" in answer.output
