from __future__ import annotations

from collections.abc import Sequence

from benchsvc.domain import Commit, Result, RunDocument
from benchsvc.runner.environment import current_commit, current_machine, current_software


def build_document(
    results: Sequence[Result], *, commit: Commit | None = None, tags: dict[str, str] | None = None
) -> RunDocument:
    return RunDocument(
        machine=current_machine(),
        software=current_software(),
        commit=commit if commit is not None else current_commit(),
        tags=tags or {},
        results=list(results),
    )
