"""Building blocks every family's schema shares: the strict base model and clock times.

One definition each, so that every family reads a clock time the same way: `HH:MM` from 00:00
to 23:59, and 24:00 (midnight at the end of the day) only where a time closes a period
(`ClockEnd`: a window's end). A start of 24:00 is refused with the same message everywhere.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_HHMM = re.compile(r"^(\d\d):(\d\d)$")


class StrictModel(BaseModel):
    """A schema model that refuses unknown fields (a typo is an error, never ignored)."""

    model_config = ConfigDict(extra="forbid")


def clock_minutes(text: str, *, end: bool = False) -> int:
    """Minutes after midnight of `HH:MM`; 24:00 (= 1440) only when `end`. ValueError otherwise."""
    m = _HHMM.match(text)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if h < 24 and mi < 60:
            return h * 60 + mi
        if end and h == 24 and mi == 0:
            return 1440
    span = "00:00 to 24:00" if end else "00:00 to 23:59"
    raise ValueError(f"expected a clock time HH:MM from {span}, got {text!r}")


def _time(text: str) -> str:
    clock_minutes(text)
    return text


def _end(text: str) -> str:
    clock_minutes(text, end=True)
    return text


ClockTime = Annotated[
    str,
    AfterValidator(_time),
    Field(description="Clock time HH:MM, 00:00 to 23:59.", examples=["06:00"]),
]
ClockEnd = Annotated[
    str,
    AfterValidator(_end),
    Field(
        description="Clock time HH:MM, 00:00 to 24:00 (24:00 is midnight at the end of the day).",
        examples=["22:00"],
    ),
]
