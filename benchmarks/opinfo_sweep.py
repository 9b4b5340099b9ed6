"""Every operator in PyTorch's OpInfo database through torch_tvm_core, against eager.

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/opinfo_sweep.py \
        --dtypes float32,float64,int64 --samples 4 --markdown docs/operator_coverage.md

For each OpInfo operator, dtype and sample (the first --samples of each): compile through
torch_tvm_core.compile with min_subgraph_size=1 and compare with eager (values with
per-dtype tolerances, shapes, dtypes, and that the claimed operators really ran on TVM).
Prints one line per operator and dtype: how many samples passed on TVM, differed
(mismatch: a wrong answer, which must never happen), failed to build on TVM and fell back,
were not claimed for TVM at all, or could not be captured by torch.export. The CI version
is tests/torch_tvm_core/test_opinfo_sweep.py.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.torch_tvm_core.opinfo_sweep import Outcome, cases, op_infos, sweep  # noqa: E402

STATUSES = ("pass", "mismatch", "capture differs", "build failed", "not claimed", "not captured")
CLAIMED = ("pass", "mismatch", "capture differs", "build failed")


def table(outcomes: list[Outcome]) -> list[str]:
    rows: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    tvm_ops: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for outcome in outcomes:
        rows[(outcome.op, outcome.dtype)][outcome.status] += 1
        tvm_ops[(outcome.op, outcome.dtype)].update(outcome.tvm_ops)
    lines = [
        "| operator | dtype | " + " | ".join(STATUSES) + " | ATen ops on TVM |",
        "|---|---|" + "---|" * len(STATUSES) + "---|",
    ]
    for key in sorted(rows):
        counts = rows[key]
        cells = " | ".join(str(counts[status] or "") for status in STATUSES)
        ops = ", ".join(sorted(op.removeprefix("aten.") for op in tvm_ops[key]))
        lines.append(f"| {key[0]} | {key[1]} | {cells} | {ops} |")
    return lines


def findings(outcomes: list[Outcome]) -> list[str]:
    return [
        f"- {o.op} [{o.dtype} #{o.sample}] {o.status}: {', '.join(o.tvm_ops)}: {o.detail[:240]}"
        for o in outcomes
        if o.status in ("mismatch", "capture differs", "build failed")
    ]


def summary(outcomes: list[Outcome], seconds: float) -> list[str]:
    counts = collections.Counter(outcome.status for outcome in outcomes)
    claimed = {op for o in outcomes if o.status != "not claimed" for op in o.tvm_ops}
    return [
        f"{len(outcomes)} cases in {seconds:.0f} s on {_cpu_model()}"
        f" ({torch.get_num_threads()} threads): "
        + ", ".join(f"{counts[status]} {status}" for status in STATUSES),
        f"{len(claimed)} distinct ATen operators ran on TVM.",
    ]


def _cpu_model() -> str:
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dtypes", default="float32,float64,int64")
    parser.add_argument("--samples", type=int, default=4, help="samples per operator and dtype")
    parser.add_argument("--ops", help="comma-separated OpInfo names (default: all)")
    parser.add_argument("--batch-size", type=int, default=24, help="cases per compile")
    parser.add_argument("--cache-dir", help="torch_tvm_core executable cache (default: none)")
    parser.add_argument("--markdown", help="also write the table and findings to this file")
    parser.add_argument(
        "--write-claimed",
        help="write the OpInfo names with any operator claimed for TVM to this file (the "
        "list the CI sweep checks: tests/torch_tvm_core/opinfo_claimed.txt)",
    )
    args = parser.parse_args()
    dtypes = [getattr(torch, name) for name in args.dtypes.split(",")]
    infos = op_infos(args.ops.split(",") if args.ops else None)
    started = time.perf_counter()

    def progress(done: list[Outcome]) -> None:
        for outcome in done:
            if outcome.status in ("mismatch", "capture differs", "build failed"):
                print(f"  {outcome.op} [{outcome.dtype}] {outcome.status}: {outcome.detail[:200]}",
                      file=sys.stderr, flush=True)
        print(f"  ... {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    outcomes = sweep(cases(infos, dtypes, args.samples), batch_size=args.batch_size,
                     cache_dir=args.cache_dir, progress=progress)
    lines = summary(outcomes, time.perf_counter() - started) + [""] + table(outcomes)
    found = findings(outcomes)
    if found:
        lines += ["", "Failures and mismatches:", *found]
    print("\n".join(lines))
    if args.markdown:
        pathlib.Path(args.markdown).write_text("\n".join(lines) + "\n")
    if args.write_claimed:
        claimed = sorted({o.op for o in outcomes if o.status in CLAIMED})
        pathlib.Path(args.write_claimed).write_text("\n".join(claimed) + "\n")


if __name__ == "__main__":
    main()
