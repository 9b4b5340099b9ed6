"""When a measured result does not stand for the backend it is labelled with."""

from __future__ import annotations

import re
from collections.abc import Mapping

# The operators that carry a vision model's work: one of them outside the backend means the
# figure is mostly PyTorch's, whatever the backend's name says.
HEAVY_OPERATOR = re.compile(
    r"^(aten\.)?(_?convolution|conv\w*|addmm|mm|bmm|baddbmm|matmul|linear|\w*pool\w*)(\.\w+)?$"
)


def heavy_fallbacks(fallback_ops: Mapping[str, int]) -> list[str]:
    return sorted(name for name in fallback_ops if HEAVY_OPERATOR.match(name))


def degraded_reason(backend: str, fallback_ops: Mapping[str, int]) -> str | None:
    heavy = heavy_fallbacks(fallback_ops)
    if not heavy:
        return None
    listed = ", ".join(f"{name} x{fallback_ops[name]}" for name in heavy)
    return f"{backend} ran {listed} in PyTorch; this is not a {backend} figure"
