"""No operator the partitioner claims for TVM gives a different answer from eager.

The bounded sweep over PyTorch's OpInfo database: the first float32 sample of every
operator the full sweep found claimed for TVM (opinfo_claimed.txt, including those since
taken off the supported list), many operators per compile, compiled executables kept in
pytest's cache so a second run only compares. The full sweep (every operator, more samples,
float64 and integer dtypes) is benchmarks/opinfo_sweep.py, which also rewrites the list;
its table is docs/operator_coverage.md.
"""

from __future__ import annotations

import pathlib

import pytest
import torch

from tests.torch_tvm_core.opinfo_sweep import cases, op_infos, sweep


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest):
    # Without pytest's cache plugin (-p no:cacheprovider) every run compiles afresh.
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("torch_tvm_core_opinfo") if cache is not None else None
    claimed = (pathlib.Path(__file__).parent / "opinfo_claimed.txt").read_text().split()
    infos = op_infos(claimed)
    assert len(infos) >= len(claimed), "an OpInfo name in opinfo_claimed.txt is gone"
    return sweep(cases(infos, (torch.float32,), samples=1), batch_size=32, cache_dir=cache_dir)


def test_no_claimed_operator_differs_from_eager(outcomes) -> None:
    mismatches = [
        f"{o.op} [{o.dtype} #{o.sample}] on TVM: {', '.join(o.tvm_ops)}: {o.detail}"
        for o in outcomes
        if o.status == "mismatch"
    ]
    assert mismatches == []


def test_no_claimed_operator_fails_to_build_on_tvm(outcomes) -> None:
    failures = [
        f"{o.op} [{o.dtype} #{o.sample}] on TVM: {', '.join(o.tvm_ops)}: {o.detail}"
        for o in outcomes
        if o.status == "build failed"
    ]
    assert failures == []


def test_the_sweep_really_ran_operators_on_tvm(outcomes) -> None:
    passed = [o for o in outcomes if o.status == "pass"]
    ran = {op for o in passed for op in o.tvm_ops}
    assert len(passed) >= 200
    assert {"aten.convolution.default", "aten.elu.default", "aten.grid_sampler_2d.default"} <= ran
