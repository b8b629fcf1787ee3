"""Rostering: the instance a caller sends (who may work which shift on which day).

Days are 0-based indexes into the horizon that starts on `start_date`. A shift belongs to the day
it starts on; it may run past midnight into the next day. Every contract rule is a named rule in
`rules`, hard or soft with a weight (models/rostering.md gives each rule's penalty).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Id = str
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

RuleName = Literal[
    "unavailable",
    "forbidden_succession",
    "min_rest",
    "max_shifts_per_type",
    "max_total_minutes",
    "min_total_minutes",
    "max_week_minutes",
    "min_week_minutes",
    "max_consecutive_work",
    "min_consecutive_work",
    "min_consecutive_off",
    "max_weekends",
    "shift_on_request",
    "shift_off_request",
    "coverage_min",
    "coverage_preferred",
    "coverage_excess",
]
RULE_NAMES: tuple[str, ...] = RuleName.__args__  # type: ignore[attr-defined]

# rules that are soft unless the caller says otherwise
SOFT_BY_DEFAULT = {
    "shift_on_request",
    "shift_off_request",
    "coverage_min",
    "coverage_preferred",
    "coverage_excess",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """How one rule is enforced: hard (never broken) or soft (each unit broken costs `weight`)."""

    hard: bool = Field(description="True: the rule must hold. False: it may be broken at a cost.")
    weight: int = Field(
        1,
        ge=0,
        description="Soft rules: penalty per unit broken (per day, minute, shift, weekend, "
        "person or request weight, see models/rostering.md). Ignored for hard rules.",
    )


def default_rules() -> dict[str, Rule]:
    return {r: Rule(hard=r not in SOFT_BY_DEFAULT, weight=1) for r in RULE_NAMES}


class ShiftType(_Strict):
    id: Id = Field(min_length=1)
    start: str = Field("00:00", description="Clock time the shift starts, HH:MM.")
    length_minutes: int = Field(
        gt=0, le=1440, description="Length in minutes; a shift may run past midnight."
    )
    forbidden_next: list[Id] = Field(
        default_factory=list,
        description="Shift types that may not be worked on the day after this one.",
    )
    night: bool = Field(False, description="Counts as a night shift (fairness and KPIs).")

    @field_validator("start")
    @classmethod
    def _clock(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f"expected a clock time HH:MM, got {v!r}")
        return v

    def start_minute(self) -> int:
        return int(self.start[:2]) * 60 + int(self.start[3:])


class Contract(_Strict):
    id: Id = Field(min_length=1)
    max_total_minutes: int | None = Field(None, ge=0, description="Over the horizon.")
    min_total_minutes: int | None = Field(None, ge=0, description="Over the horizon.")
    max_week_minutes: int | None = Field(
        None, ge=0, description="Per calendar week (Monday to Sunday) inside the horizon."
    )
    min_week_minutes: int | None = Field(
        None, ge=0, description="Per calendar week wholly inside the horizon."
    )
    max_shifts_per_type: dict[Id, int] = Field(
        default_factory=dict, description="Shift type id -> most shifts of that type."
    )
    max_consecutive_work: int | None = Field(None, ge=1, description="Days in a row.")
    min_consecutive_work: int | None = Field(None, ge=1, description="Days in a row.")
    min_consecutive_off: int | None = Field(None, ge=1, description="Days off in a row.")
    min_rest_minutes: int = Field(
        0, ge=0, description="Least rest between the end of one shift and the start of the next."
    )
    max_weekends: int | None = Field(
        None, ge=0, description="Most weekends (Saturday or Sunday worked) in the horizon."
    )


class Request(_Strict):
    day: int = Field(ge=0)
    shift: Id | None = Field(None, description="A shift type id; omitted: any shift that day.")
    weight: int = Field(1, ge=0, description="Penalty when the request is not granted.")


class History(_Strict):
    """The employee's recent past, so rules hold across the boundary with the previous roster."""

    consecutive_days_worked: int = Field(
        0, ge=0, description="Days worked in a row up to the day before the horizon."
    )
    consecutive_days_off: int = Field(
        0, ge=0, description="Days off in a row up to the day before the horizon."
    )
    last_shift: Id | None = Field(None, description="Shift type worked the day before the horizon.")
    last_shift_end: datetime | None = Field(
        None, description="When the last shift ended (default: from last_shift's clock times)."
    )


class Employee(_Strict):
    id: Id = Field(min_length=1)
    name: str = ""
    contract: Id = Field(description="Contract id; employees with one contract are comparable.")
    skills: list[Id] = Field(default_factory=list)
    unavailable_days: list[int] = Field(default_factory=list, description="Days off by force.")
    shift_on_requests: list[Request] = Field(default_factory=list)
    shift_off_requests: list[Request] = Field(default_factory=list)
    cost_per_hour: float = Field(0.0, ge=0, description="For the labour-cost KPI.")
    history: History | None = Field(
        None, description="Omitted: the past is unknown; runs touching day 0 are not judged short."
    )


class Cover(_Strict):
    day: int = Field(ge=0)
    shift: Id
    skill: Id | None = Field(None, description="Needed skill; omitted: anyone on the shift.")
    min: int = Field(ge=0, description="People needed.")
    preferred: int | None = Field(None, ge=0, description="People wanted (default: min).")
    under_weight: int = Field(1000, ge=0, description="Penalty per person below min.")
    preferred_weight: int = Field(
        10, ge=0, description="Penalty per person between min and preferred."
    )
    over_weight: int = Field(1, ge=0, description="Penalty per person above preferred.")

    def pref(self) -> int:
        return self.min if self.preferred is None else self.preferred


class Pin(_Strict):
    employee: Id
    day: int = Field(ge=0)
    shift: Id | None = Field(None, description="Shift to keep; omitted (null): keep the day off.")


class Fairness(_Strict):
    """Penalty weight per unit of spread (max - min) within each group of comparable employees."""

    weekends: int = Field(0, ge=0, description="Per weekend of spread in weekends worked.")
    nights: int = Field(0, ge=0, description="Per shift of spread in night shifts.")
    minutes: int = Field(0, ge=0, description="Per minute of spread in worked minutes.")


class RosteringInstance(_Strict):
    name: str = ""
    start_date: date = Field(description="The date of day 0.")
    days: int = Field(gt=0, le=1000, description="Number of days in the horizon.")
    shift_types: list[ShiftType] = Field(min_length=1)
    skills: list[Id] = Field(default_factory=list)
    contracts: list[Contract] = Field(min_length=1)
    employees: list[Employee] = Field(min_length=1)
    coverage: list[Cover] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)
    rules: dict[RuleName, Rule] = Field(
        default_factory=dict,
        description="Rule name -> hard or soft with a weight; unnamed rules keep their default "
        "(contract rules hard; requests and coverage soft, weight 1).",
    )
    fairness: Fairness = Field(default_factory=Fairness)

    def rule(self, name: str) -> Rule:
        r = self.rules.get(name)  # type: ignore[call-overload]
        return r if r is not None else default_rules()[name]
