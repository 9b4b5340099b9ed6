"""Is a backend's output the model's output? A fast wrong answer must never count as a win."""

from __future__ import annotations

import torch

from benchsvc.domain import Correctness

# Relative to the largest logit of eager: fp32 reassociation in fused kernels gives ~1e-5 here,
# while a wrong layout or schedule gives errors of the logits' own size.
RELATIVE_TOLERANCE = 1e-3
TOP_K = 5


def check(expected: torch.Tensor, actual: torch.Tensor) -> Correctness:
    if expected.shape != actual.shape:
        return Correctness(max_abs_diff=None, tolerance=0.0, top5_match=False, valid=False)
    expected = expected.detach().float()
    actual = actual.detach().float()
    scale = float(expected.abs().max()) if expected.numel() else 0.0
    tolerance = RELATIVE_TOLERANCE * max(scale, 1e-6)
    if not torch.isfinite(actual).all():
        return Correctness(max_abs_diff=None, tolerance=tolerance, top5_match=False, valid=False)
    max_abs_diff = float((expected - actual).abs().max()) if expected.numel() else 0.0
    top5 = top_classes_agree(expected, actual, tolerance)
    return Correctness(
        max_abs_diff=max_abs_diff,
        tolerance=tolerance,
        top5_match=top5,
        valid=top5 and max_abs_diff <= tolerance,
    )


def top_classes_agree(expected: torch.Tensor, actual: torch.Tensor, tolerance: float) -> bool:
    """Same top-k per row, where classes whose eager logits tie within tolerance may swap."""
    if expected.dim() != 2:
        return True
    k = min(TOP_K, expected.shape[1])
    expected_top = expected.topk(k, dim=1)
    actual_idx = actual.topk(k, dim=1).indices
    kth_value = expected_top.values[:, -1:]
    chosen = expected.gather(1, actual_idx)
    return bool((chosen >= kth_value - tolerance).all())
