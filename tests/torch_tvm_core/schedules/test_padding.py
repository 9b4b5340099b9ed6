"""A conv's padding is split over the threads the way the conv itself is, so each core pads what it reads."""

import torch

from tests.support.kernels import scheduled_kernels

ZEN4_TWO_CORES = {"kind": "llvm", "mcpu": "znver4", "num-cores": 2}


def padding_loop(model: torch.nn.Module, image: torch.Tensor) -> str:
    [script] = [s for name, s in scheduled_kernels(model, (image,), target=ZEN4_TWO_CORES).items() if "conv" in name]
    return next(line for line in script.splitlines() if "T.parallel" in line)


def test_given_a_conv_whose_input_outweighs_its_weights_when_scheduled_then_its_padding_threads_take_rows():
    conv = torch.nn.Conv2d(64, 64, 3, stride=2, padding=1)

    loop = padding_loop(conv, torch.randn(1, 64, 28, 28))

    # (batch, row, chunk) fused: a thread's range of the loop is a range of rows.
    assert "i0_i2_i1_fused" in loop


def test_given_a_conv_whose_weights_outweigh_its_input_when_scheduled_then_its_padding_threads_take_chunks():
    conv = torch.nn.Conv2d(512, 512, 3, stride=2, padding=1)

    loop = padding_loop(conv, torch.randn(1, 512, 14, 14))

    assert "i0_i1_i2_fused" in loop
