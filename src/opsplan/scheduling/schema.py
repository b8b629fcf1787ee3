"""Production scheduling: the instance a caller sends and the plan opsplan returns.

Times are integers in `time_unit` (minutes by default) counted from time 0, which is the
datetime `start` when one is given.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Id = str
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNIT_MINUTES: dict[str, float] = {"second": 1 / 60, "minute": 1.0, "hour": 60.0, "day": 1440.0}
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

ObjectiveKind = Literal[
    "makespan", "weighted_tardiness", "weighted_completion", "late_jobs", "stability"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(_Strict):
    start: int = Field(ge=0, description="First time unit of the period.")
    end: int = Field(description="End of the period (exclusive); greater than start.")
    reason: str = Field("", description="Why: night, weekend, maintenance, ...")

    @model_validator(mode="after")
    def _order(self) -> Interval:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class WorkWindow(_Strict):
    days: list[Weekday] = Field(min_length=1, description="Weekdays this window applies to.")
    start: str = Field(description="Clock time the window opens, HH:MM.")
    end: str = Field(
        description="Clock time it closes, HH:MM; 24:00 is midnight; an end at or before the "
        "start means the window runs past midnight into the next day."
    )

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, v: str) -> str:
        m = _HHMM.match(v)
        if not m or (m.group(1) == "24" and m.group(2) != "00"):
            raise ValueError(f"expected a clock time HH:MM, got {v!r}")
        return v


class Calendar(_Strict):
    id: Id = Field(min_length=1)
    working: list[WorkWindow] = Field(
        min_length=1, description="Weekly working windows; all other time is unavailable."
    )


class Machine(_Strict):
    id: Id = Field(min_length=1)
    name: str = Field("", description="Display name.")
    calendar: Id | None = Field(None, description="Id of a weekly calendar; needs `start`.")
    unavailable: list[Interval] = Field(
        default_factory=list,
        description="Periods no operation may overlap (maintenance, breakdowns, closures).",
    )
    initial_family: str | None = Field(
        None, description="Setup family the machine is set up for at time 0."
    )
    may_pause: bool = Field(
        False,
        description="Operations on this machine may pause over its unavailable time (breaks, "
        "nights, maintenance) and resume after it, their end stretched by the breaks they span; "
        "an operation's own may_pause wins. Default: no operation may overlap unavailable time.",
    )


class Mode(_Strict):
    machine: Id = Field(description="An eligible machine.")
    duration: int = Field(ge=0, description="Processing time on that machine.")


class Pin(_Strict):
    machine: Id | None = Field(None, description="Keep the operation on this machine.")
    start: int | None = Field(None, ge=0, description="Keep the operation's start here.")


class Operation(_Strict):
    id: Id = Field(min_length=1, description="Unique within its job.")
    machines: list[Mode] = Field(
        min_length=1, description="Eligible machines with the duration on each."
    )
    family: str | None = Field(None, description="Setup family (for sequence-dependent setups).")
    predecessors: list[Id] | None = Field(
        None,
        description="Operations of the same job that must finish first. When no operation of a "
        "job gives predecessors, the job is a chain in list order.",
    )
    pin: Pin | None = Field(None, description="Fixed machine and/or start, for replanning.")
    may_pause: bool | None = Field(
        None,
        description="May pause over its machine's unavailable time and resume after it (it "
        "starts in working time, holds the machine through the pause, and its end is stretched "
        "by the breaks it spans). Unset: the machine's may_pause decides.",
    )


class Job(_Strict):
    id: Id = Field(min_length=1)
    name: str = ""
    release: int = Field(0, ge=0, description="No operation starts before this time.")
    due: int | None = Field(None, ge=0, description="Due date (soft: tardiness, late jobs).")
    deadline: int | None = Field(None, ge=0, description="Hard deadline for the job's completion.")
    weight: int = Field(1, ge=0, description="Importance in weighted objectives.")
    operations: list[Operation] = Field(min_length=1)

    def is_dag(self) -> bool:
        return any(op.predecessors is not None for op in self.operations)

    def predecessors_of(self) -> dict[str, list[str]]:
        """Operation id -> ids it waits for (chain order unless predecessors are given)."""
        if self.is_dag():
            return {op.id: list(op.predecessors or []) for op in self.operations}
        ops = self.operations
        return {op.id: ([ops[k - 1].id] if k else []) for k, op in enumerate(ops)}


class SetupRule(_Strict):
    machine: Id | None = Field(
        None, description="Machine it applies to; omitted: every machine (a machine rule wins)."
    )
    from_family: str
    to_family: str
    time: int = Field(ge=0, description="Idle time needed between the two operations.")


class ObjectiveTerm(_Strict):
    kind: ObjectiveKind = Field(
        description="makespan, weighted_tardiness, weighted_completion, late_jobs, or stability "
        "(needs `previous`: how far the operations move from the previous plan)."
    )
    weight: int = Field(
        1, ge=0, description="Weight in the weighted sum (ignored in lexicographic)."
    )


class Objective(_Strict):
    mode: Literal["weighted", "lexicographic"] = Field(
        "weighted",
        description="weighted: minimise the weighted sum of the terms. lexicographic: minimise "
        "the terms one after the other, each level's optimum kept.",
    )
    terms: list[ObjectiveTerm] = Field(
        default_factory=lambda: [ObjectiveTerm(kind="makespan")], min_length=1
    )


class PreviousOperation(_Strict):
    """Where an operation was in the published plan. A row of a former result's
    `solution.operations` can be pasted in as it is: its other fields are accepted and ignored."""

    job: Id = Field(description="Job id.")
    operation: Id = Field(description="Operation id within the job.")
    machine: Id = Field(description="The machine it was planned on.")
    start: int = Field(ge=0, description="The start it was planned at.")
    index: int | None = Field(None, description="Ignored (a result row's position in its job).")
    end: int | None = Field(None, description="Ignored: the end follows from the instance.")
    setup_before: int | None = Field(None, description="Ignored (a result row's setup).")
    start_time: datetime | None = Field(None, description="Ignored (a result row's datetime).")
    end_time: datetime | None = Field(None, description="Ignored (a result row's datetime).")
    paused: int | None = Field(None, description="Ignored (a result row's pause time).")
    pauses: list[list[int]] | None = Field(None, description="Ignored (a result row's pauses).")


class PreviousPlan(_Strict):
    operations: list[PreviousOperation] = Field(
        description="The published plan: machine and start of each operation it placed (for "
        "example a former result's solution.operations)."
    )
    freeze_until: int | None = Field(
        None,
        ge=0,
        description="Operations of the previous plan that start before this time keep their "
        "machine and start (as if pinned). Default: nothing is frozen.",
    )


class SchedulingInstance(_Strict):
    name: str = ""
    time_unit: Literal["second", "minute", "hour", "day"] = "minute"
    start: datetime | None = Field(None, description="The datetime of time 0.")
    horizon: int | None = Field(
        None, gt=0, description="Every operation must end by this time (default: large enough)."
    )
    calendars: list[Calendar] = Field(default_factory=list)
    machines: list[Machine] = Field(min_length=1)
    setups: list[SetupRule] = Field(default_factory=list)
    jobs: list[Job] = Field(min_length=1)
    objective: Objective = Field(default_factory=Objective)
    previous: PreviousPlan | None = Field(
        None,
        description="The published plan, for replanning: its frozen part is kept, and the "
        "`stability` objective term counts what moves away from it.",
    )


class ScheduledOperation(_Strict):
    job: Id
    index: int = Field(description="0-based position of the operation in its job.")
    operation: Id
    machine: Id
    start: int
    end: int
    setup_before: int = 0
    paused: int = Field(0, description="Unavailable time inside [start, end): the pauses.")
    pauses: list[list[int]] | None = Field(
        None, description="The unavailable periods [start, end] it pauses over (when paused > 0)."
    )
    start_time: datetime | None = None
    end_time: datetime | None = None
