"""A tuned schedule replaces the default only when it measured faster by the margin here."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torch_tvm_core.schedules import databases
from torch_tvm_core.schedules.kernel_timing import MIN_GAIN_OVER_DEFAULT, beats_default
from torch_tvm_core.schedules.databases import is_default
from torch_tvm_core.schedules.tuning import tune


@pytest.mark.parametrize(
    ("candidate_ratio", "kept"), [(1.05, False), (1.0, False), (0.98, False), (0.96, True), (0.5, True)]
)
def test_given_paired_times_then_a_candidate_wins_only_by_the_margin(candidate_ratio, kept):
    default = [1.0, 1.1, 0.9, 1.2, 1.0]
    candidate = [d * candidate_ratio for d in default]

    assert MIN_GAIN_OVER_DEFAULT == 0.03
    assert beats_default(default, candidate) is kept


def test_given_one_lucky_round_then_the_median_of_the_paired_ratios_decides():
    default = [1.0, 1.0, 1.0, 1.0, 1.0]
    candidate = [0.5, 1.0, 1.01, 0.99, 1.02]

    assert beats_default(default, candidate) is False


def test_given_a_margin_no_candidate_reaches_when_tuning_then_every_kernel_keeps_the_default(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 16, 1)).eval()

    tune(model, (torch.randn(1, 16, 14, 14),), trials=8, database=tmp_path, margin=0.95)

    records = databases.open_database(tmp_path).get_all_tuning_records()
    assert len(records) == 2
    assert all(is_default(record) for record in records)
