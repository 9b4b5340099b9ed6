"""Compiled code is found by input shapes and dtypes (a dict lookup), compiled once per new spec."""

from __future__ import annotations

import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock
from torch_tvm_core.specs import input_spec


def compiled_block(**options) -> tuple[torch.nn.Module, torch_tvm_core.CompiledModel]:
    model = ConvBlock().eval()
    return model, torch_tvm_core.compile(model, (torch.randn(1, 3, 8, 8),), **options)


def test_a_new_input_shape_compiles_once_then_hits_the_cache() -> None:
    model, compiled = compiled_block()
    small, large = torch.randn(1, 3, 8, 8), torch.randn(2, 3, 10, 10)

    for x in (large, small, large, small):
        torch.testing.assert_close(compiled(x), model(x), atol=1e-5, rtol=1e-5)

    report = torch_tvm_core.explain(compiled)
    assert report.cache_misses == 2
    assert report.cache_hits == 3
    assert report.plans == 2


def test_the_cache_forgets_the_least_recently_used_shape_beyond_its_size() -> None:
    _, compiled = compiled_block(cache_size=2)

    for batch in (2, 3, 1):
        compiled(torch.randn(batch, 3, 8, 8))

    assert torch_tvm_core.explain(compiled).plans == 2
    assert compiled.counters.misses == 4  # batch 1 was compiled, evicted, and captured again


def test_non_contiguous_inputs_run_correctly_on_the_same_executable() -> None:
    model, compiled = compiled_block()
    strided = torch.randn(1, 3, 8, 16)[..., ::2]
    channels_last = torch.randn(1, 3, 8, 8).to(memory_format=torch.channels_last)

    torch.testing.assert_close(compiled(strided), model(strided), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(compiled(channels_last), model(channels_last), atol=1e-5, rtol=1e-5)

    report = torch_tvm_core.explain(compiled)
    assert (report.cache_misses, report.plans) == (1, 1)


def test_a_spec_is_a_hashable_key_that_ignores_strides() -> None:
    x = torch.randn(1, 3, 8, 8)
    plans = {input_spec([x]): "plan for 1x3x8x8"}

    assert plans[input_spec([x.to(memory_format=torch.channels_last)])] == "plan for 1x3x8x8"
    assert input_spec([x, x]) != input_spec([x, x.clone()])  # aliasing is part of the spec


def test_a_new_dtype_is_a_new_spec_and_runs_correctly() -> None:
    def scale_and_shift(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x * 3 - 1)

    compiled = torch_tvm_core.compile(scale_and_shift, (torch.randn(4, 5),))
    as_int = torch.randint(-5, 5, (4, 5), dtype=torch.int32)
    as_half = torch.randn(4, 5).half()

    torch.testing.assert_close(compiled(as_int), scale_and_shift(as_int))
    torch.testing.assert_close(compiled(as_half), scale_and_shift(as_half))
    assert torch_tvm_core.explain(compiled).cache_misses == 3


def test_inputs_that_require_grad_are_accepted_for_inference() -> None:
    model, compiled = compiled_block()
    x = torch.randn(1, 3, 8, 8, requires_grad=True)

    out = compiled(x)

    torch.testing.assert_close(out, model(x).detach(), atol=1e-5, rtol=1e-5)
    assert not out.requires_grad



def test_empty_inputs_run_correctly_without_a_failed_build() -> None:
    def product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b.t() + 1

    a, b = torch.randn(3, 0), torch.randn(3, 0)

    compiled = torch_tvm_core.compile(product, (a, b), min_subgraph_size=1)

    torch.testing.assert_close(compiled(a, b), product(a, b))
    assert all(subgraph.failure is None for subgraph in torch_tvm_core.explain(compiled).subgraphs)
