"""A run prepares every backend, then times them in rounds and pairs each with jit."""

import pytest
import torch

from benchsvc.domain import Status
from benchsvc.models import InputShape, example_inputs
from benchsvc.runner import Case, TimingPlan, run_case
from benchsvc.runner.case import prepare, time_contenders

SMALL = InputShape(batch_size=1, image_size=32)
QUICK = TimingPlan(warmup=1, repeat=5, calls_per_sample=2)

LIBRARY = torch.library.Library("benchsvctest", "DEF")
LIBRARY.define("halve(Tensor x) -> Tensor")


@torch.library.impl(LIBRARY, "halve", "CPU")
def _halve(x: torch.Tensor) -> torch.Tensor:
    return x * 0.5


@torch.library.register_fake("benchsvctest::halve")
def _halve_fake(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


class ConvBetweenCustomOps(torch.nn.Module):
    """The only convolution sits alone between two ops TVM cannot take, so it stays in PyTorch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.benchsvctest.halve(self.conv(torch.ops.benchsvctest.halve(x)))


@pytest.fixture(scope="module")
def jit_and_eager():
    return run_case(Case(model="resnet18", backends=["jit", "eager"], threads=[1], shape=SMALL), QUICK)


def test_every_backend_gets_one_sample_per_round(jit_and_eager):
    assert [len(result.samples) for result in jit_and_eager] == [5, 5]


def test_a_backend_measured_beside_jit_carries_its_paired_ratio_with_an_interval(jit_and_eager):
    eager = next(result for result in jit_and_eager if result.backend == "eager")

    assert eager.ratio_to_jit is not None
    assert eager.ratio_to_jit.low <= eager.ratio_to_jit.median <= eager.ratio_to_jit.high


def test_jit_itself_has_no_ratio_to_jit(jit_and_eager):
    jit = next(result for result in jit_and_eager if result.backend == "jit")

    assert jit.ratio_to_jit is None


def test_every_timed_result_records_interference(jit_and_eager):
    assert all(result.interference is not None for result in jit_and_eager)


def test_without_jit_in_the_run_there_is_nothing_to_pair_with():
    [eager] = run_case(Case(model="resnet18", backends=["eager"], threads=[1], shape=SMALL), QUICK)

    assert eager.status is Status.OK and eager.ratio_to_jit is None


def test_tvm_with_a_convolution_run_in_pytorch_is_degraded_and_never_a_speedup():
    model = ConvBetweenCustomOps().eval()
    inputs = (torch.randn(1, 3, 16, 16),)
    with torch.no_grad():
        reference = model(*inputs)
    case = Case(model="resnet18", backends=["jit", "tvm"], threads=[1], shape=SMALL, tuning_db=False)
    contenders = [prepare(case, backend, 1, model, inputs, reference) for backend in case.backends]

    results = {result.backend: result for result in time_contenders(contenders, inputs, QUICK)}

    assert results["tvm"].status is Status.DEGRADED
    assert "convolution" in (results["tvm"].error or "")
    assert results["tvm"].ratio_to_jit is None
