"""Tune the ResNet family's conv kernels on this machine into one database.

    .venv/bin/python benchmarks/tune_resnets.py resnet18 resnet50 --trials 400 [--database DIR]

Without --database the records go to this machine's own database for this CPU (what
`benchsvc tune` writes and the next compile uses). To ship a database for this CPU model,
copy the directory to torch_tvm_core/schedules/databases/<cpu key>/ (the key is the
directory name of the machine database, e.g. amd-epyc-znver5-avx512) and add its
tuned_on.json fields to databases/manifest.json: it then applies on that CPU model only.

Kernels are timed warm, with torch's thread count, and a record replaces the default
schedule only when it beats it by 3% in paired rounds; a neighbour's load costs gains, never
a slower schedule. A kernel that already has a record is skipped, so a run resumes; start
from an empty directory when the conv schedule's decisions change.

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
    parser.add_argument("models", nargs="+")
    parser.add_argument("--database", default=None, help="default: this machine's own")
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
                f"best={p.best_us and round(p.best_us, 1)} us speedup={p.speedup and round(p.speedup, 3)} "
                f"t={time.perf_counter() - start:.0f}s",
                flush=True,
            ),
        )


if __name__ == "__main__":
    main()
