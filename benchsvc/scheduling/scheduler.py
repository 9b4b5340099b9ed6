"""APScheduler 3 with its job store in the database: the next night survives restarts."""

from __future__ import annotations

from typing import TypeVar

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from benchsvc.config import Settings
from benchsvc.scheduling.nightly import Destination

NIGHTLY_JOB_ID = "nightly-suite"
NIGHTLY_JOB = "benchsvc.scheduling.nightly:nightly_job"

SchedulerType = TypeVar("SchedulerType", bound=BaseScheduler)


class ScheduleError(ValueError):
    """The schedule in the settings cannot be used (e.g. a malformed crontab)."""


def cron_trigger(settings: Settings) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(settings.schedule_cron, timezone=settings.schedule_timezone)
    except (ValueError, LookupError) as exc:
        raise ScheduleError(f"BENCHSVC_SCHEDULE_CRON={settings.schedule_cron!r} is not a valid crontab: {exc}") from exc


def build_scheduler(kind: type[SchedulerType], jobstore: Engine, settings: Settings) -> SchedulerType:
    return kind(
        jobstores={"default": SQLAlchemyJobStore(engine=jobstore)},
        # One worker: measurements must never share the CPU with each other.
        executors={"default": {"type": "threadpool", "max_workers": 1}},
        job_defaults={
            "coalesce": True,  # several missed nights run once, not once each
            "max_instances": 1,  # a night still running when the next one is due is not doubled
            "misfire_grace_time": settings.schedule_misfire_grace_seconds,
        },
        timezone=settings.schedule_timezone or None,
    )


def register_nightly(scheduler: BaseScheduler, destination: Destination, settings: Settings) -> None:
    """Add the nightly job, or update it while keeping its stored next run time.

    Replacing the job outright would recompute its next run from now and silently drop a
    night missed while the scheduler was down; keeping it lets misfire grace run that night.
    Call on a started, paused scheduler, so that the stored job is visible and nothing fires yet.
    """
    trigger = cron_trigger(settings)
    existing = scheduler.get_job(NIGHTLY_JOB_ID)
    # repr, unlike str, includes the time zone.
    if existing is not None and repr(existing.trigger) == repr(trigger):
        scheduler.modify_job(NIGHTLY_JOB_ID, kwargs={"destination": destination})
        return
    scheduler.add_job(
        NIGHTLY_JOB, trigger, id=NIGHTLY_JOB_ID, name="nightly benchmark suite",
        kwargs={"destination": destination}, replace_existing=True,
    )
