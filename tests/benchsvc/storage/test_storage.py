from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from benchsvc.domain import RatioToReference, Status, ThreadScaling
from benchsvc.ingest import store
from benchsvc.storage import (
    DatabaseError,
    RunFilter,
    SeriesQuery,
    get_run,
    list_machines,
    list_runs,
    make_engine,
    save_run,
    series,
    transaction,
    upgrade,
)
from benchsvc.storage.database import current_revision, downgrade, head_revision, is_up_to_date
from tests.support.documents import MACHINE, a_document, a_result


def test_migrations_create_the_schema_from_nothing(empty_database_url):
    upgrade(empty_database_url)

    engine = make_engine(empty_database_url)
    assert {"machines", "runs", "results"} <= set(inspect(engine).get_table_names())
    assert is_up_to_date(engine)


def test_migrations_downgrade_to_nothing_and_upgrade_again(database_url):
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert current_revision(engine) is None

    upgrade(database_url)

    assert current_revision(engine) == head_revision()


def test_a_stored_run_reads_back_identical(database_url):
    document = a_document(a_result("jit"), a_result("tvm", explain={"subgraphs": 1, "tvm_op_share": 1.0}))

    with transaction(make_engine(database_url)) as session:
        outcome = save_run(session, document)
    with transaction(make_engine(database_url)) as session:
        stored = get_run(session, document.run_id)

    assert outcome.created
    assert stored == document


def test_a_ratio_to_the_fastest_reference_runtime_reads_back_with_its_name(database_url):
    ratio = RatioToReference(reference="openvino", median=1.04, low=1.01, high=1.07)
    document = a_document(a_result("tvm", ratio_to_best_reference=ratio), a_result("openvino"))

    with transaction(make_engine(database_url)) as session:
        save_run(session, document)
    with transaction(make_engine(database_url)) as session:
        stored = get_run(session, document.run_id)

    assert stored.results[0].ratio_to_best_reference == ratio


def test_a_thread_scaling_reads_back_with_the_thread_count_it_starts_from(database_url):
    scaling = ThreadScaling(threads=1, median=1.91, low=1.88, high=1.93)
    document = a_document(a_result("tvm", threads=2, scaling=scaling), a_result("tvm", threads=1))

    with transaction(make_engine(database_url)) as session:
        save_run(session, document)
    with transaction(make_engine(database_url)) as session:
        stored = get_run(session, document.run_id)

    assert stored.results[0].scaling == scaling
    assert stored.results[1].scaling is None


def test_saving_the_same_run_twice_stores_it_once(database_url):
    document = a_document()
    engine = make_engine(database_url)

    with transaction(engine) as session:
        save_run(session, document)
    with transaction(engine) as session:
        second = save_run(session, document)
    with transaction(engine) as session:
        runs = list_runs(session, RunFilter())

    assert not second.created
    assert len(runs) == 1


def test_a_failed_result_keeps_its_reason_and_no_figures(database_url):
    failed = a_result("tvm", status=Status.FAILED, error="TVMError: boom", samples=[], summary=None, correctness=None)
    document = a_document(a_result("jit"), failed)

    store(database_url, document)
    with transaction(make_engine(database_url)) as session:
        stored = get_run(session, document.run_id)

    assert stored.results[1].status is Status.FAILED
    assert stored.results[1].error == "TVMError: boom"
    assert stored.results[1].summary is None


def test_runs_of_one_machine_share_one_machine_row(database_url):
    store(database_url, a_document())
    store(database_url, a_document())

    with transaction(make_engine(database_url)) as session:
        machines = list_machines(session)

    assert [machine.fingerprint for machine, _, _ in machines] == [MACHINE.fingerprint]


def test_runs_are_listed_newest_first_and_filtered(database_url):
    night = datetime(2026, 11, 1, 2, tzinfo=timezone.utc)
    old = a_document(created_at=night, sha="aaaa111")
    new = a_document(a_result("eager"), created_at=night + timedelta(days=1), sha="bbbb222")
    store(database_url, old)
    store(database_url, new)

    with transaction(make_engine(database_url)) as session:
        everything = list_runs(session, RunFilter())
        eager_only = list_runs(session, RunFilter(backend="eager"))
        by_commit = list_runs(session, RunFilter(commit="aaaa"))
        recent = list_runs(session, RunFilter(since=night + timedelta(hours=12)))

    assert [run.run_id for run in everything] == [new.run_id, old.run_id]
    assert [run.run_id for run in eager_only] == [new.run_id]
    assert [run.run_id for run in by_commit] == [old.run_id]
    assert [run.run_id for run in recent] == [new.run_id]


def test_a_series_holds_successful_results_of_one_case_oldest_first(database_url):
    night = datetime(2026, 11, 1, 2, tzinfo=timezone.utc)
    for day, rate in enumerate([80.0, 70.0, 90.0]):
        store(database_url, a_document(a_result("jit", samples=[rate, rate]), a_result("tvm"),
                                       created_at=night + timedelta(days=day)))
    failed = a_result("jit", status=Status.FAILED, error="x", samples=[], summary=None, correctness=None)
    store(database_url, a_document(failed, created_at=night + timedelta(days=5)))

    with transaction(make_engine(database_url)) as session:
        points = series(session, SeriesQuery(model="resnet18", backend="jit", threads=2))

    assert [point.median for point in points] == [80.0, 70.0, 90.0]
    assert points[0].created_at == night
    assert points[0].samples == [80.0, 80.0]


def test_an_unreachable_database_is_a_clear_error():
    with pytest.raises(DatabaseError, match="cannot use the database at postgresql"):
        store("postgresql://nobody@127.0.0.1:1/none", a_document())


def test_a_malformed_url_is_a_clear_error():
    with pytest.raises(DatabaseError, match="invalid database URL"):
        make_engine("not a url")


def test_a_series_can_be_narrowed_to_one_image_size(database_url):
    store(database_url, a_document(a_result("jit", image_size=224, samples=[80.0])))
    store(database_url, a_document(a_result("jit", image_size=32, samples=[900.0])))

    with transaction(make_engine(database_url)) as session:
        points = series(session, SeriesQuery(model="resnet18", image_size=32))

    assert [point.median for point in points] == [900.0]
