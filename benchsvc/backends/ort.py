"""ONNX Runtime on its CPU execution provider: the runtime our users most often compare with."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy
import torch
from torch import nn

from benchsvc.backends.base import Prepared, import_reference_runtime
from benchsvc.backends.onnx_export import export_onnx


def session_for_cpu(
    model: nn.Module,
    example_inputs: tuple[torch.Tensor, ...],
    threads: int,
    *,
    profile_prefix: Path | None = None,
) -> Any:
    """The ONNX Runtime InferenceSession every benchmark of ours runs: CPU execution provider,
    all graph optimisations, sequential execution, `threads` intra-op threads. With
    profile_prefix the session records every node's time (its end_profiling() writes the JSON
    trace, named from that prefix)."""
    onnxruntime = import_reference_runtime("onnxruntime")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = str(profile_prefix)
    with tempfile.TemporaryDirectory(prefix="benchsvc_ort_") as scratch:
        path = export_onnx(model, example_inputs, Path(scratch) / "model.onnx")
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OrtBackend:
    """All graph optimisations, sequential execution, as many intra-op threads as torch uses."""

    name = "ort"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        onnxruntime = import_reference_runtime("onnxruntime")
        threads = torch.get_num_threads()
        session = session_for_cpu(model, example_inputs, threads)
        names = [argument.name for argument in session.get_inputs()]

        def forward(*inputs: torch.Tensor) -> torch.Tensor:
            feeds = {name: _as_array(tensor) for name, tensor in zip(names, inputs)}
            return torch.from_numpy(session.run(None, feeds)[0])

        return Prepared(
            forward,
            configuration="graph_optimization=all;execution=sequential",
            details={
                "runtime": "onnxruntime",
                "version": onnxruntime.__version__,
                "execution_provider": "CPUExecutionProvider",
                "graph_optimization": "all",
                "intra_op_threads": threads,
            },
        )


def _as_array(tensor: torch.Tensor) -> numpy.ndarray:
    return tensor.detach().contiguous().numpy()
