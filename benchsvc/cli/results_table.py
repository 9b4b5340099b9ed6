"""The table `benchsvc run` prints: one row per result, paired speedups against jit, the
fastest reference runtime and the fewest threads."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from benchsvc.domain import RatioToJit, RatioToReference, Result, Status, ThreadScaling


def ratio_cell(ratio: RatioToJit | RatioToReference | ThreadScaling | None) -> str:
    if ratio is None:
        return "-"
    cell = f"{ratio.median:.2f}x [{ratio.low:.2f}-{ratio.high:.2f}]"
    if isinstance(ratio, RatioToReference):
        return f"{cell} {ratio.reference}"
    if isinstance(ratio, ThreadScaling):
        return f"{cell} from {ratio.threads}"
    return cell


def correctness_cell(result: Result) -> str:
    if result.status is Status.FAILED:
        return f"[red]failed: {result.error}[/]"
    if result.status is Status.DEGRADED:
        return f"[yellow]DEGRADED[/]: {result.error}"
    check = result.correctness
    if check is None:
        return "-"
    diff = "n/a" if check.max_abs_diff is None else f"{check.max_abs_diff:.1e}"
    if check.valid:
        return f"[green]ok[/] (max diff {diff})"
    return f"[red]INVALID[/] (max diff {diff}, top-5 {'same' if check.top5_match else 'differ'})"


def machine_cell(result: Result) -> str:
    if result.interference is None:
        return "-"
    share = f"{result.interference.cpu_share:.0%}"
    return f"[yellow]noisy ({share} cpu)[/]" if result.noisy else share


def results_table(results: Sequence[Result]) -> Table:
    """With reference runtimes in the run, a column of each result's speed over the fastest;
    over several thread counts, one of its speed over the fewest; above batch 1, images/s."""
    with_references = any(result.ratio_to_best_reference is not None for result in results)
    with_scaling = any(result.scaling is not None for result in results)
    with_images = any(result.batch_size > 1 for result in results)
    table = Table(
        title="iterations per second (higher is better)",
        caption="vs jit: median of per-round paired ratios [95% bootstrap interval]; "
        + ("vs best reference: the same against the faster of ort and openvino; " if with_references else "")
        + ("vs fewest threads: the same against the backend at the run's fewest threads; " if with_scaling else "")
        + ("images/s: it/s x batch size; " if with_images else "")
        + "cpu: share of the cores the timed threads had",
    )
    columns = [
        ("model", "left"), ("backend", "left"), ("threads", "right"), ("it/s median", "right"),
        ("IQR", "right"), ("CoV", "right"),
    ]
    columns += [("images/s", "right")] if with_images else []
    columns += [("vs jit", "right")]
    columns += [("vs best reference", "right")] if with_references else []
    columns += [("vs fewest threads", "right")] if with_scaling else []
    columns += [("cpu", "right"), ("compile s", "right"), ("correctness", "left")]
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        summary = result.summary if result.status is Status.OK else None
        cells = [
            result.model,
            result.backend,
            str(result.threads),
            f"{summary.median:.2f}" if summary else "-",
            f"{summary.iqr:.2f}" if summary else "-",
            f"{summary.cov:.1%}" if summary else "-",
        ]
        cells += [f"{summary.median * result.batch_size:.1f}" if summary else "-"] if with_images else []
        cells += [ratio_cell(result.ratio_to_jit)]
        cells += [ratio_cell(result.ratio_to_best_reference)] if with_references else []
        cells += [ratio_cell(result.scaling)] if with_scaling else []
        cells += [
            machine_cell(result),
            f"{result.compile_seconds:.1f}" if result.compile_seconds is not None else "-",
            correctness_cell(result),
        ]
        table.add_row(*cells)
    return table
