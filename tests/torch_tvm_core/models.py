"""Small models the torch_tvm_core tests share."""

from __future__ import annotations

import torch

# Kept at module level: the ops live only as long as their Library object.
LIBRARY = torch.library.Library("tvmtest", "DEF")
LIBRARY.define("scaled_tanh(Tensor x, float scale) -> Tensor")


@torch.library.impl(LIBRARY, "scaled_tanh", "CPU")
def _scaled_tanh_cpu(x: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.tanh(x) * scale


@torch.library.register_fake("tvmtest::scaled_tanh")
def _scaled_tanh_fake(x: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.empty_like(x)


class ConvBlock(torch.nn.Module):
    """conv -> batch norm -> relu: what ResNets are made of."""

    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, channels, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.norm(self.conv(x)))


class WithCustomOp(torch.nn.Module):
    """A supported block, an op registered with torch.library, another supported block."""

    def __init__(self) -> None:
        super().__init__()
        self.block = ConvBlock()
        self.head = torch.nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.ops.tvmtest.scaled_tanh(self.block(x), 2.0)
        return torch.relu(self.head(y) + 1)


class WithUnconvertedOps(torch.nn.Module):
    """Two ATen ops TVM's importer has no converter for, between supported ones."""

    def __init__(self) -> None:
        super().__init__()
        self.block = ConvBlock()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        y = torch.special.bessel_j0(y) * 2 + y
        return torch.special.erfcx(y.mean(dim=(2, 3))) - y.sum(dim=(2, 3))
