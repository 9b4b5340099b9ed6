"""A model whose whole plan ran on TVM compiles again from disk without being captured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import torch

import torch_tvm_core
from tests.torch_tvm_core.models import ConvBlock
from torch_tvm_core import program_cache
from torch_tvm_core.settings import CACHE_DIR_ENV


class Scaled(torch.nn.Module):
    """A conv whose output is multiplied by a setting, not a weight."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x)) * self.factor


SHIFT = {"value": 0.0}


class ReadsAGlobal(torch.nn.Module):
    """Its forward reads module-level state that no key can see."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x)) + SHIFT["value"]


def _model(kind=ConvBlock, *args) -> torch.nn.Module:
    torch.manual_seed(0)
    return kind(*args).eval()


def _image() -> torch.Tensor:
    torch.manual_seed(1)
    return torch.randn(1, 3, 8, 8)


def _captured(compiled: torch_tvm_core.CompiledModel) -> bool:
    return compiled.last_plan.stage_seconds["capture"] > 0


def test_given_a_compiled_model_when_an_identical_one_is_compiled_then_it_is_not_captured_again(tmp_path: Path):
    first = torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)

    second = torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)

    assert _captured(first)
    assert not _captured(second)
    torch.testing.assert_close(second(_image()), _model()(_image()), atol=1e-5, rtol=1e-5)


def test_given_a_model_loaded_without_capture_when_explained_then_it_reports_all_of_it_on_tvm_from_disk(tmp_path: Path):
    torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)

    report = torch_tvm_core.explain(torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path))

    assert report.disk_cache_hits == 1
    assert report.tvm_op_share == 1.0
    assert report.flops_in_tvm and report.flops_in_tvm == report.flops_total


def test_given_other_weights_when_compiled_then_the_model_is_captured(tmp_path: Path):
    torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)
    changed = _model()
    with torch.no_grad():
        changed.conv.weight.add_(0.5)

    compiled = torch_tvm_core.compile(changed, (_image(),), cache_dir=tmp_path)

    assert _captured(compiled)
    torch.testing.assert_close(compiled(_image()), changed(_image()), atol=1e-5, rtol=1e-5)


def test_given_another_setting_when_compiled_then_the_model_is_captured(tmp_path: Path):
    torch_tvm_core.compile(_model(Scaled, 2.0), (_image(),), cache_dir=tmp_path)
    changed = _model(Scaled, 3.0)

    compiled = torch_tvm_core.compile(changed, (_image(),), cache_dir=tmp_path)

    assert _captured(compiled)
    torch.testing.assert_close(compiled(_image()), changed(_image()), atol=1e-5, rtol=1e-5)


def test_given_another_input_shape_when_compiled_then_the_model_is_captured(tmp_path: Path):
    torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)

    compiled = torch_tvm_core.compile(_model(), (torch.randn(2, 3, 8, 8),), cache_dir=tmp_path)

    assert _captured(compiled)


def test_given_state_the_key_cannot_see_when_it_changed_then_the_model_is_captured_and_right(tmp_path: Path):
    torch_tvm_core.compile(_model(ReadsAGlobal), (_image(),), cache_dir=tmp_path)
    SHIFT["value"] = 1.0
    try:
        model = _model(ReadsAGlobal)
        compiled = torch_tvm_core.compile(model, (_image(),), cache_dir=tmp_path)
        expected = model(_image())
    finally:
        SHIFT["value"] = 0.0

    assert _captured(compiled)
    torch.testing.assert_close(compiled(_image()), expected, atol=1e-5, rtol=1e-5)


def test_given_a_model_in_training_mode_when_compiled_then_it_has_no_key():
    model = _model().train()

    assert program_cache.program_key(model, [_image()], None, None, None) is None


def test_given_a_model_with_a_forward_hook_when_compiled_then_it_has_no_key():
    model = _model()
    model.conv.register_forward_hook(lambda module, inputs, output: output * 2)

    assert program_cache.program_key(model, [_image()], None, None, None) is None


def test_given_a_layer_factory_with_bound_settings_when_keyed_then_the_settings_are_part_of_the_key():
    import functools

    model, other = _model(), _model()
    model.norm.factory = functools.partial(torch.nn.LayerNorm, eps=1e-6)
    other.norm.factory = functools.partial(torch.nn.LayerNorm, eps=1e-5)
    toolchain = torch_tvm_core.compile(_model(), (_image(),), cache_dir=None).toolchain
    settings = torch_tvm_core.settings.Settings()

    key = program_cache.program_key(model, [_image()], None, toolchain, settings)

    assert key is not None
    assert key != program_cache.program_key(other, [_image()], None, toolchain, settings)


def test_given_a_setting_the_key_cannot_describe_when_compiled_then_it_has_no_key():
    model = _model()
    model.conv.helper = object()

    assert program_cache.program_key(model, [_image()], None, None, None) is None


def test_given_a_damaged_program_entry_when_compiled_then_the_model_is_captured(tmp_path: Path):
    torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)
    for entry in tmp_path.glob("*.program.json"):
        entry.write_text("{not json")

    compiled = torch_tvm_core.compile(_model(), (_image(),), cache_dir=tmp_path)

    assert _captured(compiled)
    torch.testing.assert_close(compiled(_image()), _model()(_image()), atol=1e-5, rtol=1e-5)


PROCESS = textwrap.dedent(
    """
    import json, torch, torch_tvm_core
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()).eval()
    x = torch.randn(1, 3, 8, 8)
    compiled = torch_tvm_core.compile(model, (x,))
    print(json.dumps(torch_tvm_core.explain(compiled).to_dict()["stage_seconds"]))
    """
)


def test_given_a_model_compiled_in_one_process_when_another_compiles_it_then_it_skips_capture(tmp_path: Path):
    environment = {**os.environ, CACHE_DIR_ENV: str(tmp_path)}
    stages = []
    for _ in range(2):
        finished = subprocess.run(
            [sys.executable, "-c", PROCESS], env=environment, capture_output=True, text=True, check=True
        )
        stages.append(json.loads(finished.stdout.strip().splitlines()[-1]))

    assert stages[0]["capture"] > 0
    assert stages[1]["capture"] == 0
