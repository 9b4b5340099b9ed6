"""One tuning at a time per database."""

import os

import pytest
import torch

import torch_tvm_core
from torch_tvm_core.schedules.tuning_lock import exclusive_tuning


def test_a_database_nobody_tunes_has_no_tuning_process(tmp_path):
    assert torch_tvm_core.tuning_process(tmp_path) is None


def test_while_a_tuning_holds_the_database_its_pid_is_the_tuning_process(tmp_path):
    with exclusive_tuning(tmp_path):
        assert torch_tvm_core.tuning_process(tmp_path) == os.getpid()


def test_a_finished_tuning_leaves_the_database_free(tmp_path):
    with exclusive_tuning(tmp_path):
        pass

    assert torch_tvm_core.tuning_process(tmp_path) is None


def test_tuning_a_database_another_tuning_holds_is_refused_before_any_work(tmp_path):
    model = torch.nn.Conv2d(3, 8, 3).eval()

    with exclusive_tuning(tmp_path), pytest.raises(torch_tvm_core.TuningBusyError, match=f"process {os.getpid()}"):
        torch_tvm_core.tune(model, (torch.randn(1, 3, 16, 16),), trials=1, database=tmp_path)
