"""A 1x1 conv whose input channels go in blocks prefetches the next block's weights, each row
of the map its own share, so that the whole next block is asked for once per block; not on a
CPU where that was measured slower (AMD Zen 4)."""

from __future__ import annotations

import itertools

import tvm
import tvm_ffi
from tvm import s_tir, te, tirx
from tvm.sym import Analyzer

from torch_tvm_core.schedules.conv2d import conv2d_blocked
from torch_tvm_core.schedules.conv_rule import REDUCTION_BLOCK_CHUNKS, default_choice, schedule_conv
from torch_tvm_core.schedules.prefetch import prefetch_next_weight_blocks

AVX512 = tvm.target.Target({"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": 2})
ZEN4 = tvm.target.Target({"kind": "llvm", "mcpu": "znver4", "num-cores": 2})
ZEN5 = tvm.target.Target({"kind": "llvm", "mcpu": "znver5", "num-cores": 2})
LINE_FLOATS = 16


def scheduled(data_shape: tuple[int, ...], kernel_shape: tuple[int, ...], padding: int = 0) -> tvm.IRModule:
    data = te.placeholder(data_shape, name="data")
    kernel = te.placeholder(kernel_shape, name="kernel")
    conv = conv2d_blocked(data, kernel, (1, 1), (padding,) * 4, (1, 1))
    sch = s_tir.Schedule(te.create_prim_func([data, kernel, conv]))
    schedule_conv(sch, AVX512, default_choice)
    return sch.mod


def prefetched_indices(mod: tvm.IRModule) -> list[list[tvm.ir.PrimExpr]]:
    """The weight indices of every prefetch in `mod`."""
    found: list[list[tvm.ir.PrimExpr]] = []

    def record(call: tvm.ir.Call) -> tvm.ir.Call:
        if call.op.same_as(tvm.ir.Op.get("tirx.call_llvm_intrin")):
            found.append(list(call.args[1].args[0].indices))
        return call

    tvm_ffi.structural_map(mod["main"], [(tvm.ir.Call, record)])
    return found


def loop_vars(mod: tvm.IRModule) -> dict[str, tuple[tirx.Var, int]]:
    found: dict[str, tuple[tirx.Var, int]] = {}

    def record(loop: tirx.For) -> tirx.For:
        found[loop.loop_var.name] = (loop.loop_var, int(loop.extent))
        return loop

    tvm_ffi.structural_map(mod["main"], [(tirx.For, record)])
    return found


def lines_asked_for(mod: tvm.IRModule, task: int, block: int) -> set[tuple[int, int, int]]:
    """(output-channel chunk, input-channel chunk, line) of every prefetch that block `block`
    of parallel task `task` runs, over all its rows and chunks."""
    loops = loop_vars(mod)
    analyzer = Analyzer()
    asked = set()
    row_names = ["y_0", "x_0"]
    ranges = [range(loops[name][1]) for name in row_names] + [range(REDUCTION_BLOCK_CHUNKS)]
    for *row, chunk in itertools.product(*ranges):
        named = {"n_occ_0_fused": task, "icc_0": block, "icc_1": chunk, **dict(zip(row_names, row))}
        values = {loops[name][0]: tirx.const(v, "int64") for name, v in named.items()}
        for indices in prefetched_indices(mod):
            at = [
                int(analyzer.simplify(tvm_ffi.structural_map(i, [(tirx.Var, lambda var: values.get(var, var))])))
                for i in indices
            ]
            asked.add((at[0], at[1], at[5] // LINE_FLOATS))
    return asked


def test_given_a_1x1_conv_in_input_channel_blocks_when_lowered_then_each_block_asks_for_every_line_of_the_next():
    mod = prefetch_next_weight_blocks(scheduled((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16)))

    asked = lines_asked_for(mod, task=0, block=0)

    next_block = range(REDUCTION_BLOCK_CHUNKS, 2 * REDUCTION_BLOCK_CHUNKS)
    assert asked == {(occ, icc, line) for occ in (0, 1) for icc in next_block for line in range(16)}


def test_given_the_last_block_of_a_task_when_lowered_then_it_asks_for_the_first_block_of_the_next_chunks():
    mod = prefetch_next_weight_blocks(scheduled((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16)))

    asked = lines_asked_for(mod, task=0, block=64 // REDUCTION_BLOCK_CHUNKS - 1)

    assert {occ for occ, _, _ in asked} == {1, 2}
    assert {icc for _, icc, _ in asked} == set(range(REDUCTION_BLOCK_CHUNKS))


def test_given_a_1x1_conv_in_blocks_when_lowered_then_rows_share_the_lines_instead_of_repeating_them():
    mod = prefetch_next_weight_blocks(scheduled((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16)))

    # 16 lines per chunk over 7 rows: 3 per output-channel chunk of the two-chunk tile.
    assert len(prefetched_indices(mod)) == 2 * 3


def test_given_a_3x3_conv_in_blocks_when_lowered_then_nothing_is_prefetched():
    mod = scheduled((1, 32, 7, 7, 16), (32, 32, 3, 3, 16, 16), padding=1)

    assert tvm_ffi.structural_equal(prefetch_next_weight_blocks(mod), mod)


def test_given_a_1x1_conv_with_one_reduction_loop_when_lowered_then_nothing_is_prefetched():
    mod = scheduled((1, 16, 56, 56, 16), (4, 16, 1, 1, 16, 16))

    assert tvm_ffi.structural_equal(prefetch_next_weight_blocks(mod), mod)


def test_given_code_for_amd_zen_4_when_lowered_then_nothing_is_prefetched():
    mod = scheduled((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16))

    with ZEN4:
        lowered = prefetch_next_weight_blocks(mod)

    assert tvm_ffi.structural_equal(lowered, mod)


def test_given_code_for_amd_zen_5_when_lowered_then_the_next_block_is_prefetched():
    mod = scheduled((1, 64, 7, 7, 16), (16, 64, 1, 1, 16, 16))

    with ZEN5:
        lowered = prefetch_next_weight_blocks(mod)

    assert len(prefetched_indices(lowered)) == 2 * 3
