"""What every backend offers the runner: turn a model into a callable for given inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import torch
    from torch import nn

    from benchsvc.domain import Tuning

Forward = Callable[..., "torch.Tensor"]


@dataclass
class Prepared:
    """A model ready to be timed, and what the backend wants stored beside its result."""

    forward: Forward
    details: dict[str, Any] | None = field(default=None)
    # What else, besides the case, decides this backend's numbers; part of the series identity.
    configuration: str = ""
    # Fraction of the model's floating-point work the backend itself ran (None: all of it, trivially).
    coverage: float | None = None
    tuning: Tuning | None = None
    # Operators that ran outside the backend proper (in PyTorch), by name, with their counts.
    fallback_ops: dict[str, int] = field(default_factory=dict)


class Backend(Protocol):
    name: str

    def prepare(self, model: nn.Module, example_inputs: tuple[torch.Tensor, ...]) -> Prepared:
        """Compile or trace; called once, with the inputs that will be timed."""
        ...


class MissingRuntimeError(RuntimeError):
    """A backend's runtime is an optional dependency that is not installed."""


def import_reference_runtime(module: str) -> Any:
    """The reference runtimes (ort, openvino) come with the `benchsvc[reference]` extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingRuntimeError(
            f"{module} is not installed: pip install 'benchsvc[reference]'"
        ) from error
