"""A conv whose weights outweigh its input takes its input channels in blocks, so that a
block's weights stay in L1 while every register tile of the map reads them."""

from __future__ import annotations

import pytest
import torch
import tvm
from torch import nn
from tvm import s_tir, te

from torch_tvm_core.schedules.conv2d import conv2d_blocked
from torch_tvm_core.schedules.conv_rule import REDUCTION_BLOCK_CHUNKS, default_choice, schedule_conv
from tests.support.kernels import host_has_avx512

AVX512 = {"kind": "llvm", "mcpu": "skylake-avx512"}
AVX2 = {"kind": "llvm", "mcpu": "znver3", "num-cores": 2}


def scheduled_loops(
    data_shape: tuple[int, ...], kernel_shape: tuple[int, ...], threads: int = 2
) -> list[tvm.tirx.For]:
    """The loops around the scheduled conv's update, outermost first."""
    data = te.placeholder(data_shape, name="data")
    kernel = te.placeholder(kernel_shape, name="kernel")
    conv = conv2d_blocked(data, kernel, (1, 1), (0, 0, 0, 0), (1, 1))
    sch = s_tir.Schedule(te.create_prim_func([data, kernel, conv]))
    schedule_conv(sch, tvm.target.Target({**AVX512, "num-cores": threads}), default_choice)
    return [sch.get(loop) for loop in sch.get_loops(sch.get_sblock("conv2d_blocked_update"))]


def reduction_loops(loops: list[tvm.tirx.For]) -> list[tuple[str, int]]:
    """(name, extent) of the loops over input-channel chunks."""
    return [(loop.loop_var.name, int(loop.extent)) for loop in loops if loop.loop_var.name.startswith("icc")]


def parallel_loops(loops: list[tvm.tirx.For]) -> list[tuple[str, int]]:
    return [(loop.loop_var.name, int(loop.extent)) for loop in loops if loop.kind == tvm.tirx.ForKind.PARALLEL]


def test_given_weights_larger_than_the_input_when_scheduled_then_input_channels_go_in_blocks():
    loops = scheduled_loops((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16))

    assert reduction_loops(loops) == [("icc_0", 64 // REDUCTION_BLOCK_CHUNKS), ("icc_1", REDUCTION_BLOCK_CHUNKS)]


def test_given_weights_larger_than_the_input_when_scheduled_then_threads_split_the_output_channels():
    loops = scheduled_loops((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16))

    assert parallel_loops(loops) == [("n_occ_0_fused", 8)]


def test_given_an_input_larger_than_the_weights_when_scheduled_then_the_reduction_is_one_loop():
    loops = scheduled_loops((1, 16, 56, 56, 16), (4, 16, 1, 1, 16, 16))

    assert reduction_loops(loops) == [("icc", 16)]


def test_given_fewer_output_channel_tiles_than_threads_when_scheduled_then_the_reduction_is_one_loop():
    loops = scheduled_loops((1, 64, 7, 7, 16), (2, 64, 1, 1, 16, 16), threads=2)

    assert reduction_loops(loops) == [("icc", 64)]


@pytest.mark.skipif(not host_has_avx512(), reason="runs code compiled for AVX-512")
def test_given_a_bottleneck_on_a_small_map_when_its_reduction_goes_in_blocks_then_it_matches_eager(
    matches_eager,
):
    torch.manual_seed(0)

    class Bottleneck(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.reduce = nn.Conv2d(512, 128, 1)
            self.expand = nn.Conv2d(128, 512, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(self.expand(torch.relu(self.reduce(x))) + x)

    matches_eager(Bottleneck(), (torch.randn(1, 512, 7, 7),), target={**AVX512, "num-cores": 2})


def test_given_a_strided_conv_whose_weights_outweigh_its_input_when_compiled_for_avx2_then_it_matches_eager(
    matches_eager,
):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(256, 256, 3, stride=2, padding=1), nn.ReLU())

    matches_eager(model, (torch.randn(1, 256, 14, 14),), target=AVX2)
