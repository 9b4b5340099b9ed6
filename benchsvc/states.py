"""Where a result and a regression stand.

Plain enumerations without pydantic, so that commands can offer them as choices and still start quickly.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    # Measured, but not what the backend's name promises (e.g. tvm with a conv run in PyTorch).
    DEGRADED = "degraded"
    FAILED = "failed"


class RegressionState(StrEnum):
    """Where a regression stands: new and acknowledged ones are open."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    EXPECTED = "expected"
    FALSE_ALARM = "false_alarm"
    FIXED = "fixed"
    RECOVERED = "recovered"
