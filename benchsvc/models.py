"""The ResNet family from torchvision, with seeded random weights and example inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn

# Names of torchvision.models factories; torch is imported only when a model is built, so that
# commands which merely validate a name start quickly.
MODEL_NAMES: tuple[str, ...] = (
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "wide_resnet50_2",
)
SEED = 0


class UnknownModelError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown model {name!r}; choose one of: {', '.join(MODEL_NAMES)}")


class WeightsError(ValueError):
    """A --weights file that is missing, unreadable or made for another model."""


@dataclass(frozen=True)
class InputShape:
    batch_size: int = 1
    image_size: int = 224

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        # ResNet downsamples 32x; smaller images collapse to nothing before the pool.
        if self.image_size < 32:
            raise ValueError(f"image size must be at least 32, got {self.image_size}")


def build_model(name: str, weights: Path | None = None) -> nn.Module:
    """A model in eval mode with random weights seeded by SEED, or the given state_dict."""
    if name not in MODEL_NAMES:
        raise UnknownModelError(name)
    import torch
    import torchvision.models

    torch.manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    if weights is not None:
        load_weights(model, weights)
    return model.eval()


def load_weights(model: nn.Module, path: Path) -> None:
    import torch

    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(f"cannot read weights from {path}: {exc}") from exc
    if not isinstance(state, dict):
        raise WeightsError(f"{path} does not hold a state_dict")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise WeightsError(f"{path} does not fit the model: {exc}") from exc


def example_inputs(shape: InputShape, seed: int = SEED) -> tuple[torch.Tensor]:
    import torch

    generator = torch.Generator().manual_seed(seed)
    image = torch.randn(shape.batch_size, 3, shape.image_size, shape.image_size, generator=generator)
    return (image,)


def natural_key(name: str) -> tuple:
    """Sorts model names as people count: resnet18 < resnet34 < resnet50 < resnet101 < resnet152."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))
