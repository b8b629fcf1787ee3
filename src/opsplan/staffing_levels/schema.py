"""Staffing levels: how many people work each shift pattern, given demand per time slot.

The horizon is `len(demand)` slots of `slot_minutes`, starting on day 0 at 00:00 (a whole number
of days). A pattern is a tour: a shift (start, length, an unpaid break) worked on the listed days.
The plan (`StaffingLevelsSolution`) is the headcount per pattern and the tables derived from it.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ..core.schema_types import Amount, ClockTime, Count, NonNegCount, StrictModel, Time

Id = str

# the rules of models/staffing_levels.md, in order: Formulation.add_<rule>(), check_<rule>()
RULES = ("coverage", "part_time_share", "headcount")


class Pattern(StrictModel):
    id: Id = Field(min_length=1, description="Pattern id, unique among the patterns.")
    start: ClockTime = Field(
        description="Clock time the shift starts, HH:MM from 00:00 to 23:59 (on the slot grid)."
    )
    length_minutes: int = Field(gt=0, le=1440, description="From start to end, break included.")
    break_offset_minutes: Time = Field(0, ge=0, description="Break start, minutes after start.")
    break_minutes: Time = Field(0, ge=0, description="Break length; nobody covers it.")
    days: list[NonNegCount] = Field(
        min_length=1, description="Day indexes the tour works (its days on; all others off)."
    )
    cost: Amount = Field(ge=0, description="Cost of one person on this tour for the horizon.")
    part_time: bool = Field(False, description="Counts toward the part-time share.")
    max_headcount: Count | None = Field(None, ge=0, description="Most people on this tour.")


class StaffingLevelsInstance(StrictModel):
    name: str = Field("", description="A name for this plan (free text).")
    start_date: date | None = Field(None, description="Date of day 0 (for rostering coverage).")
    slot_minutes: int = Field(15, gt=0, le=1440, description="Length of a slot; divides 1440.")
    demand: list[NonNegCount] = Field(
        min_length=1,
        description="People needed in each slot, slot 0 first (day 0 at 00:00); its length is "
        "a whole number of days.",
    )
    cyclic: bool = Field(
        True,
        description="The horizon repeats (a standard week): shifts past its end wrap "
        "to its start. False: time past the end covers nothing.",
    )
    patterns: list[Pattern] = Field(
        min_length=1, description="The shift patterns (tours) people can be put on."
    )
    under_penalty: Amount = Field(
        1000.0, ge=0, description="Penalty per person missing in a slot (under-coverage)."
    )
    max_part_time_share: float | None = Field(
        None, ge=0, le=1, description="Part-time tours at most this share of the headcount."
    )


# ------------------------------------------------------------------ the plan


class HeadcountRow(StrictModel):
    pattern: Id = Field(description="Pattern id (every pattern of the instance, in its order).")
    count: int = Field(ge=0, description="People on this pattern.")
    part_time: bool = Field(description="The pattern is part-time (copied from the instance).")
    cost: float = Field(description="Cost of these people: the pattern's cost times count.")


class SlotRow(StrictModel):
    slot: int = Field(ge=0, description="Slot index (every slot of the horizon, in order).")
    day: int = Field(ge=0, description="Day of the slot (0 is the first).")
    time: ClockTime = Field(description="Clock time the slot starts, HH:MM.")
    demand: int = Field(description="People needed in the slot (from the instance).")
    covered: int = Field(ge=0, description="People at work in the slot (breaks excluded).")
    short: int = Field(ge=0, description="People missing: max(0, demand - covered).")
    over: int = Field(ge=0, description="People more than needed: max(0, covered - demand).")


class ShiftRow(StrictModel):
    day: int = Field(ge=0, description="Day the shift starts on.")
    start: ClockTime = Field(description="Clock time the shift starts, HH:MM.")
    length_minutes: int = Field(gt=0, description="From start to end, break included.")
    people: int = Field(
        ge=0, description="People starting this shift on this day, over every pattern."
    )


class Cost(StrictModel):
    labour: float = Field(description="Cost of the people on their patterns.")
    under_penalty: float = Field(description="under_penalty times the people missing, summed.")
    total: float = Field(description="labour + under_penalty: the objective.")


class StaffingLevelsSolution(StrictModel):
    """The plan: people per pattern and, derived from them, coverage, shifts and cost."""

    headcount: list[HeadcountRow] = Field(description="People per pattern, one row per pattern.")
    slots: list[SlotRow] = Field(description="Coverage per slot, one row per slot.")
    shifts: list[ShiftRow] = Field(
        description="People per (day, start, length) shift, sorted; shifts nobody works are "
        "left out. `to_rostering_coverage` turns these into rostering coverage."
    )
    cost: Cost = Field(description="The plan's cost, split into labour and under-coverage.")
