"""Staffing levels: how many people work each shift pattern, given demand per time slot.

The horizon is `len(demand)` slots of `slot_minutes`, starting on day 0 at 00:00 (a whole number
of days). A pattern is a tour: a shift (start, length, an unpaid break) worked on the listed days.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

Id = str
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pattern(_Strict):
    id: Id = Field(min_length=1)
    start: str = Field(description="Clock time the shift starts, HH:MM (a multiple of the slot).")
    length_minutes: int = Field(gt=0, le=1440, description="From start to end, break included.")
    break_offset_minutes: int = Field(0, ge=0, description="Break start, minutes after start.")
    break_minutes: int = Field(0, ge=0, description="Break length; nobody covers it.")
    days: list[int] = Field(
        min_length=1, description="Day indexes the tour works (its days on; all others off)."
    )
    cost: float = Field(ge=0, description="Cost of one person on this tour for the horizon.")
    part_time: bool = Field(False, description="Counts toward the part-time share.")
    max_headcount: int | None = Field(None, ge=0, description="Most people on this tour.")

    @field_validator("start")
    @classmethod
    def _clock(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f"expected a clock time HH:MM, got {v!r}")
        return v

    def start_minute(self) -> int:
        return int(self.start[:2]) * 60 + int(self.start[3:])


class StaffingLevelsInstance(_Strict):
    name: str = ""
    start_date: date | None = Field(None, description="Date of day 0 (for rostering coverage).")
    slot_minutes: int = Field(15, gt=0, le=1440, description="Length of a slot; divides 1440.")
    demand: list[int] = Field(min_length=1, description="People needed in each slot.")
    cyclic: bool = Field(
        True,
        description="The horizon repeats (a standard week): shifts past its end wrap "
        "to its start. False: time past the end covers nothing.",
    )
    patterns: list[Pattern] = Field(min_length=1)
    under_penalty: float = Field(
        1000.0, ge=0, description="Penalty per person missing in a slot (under-coverage)."
    )
    max_part_time_share: float | None = Field(
        None, ge=0, le=1, description="Part-time tours at most this share of the headcount."
    )
