"""The capability check follows TVM's converter table, narrowed by our overrides."""

from __future__ import annotations

import torch

from torch_tvm_core import capture
from torch_tvm_core.support import is_supported, op_name, tvm_converter_names


def nodes_by_op(model: torch.nn.Module, *inputs: torch.Tensor) -> dict[str, torch.fx.Node]:
    graph = capture.aten_graph(capture.export_program(model, inputs))
    return {op_name(node): node for node in graph.graph.nodes if node.op == "call_function"}


class Lambda(torch.nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def test_the_table_is_read_from_the_installed_tvm() -> None:
    from tvm.relax.frontend.torch.exported_program_translator import ExportedProgramImporter

    assert tvm_converter_names() == frozenset(ExportedProgramImporter().create_convert_map())


def test_an_aten_op_in_tvms_table_is_supported() -> None:
    nodes = nodes_by_op(Lambda(lambda x: torch.relu(x) + 1), torch.randn(2, 3))
    assert is_supported(nodes["aten.relu.default"])
    assert is_supported(nodes["aten.add.Tensor"])


def test_an_aten_op_missing_from_the_table_is_not_supported() -> None:
    nodes = nodes_by_op(Lambda(torch.special.bessel_j0), torch.randn(2, 3))
    assert "special_bessel_j0.default" not in tvm_converter_names()
    assert not is_supported(nodes["aten.special_bessel_j0.default"])


def test_a_custom_op_is_not_supported_even_when_it_shares_a_short_name_with_aten() -> None:
    library = torch.library.Library("tvmtest_names", "DEF")
    library.define("relu(Tensor x) -> Tensor")
    library.impl("relu", lambda x: x.clamp(min=0), "CPU")
    torch.library.register_fake("tvmtest_names::relu")(lambda x: torch.empty_like(x))

    nodes = nodes_by_op(Lambda(torch.ops.tvmtest_names.relu), torch.randn(2, 3))

    assert "relu.default" in tvm_converter_names()
    assert not is_supported(nodes["tvmtest_names.relu.default"])


def test_an_op_on_complex_tensors_is_not_supported_though_its_name_is_in_the_table() -> None:
    nodes = nodes_by_op(Lambda(lambda x: torch.fft.rfft(x).abs()), torch.randn(2, 8))
    assert "abs.default" in tvm_converter_names()
    assert not is_supported(nodes["aten.abs.default"])


def test_an_operator_whose_intrinsic_tvm_cannot_build_is_refused_before_compiling() -> None:
    nodes = nodes_by_op(Lambda(lambda x: torch.cosh(x) + torch.sinh(x)), torch.randn(64))

    assert "cosh.default" in tvm_converter_names()
    assert not is_supported(nodes["aten.cosh.default"])
    assert not is_supported(nodes["aten.sinh.default"])
    assert is_supported(nodes["aten.add.Tensor"])


def test_an_operator_whose_intrinsic_tvm_builds_stays_supported() -> None:
    nodes = nodes_by_op(Lambda(lambda x: torch.tanh(x) + torch.exp(x)), torch.randn(64))
    assert is_supported(nodes["aten.tanh.default"])
    assert is_supported(nodes["aten.exp.default"])


def test_shape_bookkeeping_around_a_data_dependent_op_is_not_supported() -> None:
    nodes = nodes_by_op(Lambda(lambda x: torch.masked_select(x, x > 0).sum()), torch.randn(10))

    scalar_nodes = [
        node for name, node in nodes.items() if "sym_size" in name or "_assert_scalar" in name
    ]
    assert scalar_nodes
    assert not any(is_supported(node) for node in scalar_nodes)
    assert is_supported(nodes["aten.gt.Scalar"])


def test_random_operators_are_not_supported() -> None:
    nodes = nodes_by_op(
        Lambda(lambda x: torch.nn.functional.dropout(x, 0.5, training=True)), torch.randn(8)
    )
    assert "native_dropout.default" in tvm_converter_names()
    assert not is_supported(nodes["aten.native_dropout.default"])


def test_average_pooling_with_a_divisor_override_is_not_supported() -> None:
    pooled = Lambda(lambda x: torch.nn.functional.avg_pool2d(x, 2, divisor_override=3))
    plain = Lambda(lambda x: torch.nn.functional.avg_pool2d(x, 2))

    assert not is_supported(nodes_by_op(pooled, torch.randn(1, 2, 6, 6))["aten.avg_pool2d.default"])
    assert is_supported(nodes_by_op(plain, torch.randn(1, 2, 6, 6))["aten.avg_pool2d.default"])


def test_layer_norm_is_supported_only_when_its_saved_statistics_are_unused() -> None:
    def with_mean(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, mean, _ = torch.native_layer_norm(x, [4], None, None, 1e-5)
        return out, mean

    norm = torch.nn.LayerNorm(4).eval()

    name = "aten.native_layer_norm.default"
    assert not is_supported(nodes_by_op(Lambda(with_mean), torch.randn(2, 4))[name])
    assert is_supported(nodes_by_op(norm, torch.randn(2, 4))[name])


def test_batch_norm_in_training_mode_is_not_supported() -> None:
    norm = torch.nn.BatchNorm2d(3).train()
    nodes = nodes_by_op(norm, torch.randn(2, 3, 4, 4))
    batch_norms = [node for name, node in nodes.items() if "batch_norm" in name]
    assert batch_norms and not any(is_supported(node) for node in batch_norms)


def test_where_between_operands_of_different_dtypes_is_not_supported() -> None:
    mixed = Lambda(lambda x: torch.where(x > 0, x, torch.zeros(4, dtype=torch.float64)))
    same = Lambda(lambda x: torch.where(x > 0, x, torch.zeros_like(x)))

    assert not is_supported(nodes_by_op(mixed, torch.randn(4))["aten.where.self"])
    assert is_supported(nodes_by_op(same, torch.randn(4))["aten.where.self"])
