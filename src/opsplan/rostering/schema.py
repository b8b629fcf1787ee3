"""Rostering: the instance a caller sends (who may work which shift on which day).

Days are 0-based indexes into the horizon that starts on `start_date`. A shift belongs to the day
it starts on; it may run past midnight into the next day. Every contract rule is a named rule in
`rules`, hard or soft with a weight (models/rostering.md gives each rule's penalty).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from ..core.schema_types import Amount, ClockTime, Count, NonNegCount, StrictModel, Time, Weight

Id = str
IsoDate = date  # a field named `date` cannot be annotated `date` in its own class

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

# every rule of models/rostering.md ("## Rules"), in its order: the structural rules (always
# hard), the rules a caller sets hard or soft (RULE_NAMES) and the fairness spreads. The
# formulation's add_<rule>(), the checker's check_<rule>() and every Finding.rule use these names.
RULES: tuple[str, ...] = (
    "one_shift_per_day",
    "no_overlap",
    "pins",
    "skills",
    *RULE_NAMES,
    "fairness_weekends",
    "fairness_nights",
    "fairness_minutes",
)

# rules that are soft unless the caller says otherwise
SOFT_BY_DEFAULT = {
    "shift_on_request",
    "shift_off_request",
    "coverage_min",
    "coverage_preferred",
    "coverage_excess",
}


class Rule(StrictModel):
    """How one rule is enforced: hard (never broken) or soft (each unit broken costs `weight`)."""

    hard: bool = Field(description="True: the rule must hold. False: it may be broken at a cost.")
    weight: Weight = Field(
        1,
        ge=0,
        description="Soft rules: penalty per unit broken (per day, minute, shift, weekend, "
        "person or request weight, see models/rostering.md). Ignored for hard rules.",
    )


def default_rules() -> dict[str, Rule]:
    return {r: Rule(hard=r not in SOFT_BY_DEFAULT, weight=1) for r in RULE_NAMES}


class ShiftType(StrictModel):
    id: Id = Field(min_length=1, description="Shift type id, unique (early, late, night ...).")
    start: ClockTime = Field(
        "00:00", description="Clock time the shift starts, HH:MM (00:00-23:59)."
    )
    length_minutes: int = Field(
        gt=0, le=1440, description="Length in minutes; a shift may run past midnight."
    )
    forbidden_next: list[Id] = Field(
        default_factory=list,
        description="Shift types that may not be worked on the day after this one.",
    )
    night: bool = Field(False, description="Counts as a night shift (fairness and KPIs).")


class Contract(StrictModel):
    """The limits every employee on this contract works under (rules 5-16 of the model page)."""

    id: Id = Field(min_length=1, description="Contract id, unique; employees name it.")
    max_total_minutes: Time | None = Field(None, ge=0, description="Over the horizon.")
    min_total_minutes: Time | None = Field(None, ge=0, description="Over the horizon.")
    max_week_minutes: Time | None = Field(
        None, ge=0, description="Per calendar week (Monday to Sunday) inside the horizon."
    )
    min_week_minutes: Time | None = Field(
        None, ge=0, description="Per calendar week wholly inside the horizon."
    )
    max_shifts_per_type: dict[Id, NonNegCount] = Field(
        default_factory=dict, description="Shift type id -> most shifts of that type."
    )
    max_consecutive_work: Count | None = Field(None, ge=1, description="Days in a row.")
    min_consecutive_work: Count | None = Field(None, ge=1, description="Days in a row.")
    min_consecutive_off: Count | None = Field(None, ge=1, description="Days off in a row.")
    min_rest_minutes: Time = Field(
        0, ge=0, description="Least rest between the end of one shift and the start of the next."
    )
    max_weekends: Count | None = Field(
        None, ge=0, description="Most weekends (Saturday or Sunday worked) in the horizon."
    )


class Request(StrictModel):
    """A wish to work (shift_on_request) or not to work (shift_off_request) on one day."""

    day: Count = Field(ge=0, description="Day index from 0 (start_date).")
    shift: Id | None = Field(None, description="A shift type id; omitted: any shift that day.")
    weight: Weight = Field(1, ge=0, description="Penalty when the request is not granted.")


class History(StrictModel):
    """The employee's recent past, so rules hold across the boundary with the previous roster."""

    consecutive_days_worked: Count = Field(
        0, ge=0, description="Days worked in a row up to the day before the horizon."
    )
    consecutive_days_off: Count = Field(
        0, ge=0, description="Days off in a row up to the day before the horizon."
    )
    last_shift: Id | None = Field(None, description="Shift type worked the day before the horizon.")
    last_shift_end: datetime | None = Field(
        None, description="When the last shift ended (default: from last_shift's clock times)."
    )


class Employee(StrictModel):
    id: Id = Field(min_length=1, description="Employee id, unique (any language).")
    name: str = Field("", description="Display name (reports only).")
    contract: Id = Field(description="Contract id; employees with one contract are comparable.")
    skills: list[Id] = Field(
        default_factory=list, description="Skill ids (from `skills`) the employee has."
    )
    unavailable_days: list[NonNegCount] = Field(
        default_factory=list, description="Day indexes the employee cannot work (rule unavailable)."
    )
    shift_on_requests: list[Request] = Field(
        default_factory=list, description="Wishes to work (rule shift_on_request)."
    )
    shift_off_requests: list[Request] = Field(
        default_factory=list, description="Wishes not to work (rule shift_off_request)."
    )
    cost_per_hour: Amount = Field(0.0, ge=0, description="For the labour-cost KPI.")
    history: History | None = Field(
        None, description="Omitted: the past is unknown; runs touching day 0 are not judged short."
    )


