"""torch.compile(model, backend="tvm"), served by torch_tvm_core.

The pyproject entry point names `tvm_backend`, but torch ships a built-in backend also
called "tvm" (whole-graph, via relax_dynamo) that its registry resolves first. So
importing torch_tvm_core also puts `tvm_backend` under that name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import fx

from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.settings import Settings

BACKEND_NAME = "tvm"


def tvm_backend(
    graph_module: fx.GraphModule,
    example_inputs: Sequence[Any],
    options: dict[str, Any] | None = None,
    **more_options: Any,
) -> CompiledModel:
    """A Dynamo backend: compiles lazily on the first real call, since the example
    inputs Dynamo passes are fake tensors."""
    settings = Settings.from_options(**(options or {}), **more_options)
    return CompiledModel(graph_module, settings)


def register_as_torch_compile_backend() -> None:
    # Importing torch's own "tvm" module first means its registration cannot later
    # collide with ours ("duplicate name"); then ours replaces it.
    import torch._dynamo.backends.tvm  # noqa: F401
    from torch._dynamo.backends import registry

    registry._COMPILER_FNS[BACKEND_NAME] = tvm_backend
    registry._BACKENDS.setdefault(BACKEND_NAME, None)
