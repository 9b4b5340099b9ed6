"""Answers kept between reads are never stale: storing a run replaces them."""

from datetime import datetime, timedelta, timezone

from tests.support.documents import a_document, a_result

NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def test_a_series_read_again_after_a_new_run_includes_it(post, client):
    post(a_document(a_result("jit", samples=[80.0]), created_at=NIGHT))
    first = client.get("/api/v1/series", params={"model": "resnet18"}).json()

    post(a_document(a_result("jit", samples=[90.0]), created_at=NIGHT + timedelta(days=1)))
    second = client.get("/api/v1/series", params={"model": "resnet18"}).json()

    assert [p["median"] for p in first["points"]] == [80.0]
    assert [p["median"] for p in second["points"]] == [80.0, 90.0]


def test_the_pages_show_a_new_run_at_once(post, client):
    post(a_document(a_result("jit", samples=[80.0]), created_at=NIGHT, sha="aaaa1111"))
    client.get("/compare")

    post(a_document(a_result("jit", samples=[90.0]), created_at=NIGHT + timedelta(days=1), sha="bbbb2222"))

    assert "bbbb2222" in client.get("/compare").text
