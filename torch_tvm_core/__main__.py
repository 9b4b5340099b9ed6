"""python -m torch_tvm_core MODEL: compile a torchvision model, time it, print explain().

    python -m torch_tvm_core resnet50 --image-size 224 [--json] [--custom-op]

Prints the first call's time (capture + compile, or a load from the on-disk cache),
the median of cached calls, and what explain() says. Run it twice to see the second
process start from the disk cache. --custom-op puts an op TVM lacks before the
classifier, to show the fallback.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
import torchvision

import torch_tvm_core


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m torch_tvm_core", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model", help="a torchvision.models constructor, e.g. resnet18")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--custom-op", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)(weights=None).eval()
    if args.custom_op:
        model.fc = torch.nn.Sequential(_UnsupportedActivation(), model.fc)
    x = torch.randn(1, 3, args.image_size, args.image_size)

    started = time.perf_counter()
    compiled = torch_tvm_core.compile(model, (x,))
    first_call = time.perf_counter() - started
    cached_calls = []
    for _ in range(args.calls):
        started = time.perf_counter()
        compiled(x)
        cached_calls.append(time.perf_counter() - started)

    explanation = torch_tvm_core.explain(compiled)
    figures = {"first_call_s": first_call, "cached_call_median_s": statistics.median(cached_calls)}
    if args.json:
        print(json.dumps({**figures, "explain": explanation.to_dict()}, indent=2))
    else:
        cached_ms = figures["cached_call_median_s"] * 1e3
        print(f"first call {first_call:.2f} s; cached call {cached_ms:.1f} ms")
        print(explanation)


class _UnsupportedActivation(torch.nn.Module):
    """An ATen op TVM's importer has no converter for."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.erfcx(x.clamp(min=-1))


if __name__ == "__main__":
    main()
