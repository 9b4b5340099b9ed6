"""Many tests at once: Benjamini-Hochberg adjusted p-values (q-values).

A night tests every series it measured, and a comparison of two runs tests every
result they share; testing each at its own level would call some of them changed by
chance alone. The q-value of a test is the smallest false discovery rate at which it
would be reported: among all tests reported with q <= x, at most a fraction x is
expected to be false. What the service calls confidence is 1 - q.
"""

from __future__ import annotations

from collections.abc import Sequence

from scipy.stats import false_discovery_control


def q_values(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the order given."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(list(p_values), method="bh")]


def confidences(p_values: Sequence[float]) -> list[float]:
    """1 - q for each test, among all the tests given."""
    return [1.0 - q for q in q_values(p_values)]
