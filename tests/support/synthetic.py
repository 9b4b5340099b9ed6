"""Synthetic benchmark nights with realistic noise, for the detector's evaluation and demo data.

Noise model, per night: the machine's level for the night drifts (between-night
standard deviation = `between_nights` x `cov`), a few nights are disturbed as a whole
(a noisy neighbour: 10-30% slower), and the night's samples scatter around its level
with coefficient of variation `cov`, a few of them slow outliers (20-50% slower).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statistics import median

import numpy as np

from benchsvc.runner.plan import TimingPlan


@dataclass(frozen=True)
class NoiseModel:
    cov: float = 0.02
    between_nights: float = 0.25
    disturbed_nights: float = 0.01
    outlier_samples: float = 0.02
    # As many as a run takes by default.
    samples: int = TimingPlan.repeat


@dataclass(frozen=True)
class Night:
    """One night of one series: the shape detection reads (median + raw samples)."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return median(self.samples)


def step_levels(nights: int, level: float, steps: Sequence[tuple[int, float]] = ()) -> np.ndarray:
    """The true rate each night: `level`, changed by relative `size` from night `at` on."""
    levels = np.full(nights, level, dtype=float)
    for at, size in steps:
        levels[at:] *= 1.0 + size
    return levels


def noisy_nights(rng: np.random.Generator, levels: np.ndarray, noise: NoiseModel) -> list[Night]:
    nights = len(levels)
    night_level = levels * (1.0 + rng.normal(0.0, noise.between_nights * noise.cov, nights))
    disturbed = rng.random(nights) < noise.disturbed_nights
    night_level[disturbed] *= rng.uniform(0.7, 0.9, int(disturbed.sum()))
    samples = night_level[:, None] * (1.0 + rng.normal(0.0, noise.cov, (nights, noise.samples)))
    slow = rng.random(samples.shape) < noise.outlier_samples
    samples[slow] *= rng.uniform(0.5, 0.8, int(slow.sum()))
    # A rate cannot go to zero or below, however unlucky the draw.
    samples = np.maximum(samples, levels.min() * 0.05)
    return [Night(tuple(float(value) for value in row)) for row in samples]
