import torch

from benchsvc.runner.correctness import check


def logits() -> torch.Tensor:
    return torch.linspace(-5.0, 5.0, 1000).unsqueeze(0)


def test_identical_outputs_are_valid():
    result = check(logits(), logits().clone())

    assert result.valid and result.top5_match
    assert result.max_abs_diff == 0.0


def test_rounding_noise_within_tolerance_is_valid():
    expected = logits()

    result = check(expected, expected + 1e-6)

    assert result.valid
    assert result.tolerance == 5e-3


def test_a_large_error_is_invalid_even_when_the_top_classes_agree():
    expected = logits()
    actual = expected.clone()
    actual[0, :10] += 1.0

    result = check(expected, actual)

    assert result.top5_match
    assert not result.valid


def test_a_different_top_class_is_invalid():
    expected = logits()
    actual = expected.clone()
    actual[0, 0] = 100.0

    result = check(expected, actual)

    assert not result.top5_match and not result.valid


def test_near_tied_classes_may_swap_places():
    expected = torch.zeros(1, 10)
    expected[0, :4] = 10.0
    expected[0, 4] = 5.0
    expected[0, 5] = 5.0 - 1e-6
    actual = expected.clone()
    actual[0, 5] = 5.0 + 1e-6

    assert check(expected, actual).top5_match


def test_nan_output_is_invalid_and_not_comparable():
    actual = logits()
    actual[0, 3] = float("nan")

    result = check(logits(), actual)

    assert not result.valid
    assert result.max_abs_diff is None


def test_output_of_another_shape_is_invalid():
    assert not check(logits(), torch.zeros(1, 10)).valid
