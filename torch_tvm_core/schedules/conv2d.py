"""conv2d lowered to a channel-blocked computation that the conv rule knows how to schedule.

Activations are NCHW[b]c (channel chunks of b lanes innermost) and weights OIHW[i]i[o]o, so
the innermost output axis is a whole SIMD vector of output channels and the reduction reads
one input channel at a time as a broadcast scalar. Weights are constants, packed once at
compile time (in numpy; as a separate call for FoldConstant where a kernel is not a constant).
3x3 stride-1 convs with enough tiles go by Winograd instead (winograd.py).
"""

from __future__ import annotations

import re

import numpy
from tvm import relax, te, topi
from tvm.ir import GenericConst, Op
from tvm.target import Target

from torch_tvm_core.schedules import depthwise, pointwise, winograd
from torch_tvm_core.schedules.constant_folding import static_shape
from torch_tvm_core.schedules.cpu import simd_lanes
from torch_tvm_core.schedules.grouped_conv import interleave_of, pack_interleaved
from torch_tvm_core.schedules.register_tiles import padded_rows

CONV_BLOCK_NAME = "conv2d_blocked"

_BLOCKED_DATA = re.compile(r"^NCHW(\d+)c$")
_PACKED_KERNEL = re.compile(r"^OIHW(\d+)i(\d+)o$")
_DEFAULT_LEGALIZE = Op.get("relax.nn.conv2d").get_attr("FLegalize")


def conv2d_blocked(
    data: te.Tensor,
    kernel: te.Tensor,
    strides: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    groups: int = 1,
    spread: int | None = None,
) -> te.Tensor:
    """data [N, IC/ib, H, W, ib] * kernel [OC/ob, IC/groups/ib, KH, KW, ib, ob] -> [N, OC/ob, OH, OW, ob].

    With groups, each group's channels are whole chunks, so output chunk `occ` reads the input
    chunks of its group only.

    spread: the groups per vector G of a grouped conv whose lanes are interleaved groups
    (grouped_conv.interleaved_order; one chunk per group, kernel [C/b, 1, KH, KW, b/G, b] from
    grouped_conv.pack_interleaved). Output lane o then reads input lanes k * G + o % G only;
    the lanes of one k are G neighbours repeated, one broadcast load (gathers.py).
    """
    batch = int(data.shape[0])
    oc_chunks, ic_chunks, kernel_h, kernel_w, ic_block, oc_block = (int(d) for d in kernel.shape)
    oc_chunks_per_group = oc_chunks // groups
    stride_h, stride_w = strides
    dilation_h, dilation_w = dilation
    data, out_h, out_w = _padded(data, (kernel_h, kernel_w), strides, padding, dilation)
    icc = te.reduce_axis((0, ic_chunks), name="icc")
    ry = te.reduce_axis((0, kernel_h), name="ry")
    rx = te.reduce_axis((0, kernel_w), name="rx")
    icb = te.reduce_axis((0, ic_block), name="icb")

    def lane(ocb: te.Var) -> object:
        return icb if spread is None else icb * spread + ocb % spread

    return te.compute(
        (batch, oc_chunks, out_h, out_w, oc_block),
        lambda n, occ, y, x, ocb: te.sum(
            data[
                n,
                occ // oc_chunks_per_group * ic_chunks + icc,
                y * stride_h + ry * dilation_h, x * stride_w + rx * dilation_w,
                lane(ocb),
            ]
            * kernel[occ, icc, ry, rx, icb, ocb],
            axis=[icc, ry, rx, icb],
        ),
        name=CONV_BLOCK_NAME,
    )


