"""Each result of a run is paired with the fastest reference runtime (ONNX Runtime, OpenVINO) of its case."""

from benchsvc.domain import Status
from benchsvc.runner.case import fastest_reference, with_ratio_to_best_reference
from tests.support.documents import a_result

TVM = a_result("tvm", samples=[110.0, 121.0, 105.0])
ORT = a_result("ort", samples=[90.0, 95.0, 92.0])
OPENVINO = a_result("openvino", samples=[100.0, 110.0, 100.0])


def test_the_fastest_reference_is_the_one_with_the_highest_median_rate():
    assert fastest_reference([TVM, ORT, OPENVINO]).backend == "openvino"


def test_a_reference_that_did_not_run_ok_is_never_the_fastest():
    failed = a_result("openvino", status=Status.FAILED, error="crashed", samples=[], summary=None)

    assert fastest_reference([TVM, ORT, failed]).backend == "ort"


def test_without_a_reference_runtime_there_is_none_to_pair_with():
    assert fastest_reference([TVM, a_result("jit")]) is None


def test_a_result_carries_its_per_round_paired_ratio_to_the_fastest_reference_and_its_name():
    paired = with_ratio_to_best_reference(TVM, OPENVINO).ratio_to_best_reference

    assert paired.reference == "openvino"
    assert paired.median == 1.1  # rounds 1.1x, 1.1x, 1.05x
    assert paired.low <= paired.median <= paired.high


def test_the_reference_runtimes_themselves_carry_no_ratio_to_a_reference():
    assert with_ratio_to_best_reference(ORT, OPENVINO).ratio_to_best_reference is None


def test_a_failed_result_carries_no_ratio_to_a_reference():
    failed = a_result("tvm", status=Status.FAILED, error="crashed", samples=[], summary=None)

    assert with_ratio_to_best_reference(failed, OPENVINO).ratio_to_best_reference is None
