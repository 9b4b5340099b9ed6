"""Every bad run document is a 422 naming the field, and stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from benchsvc.domain import INT32_MAX, INT64_MAX
from tests.benchsvc.api.conftest import bearer
from tests.benchsvc.api.test_post_runs import stored_runs
from tests.support.documents import a_document, a_result


def document_with(change: Callable[[dict], None]) -> str:
    document = json.loads(a_document(a_result("jit"), a_result("tvm")).model_dump_json())
    change(document)
    # allow_nan: NaN and Infinity travel as the bare words a careless client sends.
    return json.dumps(document, allow_nan=True)


def setter(path: str, value: object) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
        target = document
        for part in parents:
            target = target[part]
        target[last] = value

    return change


BAD_INPUTS = [
    ("results.0.samples.1", float("nan"), "finite number"),
    ("results.0.samples.1", float("inf"), "finite number"),
    ("results.0.samples.1", -80.0, "greater than 0"),
    ("results.0.samples.1", 0.0, "greater than 0"),
    ("results.0.summary.median", float("inf"), "finite number"),
    ("results.0.correctness.max_abs_diff", float("inf"), "finite number"),
    ("results.0.compile_seconds", float("nan"), "finite number"),
    ("machine.memory_bytes", 10**30, f"less than or equal to {INT64_MAX}"),
    ("results.0.peak_memory_bytes", 2**63, f"less than or equal to {INT64_MAX}"),
    ("results.0.calls_per_sample", 2**31, f"less than or equal to {INT32_MAX}"),
    ("results.0.warmup_calls", 2**31, f"less than or equal to {INT32_MAX}"),
    ("results.0.summary.n", 2**31, "less than or equal to"),
    ("commit.pr", 2**31, f"less than or equal to {INT32_MAX}"),
    ("results.0.model", "resnet\x0018", "control characters"),
    ("machine.hostname", "bench\x00-01", "control characters"),
    ("machine.cpu_flags.0", "avx\n2", "control characters"),
    ("software.torch", "2.14\x1b[31m", "control characters"),
    ("results.0.error", "boom\x00", "control characters"),
    ("tags.trigger", "night\x00ly", "control characters"),
    ("results.0.explain", {"share": float("nan")}, "finite numbers"),
    ("results.0.explain", {"note": "a\x00b"}, "control characters"),
    ("created_at", "0001-01-01T00:00:00+05:00", "outside the range"),
    ("results.0.ratio_to_jit", {"median": float("inf"), "low": 1.0, "high": 2.0}, "finite number"),
    ("results.0.interference", {"cpu_share": float("nan")}, "finite number"),
    ("results.0.coverage", float("nan"), "finite number"),
    ("results.0.configuration", "opt_level=3\x00", "control characters"),
    ("results.0.tuning", {"kernels_tuned": 2**31}, f"less than or equal to {INT32_MAX}"),
    ("results.0.scaling", {"threads": 1, "median": float("nan"), "low": 1.0, "high": 2.0}, "finite number"),
    ("results.0.scaling", {"threads": 0, "median": 1.9, "low": 1.8, "high": 2.0}, "greater than or equal to 1"),
]


@pytest.mark.parametrize(("path", "value", "reason"), BAD_INPUTS, ids=[f"{p}={v!r}" for p, v, _ in BAD_INPUTS])
def test_a_bad_figure_name_or_integer_is_a_422_naming_the_field_and_stores_nothing(
    client, write_token, database_url, path, value, reason
):
    body = document_with(setter(path, value))

    answer = client.post("/api/v1/runs", content=body, headers={**bearer(write_token), "Content-Type": "application/json"})

    assert answer.status_code == 422, answer.text
    field = path.rsplit(".", 1)[0] if path.startswith(("results.0.explain", "tags.")) else path
    assert answer.json()["message"].startswith(field), answer.json()["message"]
    assert reason in answer.json()["message"]
    assert stored_runs(database_url) == 0


def test_a_huge_exponent_is_refused_as_not_finite(client, write_token, database_url):
    body = document_with(setter("results.0.samples.0", 12345.678)).replace("12345.678", "1e999", 1)

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("results.0.samples.0: Input should be a finite number")
    assert stored_runs(database_url) == 0


def test_a_summary_that_does_not_follow_from_its_samples_is_refused(client, write_token, database_url):
    body = document_with(setter("results.1.summary.median", 1000.0))

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    message = answer.json()["message"]
    assert message.startswith("results.1: Value error, summary does not match the samples: median is 1000.0")
    assert stored_runs(database_url) == 0


def test_a_summary_counting_other_samples_than_it_has_is_refused(client, write_token, database_url):
    body = document_with(setter("results.0.summary.n", 7))

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    assert "n is 7 but there are 3 samples" in answer.json()["message"]
    assert stored_runs(database_url) == 0


def test_a_successful_result_without_samples_is_refused(client, write_token, database_url):
    def no_samples(document: dict) -> None:
        document["results"][0]["samples"] = []
        document["results"][0]["summary"] = None

    answer = client.post("/api/v1/runs", content=document_with(no_samples), headers=bearer(write_token))

    assert answer.status_code == 422
    assert "status ok needs its samples and their summary" in answer.json()["message"]
    assert stored_runs(database_url) == 0


def test_a_summary_sent_without_its_samples_is_refused(client, write_token, database_url):
    body = document_with(setter("results.1.samples", []))

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("results.1.samples: a summary needs the samples it summarises")
    assert stored_runs(database_url) == 0


def test_a_lone_surrogate_in_a_name_is_refused(client, write_token, database_url):
    body = document_with(setter("results.0.backend", "jxt")).replace('"jxt"', '"j\\ud800t"', 1)

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("results.0.backend: ")
    assert stored_runs(database_url) == 0


def test_an_error_message_may_span_lines(post, database_url):
    failed = a_result("tvm", status="failed", error="Traceback:\n\tline 1\r\nTVMError", samples=[], summary=None)

    assert post(a_document(a_result("jit"), failed)).status_code == 201
    assert stored_runs(database_url) == 1


def test_a_scaling_from_as_many_threads_as_the_result_has_is_refused(client, write_token, database_url):
    body = document_with(setter("results.1.scaling", {"threads": 2, "median": 1.0, "low": 1.0, "high": 1.0}))

    answer = client.post("/api/v1/runs", content=body, headers=bearer(write_token))

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("results.1: Value error, scaling.threads (2) must be fewer")
    assert stored_runs(database_url) == 0
