"""Pure functions over stored series: change points, recoveries, significance, comparisons."""

from benchsvc.analysis.detection import (
    DEFAULT_SETTINGS,
    ChangePoint,
    DetectionSettings,
    Direction,
    Observation,
    change_points,
    NightTest,
    latest_change,
    latest_test,
    recovery,
)
from benchsvc.analysis.significance import Assessment, assess_latest

__all__ = [
    "DEFAULT_SETTINGS",
    "Assessment",
    "ChangePoint",
    "DetectionSettings",
    "Direction",
    "Observation",
    "assess_latest",
    "change_points",
    "NightTest",
    "latest_change",
    "latest_test",
    "recovery",
]
