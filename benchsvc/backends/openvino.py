"""OpenVINO's CPU plugin, tuned for latency: the other reference runtime our users compare with."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from benchsvc.backends.base import Prepared, import_reference_runtime
from benchsvc.backends.onnx_export import export_onnx


def compile_for_cpu(
    model: nn.Module,
    example_inputs: tuple[torch.Tensor, ...],
    threads: int,
    *,
    per_layer_counters: bool = False,
) -> Any:
    """The OpenVINO CompiledModel every benchmark of ours runs: the latency hint (one
    stream), INFERENCE_NUM_THREADS = `threads`, fp32. per_layer_counters turns on the
    plugin's PERF_COUNT (an infer request's get_profiling_info())."""
    openvino = import_reference_runtime("openvino")
    config = {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": threads,
        # On CPUs with AVX512_BF16 the plugin otherwise computes in bfloat16, which is another
        # benchmark (and misses our 1e-3 correctness tolerance by 10x).
        "INFERENCE_PRECISION_HINT": "f32",
        "PERF_COUNT": per_layer_counters,
    }
    core = openvino.Core()
    with tempfile.TemporaryDirectory(prefix="benchsvc_openvino_") as scratch:
        path = export_onnx(model, example_inputs, Path(scratch) / "model.onnx")
        return core.compile_model(core.read_model(str(path)), "CPU", config)


class OpenVinoBackend:
    """The latency hint (one stream), INFERENCE_NUM_THREADS = the thread count, fp32."""

    name = "openvino"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        openvino = import_reference_runtime("openvino")
        threads = torch.get_num_threads()
        request = compile_for_cpu(model, example_inputs, threads).create_infer_request()

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            arrays = [tensor.detach().contiguous().numpy() for tensor in inputs]
            outputs = request.infer(arrays, share_inputs=True)
            return torch.from_numpy(outputs[0])

        return Prepared(
            forward,
            configuration="hint=latency;precision=f32",
            details={
                "runtime": "openvino",
                "version": openvino.get_version(),
                "device": "CPU",
                "performance_hint": "LATENCY",
                "inference_num_threads": threads,
                "inference_precision": "f32",
            },
        )
