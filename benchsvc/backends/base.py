"""What every backend offers the runner: turn a model into a callable for given inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import torch
    from torch import nn

Forward = Callable[..., "torch.Tensor"]


@dataclass
class Prepared:
    """A model ready to be timed, and what the backend wants stored beside its result."""

    forward: Forward
    details: dict[str, Any] | None = field(default=None)


class Backend(Protocol):
    name: str

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        """Compile or trace; called once, with the inputs that will be timed."""
        ...
