"""The service's detection settings: the detector's measured defaults unless a deployment sets its own."""

from __future__ import annotations

from benchsvc.analysis import DEFAULT_SETTINGS
from benchsvc.config import Settings
from benchsvc.ingest.worker import detection_settings


def test_unset_settings_keep_the_detectors_defaults():
    assert detection_settings(Settings()) == DEFAULT_SETTINGS


def test_a_deployment_can_set_its_own_level_and_size_floor():
    chosen = detection_settings(Settings(regression_alpha=1e-3, regression_min_change=0.05))
    assert (chosen.alpha, chosen.min_change) == (1e-3, 0.05)
    assert chosen.alpha_faster == DEFAULT_SETTINGS.alpha_faster
