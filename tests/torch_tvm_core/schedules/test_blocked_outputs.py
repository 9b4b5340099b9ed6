"""A conv over unblocked input channels (a model's RGB stem) writes its output in channel blocks
where the next conv reads them blocked, and the ops between follow it."""

from __future__ import annotations

import torch
import tvm
from torch import nn
from tvm import relax

from torch_tvm_core import capture, lower
from torch_tvm_core.schedules.layout import blocked_layout

AVX512 = tvm.target.Target({"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": 2})


def stem(pool: nn.Module, activation: nn.Module) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 7, stride=2, padding=3, bias=False),
        nn.BatchNorm2d(32),
        activation,
        pool,
        nn.Conv2d(32, 32, 3, padding=1),
    ).eval()


class TwoUsers(nn.Module):
    """The pooled stem output is also returned as it is."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.conv = nn.Conv2d(32, 32, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.stem(x)
        return self.conv(pooled), pooled


def calls(model: nn.Module, inputs: tuple) -> list[relax.Call]:
    """The calls of the model's main function after the blocked-layout passes for AVX-512."""
    module = lower.relax_module(capture.export_program(model.eval(), inputs))
    with AVX512, tvm.transform.PassContext(opt_level=3):
        module = blocked_layout(AVX512)(module)
    found: list[relax.Call] = []
    relax.analysis.post_order_visit(
        module["main"], lambda e: found.append(e) if isinstance(e, relax.Call) and isinstance(e.op, tvm.ir.Op) else None
    )
    return found


def layouts(found: list[relax.Call], op: str) -> list[tuple[str, str]]:
    return [(c.attrs.data_layout if op.endswith("conv2d") else c.attrs.layout, c.attrs.out_layout) for c in found if c.op.name == op]


def test_given_a_stem_before_a_blocked_conv_when_lowered_then_the_stem_conv_writes_blocks():
    found = calls(stem(nn.MaxPool2d(3, 2, 1), nn.ReLU()), (torch.randn(1, 3, 32, 32),))

    assert layouts(found, "relax.nn.conv2d")[0] == ("NCHW", "NCHW16c")


def test_given_a_stem_before_a_blocked_conv_when_lowered_then_pooling_runs_blocked_and_nothing_is_blocked_at_run_time():
    found = calls(stem(nn.MaxPool2d(3, 2, 1), nn.ReLU()), (torch.randn(1, 3, 32, 32),))

    assert layouts(found, "relax.nn.max_pool2d") == [("NCHW16c", "NCHW16c")]
    assert [c for c in found if c.op.name == "relax.layout_transform" and len(c.args[0].ty.shape) == 4] == []


def test_given_a_pooled_stem_output_read_twice_when_lowered_then_the_stem_keeps_nchw():
    found = calls(TwoUsers(), (torch.randn(1, 3, 16, 16),))

    assert layouts(found, "relax.nn.conv2d")[0] == ("NCHW", "NCHW")


def test_given_a_max_pooled_relu_stem_when_compiled_then_it_matches_eager(matches_eager):
    torch.manual_seed(0)
    model = stem(nn.MaxPool2d(3, 2, 1), nn.ReLU())
    model[1].running_mean.uniform_(-1, 1)

    matches_eager(model, (torch.randn(1, 3, 40, 40),))


def test_given_an_average_pooled_silu_stem_when_compiled_then_it_matches_eager(matches_eager):
    torch.manual_seed(0)

    matches_eager(stem(nn.AvgPool2d(2), nn.SiLU()), (torch.randn(2, 3, 32, 32),))
