"""Where TVM and a reference runtime (OpenVINO or ONNX Runtime) differ, layer by layer, in one process.

    .venv/bin/python benchmarks/layers_vs_reference.py resnext50_32x4d --threads 2
        [--against openvino|ort] [--rounds 21] [--batch-size 1] [--no-tuning] [--top 30]

Each round runs one forward pass of each runtime: TVM's kernels timed by the VM's instrument
hook, OpenVINO's layers by its own counters (PERF_COUNT), ONNX Runtime's nodes by its profiler,
so caches and thread pools behave as in a whole-model run and load from other processes hits
both alike. A layer is known to both by its input and output shapes (channels, height,
width), so every row sums the kernels or layers of one shape pair: a ResNet stage's repeated
convs share a row. `ref / tvm` above 1 means TVM is faster there. TVM's rows time fused
kernels (a conv with its bias, residual add and ReLU); both reference runtimes fuse the same
epilogues into their convs. ONNX Runtime's blocked (NCHWc) tensors keep four dimensions, with
the channels padded to the block.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import torch
import torchvision
import tvm
from tvm import relax

from benchsvc.backends.openvino import compile_for_cpu
from benchsvc.backends.ort import session_for_cpu
from torch_tvm_core import capture, lower, pipeline

Shape = tuple[int, ...]
LayerKey = tuple[Shape, Shape]


class Layers(Protocol):
    name: str
    seconds: dict[LayerKey, float]
    names: dict[LayerKey, set[str]]

    def run(self, measured: bool) -> float: ...

    def collect(self) -> None: ...


def channels_height_width(shape: Sequence[int]) -> Shape:
    """(C, H, W) of an NCHW or blocked NCHW[x]c shape; the trailing dims of anything else."""
    dims = [int(d) for d in shape]
    if len(dims) == 5:
        return (dims[1] * dims[4], dims[2], dims[3])
    return tuple(dims[1:])


class TvmLayers:
    """A TVM executable whose kernels' seconds add up per layer key over the calls it runs."""

    name = "tvm"

    def __init__(self, model: torch.nn.Module, image: torch.Tensor, threads: int, tuning: bool) -> None:
        target = pipeline.default_target(threads)
        module = lower.relax_module(capture.export_program(model, (image,)))
        executable = pipeline.build(module, target, opt_level=3, tuning_db=None if tuning else False)
        self.vm = relax.VirtualMachine(executable, tvm.cpu())
        self.image = tvm.runtime.tensor(image.numpy())
        self.seconds: dict[LayerKey, float] = collections.defaultdict(float)
        self.names: dict[LayerKey, set[str]] = collections.defaultdict(set)
        self._started: list[float] = []
        self._hook = tvm.runtime.convert(self._instrument)

    def _instrument(self, func, symbol, before_run, ret_value, *args):  # noqa: ANN001
        if before_run:
            self._started.append(time.perf_counter())
            return 0
        elapsed = time.perf_counter() - self._started.pop()
        tensors = [a for a in args if hasattr(a, "shape")]
        if len(tensors) >= 2:
            key = (channels_height_width(tensors[0].shape), channels_height_width(tensors[-1].shape))
            self.seconds[key] += elapsed
            self.names[key].add(str(symbol))
        return 0

    def run(self, measured: bool) -> float:
        self.vm.set_instrument(self._hook if measured else None)
        start = time.perf_counter()
        self.vm["main"](self.image)
        return time.perf_counter() - start

    def collect(self) -> None:
        """The hook has added up every measured call already."""


class OpenVinoLayers:
    """OpenVINO's compiled model whose layers' seconds add up per layer key."""

    name = "openvino"

    def __init__(self, model: torch.nn.Module, image: torch.Tensor, threads: int) -> None:
        compiled = compile_for_cpu(model, (image,), threads, per_layer_counters=True)
        self.request = compiled.create_infer_request()
        self.image = image.numpy()
        self.keys: dict[str, LayerKey] = {}
        for op in compiled.get_runtime_model().get_ordered_ops():
            if op.get_input_size() and op.get_output_size() and op.get_output_partial_shape(0).is_static:
                inputs = op.input(0).get_partial_shape()
                if inputs.is_static:
                    self.keys[op.get_friendly_name()] = (
                        channels_height_width(inputs.to_shape()),
                        channels_height_width(op.get_output_partial_shape(0).to_shape()),
                    )
        self.seconds: dict[LayerKey, float] = collections.defaultdict(float)
        self.names: dict[LayerKey, set[str]] = collections.defaultdict(set)

    def run(self, measured: bool) -> float:
        start = time.perf_counter()
        self.request.infer([self.image], share_inputs=True)
        elapsed = time.perf_counter() - start
        if measured:
            for layer in self.request.get_profiling_info():
                if layer.status == layer.Status.EXECUTED and layer.node_name in self.keys:
                    key = self.keys[layer.node_name]
                    self.seconds[key] += layer.real_time.total_seconds()
                    self.names[key].add(layer.exec_type)
        return elapsed

    def collect(self) -> None:
        """Each measured call has added its counters already."""


