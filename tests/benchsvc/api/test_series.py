from datetime import datetime, timedelta, timezone

from benchsvc.domain import RatioToReference, ThreadScaling
from tests.support.documents import a_document, a_result

NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def nights(post, count: int, *, backend: str = "jit") -> None:
    for day in range(count):
        speed = 80.0 + day
        post(a_document(a_result(backend, samples=[speed - 1, speed, speed + 1]), created_at=NIGHT + timedelta(days=day)))


def test_a_series_gives_one_point_per_night_oldest_first(post, client):
    nights(post, 3)

    answer = client.get("/api/v1/series", params={"model": "resnet18", "backend": "jit", "threads": 2}).json()

    assert answer["total_points"] == 3 and answer["downsampled"] is False
    assert [point["median"] for point in answer["points"]] == [80.0, 81.0, 82.0]
    first = answer["points"][0]
    assert first["commit"] == "abc1234" and first["n"] == 3 and first["iqr"] == 1.0
    assert first["created_at"].startswith("2026-11-01T02:00:00")


def test_a_series_keeps_only_the_asked_backend(post, client):
    nights(post, 2, backend="jit")
    nights(post, 1, backend="tvm")

    answer = client.get("/api/v1/series", params={"model": "resnet18", "backend": "tvm"}).json()

    assert [point["backend"] for point in answer["points"]] == ["tvm"]


def test_a_series_is_cut_by_since_and_until(post, client):
    nights(post, 5)

    answer = client.get("/api/v1/series", params={
        "model": "resnet18",
        "since": (NIGHT + timedelta(days=1)).isoformat(),
        "until": (NIGHT + timedelta(days=3)).isoformat(),
    }).json()

    assert [point["median"] for point in answer["points"]] == [81.0, 82.0, 83.0]


def test_a_bare_date_as_until_includes_that_whole_day(post, client):
    nights(post, 5)

    answer = client.get("/api/v1/series", params={
        "model": "resnet18", "until": (NIGHT + timedelta(days=1)).date().isoformat(),
    }).json()

    assert [point["median"] for point in answer["points"]] == [80.0, 81.0]


def test_a_relative_since_counts_back_from_now(post, client):
    nights(post, 2)

    answer = client.get("/api/v1/series", params={"model": "resnet18", "since": "7d"})

    assert answer.status_code == 200
    assert answer.json()["points"] == []


def test_a_time_filter_that_is_no_time_is_a_422_naming_the_field(client):
    answer = client.get("/api/v1/series", params={"model": "resnet18", "since": "yesterday"})

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("since: ")
    assert "7d" in answer.json()["message"]


def test_a_long_series_is_downsampled_to_max_points_of_real_runs(post, client):
    nights(post, 10)

    answer = client.get("/api/v1/series", params={"model": "resnet18", "max_points": 4}).json()

    assert answer["total_points"] == 10 and answer["downsampled"] is True
    assert len(answer["points"]) <= 4
    assert sum(point["runs"] for point in answer["points"]) == 10
    # Each point is the median run of its bucket, so medians are values that were measured.
    assert {point["median"] for point in answer["points"]} <= {80.0 + day for day in range(10)}


def test_a_series_needs_a_model(client):
    answer = client.get("/api/v1/series")

    assert answer.status_code == 422
    assert answer.json()["message"] == "model: Field required"


def a_night_beside_the_reference_runtimes(post) -> None:
    ratio = RatioToReference(reference="openvino", median=1.04, low=1.01, high=1.07)
    post(a_document(a_result("jit"), a_result("tvm", ratio_to_best_reference=ratio), a_result("openvino"),
                    created_at=NIGHT))


def test_a_point_carries_its_paired_speed_over_the_fastest_reference_runtime_and_its_name(post, client):
    a_night_beside_the_reference_runtimes(post)

    answer = client.get("/api/v1/series", params={"model": "resnet18", "backend": "tvm"}).json()

    [point] = answer["points"]
    assert (point["ratio_to_best_reference"], point["best_reference"]) == (1.04, "openvino")


def a_night_at_one_and_two_threads(post) -> None:
    """jit and tvm at 1 and 2 threads; tvm at 2 ran 1.91x as fast as at 1, paired per round."""
    scaling = ThreadScaling(threads=1, median=1.91, low=1.88, high=1.93)
    post(a_document(a_result("jit", threads=1), a_result("tvm", threads=1), a_result("jit", threads=2),
                    a_result("tvm", threads=2, scaling=scaling), created_at=NIGHT))


def test_a_point_at_two_threads_carries_its_paired_scaling_from_one_thread(post, client):
    a_night_at_one_and_two_threads(post)

    answer = client.get("/api/v1/series", params={"model": "resnet18", "backend": "tvm", "threads": 2}).json()

    [point] = answer["points"]
    assert (point["scaling"], point["scaling_threads"]) == (1.91, 1)


def test_the_series_page_draws_the_speed_over_the_fastest_reference_runtime(post, client):
    a_night_beside_the_reference_runtimes(post)

    page = client.get("/series", params={"model": "resnet18"}).text

    assert 'id="reference-chart"' in page


def test_without_reference_runtimes_the_series_page_has_no_reference_chart(post, client):
    nights(post, 2)

    page = client.get("/series", params={"model": "resnet18"}).text

    assert 'id="reference-chart"' not in page


def test_the_home_page_shows_tvm_over_the_fastest_reference_runtime_of_the_latest_night(post, client):
    a_night_beside_the_reference_runtimes(post)

    page = client.get("/").text

    assert "TVM / best reference" in page and "1.040x openvino" in page


def test_the_home_page_shows_tvms_scaling_from_the_fewest_threads_of_the_latest_night(post, client):
    a_night_at_one_and_two_threads(post)

    page = client.get("/").text

    assert "TVM scaling" in page and "1.91x from 1" in page


def test_the_series_page_draws_the_scaling_from_the_fewest_threads(post, client):
    a_night_at_one_and_two_threads(post)

    page = client.get("/series", params={"model": "resnet18"}).text

    assert 'id="scaling-chart"' in page


def test_with_one_thread_count_the_series_page_has_no_scaling_chart(post, client):
    nights(post, 2)

    page = client.get("/series", params={"model": "resnet18"}).text

    assert 'id="scaling-chart"' not in page
