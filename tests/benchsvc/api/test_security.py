"""What a browser is told on every page, and who may manage tokens."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from benchsvc.storage.tokens import Scope
from tests.benchsvc.api.conftest import bearer, issue_token
from tests.support.documents import a_document, a_result

PAGES = ["/", "/series?model=resnet18", "/compare", "/docs", "/api/v1/runs", "/health", "/openapi.json"]


class Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.external: list[str] = []
        self.handlers: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            source = dict(attrs).get("src")
            self.in_script = source is None
            if source:
                self.external.append(source)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.inline.append(data.strip()[:80])


def scripts_of(html: str) -> Scripts:
    parser = Scripts()
    parser.feed(html)
    return parser


@pytest.fixture
def with_a_run(post) -> None:
    post(a_document(a_result("jit"), a_result("tvm", samples=[90.0, 91.0, 92.0])))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_forbids_inline_script_framing_sniffing_and_referrers(client, with_a_run, page):
    answer = client.get(page)

    assert answer.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("page", ["/", "/series?model=resnet18", "/compare", "/docs"])
def test_pages_run_only_scripts_they_load_from_a_file(client, with_a_run, page):
    scripts = scripts_of(client.get(page).text)

    assert scripts.inline == [] and scripts.handlers == []
    assert scripts.external


def test_the_figures_are_drawn_by_a_script_the_server_serves(client, with_a_run):
    assert "/static/dashboard/figures.js" in scripts_of(client.get("/").text).external
    script = client.get("/static/dashboard/figures.js")
    assert script.status_code == 200 and "Plotly.newPlot" in script.text


def test_a_write_token_cannot_create_or_revoke_tokens(client, write_token):
    created = client.post("/api/v1/tokens", json={"name": "sneaky", "scope": "admin"}, headers=bearer(write_token))
    revoked = client.delete("/api/v1/tokens/ci", headers=bearer(write_token))
    listed = client.get("/api/v1/tokens", headers=bearer(write_token))

    assert [created.status_code, revoked.status_code, listed.status_code] == [403, 403, 403]
    assert "this needs admin" in created.json()["detail"]


def test_without_a_token_tokens_cannot_be_managed(client):
    assert client.post("/api/v1/tokens", json={"name": "anyone"}).status_code == 401
    assert client.delete("/api/v1/tokens/1").status_code == 401


def test_an_admin_token_creates_a_token_that_works_and_revokes_it(client, database_url):
    admin = issue_token(database_url, "ops", Scope.ADMIN)

    created = client.post("/api/v1/tokens", json={"name": "bench-02"}, headers=bearer(admin))
    secret = created.json()["secret"]
    posted = client.post("/api/v1/runs", content=a_document().model_dump_json(), headers=bearer(secret))
    revoked = client.delete("/api/v1/tokens/bench-02", headers=bearer(admin))
    after = client.post("/api/v1/runs", content=a_document().model_dump_json(), headers=bearer(secret))

    assert created.status_code == 201 and created.json()["scope"] == "write"
    assert posted.status_code == 201
    assert revoked.status_code == 200 and [t["name"] for t in revoked.json()] == ["bench-02"]
    assert after.status_code == 401


def test_revoking_an_unknown_token_is_a_404(client, database_url):
    admin = issue_token(database_url, "ops", Scope.ADMIN)

    assert client.delete("/api/v1/tokens/nobody", headers=bearer(admin)).status_code == 404


def test_listings_show_at_most_four_characters_of_a_secret(client, database_url, write_token):
    admin = issue_token(database_url, "ops", Scope.ADMIN)

    listed = client.get("/api/v1/tokens", headers=bearer(admin)).json()

    for token, secret in zip(listed, [write_token, admin]):
        assert token["prefix"] == secret[: len("bsv_") + 4]
        assert "secret" not in token


def test_only_token_management_needs_admin_a_write_token_does_everything_else(client, write_token, post):
    document = a_document()
    assert post(document).status_code == 201
    patch = client.patch("/api/v1/regressions/1", json={"state": "fixed"}, headers=bearer(write_token))
    # No regression 1 exists: the token was accepted, the item was not found.
    assert patch.status_code == 404
