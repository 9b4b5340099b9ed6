"""The nightly suite: what to measure, each measurement in its own process, on a cron schedule."""

from benchsvc.scheduling.nightly import PostToServer, StoreInDatabase, run_suite
from benchsvc.scheduling.scheduler import build_scheduler, register_nightly
from benchsvc.scheduling.suite import Measurement, Suite, load_suite

__all__ = [
    "Measurement",
    "PostToServer",
    "StoreInDatabase",
    "Suite",
    "build_scheduler",
    "load_suite",
    "register_nightly",
    "run_suite",
]
