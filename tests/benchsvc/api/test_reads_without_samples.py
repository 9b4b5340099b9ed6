"""Reads that stay small: pages of runs without raw samples, series capped at max_points."""

from datetime import datetime, timedelta, timezone

from tests.support.documents import a_document, a_result

NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def test_listed_runs_carry_summaries_but_no_raw_samples_by_default(post, client):
    post(a_document(a_result("jit", samples=[80.0, 81.0, 82.0])))

    result = client.get("/api/v1/runs").json()["runs"][0]["results"][0]

    assert result["samples"] == [] and result["summary"]["median"] == 81.0


def test_listed_runs_carry_raw_samples_when_asked(post, client):
    post(a_document(a_result("jit", samples=[80.0, 81.0, 82.0])))

    result = client.get("/api/v1/runs", params={"include_samples": "true"}).json()["runs"][0]["results"][0]

    assert result["samples"] == [80.0, 81.0, 82.0]


def test_a_page_of_runs_has_a_hard_maximum(client):
    answer = client.get("/api/v1/runs", params={"limit": 501})

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("limit:")


def test_series_points_have_samples_only_when_asked(post, client):
    post(a_document(a_result("jit", samples=[80.0, 81.0, 82.0]), created_at=NIGHT))

    plain = client.get("/api/v1/series", params={"model": "resnet18"}).json()["points"][0]
    with_samples = client.get("/api/v1/series", params={"model": "resnet18", "include_samples": "true"}).json()

    assert plain["samples"] is None
    assert with_samples["points"][0]["samples"] == [80.0, 81.0, 82.0]


def test_a_downsampled_point_says_how_many_runs_it_stands_for_and_their_range(post, client):
    for day in range(6):
        post(a_document(a_result("jit", samples=[80.0 + day]), created_at=NIGHT + timedelta(days=day)))

    answer = client.get("/api/v1/series", params={"model": "resnet18", "max_points": 2}).json()

    assert [(p["low"], p["median"], p["high"], p["runs"]) for p in answer["points"]] == [
        (80.0, 81.0, 82.0, 3), (83.0, 84.0, 85.0, 3),
    ]


def test_max_points_has_a_hard_maximum(client):
    answer = client.get("/api/v1/series", params={"model": "resnet18", "max_points": 10_001})

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("max_points:")
