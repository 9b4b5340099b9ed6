"""The ONNX graph the reference runtimes load: exported once from the same torchvision module
every other backend runs."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn


def export_onnx(model: nn.Module, example_inputs: tuple[torch.Tensor, ...], path: Path) -> Path:
    """Write `model` traced at `example_inputs` as an ONNX file (static shapes, fp32).

    The dynamo exporter (needs onnxscript) is the one torch maintains; the TorchScript exporter
    is deprecated.
    """
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example_inputs, str(path), dynamo=True, external_data=False, verbose=False
        )
    return path
