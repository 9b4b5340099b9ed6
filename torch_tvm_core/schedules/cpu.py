"""What the schedules need to know about the target CPU's SIMD unit."""

from __future__ import annotations

from tvm.target import Target, codegen


def has_avx512(target: Target) -> bool:
    return bool(codegen.target_has_features("avx512f", target))


def simd_lanes(target: Target) -> int:
    """float32 lanes of one vector register."""
    if has_avx512(target):
        return 16
    if codegen.target_has_features("avx2", target):
        return 8
    return 4


def vector_registers(target: Target) -> int:
    return 32 if has_avx512(target) else 16
