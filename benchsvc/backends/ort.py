"""ONNX Runtime on its CPU execution provider: the runtime our users most often compare with."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy
import torch
from torch import nn

from benchsvc.backends.base import Prepared, import_reference_runtime
from benchsvc.backends.onnx_export import export_onnx


class OrtBackend:
    """All graph optimisations, sequential execution, as many intra-op threads as torch uses."""

    name = "ort"

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        onnxruntime = import_reference_runtime("onnxruntime")
        threads = torch.get_num_threads()
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        with tempfile.TemporaryDirectory(prefix="benchsvc_ort_") as scratch:
            path = export_onnx(model, example_inputs, Path(scratch) / "model.onnx")
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
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
