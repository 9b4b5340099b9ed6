"""The table `benchsvc run` prints: one row per result, speedups against jit."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from benchsvc.domain import Result, Status

BASELINE = "jit"


def speedup(result: Result, results: Sequence[Result]) -> float | None:
    if result.status is not Status.OK or result.summary is None:
        return None
    for baseline in results:
        if (
            baseline.backend == BASELINE
            and baseline.threads == result.threads
            and baseline.status is Status.OK
            and baseline.summary is not None
        ):
            return result.summary.median / baseline.summary.median
    return None


def correctness_cell(result: Result) -> str:
    if result.status is Status.FAILED:
        return f"[red]failed: {result.error}[/]"
    check = result.correctness
    if check is None:
        return "-"
    diff = "n/a" if check.max_abs_diff is None else f"{check.max_abs_diff:.1e}"
    if check.valid:
        return f"[green]ok[/] (max diff {diff})"
    return f"[red]INVALID[/] (max diff {diff}, top-5 {'same' if check.top5_match else 'differ'})"


def results_table(results: Sequence[Result]) -> Table:
    table = Table(title="iterations per second (higher is better)")
    for column, justify in [
        ("model", "left"), ("backend", "left"), ("threads", "right"), ("it/s median", "right"),
        ("IQR", "right"), ("CoV", "right"), (f"vs {BASELINE}", "right"), ("compile s", "right"),
        ("correctness", "left"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        summary = result.summary if result.status is Status.OK else None
        ratio = speedup(result, results)
        table.add_row(
            result.model,
            result.backend,
            str(result.threads),
            f"{summary.median:.2f}" if summary else "-",
            f"{summary.iqr:.2f}" if summary else "-",
            f"{summary.cov:.1%}" if summary else "-",
            f"{ratio:.2f}x" if ratio is not None else "-",
            f"{result.compile_seconds:.1f}" if result.compile_seconds is not None else "-",
            correctness_cell(result),
        )
    return table
