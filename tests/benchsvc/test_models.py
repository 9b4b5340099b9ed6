import pytest
import torch

from benchsvc.models import (
    MODEL_NAMES, InputShape, UnknownModelError, WeightsError, build_model, example_inputs, natural_key,
)


def test_registry_holds_the_resnet_family():
    assert set(MODEL_NAMES) == {
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
    }


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_registered_model_builds_in_eval_mode_and_classifies_a_small_image(name):
    model = build_model(name)

    with torch.no_grad():
        logits = model(*example_inputs(InputShape(batch_size=1, image_size=32)))

    assert not model.training
    assert logits.shape == (1, 1000)


def test_random_weights_are_seeded_so_two_builds_agree():
    first, second = build_model("resnet18"), build_model("resnet18")

    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_unknown_model_names_the_valid_choices():
    with pytest.raises(UnknownModelError, match="resnet18.*wide_resnet50_2"):
        build_model("vgg16")


def test_local_weights_are_loaded_from_a_state_dict(tmp_path):
    source = build_model("resnet18")
    with torch.no_grad():
        source.fc.bias.fill_(3.0)
    path = tmp_path / "weights.pt"
    torch.save(source.state_dict(), path)

    loaded = build_model("resnet18", weights=path)

    assert torch.equal(loaded.fc.bias, torch.full((1000,), 3.0))


def test_weights_for_another_model_are_refused_with_the_reason(tmp_path):
    path = tmp_path / "resnet50.pt"
    torch.save(build_model("resnet50").state_dict(), path)

    with pytest.raises(WeightsError, match="does not fit"):
        build_model("resnet18", weights=path)


def test_example_inputs_follow_the_requested_shape_and_are_reproducible():
    shape = InputShape(batch_size=4, image_size=64)

    (first,), (second,) = example_inputs(shape), example_inputs(shape)

    assert first.shape == (4, 3, 64, 64)
    assert torch.equal(first, second)


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"image_size": 16}])
def test_impossible_input_shapes_are_refused(kwargs):
    with pytest.raises(ValueError):
        InputShape(**kwargs)


def test_model_names_sort_as_people_count():
    names = ["resnet152", "resnet101", "wide_resnet50_2", "resnet50", "resnet18", "resnext50_32x4d", "resnet34"]
    assert sorted(names, key=natural_key) == [
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
    ]