class OrtLayers:
    """An ONNX Runtime session whose nodes' seconds, from its profiler's trace, add up per layer
    key over the measured calls."""

    name = "ort"

    def __init__(self, model: torch.nn.Module, image: torch.Tensor, threads: int, scratch: Path) -> None:
        self.session = session_for_cpu(model, (image,), threads, profile_prefix=scratch / "ort")
        self.feeds = {self.session.get_inputs()[0].name: image.numpy()}
        self.measured: list[bool] = []
        self.seconds: dict[LayerKey, float] = collections.defaultdict(float)
        self.names: dict[LayerKey, set[str]] = collections.defaultdict(set)

    def run(self, measured: bool) -> float:
        start = time.perf_counter()
        self.session.run(None, self.feeds)
        self.measured.append(measured)
        return time.perf_counter() - start

    def collect(self) -> None:
        """Add up the nodes that ran inside a measured call: the trace holds every call."""
        trace = json.loads(Path(self.session.end_profiling()).read_text())
        calls = sorted((e for e in trace if e.get("name") == "model_run"), key=lambda e: e["ts"])
        windows = [(e["ts"], e["ts"] + e["dur"]) for e, measured in zip(calls, self.measured) if measured]
        for event in trace:
            if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time"):
                continue
            inputs, outputs = event["args"].get("input_type_shape"), event["args"].get("output_type_shape")
            if not inputs or not outputs or not any(a <= event["ts"] <= b for a, b in windows):
                continue
            key = tuple(
                channels_height_width(next(iter(shapes[0].values()))) for shapes in (inputs, outputs)
            )
            self.seconds[key] += event["dur"] / 1e6
            self.names[key].add(event["args"]["op_name"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--against", choices=("openvino", "ort"), default="openvino")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--no-tuning", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tvm.get_global_func("runtime.config_threadpool")(0, args.threads)
    model = getattr(torchvision.models, args.model)(weights=None).eval()
    image = torch.randn(args.batch_size, 3, 224, 224)
    with tempfile.TemporaryDirectory(prefix="layers_vs_reference_") as scratch:
        reference: Layers = (
            OrtLayers(model, image, args.threads, Path(scratch))
            if args.against == "ort"
            else OpenVinoLayers(model, image, args.threads)
        )
        runtimes = (TvmLayers(model, image, args.threads, not args.no_tuning), reference)
        for _ in range(3):
            for runtime in runtimes:
                runtime.run(measured=False)
        totals: list[list[float]] = [[], []]
        for round_ in range(args.rounds):
            order = (0, 1) if round_ % 2 == 0 else (1, 0)
            for index in order:
                totals[index].append(runtimes[index].run(measured=True))
        for runtime in runtimes:
            runtime.collect()
    report(args, runtimes, totals)


def report(args: argparse.Namespace, runtimes: tuple[TvmLayers, Layers], totals: list[list[float]]) -> None:
    tvm_layers, reference = runtimes
    per_call = 1e3 / args.rounds
    print(
        f"{args.model}, {args.threads} thread(s), batch {args.batch_size}, {args.rounds} rounds; "
        f"median call: tvm {1e3 * statistics.median(totals[0]):.2f} ms (instrumented), "
        f"{reference.name} {1e3 * statistics.median(totals[1]):.2f} ms"
    )
    keys = sorted(
        set(tvm_layers.seconds) | set(reference.seconds),
        key=lambda k: -(tvm_layers.seconds.get(k, 0.0) + reference.seconds.get(k, 0.0)),
    )
    print(
        f"| input (C, H, W) | output (C, H, W) | tvm ms | {reference.name} ms | ref / tvm | tvm kernels "
        f"| {reference.name} layers |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for key in keys[: args.top]:
        ours, theirs = (per_call * r.seconds.get(key, 0.0) for r in runtimes)
        ratio = f"{theirs / ours:.2f}x" if ours and theirs else "-"
        print(
            f"| {key[0]} | {key[1]} | {ours:.3f} | {theirs:.3f} | {ratio} | "
            f"{', '.join(sorted(tvm_layers.names.get(key, ())))} | {', '.join(sorted(reference.names.get(key, ())))} |"
        )
    ours, theirs = (per_call * sum(r.seconds.values()) for r in runtimes)
    print(
        f"\nsum over layers: tvm {ours:.2f} ms, {reference.name} {theirs:.2f} ms, ref / tvm {theirs / ours:.2f}x"
    )
    shown = sum(tvm_layers.seconds.get(k, 0.0) for k in keys[: args.top])
    print(f"the {min(args.top, len(keys))} rows above hold {shown / max(sum(tvm_layers.seconds.values()), 1e-12):.0%} of tvm's time")


if __name__ == "__main__":
    main()
