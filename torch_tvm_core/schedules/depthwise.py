"""Depthwise conv2d (one input channel per group, one output channel per input channel) in NCHW.

MobileNet and EfficientNet spend over half their TVM time in depthwise convs although
these do 2-3% of the multiplications: each output needs only KH*KW of them, so the work is
moving data, and the generic group-conv loop nest ran at 7 GFLOP/s. This compute has a name
that depthwise_rule.py recognises, and schedules one channel plane per thread with output
rows vectorized along their width.
"""

from __future__ import annotations

from tvm import te, topi

DEPTHWISE_BLOCK = "depthwise_conv2d"
PAD_BLOCK = "depthwise_pad"


def applies(data_shape: tuple[int, ...], kernel_shape: tuple[int, ...], groups: int) -> bool:
    """NCHW data and an OIHW kernel of one depthwise conv (channel multiplier 1)."""
    channels = data_shape[1]
    out_channels, per_group = kernel_shape[:2]
    return groups > 1 and groups == channels == out_channels and per_group == 1


def depthwise_conv2d_nchw(
    data: te.Tensor,
    kernel: te.Tensor,
    strides: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
) -> te.Tensor:
    """data [N, C, H, W] * kernel [C, 1, KH, KW] -> [N, C, OH, OW]."""
    batch, channels, height, width = (int(d) for d in data.shape)
    kernel_h, kernel_w = int(kernel.shape[2]), int(kernel.shape[3])
    pad_top, pad_left, pad_bottom, pad_right = padding
    stride_h, stride_w = strides
    dilation_h, dilation_w = dilation
    padded = topi.nn.pad(data, [0, 0, pad_top, pad_left], [0, 0, pad_bottom, pad_right], name=PAD_BLOCK)
    out_h = (height + pad_top + pad_bottom - (kernel_h - 1) * dilation_h - 1) // stride_h + 1
    out_w = (width + pad_left + pad_right - (kernel_w - 1) * dilation_w - 1) // stride_w + 1
    ry = te.reduce_axis((0, kernel_h), name="ry")
    rx = te.reduce_axis((0, kernel_w), name="rx")
    return te.compute(
        (batch, channels, out_h, out_w),
        lambda n, c, y, x: te.sum(
            padded[n, c, y * stride_h + ry * dilation_h, x * stride_w + rx * dilation_w] * kernel[c, 0, ry, rx],
            axis=[ry, rx],
        ),
        name=DEPTHWISE_BLOCK,
    )
