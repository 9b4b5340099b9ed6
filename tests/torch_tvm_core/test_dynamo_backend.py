"""torch.compile(model, backend="tvm") is served by torch_tvm_core, with per-op fallback."""

from __future__ import annotations

import torch
from torch._dynamo.backends.registry import lookup_backend

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock, WithCustomOp
from torch_tvm_core.dynamo import tvm_backend


def test_the_tvm_name_resolves_to_our_backend_rather_than_torchs_builtin() -> None:
    assert lookup_backend("tvm") is tvm_backend


def test_torch_compile_with_the_tvm_backend_matches_eager() -> None:
    torch._dynamo.reset()
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)

    compiled = torch.compile(model, backend="tvm")

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)


def test_torch_compile_falls_back_per_op_where_tvm_cannot_go() -> None:
    torch._dynamo.reset()
    model, x = WithCustomOp().eval(), torch.randn(1, 3, 8, 8)
    graphs = []

    def recording_backend(graph_module, example_inputs):
        graphs.append(tvm_backend(graph_module, example_inputs))
        return graphs[-1]

    compiled = torch.compile(model, backend=recording_backend)

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
    [graph] = graphs
    report = torch_tvm_core.explain(graph)
    assert report.ops_fallback == {"tvmtest.scaled_tanh.default": 1}
    assert report.ops_in_tvm["aten.convolution.default"] == 2


def test_module_weights_are_bound_into_tvm_as_constants() -> None:
    torch._dynamo.reset()
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    graphs = []

    def recording_backend(graph_module, example_inputs):
        graphs.append(tvm_backend(graph_module, example_inputs))
        return graphs[-1]

    torch.compile(model, backend=recording_backend)(x)

    [subgraph] = torch_tvm_core.explain(graphs[0]).subgraphs
    assert subgraph.inputs == "float32[1, 3, 8, 8]"  # weights and statistics are constants


def test_instances_sharing_a_graph_each_get_their_own_weights() -> None:
    torch._dynamo.reset()
    first, second, x = ConvBlock().eval(), ConvBlock().eval(), torch.randn(1, 3, 8, 8)

    out_first = torch.compile(first, backend="tvm")(x)
    out_second = torch.compile(second, backend="tvm")(x)

    torch.testing.assert_close(out_first, first(x), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out_second, second(x), atol=1e-5, rtol=1e-5)


def test_weights_changed_in_place_are_picked_up() -> None:
    torch._dynamo.reset()
    model, x = ConvBlock().eval(), torch.randn(1, 3, 8, 8)
    compiled = torch.compile(model, backend="tvm")
    compiled(x)

    model.load_state_dict({**model.state_dict(), "conv.weight": model.conv.weight * -1})

    torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)
