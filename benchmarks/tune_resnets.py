"""Tune the ResNet family's conv kernels into one database (the one shipped for this CPU).

    .venv/bin/python benchmarks/tune_resnets.py /tmp/tunedb --trials 500 resnet18 resnet50
    cp /tmp/tunedb/database_*.json torch_tvm_core/schedules/databases/avx512/   # or avx2/

The directory is named by the host's vector ISA (`avx512`, `avx2`) or its LLVM CPU name; the
compile picks it by the same rule. Run it on an otherwise idle machine: each kernel is timed
after a cache flush, and a busy neighbour makes the timings, and so the records, noise.

Kernels are measured with all cores (the schedules' parallel split is part of what is tuned).
Start from an empty directory when the conv schedule's decisions change: a kernel that
already has a record is skipped.

Models get random weights: tuning records depend on shapes only.
"""

from __future__ import annotations

import argparse
import time

import torch
import torchvision

import torch_tvm_core.schedules.tuning as tuning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--trials", type=int, default=400, help="per model")
    args = parser.parse_args()
    for name in args.models:
        model = getattr(torchvision.models, name)(weights=None).eval()
        start = time.perf_counter()
        tuning.tune(
            model,
            (torch.randn(1, 3, 224, 224),),
            trials=args.trials,
            database=args.database,
            on_progress=lambda p: print(
                f"{name} {p.kernels_done}/{p.kernel_count} {p.kernel} trials={p.trials_run} "
                f"best={p.best_us and round(p.best_us, 1)} us t={time.perf_counter() - start:.0f}s",
                flush=True,
            ),
        )


if __name__ == "__main__":
    main()