class Cover(StrictModel):
    """People needed on one day and shift, optionally with one skill (rules 19-21)."""

    day: Count = Field(ge=0, description="Day index from 0 (start_date).")
    shift: Id = Field(description="Shift type id.")
    skill: Id | None = Field(None, description="Needed skill; omitted: anyone on the shift.")
    min: Count = Field(ge=0, le=100_000, description="People needed.")
    preferred: Count | None = Field(
        None, ge=0, le=100_000, description="People wanted (default: min)."
    )
    under_weight: Weight = Field(1000, ge=0, description="Penalty per person below min.")
    preferred_weight: Weight = Field(
        10, ge=0, description="Penalty per person between min and preferred."
    )
    over_weight: Weight = Field(1, ge=0, description="Penalty per person above preferred.")

    def pref(self) -> int:
        return self.min if self.preferred is None else self.preferred


class Pin(StrictModel):
    """An assignment (or a day off) kept as it is, for replanning (rule pins)."""

    employee: Id = Field(description="Employee id.")
    day: Count = Field(ge=0, description="Day index from 0 (start_date).")
    shift: Id | None = Field(None, description="Shift to keep; omitted (null): keep the day off.")


class Fairness(StrictModel):
    """Penalty weight per unit of spread (max - min) within each group of comparable employees."""

    weekends: Weight = Field(0, ge=0, description="Per weekend of spread in weekends worked.")
    nights: Weight = Field(0, ge=0, description="Per shift of spread in night shifts.")
    minutes: Weight = Field(0, ge=0, description="Per minute of spread in worked minutes.")


class RosteringInstance(StrictModel):
    name: str = Field("", description="A name for this roster (reports only).")
    start_date: date = Field(description="The date of day 0.")
    days: int = Field(gt=0, le=1000, description="Number of days in the horizon.")
    shift_types: list[ShiftType] = Field(min_length=1, description="The shift types, at least one.")
    skills: list[Id] = Field(
        default_factory=list, description="Skill ids (qualifications) that coverage may ask for."
    )
    contracts: list[Contract] = Field(min_length=1, description="The contracts, at least one.")
    employees: list[Employee] = Field(min_length=1, description="The employees, at least one.")
    coverage: list[Cover] = Field(
        default_factory=list, description="People needed per day and shift (and skill)."
    )
    pins: list[Pin] = Field(
        default_factory=list, description="Assignments to keep; at most one per employee and day."
    )
    rules: dict[RuleName, Rule] = Field(
        default_factory=dict,
        description="Rule name -> hard or soft with a weight; unnamed rules keep their default "
        "(contract rules hard; requests and coverage soft, weight 1).",
    )
    fairness: Fairness = Field(
        default_factory=Fairness, description="Weights of the fairness spreads (rules 22-24)."
    )

    def rule(self, name: str) -> Rule:
        r = self.rules.get(name)  # type: ignore[call-overload]
        return r if r is not None else default_rules()[name]


# ---------------------------------------------------------------------------- the plan


class Assignment(StrictModel):
    """One employee working one shift on one day."""

    employee: Id = Field(description="Employee id.")
    day: Count = Field(ge=0, description="Day index from 0 (start_date).")
    shift: Id = Field(description="Shift type id.")
    skill: Id | None = Field(
        None, description="The skill used, where a coverage row of the shift asks for one."
    )
    date: IsoDate = Field(description="The date of `day` (derived).")


class GridRow(StrictModel):
    """One employee's roster, one cell per day (derived from the assignments)."""

    employee: Id = Field(description="Employee id.")
    days: list[str] = Field(description="Per day of the horizon: the shift type id, or '' (off).")


class CoverageRow(StrictModel):
    """One coverage row of the instance against the plan (derived from the assignments)."""

    day: int = Field(description="Day index from 0.")
    date: IsoDate = Field(description="The date of `day`.")
    shift: Id = Field(description="Shift type id.")
    skill: Id | None = Field(description="Needed skill; null: anyone on the shift.")
    required: int = Field(description="People needed (the row's min).")
    preferred: int = Field(description="People wanted (the row's preferred, default min).")
    assigned: int = Field(description="People on the shift (using the skill, for a skill row).")
    shortfall: int = Field(description="max(0, required - assigned).")
    excess: int = Field(description="max(0, assigned - preferred).")


class EmployeeRow(StrictModel):
    """One employee's totals against the contract (derived from the assignments)."""

    employee: Id = Field(description="Employee id.")
    contract: Id = Field(description="Contract id.")
    shifts: int = Field(description="Shifts worked.")
    worked_minutes: int = Field(description="Minutes worked (shift lengths summed).")
    min_total_minutes: Time | None = Field(description="The contract's least minutes, if any.")
    max_total_minutes: Time | None = Field(description="The contract's most minutes, if any.")
    weekends: int = Field(description="Weekends with a Saturday or Sunday worked.")
    max_weekends: Count | None = Field(description="The contract's most weekends, if any.")
    nights: int = Field(description="Night shifts worked.")
    requests: int = Field(description="Wishes to work or not to work.")
    requests_granted: int = Field(description="Wishes granted.")
    cost: float = Field(description="Minutes worked / 60 x cost_per_hour, rounded to cents.")


class RosteringSolution(StrictModel):
    """The roster: who works which shift on which day, and the tables derived from it.

    The checker recomputes every derived field from `assignments` (rule `solution`).
    """

    assignments: list[Assignment] = Field(
        description="Every shift worked, ordered by day, shift and employee."
    )
    grid: list[GridRow] = Field(description="One row per employee, in the instance's order.")
    coverage: list[CoverageRow] = Field(
        description="One row per coverage row of the instance, in its order."
    )
    employees: list[EmployeeRow] = Field(
        description="One row per employee, in the instance's order."
    )
