"""The untuned conv register tile: as many accumulators as the registers allow, two vectors wide."""

from __future__ import annotations

import pytest
import tvm
from hypothesis import given
from hypothesis import strategies as st

from torch_tvm_core.schedules.register_tiles import default_tile
from torch_tvm_core.schedules.cpu import MAX_ACCUMULATORS
from torch_tvm_core.schedules.cpu import simd_lanes, vector_registers

AVX512 = tvm.target.Target({"kind": "llvm", "mcpu": "skylake-avx512"})
AVX2 = tvm.target.Target({"kind": "llvm", "mcpu": "znver3"})


@pytest.mark.parametrize("width", [112, 56, 28, 14, 7])
def test_given_an_avx512_cpu_when_tiling_a_resnet_map_then_two_vectors_by_seven_columns(width):
    assert default_tile(oc_chunks=4, oc_block=16, out_height=width, out_width=width, target=AVX512) == (
        2, 7, 1
    )


@pytest.mark.parametrize(
    ("width", "tile"), [(56, (2, 4, 1)), (28, (2, 4, 1)), (14, (2, 2, 2)), (7, (1, 7, 1))]
)
def test_given_an_avx2_cpu_when_tiling_a_resnet_map_then_eight_accumulators_at_most_two_vectors(
    width, tile
):
    assert default_tile(oc_chunks=8, oc_block=8, out_height=width, out_width=width, target=AVX2) == tile


def test_given_an_odd_channel_count_when_tiling_then_one_chunk_per_tile():
    chunks, _, _ = default_tile(oc_chunks=13, oc_block=8, out_height=9, out_width=9, target=AVX2)
    assert chunks == 1


@given(
    oc_chunks=st.integers(1, 64),
    oc_block=st.sampled_from([1, 3, 8, 16]),
    height=st.integers(1, 120),
    width=st.integers(1, 120),
    target=st.sampled_from([AVX2, AVX512]),
)
def test_given_any_conv_output_when_tiling_then_the_tile_fits_the_vector_registers(
    oc_chunks, oc_block, height, width, target
):
    chunks, columns, rows = default_tile(oc_chunks, oc_block, height, width, target)
    vectors = chunks * max(1, oc_block // simd_lanes(target))
    accumulators = vectors * columns * rows
    assert oc_chunks % chunks == 0 and width % columns == 0 and height % rows == 0
    assert accumulators <= MAX_ACCUMULATORS
    assert accumulators + vectors + 2 <= vector_registers(target)
