"""The one way a run enters the history: validate, store in one transaction, queue its analysis.

The CLI (`benchsvc run`, `benchsvc schedule`), the API (POST /api/v1/runs) and agents (through
the API) all go through `ingest`. Detection and the webhook run afterwards, from the queue in
the database: in the server's worker, or inline in the CLI after it stored a run.
"""

from benchsvc.ingest.service import IncompleteRun, IngestOutcome, Spooled, Stored, ingest, store, store_or_spool
from benchsvc.ingest.worker import AnalysisWorker, drain, process_one

__all__ = [
    "AnalysisWorker",
    "IncompleteRun",
    "IngestOutcome",
    "Spooled",
    "Stored",
    "drain",
    "ingest",
    "process_one",
    "store",
    "store_or_spool",
]
