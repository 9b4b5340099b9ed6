"""One spelling of time filters everywhere: `since` and `until`, ISO dates or relative forms.

`2026-01-31`, `2026-01-31T12:00`, `2026-01-31T12:00:00+02:00`, or a span back from now:
`36h`, `7d`, `2w`. A bare date as `until` means the end of that day. Anything else is
refused with a message that says what is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import BeforeValidator

RELATIVE = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
TIME_HELP = "An ISO date or time (2026-01-31, 2026-01-31T12:00) or a span back from now (36h, 7d, 2w)."
ACCEPTED = "an ISO date or time (2026-01-31, 2026-01-31T12:00) or a span back from now (36h, 7d, 2w)"


def parse_time(value: str, *, end_of_day: bool = False, now: datetime | None = None) -> datetime:
    """A moment in UTC; ValueError naming what is accepted for anything else."""
    text = value.strip()
    relative = RELATIVE.match(text)
    if relative:
        count, unit = relative.groups()
        return (now or datetime.now(timezone.utc)) - int(count) * UNITS[unit]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a time: give {ACCEPTED}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if end_of_day and is_bare_date(text):
        moment += timedelta(days=1) - timedelta(microseconds=1)
    return moment.astimezone(timezone.utc)


def is_bare_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def since_bound(value: object) -> object:
    return parse_time(value) if isinstance(value, str) and value.strip() else (value or None)


def until_bound(value: object) -> object:
    return parse_time(value, end_of_day=True) if isinstance(value, str) and value.strip() else (value or None)


# Query parameter types: FastAPI answers 422 with the parse error's message for bad input.
Since = Annotated[datetime | None, BeforeValidator(since_bound)]
Until = Annotated[datetime | None, BeforeValidator(until_bound)]
