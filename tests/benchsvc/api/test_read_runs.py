from datetime import datetime, timedelta, timezone

from benchsvc.domain import Machine
from tests.support.documents import MACHINE, a_document, a_result

NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def test_runs_are_listed_newest_first_with_their_total(post, client):
    older, newer = a_document(created_at=NIGHT), a_document(created_at=NIGHT + timedelta(days=1))
    post(older), post(newer)

    page = client.get("/api/v1/runs").json()

    assert page["total"] == 2
    assert [run["run_id"] for run in page["runs"]] == [str(newer.run_id), str(older.run_id)]


def test_runs_are_paginated_by_limit_and_offset(post, client):
    documents = [a_document(created_at=NIGHT + timedelta(days=day)) for day in range(5)]
    for document in documents:
        post(document)

    page = client.get("/api/v1/runs", params={"limit": 2, "offset": 2}).json()

    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 2
    assert [run["run_id"] for run in page["runs"]] == [str(documents[2].run_id), str(documents[1].run_id)]


def test_runs_are_filtered_by_model_backend_commit_and_time(post, client):
    tvm_run = a_document(a_result("tvm"), created_at=NIGHT, sha="aaaa1111")
    jit_run = a_document(a_result("jit"), created_at=NIGHT + timedelta(days=2), sha="bbbb2222")
    post(tvm_run), post(jit_run)

    def run_ids(**params):
        return [run["run_id"] for run in client.get("/api/v1/runs", params=params).json()["runs"]]

    assert run_ids(backend="tvm") == [str(tvm_run.run_id)]
    assert run_ids(model="resnet18", commit="bbbb") == [str(jit_run.run_id)]
    assert run_ids(since=(NIGHT + timedelta(days=1)).isoformat()) == [str(jit_run.run_id)]
    assert run_ids(until=(NIGHT + timedelta(days=1)).isoformat()) == [str(tvm_run.run_id)]
    assert run_ids(model="resnet50") == []


def test_runs_are_filtered_by_machine_hostname(post, client):
    other = Machine(**{**MACHINE.model_dump(), "hostname": "bench-02"})
    mine = a_document()
    post(mine), post(a_document().model_copy(update={"machine": other}))

    page = client.get("/api/v1/runs", params={"machine": "bench-01"}).json()

    assert [run["run_id"] for run in page["runs"]] == [str(mine.run_id)]


def test_an_unknown_run_is_a_404(client):
    answer = client.get("/api/v1/runs/7d0c52a4-5d0f-4bb5-9d5e-2b1d1f0f4e11")

    assert answer.status_code == 404
    assert answer.json()["detail"] == "no run 7d0c52a4-5d0f-4bb5-9d5e-2b1d1f0f4e11"


def test_a_run_id_that_is_not_a_uuid_is_a_422_naming_it(client):
    answer = client.get("/api/v1/runs/last-night")

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("run_id:")


def test_a_page_larger_than_500_runs_is_refused(client):
    answer = client.get("/api/v1/runs", params={"limit": 501})

    assert answer.status_code == 422
    assert answer.json()["message"].startswith("limit:")


def test_machines_lists_each_machine_once_with_when_it_was_seen(post, client):
    post(a_document()), post(a_document())

    machines = client.get("/api/v1/machines").json()

    assert len(machines) == 1
    assert machines[0]["fingerprint"] == MACHINE.fingerprint
    assert machines[0]["hostname"] == "bench-01"
    assert machines[0]["first_seen"] <= machines[0]["last_seen"]
