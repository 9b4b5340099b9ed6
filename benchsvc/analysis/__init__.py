"""Pure functions over stored series: change points, significance, downsampling for charts."""

from benchsvc.analysis.detection import (
    DEFAULT_SETTINGS,
    ChangePoint,
    DetectionSettings,
    Direction,
    Observation,
    change_points,
    latest_change,
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
    "latest_change",
]
