"""How a conv's threads split its work: the direct conv whichever is larger, the input or the
weights; Winograd's output transform rows of tiles."""

from __future__ import annotations

import pytest
import tvm
from tvm import s_tir, te

from torch_tvm_core.schedules.conv2d import conv2d_blocked
from torch_tvm_core.schedules.conv_rule import default_choice, find_conv_block, schedule_conv
from torch_tvm_core.schedules.winograd import OUTPUT_BLOCK, conv2d_winograd
from torch_tvm_core.schedules.winograd_rule import schedule_winograd

AVX512 = tvm.target.Target({"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": 2})


def parallel_loop_around(sch: s_tir.Schedule, block_name: str) -> str:
    """The name of the parallel loop that `block_name` runs under."""
    loops = sch.get_loops(sch.get_sblock(block_name))
    (parallel,) = [loop for loop in loops if sch.get(loop).kind == tvm.tirx.ForKind.PARALLEL]
    return str(sch.get(parallel).loop_var)


def parallel_loop(data_shape: tuple[int, ...], kernel_shape: tuple[int, ...]) -> str:
    data = te.placeholder(data_shape, name="data")
    kernel = te.placeholder(kernel_shape, name="kernel")
    conv = conv2d_blocked(data, kernel, (1, 1), (0, 0, 0, 0), (1, 1))
    sch = s_tir.Schedule(te.create_prim_func([data, kernel, conv]))
    schedule_conv(sch, AVX512, default_choice)
    return parallel_loop_around(sch, sch.get(find_conv_block(sch)).name_hint)


@pytest.mark.parametrize(
    ("data_shape", "kernel_shape", "loop"),
    [
        ((1, 16, 56, 56, 16), (4, 16, 1, 1, 16, 16), "n_y_0_occ_0_fused"),
        ((1, 128, 7, 7, 16), (32, 128, 1, 1, 16, 16), "n_occ_0_fused"),
    ],
    ids=["input larger: rows outermost", "weights larger: channel chunks outermost"],
)
def test_given_a_1x1_conv_when_scheduled_then_the_larger_operand_is_split_over_threads(
    data_shape, kernel_shape, loop
):
    assert parallel_loop(data_shape, kernel_shape) == loop


def test_given_a_winograd_conv_when_scheduled_then_its_output_transform_splits_rows_of_tiles_over_threads():
    data = te.placeholder((1, 4, 56, 56, 16), name="data")
    kernel = te.placeholder((6, 6, 4, 4, 16, 16), name="kernel")
    conv = conv2d_winograd(data, kernel, tile=4)
    sch = s_tir.Schedule(te.create_prim_func([data, kernel, conv]))

    assert schedule_winograd(sch, AVX512)

    assert parallel_loop_around(sch, OUTPUT_BLOCK) == "n_y_0_occ_fused"
