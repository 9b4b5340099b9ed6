"""The nightly job lives in the database's job store: restarts keep it, a missed night runs once."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from benchsvc.config import Settings
from benchsvc.scheduling import StoreInDatabase, build_scheduler, register_nightly
from benchsvc.scheduling.scheduler import NIGHTLY_JOB_ID, ScheduleError
from benchsvc.storage import RunFilter, list_runs, make_engine, transaction

# A suite whose one measurement is killed at once: the job runs for real, in a second.
INSTANT_SUITE = '[suite]\nmodels = ["resnet18"]\nbackends = ["eager"]\nthreads = [1]\nimage_size = 32\ntimeout_seconds = 0.01\n'


@pytest.fixture
def settings(isolated_data_dir, database_url) -> Settings:
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    (isolated_data_dir / "suite.toml").write_text(INSTANT_SUITE)
    return Settings(data_dir=isolated_data_dir, database_url=database_url, schedule_cron="0 2 * * *")


def started(settings: Settings) -> BackgroundScheduler:
    scheduler = build_scheduler(BackgroundScheduler, make_engine(settings.effective_database_url), settings)
    scheduler.start(paused=True)
    register_nightly(scheduler, StoreInDatabase(settings.effective_database_url), settings)
    return scheduler


def stored_runs(url: str) -> list:
    engine = make_engine(url)
    with transaction(engine) as session:
        runs = list_runs(session, RunFilter())
    engine.dispose()
    return runs


def scheduler_down_over_a_night(settings: Settings, missed_by: float) -> None:
    """A scheduler stops shortly before the job is due and stays down until `missed_by` seconds after."""
    due = datetime.now(timezone.utc) + timedelta(seconds=3)
    scheduler = started(settings)
    scheduler.modify_job(NIGHTLY_JOB_ID, next_run_time=due)
    scheduler.shutdown()
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds() + missed_by))


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_the_nightly_job_defaults_to_two_in_the_morning_and_survives_a_restart(settings):
    first = started(settings)
    planned = first.get_job(NIGHTLY_JOB_ID).next_run_time
    first.shutdown()

    second = started(settings)
    job = second.get_job(NIGHTLY_JOB_ID)
    second.shutdown()

    assert (planned.hour, planned.minute) == (2, 0)
    assert job.next_run_time == planned
    assert job.max_instances == 1 and job.coalesce is True


def test_changing_the_cron_setting_reschedules_the_job(settings):
    started(settings).shutdown()

    evening = settings.model_copy(update={"schedule_cron": "30 21 * * *"})
    scheduler = started(evening)
    planned = scheduler.get_job(NIGHTLY_JOB_ID).next_run_time
    scheduler.shutdown()

    assert (planned.hour, planned.minute) == (21, 30)


def test_a_night_missed_while_the_scheduler_was_down_runs_once_when_it_starts(settings):
    scheduler_down_over_a_night(settings, missed_by=1)

    scheduler = started(settings)
    scheduler.resume()
    wait_for(lambda: len(stored_runs(settings.effective_database_url)) >= 1)
    next_run = scheduler.get_job(NIGHTLY_JOB_ID).next_run_time
    scheduler.shutdown()

    [run] = stored_runs(settings.effective_database_url)
    assert run.tags["trigger"] == "nightly"
    assert next_run > datetime.now(timezone.utc)


def test_a_night_missed_longer_ago_than_the_grace_time_is_skipped(settings):
    strict = settings.model_copy(update={"schedule_misfire_grace_seconds": 1})
    scheduler_down_over_a_night(strict, missed_by=3)

    scheduler = started(strict)
    scheduler.resume()
    wait_for(lambda: scheduler.get_job(NIGHTLY_JOB_ID).next_run_time > datetime.now(timezone.utc), timeout=10)
    scheduler.shutdown()

    assert stored_runs(strict.effective_database_url) == []


def test_a_cron_setting_that_is_not_a_crontab_is_refused_with_its_name(settings):
    scheduler = build_scheduler(BackgroundScheduler, make_engine(settings.effective_database_url), settings)
    scheduler.start(paused=True)
    broken = settings.model_copy(update={"schedule_cron": "at two"})

    with pytest.raises(ScheduleError, match="BENCHSVC_SCHEDULE_CRON='at two' is not a valid crontab"):
        register_nightly(scheduler, StoreInDatabase(settings.effective_database_url), broken)
    scheduler.shutdown()
