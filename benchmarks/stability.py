"""How stable are benchsvc's numbers from one run to the next?

    .venv/bin/python benchmarks/stability.py                      # 5 runs, resnet18, jit and tvm, 1 thread
    .venv/bin/python benchmarks/stability.py --runs 5 --model resnet50 --threads 2 -- --repeat 20

Runs `benchsvc run --json --no-store` N times back to back, each a separate process (as a nightly
machine or a CI job would), and prints per backend: the median it/s of every run and their
coefficient of variation across runs, and the same for `ratio_to_jit` (the paired speedup), with
the mean width of its 95% interval. Arguments after `--` go to `benchsvc run` unchanged.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from benchsvc.domain import RunDocument, Status

BENCHSVC = str(Path(sys.executable).parent / "benchsvc")


def one_run(model: str, backends: str, threads: str, extra: list[str]) -> RunDocument:
    command = [BENCHSVC, "run", "--model", model, "--backends", backends, "--threads", threads,
               "--json", "--no-store", *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"benchsvc run failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    return RunDocument.model_validate_json(done.stdout)


def cov(values: list[float]) -> float:
    return statistics.stdev(values) / statistics.fmean(values) if len(values) > 1 else 0.0


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--backends", default="jit,tvm")
    parser.add_argument("--threads", default="1")
    parser.add_argument("extra", nargs="*", help="arguments for `benchsvc run`, after --")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2 to measure a spread")

    documents = []
    for index in range(args.runs):
        documents.append(one_run(args.model, args.backends, args.threads, args.extra))
        print(f"run {index + 1}/{args.runs} done", file=sys.stderr)

    print(f"{args.model}, backends {args.backends}, threads {args.threads}, {args.runs} runs; {cpu_model()}")
    print(f"{'backend':<10} {'threads':>7} {'median it/s per run':<44} {'CoV':>6} "
          f"{'ratio_to_jit per run':<36} {'CoV':>6} {'mean 95% CI':>12} {'noisy':>6}")
    keys = dict.fromkeys((r.backend, r.threads) for r in documents[0].results)
    for backend, threads in keys:
        results = [r for d in documents for r in d.results if (r.backend, r.threads) == (backend, threads)]
        ok = [r for r in results if r.status is Status.OK and r.summary is not None]
        medians = [r.summary.median for r in ok if r.summary]
        ratios = [r.ratio_to_jit for r in ok if r.ratio_to_jit is not None]
        ratio_medians = [ratio.median for ratio in ratios]
        widths = [(ratio.high - ratio.low) / 2 / ratio.median for ratio in ratios]
        print(
            f"{backend:<10} {threads:>7} {' '.join(f'{m:.2f}' for m in medians):<44} {cov(medians):>6.1%} "
            f"{' '.join(f'{m:.3f}' for m in ratio_medians) or '-':<36} "
            f"{(f'{cov(ratio_medians):.1%}' if ratio_medians else '-'):>6} "
            f"{(f'+-{statistics.fmean(widths):.1%}' if widths else '-'):>12} "
            f"{sum(r.noisy for r in results):>3}/{len(results)}"
        )
        if len(ok) < len(results):
            statuses = ", ".join(sorted({f'{r.status.value}: {r.error}' for r in results if r not in ok}))
            print(f"{'':<10} not ok in {len(results) - len(ok)} run(s): {statuses}")


if __name__ == "__main__":
    main()
