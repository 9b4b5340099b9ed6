"""Persistence: the schema, migrations and the repository; the only package that speaks SQL."""

from benchsvc.storage.database import DatabaseError, make_engine, transaction, upgrade
from benchsvc.storage.repository import RunFilter, SaveOutcome, get_run, list_machines, list_runs, save_run
from benchsvc.storage.series import SampledSeries, SeriesLine, SeriesPoint, SeriesQuery, sampled_series, series

__all__ = [
    "DatabaseError",
    "RunFilter",
    "SampledSeries",
    "SaveOutcome",
    "SeriesLine",
    "SeriesPoint",
    "SeriesQuery",
    "get_run",
    "list_machines",
    "list_runs",
    "make_engine",
    "sampled_series",
    "save_run",
    "series",
    "transaction",
    "upgrade",
]
