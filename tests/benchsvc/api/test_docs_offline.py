"""/docs and /redoc load everything from this server: they work on a machine without internet."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_their_assets_from_this_server_and_run_no_inline_script(client, page):
    html = client.get(page).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    # Every asset is a path on this server, and each one is served
    assert sources and all(source.startswith("/") for source in sources)
    for source in sources:
        assert client.get(source).status_code == 200, source
    # And no script is written into the page itself (a strict Content-Security-Policy allows none)
    assert re.search(r"<script>(?!</script>)", html) is None
    assert all(attributes.count("src=") == 1 for attributes in re.findall(r"<script([^>]*)>", html))


def test_the_docs_point_swagger_ui_at_the_openapi_schema(client):
    assert 'data-openapi-url="/openapi.json"' in client.get("/docs").text
    assert client.get("/openapi.json").json()["info"]["title"] == "benchsvc"
