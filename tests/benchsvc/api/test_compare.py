import pytest

from benchsvc.domain import Status
from tests.support.documents import a_document, a_result

STEADY = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2]
SLOWER = [90.0, 91.0, 89.0, 90.5, 89.5, 90.2]


def compare(client, baseline, contender, **params):
    return client.get(
        "/api/v1/compare", params={"baseline": str(baseline.run_id), "contender": str(contender.run_id), **params}
    )


def test_a_clear_slowdown_is_reported_as_significant_with_its_size(post, client):
    baseline, contender = a_document(a_result(samples=STEADY)), a_document(a_result(samples=SLOWER))
    post(baseline), post(contender)

    result = compare(client, baseline, contender).json()["results"][0]

    assert result["verdict"] == "slower" and result["significant"] is True
    assert round(result["change_percent"], 1) == -10.0
    assert result["p_value"] < 0.05


def test_the_same_distribution_is_unchanged(post, client):
    baseline, contender = a_document(a_result(samples=STEADY)), a_document(a_result(samples=list(reversed(STEADY))))
    post(baseline), post(contender)

    result = compare(client, baseline, contender).json()["results"][0]

    assert result["verdict"] == "unchanged" and result["significant"] is False
    assert result["change_percent"] == 0.0


def test_a_significant_change_below_the_size_floor_does_not_count(post, client):
    tight = [100.0, 100.1, 99.9, 100.05, 99.95, 100.02]
    faster_by_one_percent = [value * 1.01 for value in tight]
    baseline, contender = a_document(a_result(samples=tight)), a_document(a_result(samples=faster_by_one_percent))
    post(baseline), post(contender)

    result = compare(client, baseline, contender, min_change_percent=2).json()["results"][0]

    assert result["p_value"] < 0.05
    assert result["verdict"] == "unchanged"


def test_a_failed_result_is_not_comparable(post, client):
    failed = a_result(status=Status.FAILED, error="RuntimeError: boom", samples=None, summary=None, correctness=None)
    baseline, contender = a_document(a_result(samples=STEADY)), a_document(failed.model_copy(update={"samples": []}))
    post(baseline), post(contender)

    result = compare(client, baseline, contender).json()["results"][0]

    assert result["verdict"] == "not comparable"
    assert result["change_percent"] is None


def test_results_only_in_one_run_are_left_out(post, client):
    baseline = a_document(a_result("jit", samples=STEADY))
    contender = a_document(a_result("jit", samples=STEADY), a_result("tvm", samples=STEADY))
    post(baseline), post(contender)

    results = compare(client, baseline, contender).json()["results"]

    assert [result["backend"] for result in results] == ["jit"]


def test_comparing_with_an_unknown_run_is_a_404_naming_which(post, client):
    baseline = a_document()
    post(baseline)

    answer = client.get("/api/v1/compare", params={
        "baseline": str(baseline.run_id), "contender": "7d0c52a4-5d0f-4bb5-9d5e-2b1d1f0f4e11",
    })

    assert answer.status_code == 404
    assert answer.json()["detail"].startswith("contender: no run")


def test_confidence_is_adjusted_for_every_result_compared(post, client):
    # Given two runs with 30 results each, one of them slower and the rest the same
    backends = [f"b{i}" for i in range(30)]
    baseline = a_document(*[a_result(backend, samples=STEADY) for backend in backends])
    contender = a_document(a_result("b0", samples=SLOWER),
                           *[a_result(backend, samples=list(reversed(STEADY))) for backend in backends[1:]])
    post(baseline), post(contender)

    results = compare(client, baseline, contender).json()["results"]

    # Then the slower one's q-value is its p-value adjusted (Benjamini-Hochberg) over all 30 tests
    slower = results[0]
    assert slower["q_value"] == pytest.approx(min(1.0, slower["p_value"] * 30))
    assert slower["confidence"] == pytest.approx(1.0 - slower["q_value"])
    assert all(r["verdict"] == "unchanged" for r in results[1:])
