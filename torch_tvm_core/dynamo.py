"""torch.compile(model, backend="tvm"), served by torch_tvm_core.

Torch ships a built-in backend also called "tvm" (whole-graph, via relax_dynamo), which
its registry resolves before any entry point of that name; so importing torch_tvm_core
puts `tvm_backend` under the name instead.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import fx
from torch._dynamo.source import is_from_unspecialized_param_buffer_source

from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.lru import LRUCache
from torch_tvm_core.settings import Settings
from torch_tvm_core.toolchain import Toolchain

BACKEND_NAME = "tvm"

WeightsKey = tuple[tuple[int, int], ...]


class WeightsBoundGraph:
    """A Dynamo graph run through CompiledModel with its weights bound as constants.

    Dynamo passes a module's parameters and buffers as graph inputs, and reuses one graph
    for every instance of a module class. Bound as constants, TVM can fold them (batch
    norm into conv, packed layouts); so each set of weight tensors gets its own compiled
    model, keyed by tensor identity and version, so in-place updates recompile too.
    """

    def __init__(self, graph_module: fx.GraphModule, settings: Settings) -> None:
        self._graph_module = graph_module
        self._settings = settings
        # Resolved when Dynamo hands over the graph, so a bad tuning database raises there.
        self._toolchain = Toolchain.resolve(settings)
        self._weight_positions = _weight_positions(graph_module)
        self._compiled: LRUCache[WeightsKey, CompiledModel] = LRUCache(settings.cache_size)
        self._latest: CompiledModel | None = None

    @property
    def compiled_model(self) -> CompiledModel | None:
        """The compiled model of the latest call, for explain()."""
        return self._latest

    def __call__(self, *args: Any) -> Any:
        positions = self._weight_positions
        weights = [args[index] for index in positions]
        key = tuple((id(weight), weight._version) for weight in weights)
        compiled = self._compiled.get(key)
        if compiled is None:
            bound = _bind_weights(self._graph_module, positions, weights)
            compiled = CompiledModel(bound, self._settings, self._toolchain)
            self._compiled.put(key, compiled)
        self._latest = compiled
        return compiled(*(arg for index, arg in enumerate(args) if index not in positions))


def tvm_backend(
    graph_module: fx.GraphModule,
    example_inputs: Sequence[Any],
    options: dict[str, Any] | None = None,
    **more_options: Any,
) -> WeightsBoundGraph:
    """A Dynamo backend: compiles lazily on the first real call, since the example
    inputs Dynamo passes are fake tensors."""
    settings = Settings.from_options(**(options or {}), **more_options)
    return WeightsBoundGraph(graph_module, settings)


def register_as_torch_compile_backend() -> None:
    # Importing torch's own "tvm" module first means its registration cannot later
    # collide with ours ("duplicate name"); then ours replaces it.
    import torch._dynamo.backends.tvm  # noqa: F401
    from torch._dynamo.backends import registry

    registry._COMPILER_FNS[BACKEND_NAME] = tvm_backend
    registry._BACKENDS.setdefault(BACKEND_NAME, None)


def _weight_positions(graph_module: fx.GraphModule) -> frozenset[int]:
    placeholders = [node for node in graph_module.graph.nodes if node.op == "placeholder"]
    return frozenset(
        index
        for index, node in enumerate(placeholders)
        if (argument := node.meta.get("grapharg")) is not None
        and argument.source is not None
        and is_from_unspecialized_param_buffer_source(argument.source)
    )


def _bind_weights(
    graph_module: fx.GraphModule, positions: frozenset[int], weights: list[torch.Tensor]
) -> fx.GraphModule:
    """A copy of the graph reading the weights as attributes instead of inputs."""
    graph = copy.deepcopy(graph_module.graph)
    root = torch.nn.Module()
    placeholders = [node for node in graph.nodes if node.op == "placeholder"]
    for name_index, (index, weight) in enumerate(zip(sorted(positions), weights, strict=True)):
        name = f"weight_{name_index}"
        root.register_buffer(name, weight.detach())
        placeholder = placeholders[index]
        with graph.inserting_before(placeholder):
            placeholder.replace_all_uses_with(graph.get_attr(name))
        graph.erase_node(placeholder)
    return fx.GraphModule(root, graph)
