"""Vector loads of a few neighbouring elements become one contiguous load and a shuffle."""

from __future__ import annotations

import numpy
import tvm
from tvm import s_tir, te, tirx

from torch_tvm_core.schedules.gathers import gathers_as_shuffles
from torch_tvm_core.schedules.tir_pipeline import TIR_PIPELINE

TARGET = {"kind": "llvm", "mcpu": "znver3", "num-cores": 1}


def _kernel(read_offset):
    """out[i, p] = sum over r of data[i, read_offset(r, p)] * weights[r, p], vectorized over p."""
    data = te.placeholder((8, 40), name="data")
    weights = te.placeholder((4, 16), name="weights")
    r = te.reduce_axis((0, 4), name="r")
    out = te.compute(
        (8, 16), lambda i, p: te.sum(data[i, read_offset(r, p)] * weights[r, p], axis=r), name="out"
    )
    sch = s_tir.Schedule(te.create_prim_func([data, weights, out]))
    block = sch.get_sblock("out")
    i, p, k = sch.get_loops(block)
    sch.reorder(i, k, p)
    sch.vectorize(p)
    sch.decompose_reduction(block, k)
    return sch.mod


def _run(mod, read_offset) -> None:
    rng = numpy.random.default_rng(0)
    data = rng.standard_normal((8, 40)).astype("float32")
    weights = rng.standard_normal((4, 16)).astype("float32")
    expected = numpy.zeros((8, 16), "float32")
    for p in range(16):
        for r in range(4):
            expected[:, p] += data[:, read_offset(r, p)] * weights[r, p]
    built = tvm.compile(mod, target=tvm.target.Target(TARGET), tir_pipeline=TIR_PIPELINE)
    out = tvm.runtime.tensor(numpy.zeros((8, 16), "float32"))
    built["main"](tvm.runtime.tensor(data), tvm.runtime.tensor(weights), out)
    numpy.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


def _lowered_by_tvm(mod) -> tvm.IRModule:
    target = tvm.target.Target(TARGET)
    with target, tvm.transform.PassContext(opt_level=3):
        return tvm.tirx.get_tir_pipeline("s_tir")[0](tirx.transform.BindTarget(target.with_host(target))(mod))


def _lowered(mod) -> str:
    return gathers_as_shuffles(_lowered_by_tvm(mod))["main"].script()


def _interleaved(r, p):
    return r * 4 + p % 4


def _strided(r, p):
    return r + 2 * p


def test_given_four_neighbours_repeated_across_the_vector_when_lowered_then_they_are_one_load_and_a_shuffle():
    script = _lowered(_kernel(_interleaved))

    assert "T.Shuffle" in script
    assert "% 4" not in script


def test_given_four_neighbours_repeated_across_the_vector_when_run_then_every_lane_reads_its_own_element():
    _run(_kernel(_interleaved), _interleaved)


def test_given_lanes_further_apart_than_the_vector_is_wide_when_lowered_then_the_load_is_left_as_it_was():
    script = _lowered(_kernel(_strided))

    assert "T.Shuffle" not in script


def test_given_lanes_further_apart_than_the_vector_is_wide_when_run_then_the_result_is_unchanged():
    _run(_kernel(_strided), _strided)


def test_given_a_consecutive_vector_when_lowered_then_it_stays_a_plain_vector_load():
    script = _lowered(_kernel(lambda r, p: r + p))

    assert "T.Shuffle" not in script
    assert "T.Ramp" in script


def test_given_a_lane_pattern_held_in_a_variable_when_lowered_then_the_load_is_still_a_shuffle():
    # Common-subexpression elimination binds `ramp % 4` to a variable shared by the four loads.
    lowered = _lowered_by_tvm(_kernel(_interleaved))
    assert "cse_v" in lowered["main"].script()

    assert "T.Shuffle" in gathers_as_shuffles(lowered)["main"].script()
