"""Where a model's TVM time goes: every kernel's time per call and its share.

    .venv/bin/python benchmarks/kernel_profile.py resnet18 --threads 1 [--no-tuning] [--top 20]

The VM's instrument hook times each kernel call inside a real forward pass, so caches and
the thread pool behave as in `benchsvc run`. The figures tell where a schedule change pays.
"""

from __future__ import annotations

import argparse
import collections
import time

import torch
import torchvision
import tvm
from tvm import relax

from torch_tvm_core import capture, lower, pipeline


def profile(name: str, threads: int, tuning: bool, passes: int) -> list[tuple[str, float, int]]:
    torch.set_num_threads(threads)
    tvm.get_global_func("runtime.config_threadpool")(0, threads)
    model = getattr(torchvision.models, name)(weights=None).eval()
    image = torch.randn(1, 3, 224, 224)
    target = pipeline.default_target(threads)
    module = lower.relax_module(capture.export_program(model, (image,)))
    executable = pipeline.build(module, target, opt_level=3, tuning_db=None if tuning else False)
    vm = relax.VirtualMachine(executable, tvm.cpu())
    tvm_image = tvm.runtime.tensor(image.numpy())
    for _ in range(3):
        vm["main"](tvm_image)
    seconds: dict[str, list[float]] = collections.defaultdict(list)
    started: list[float] = []

    def instrument(func, symbol, before_run, ret_value, *args):  # noqa: ANN001
        if before_run:
            started.append(time.perf_counter())
        else:
            seconds[symbol].append(time.perf_counter() - started.pop())
        return 0

    vm.set_instrument(tvm.runtime.convert(instrument))
    start = time.perf_counter()
    for _ in range(passes):
        vm["main"](tvm_image)
    total = (time.perf_counter() - start) / passes
    print(f"{name}: {1e3 * total:.1f} ms per call with instrumentation, {threads} thread(s)")
    rows = []
    for symbol, times in seconds.items():
        calls = len(times) // passes
        per_pass = sorted(times)[len(times) // 2] * calls
        rows.append((symbol, per_pass, calls))
    return sorted(rows, key=lambda r: -r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-tuning", action="store_true")
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    rows = profile(args.model, args.threads, not args.no_tuning, args.passes)
    total = sum(r[1] for r in rows)
    print(f"sum of kernel medians {1e3 * total:.2f} ms")
    print(f"{'kernel':60} {'ms':>7} {'share':>6} {'calls':>5}")
    for symbol, per_pass, calls in rows[: args.top]:
        print(f"{symbol[:60]:60} {1e3 * per_pass:7.3f} {per_pass / total:6.1%} {calls:5d}")


if __name__ == "__main__":
    main()
