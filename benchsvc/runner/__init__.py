"""Measuring models: timing, statistics, correctness and the environment they ran in."""

from benchsvc.runner.document import build_document
from benchsvc.runner.measure import TimingPlan
from benchsvc.runner.suite import Case, run_case

__all__ = ["Case", "TimingPlan", "build_document", "run_case"]
