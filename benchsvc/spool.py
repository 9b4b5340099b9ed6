"""Run documents kept on disk when no database or server can take them, so nothing measured is lost."""

from __future__ import annotations

from pathlib import Path

from benchsvc.domain import RunDocument


def spool(document: RunDocument, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{document.run_id}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(document.model_dump_json(indent=2))
    # A rename is atomic: a reader never sees half a document.
    partial.replace(path)
    return path


def pending(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.json"), key=lambda path: path.stat().st_mtime)


def load(path: Path) -> RunDocument:
    return RunDocument.model_validate_json(path.read_text())