def _padded(
    data: te.Tensor,
    kernel_size: tuple[int, int],
    strides: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
) -> tuple[te.Tensor, int, int]:
    """Blocked data with its padding, and the output's height and width."""
    height, width = (int(d) for d in data.shape[2:4])
    pad_top, pad_left, pad_bottom, pad_right = padding
    if any(padding):
        data = topi.nn.pad(
            data, [0, 0, pad_top, pad_left, 0], [0, 0, pad_bottom, pad_right, 0], name="data_pad"
        )
    out_h = (height + pad_top + pad_bottom - (kernel_size[0] - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (width + pad_left + pad_right - (kernel_size[1] - 1) * dilation[1] - 1) // strides[1] + 1
    return data, out_h, out_w


def _conv2d_nchw_through_blocks(
    data: te.Tensor,
    packed_kernel: te.Tensor,
    strides: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
    groups: int = 1,
    blocked_output: bool = False,
) -> te.Tensor:
    """NCHW in and out, blocked inside: for convs whose channels fit no SIMD block. The input
    is one chunk of all its channels, or with groups one chunk per group. With
    blocked_output the output stays NCHW[b]c (blocked_outputs.py)."""
    batch, channels, height, width = (int(d) for d in data.shape)
    chunk = channels // groups
    blocked = te.compute(
        (batch, groups, height, width, chunk),
        lambda n, cc, y, x, c: data[n, cc * chunk + c, y, x],
        name="data_blocked",
    )
    out = conv2d_blocked(blocked, packed_kernel, strides, padding, dilation, groups)
    if blocked_output:
        return out
    _, oc_chunks, out_h, out_w, oc_block = (int(d) for d in out.shape)
    return te.compute(
        (batch, oc_chunks * oc_block, out_h, out_w),
        lambda n, c, y, x: out[n, c // oc_block, y, x, c % oc_block],
        name="conv2d_unblocked",
    )


def _pack_oihw(kernel: te.Tensor, oc_block: int) -> te.Tensor:
    out_channels, in_channels, kernel_h, kernel_w = (int(d) for d in kernel.shape)
    return te.compute(
        (out_channels // oc_block, 1, kernel_h, kernel_w, in_channels, oc_block),
        lambda occ, _, y, x, ic, ocb: kernel[occ * oc_block + ocb, ic, y, x],
        name="kernel_packed",
    )


def _pack_oihw_constant(kernel: relax.Expr, oc_block: int) -> relax.Expr | None:
    """_pack_oihw of a constant kernel done in numpy: FoldConstant would build and run a
    TIR kernel for each weight. None when the kernel is not a constant."""
    if not isinstance(kernel, GenericConst):
        return None
    weights = kernel.value.numpy()
    out_channels, in_channels, kernel_h, kernel_w = weights.shape
    blocks = weights.reshape(out_channels // oc_block, oc_block, in_channels, kernel_h, kernel_w)
    return relax.const(numpy.ascontiguousarray(blocks.transpose(0, 3, 4, 2, 1)[:, None]))


def _winograd(
    bb: relax.BlockBuilder, data: relax.Expr, kernel: GenericConst, target: Target
) -> relax.Expr:
    _, _, height, width, _ = static_shape(data.ty)
    tile = winograd.output_tile(height, width)
    transformed = winograd.transform_kernel(kernel.value.numpy(), tile)
    tiles = padded_rows(
        winograd.tile_count(1, height, width), transformed.shape[2], target
    )
    return bb.call_te(
        winograd.conv2d_winograd,
        data,
        relax.const(transformed),
        tile,
        tiles,
        primfunc_name_hint="conv2d_winograd",
    )


def _pointwise(
    bb: relax.BlockBuilder, data: relax.Expr, kernel: relax.Expr, strides: list[int], target: Target
) -> relax.Expr:
    _, _, height, width, _ = static_shape(data.ty)
    out_height, out_width = pointwise.output_size(height, width, strides)
    pixels = padded_rows(out_height * out_width, int(kernel.ty.shape[0]), target)
    return bb.call_te(
        pointwise.conv2d_pointwise, data, kernel, strides, pixels, primfunc_name_hint="conv2d_pointwise"
    )


def _interleave(kernel: relax.Expr, groups: int) -> int | None:
    """The groups per vector of a packed grouped-conv kernel in interleaved order (one chunk
    of input and of output channels per group), None for any other kernel."""
    if groups == 1 or not isinstance(kernel, GenericConst) or int(kernel.value.shape[0]) != groups:
        return None
    return interleave_of(kernel.value.numpy())


def _legalize_nchw(
    bb: relax.BlockBuilder, data: relax.Expr, kernel: relax.Expr, geometry: dict, groups: int, lanes: int
) -> relax.Expr | None:
    """An NCHW conv: the depthwise compute, or the blocked conv behind NCHW in and out (one
    chunk of all input channels, or one per group); None where neither applies."""
    data_shape, kernel_shape = static_shape(data.ty), static_shape(kernel.ty)
    if data_shape is not None and kernel_shape is not None and depthwise.applies(data_shape, kernel_shape, groups):
        return bb.call_te(
            depthwise.depthwise_conv2d_nchw, data, kernel, **geometry, primfunc_name_hint="depthwise_conv2d"
        )
    if groups == 1:
        oc_block = output_channel_block(int(kernel.ty.shape[0]), lanes)
        packed = _pack_oihw_constant(kernel, oc_block)
        if packed is None:
            packed = bb.emit_te(_pack_oihw, kernel, oc_block, primfunc_name_hint="pack_kernel")
    elif kernel_shape is not None and _groups_fit_vectors(kernel_shape, groups, lanes):
        packed = _pack_oihw_constant(kernel, kernel_shape[0] // groups)
    else:
        packed = None
    if packed is None:
        return None
    return bb.call_te(
        _conv2d_nchw_through_blocks, data, packed, **geometry, groups=groups, primfunc_name_hint="conv2d_nchw_blocked"
    )


def _groups_fit_vectors(kernel_shape: tuple[int, ...], groups: int, lanes: int) -> bool:
    """A grouped conv left in NCHW (its channels are no multiple of the SIMD width, as RegNet's
    104 and 440 in groups of 8) whose groups of input and of output channels each fit one
    vector: it runs as the blocked conv with one chunk per group, not TVM's generic loop nest."""
    out_channels, per_group = kernel_shape[:2]
    return groups > 1 and per_group > 1 and per_group <= lanes and out_channels // groups <= lanes


def output_channel_block(out_channels: int, lanes: int) -> int:
    """The widest block of output channels up to the SIMD width that divides them evenly."""
    return max(b for b in range(1, lanes + 1) if out_channels % b == 0)


def make_conv2d_legalizer(target: Target):
    """A LegalizeOps function for relax.nn.conv2d that emits the blocked computation."""
    lanes = simd_lanes(target)

    def legalize(bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        attrs = call.attrs
        if attrs.out_dtype not in ("", "float32"):
            return _DEFAULT_LEGALIZE(bb, call)
        geometry = {
            "strides": [int(s) for s in attrs.strides],
            "padding": [int(p) for p in attrs.padding],
            "dilation": [int(d) for d in attrs.dilation],
        }
        data, kernel = call.args
        blocked_data = _BLOCKED_DATA.match(attrs.data_layout)
        packed_kernel = _PACKED_KERNEL.match(attrs.kernel_layout)
        if blocked_data and packed_kernel and attrs.out_layout == attrs.data_layout:
            data_shape = static_shape(data.ty)
            if (
                data_shape is not None
                and isinstance(kernel, GenericConst)
                and winograd.applies(
                    data_shape, tuple(kernel.value.shape), **geometry, groups=int(attrs.groups)
                )
            ):
                return _winograd(bb, data, kernel, target)
            kernel_shape = static_shape(kernel.ty)
            if (
                data_shape is not None
                and kernel_shape is not None
                and pointwise.applies(data_shape, kernel_shape, **geometry, groups=int(attrs.groups), target=target)
            ):
                return _pointwise(bb, data, kernel, geometry["strides"], target)
            spread = _interleave(kernel, int(attrs.groups))
            if spread is not None:
                return bb.call_te(
                    conv2d_blocked,
                    data,
                    relax.const(pack_interleaved(kernel.value.numpy(), spread)),
                    **geometry,
                    groups=int(attrs.groups),
                    spread=spread,
                    primfunc_name_hint="conv2d_blocked_interleaved",
                )
            return bb.call_te(
                conv2d_blocked,
                data,
                kernel,
                **geometry,
                groups=int(attrs.groups),
                primfunc_name_hint="conv2d_blocked",
            )
        blocked_out = _BLOCKED_DATA.match(attrs.out_layout)
        if attrs.data_layout == "NCHW" and attrs.kernel_layout == "OIHW" and blocked_out and int(attrs.groups) == 1:
            packed = _pack_oihw_constant(kernel, int(blocked_out.group(1)))
            if packed is not None:
                return bb.call_te(
                    _conv2d_nchw_through_blocks,
                    data,
                    packed,
                    **geometry,
                    blocked_output=True,
                    primfunc_name_hint="conv2d_nchw_blocked",
                )
        if attrs.data_layout == attrs.out_layout == "NCHW" and attrs.kernel_layout == "OIHW":
            lowered = _legalize_nchw(bb, data, kernel, geometry, int(attrs.groups), lanes)
            if lowered is not None:
                return lowered
        return _DEFAULT_LEGALIZE(bb, call)

    return legalize
