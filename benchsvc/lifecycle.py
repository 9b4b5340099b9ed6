"""The states of a regression. Kept apart from the pydantic domain so that the CLI can offer them
as choices without importing it."""

from __future__ import annotations

from enum import StrEnum


class RegressionState(StrEnum):
    """Where a regression stands: new and acknowledged ones are open."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    EXPECTED = "expected"
    FALSE_ALARM = "false_alarm"
    FIXED = "fixed"
    RECOVERED = "recovered"
