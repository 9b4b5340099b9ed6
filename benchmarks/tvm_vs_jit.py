"""ResNet inference through torch_tvm_core's CPU pipeline vs TorchScript, in one process.

    .venv/bin/python benchmarks/tvm_vs_jit.py --models resnet18,resnet50 --threads 1,2 \
        --tuning none,shipped

Prints, per model, thread count and tuning mode: compile seconds, median ms per batch-1 call of
jit (trace + freeze + optimize_for_inference) and TVM, and tvm it/s divided by jit it/s. The two
are timed in alternating rounds so that load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy
import torch
import torchvision
import tvm
from tvm import relax

from torch_tvm_core import capture, lower, pipeline

_TUNING = {"none": False, "shipped": None}


def _median_ms(call, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return 1e3 * statistics.median(samples)


def measure(name: str, threads: int, tuning: str, rounds: int) -> None:
    torch.set_num_threads(threads)
    tvm.get_global_func("runtime.config_threadpool")(0, threads)
    model = getattr(torchvision.models, name)(weights=None).eval()
    image = torch.randn(1, 3, 224, 224)
    start = time.perf_counter()
    module = lower.relax_module(capture.export_program(model, (image,)))
    executable = pipeline.build(
        module, pipeline.default_target(threads), opt_level=3, tuning_db=_TUNING.get(tuning, tuning)
    )
    compile_s = time.perf_counter() - start
    vm = relax.VirtualMachine(executable, tvm.cpu())
    tvm_image = tvm.runtime.tensor(image.numpy())
    with torch.no_grad():
        expected = model(image).numpy()
        jit = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, image)))
        error = float(numpy.abs(vm["main"](tvm_image)[0].numpy() - expected).max())
        for _ in range(3):
            jit(image)
            vm["main"](tvm_image)
        jit_ms, tvm_ms = [], []
        for _ in range(5):
            jit_ms.append(_median_ms(lambda: jit(image), rounds))
            tvm_ms.append(_median_ms(lambda: vm["main"](tvm_image), rounds))
    jit_med, tvm_med = statistics.median(jit_ms), statistics.median(tvm_ms)
    print(
        f"{name:16} threads={threads} tuning={tuning:8} compile={compile_s:5.1f}s "
        f"jit={jit_med:7.2f}ms tvm={tvm_med:7.2f}ms tvm/jit={jit_med / tvm_med:5.2f} "
        f"max_abs_err={error:.1e}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="resnet18")
    parser.add_argument("--threads", default="2")
    parser.add_argument("--tuning", default="none,shipped", help="none, shipped, or a path")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    for name in args.models.split(","):
        for threads in (int(t) for t in args.threads.split(",")):
            for tuning in args.tuning.split(","):
                measure(name, threads, tuning, args.rounds)


if __name__ == "__main__":
    main()
