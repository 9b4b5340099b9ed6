import pytest
import torch

from benchsvc.backends import BACKEND_NAMES, UnknownBackendError, get_backend
from benchsvc.models import InputShape, build_model, example_inputs
from benchsvc.runner.correctness import check

SMALL = InputShape(batch_size=2, image_size=64)


@pytest.fixture(scope="module")
def resnet18():
    return build_model("resnet18")


@pytest.mark.parametrize("name", ["eager", "jit", "inductor", "tvm", "ort", "openvino"])
def test_each_backend_matches_eager_on_a_small_input(name, resnet18):
    inputs = example_inputs(SMALL)
    with torch.no_grad():
        expected = resnet18(*inputs)

    prepared = get_backend(name).prepare(resnet18, inputs)
    actual = prepared.forward(*inputs)

    assert check(expected, actual).valid


def test_the_tvm_backend_reports_what_ran_in_tvm(resnet18):
    prepared = get_backend("tvm").prepare(resnet18, example_inputs(SMALL))

    assert prepared.details is not None
    assert prepared.details["tvm_op_share"] == 1.0


def test_unknown_backend_names_the_choices():
    with pytest.raises(UnknownBackendError, match=", ".join(BACKEND_NAMES)):
        get_backend("onnx")
