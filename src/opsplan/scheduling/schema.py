"""Production scheduling: the instance a caller sends and the plan opsplan returns.

Times are integers in `time_unit` (minutes by default) counted from time 0, which is the
datetime `start` when one is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from ..core.schema_types import ClockEnd, ClockTime, Count, StrictModel, Time, Weight

Id = str
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNIT_MINUTES: dict[str, float] = {"second": 1 / 60, "minute": 1.0, "hour": 60.0, "day": 1440.0}

# the rules of models/scheduling.md, in order (ModelSpec.rules)
RULES = (
    "operations",
    "precedence",
    "release",
    "pin",
    "freeze",
    "capacity_and_calendar",
    "setup",
    "completion",
    "deadline",
    "horizon",
)

ObjectiveKind = Literal[
    "makespan", "weighted_tardiness", "weighted_completion", "late_jobs", "stability"
]


class Interval(StrictModel):
    start: Time = Field(ge=0, description="First time unit of the period.")
    end: Time = Field(description="End of the period (exclusive); greater than start.")
    reason: str = Field("", description="Why: night, weekend, maintenance, ...")

    @model_validator(mode="after")
    def _order(self) -> Interval:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class WorkWindow(StrictModel):
    days: list[Weekday] = Field(min_length=1, description="Weekdays this window applies to.")
    start: ClockTime = Field(description="Clock time the window opens, HH:MM (00:00 to 23:59).")
    end: ClockEnd = Field(
        description="Clock time it closes, HH:MM; 24:00 is midnight; an end at or before the "
        "start means the window runs past midnight into the next day."
    )


class Calendar(StrictModel):
    id: Id = Field(min_length=1, description="Calendar id, unique; machines name it.")
    working: list[WorkWindow] = Field(
        min_length=1, description="Weekly working windows; all other time is unavailable."
    )


class Machine(StrictModel):
    id: Id = Field(min_length=1, description="Machine id, unique (any language).")
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


class Mode(StrictModel):
    machine: Id = Field(description="An eligible machine.")
    duration: Time = Field(ge=0, description="Processing time on that machine.")


class Pin(StrictModel):
    machine: Id | None = Field(None, description="Keep the operation on this machine.")
    start: Time | None = Field(None, ge=0, description="Keep the operation's start here.")


class Operation(StrictModel):
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


class Job(StrictModel):
    id: Id = Field(min_length=1, description="Job id, unique (any language).")
    name: str = Field("", description="Display name.")
    release: Time = Field(0, ge=0, description="No operation starts before this time.")
    due: Time | None = Field(None, ge=0, description="Due date (soft: tardiness, late jobs).")
    deadline: Time | None = Field(None, ge=0, description="Hard deadline for the job's completion.")
    weight: Weight = Field(1, ge=0, description="Importance in weighted objectives.")
    operations: list[Operation] = Field(
        min_length=1,
        description="The job's operations; without predecessors they run in this order.",
    )

    def is_dag(self) -> bool:
        return any(op.predecessors is not None for op in self.operations)

    def predecessors_of(self) -> dict[str, list[str]]:
        """Operation id -> ids it waits for (chain order unless predecessors are given)."""
        if self.is_dag():
            return {op.id: list(op.predecessors or []) for op in self.operations}
        ops = self.operations
        return {op.id: ([ops[k - 1].id] if k else []) for k, op in enumerate(ops)}


class SetupRule(StrictModel):
    machine: Id | None = Field(
        None, description="Machine it applies to; omitted: every machine (a machine rule wins)."
    )
    from_family: str = Field(description="Setup family of the operation before.")
    to_family: str = Field(description="Setup family of the operation after.")
    time: Time = Field(ge=0, description="Idle time needed between the two operations.")


class ObjectiveTerm(StrictModel):
    kind: ObjectiveKind = Field(
        description="makespan, weighted_tardiness, weighted_completion, late_jobs, or stability "
        "(needs `previous`: how far the operations move from the previous plan)."
    )
    weight: Weight = Field(
        1, ge=0, description="Weight in the weighted sum (ignored in lexicographic)."
    )


class Objective(StrictModel):
    mode: Literal["weighted", "lexicographic"] = Field(
        "weighted",
        description="weighted: minimise the weighted sum of the terms. lexicographic: minimise "
        "the terms one after the other, each level's optimum kept.",
    )
    terms: list[ObjectiveTerm] = Field(
        default_factory=lambda: [ObjectiveTerm(kind="makespan")],
        min_length=1,
        description="The terms to minimise (default: the makespan alone).",
    )


class PreviousOperation(StrictModel):
    """Where an operation was in the published plan. A row of a former result's
    `solution.operations` can be pasted in as it is: its other fields are accepted and ignored."""

    job: Id = Field(description="Job id.")
    operation: Id = Field(description="Operation id within the job.")
    machine: Id = Field(description="The machine it was planned on.")
    start: Time = Field(ge=0, description="The start it was planned at.")
    index: Count | None = Field(None, description="Ignored (a result row's position in its job).")
    end: Time | None = Field(None, description="Ignored: the end follows from the instance.")
    setup_before: Time | None = Field(None, description="Ignored (a result row's setup).")
    start_time: datetime | None = Field(None, description="Ignored (a result row's datetime).")
    end_time: datetime | None = Field(None, description="Ignored (a result row's datetime).")
    paused: Time | None = Field(None, description="Ignored (a result row's pause time).")
    pauses: list[list[Time]] | None = Field(None, description="Ignored (a result row's pauses).")


class PreviousPlan(StrictModel):
    operations: list[PreviousOperation] = Field(
        description="The published plan: machine and start of each operation it placed (for "
        "example a former result's solution.operations)."
    )
    freeze_until: Time | None = Field(
        None,
        ge=0,
        description="Operations of the previous plan that start before this time keep their "
        "machine and start (as if pinned). Default: nothing is frozen.",
    )


class SchedulingInstance(StrictModel):
    name: str = Field("", description="A name for this plan.")
    time_unit: Literal["second", "minute", "hour", "day"] = Field(
        "minute", description="Unit of every time in the instance and the plan."
    )
    start: datetime | None = Field(None, description="The datetime of time 0.")
    horizon: Time | None = Field(
        None, gt=0, description="Every operation must end by this time (default: large enough)."
    )
    calendars: list[Calendar] = Field(
        default_factory=list, description="Weekly calendars the machines may name."
    )
    machines: list[Machine] = Field(
        min_length=1, description="The machines (each runs one operation at a time)."
    )
    setups: list[SetupRule] = Field(
        default_factory=list,
        description="Changeover times between setup families (none: no setups).",
    )
    jobs: list[Job] = Field(min_length=1, description="The jobs (orders) to plan.")
    objective: Objective = Field(
        default_factory=Objective, description="What to minimise (default: the makespan)."
    )
    previous: PreviousPlan | None = Field(
        None,
        description="The published plan, for replanning: its frozen part is kept, and the "
        "`stability` objective term counts what moves away from it.",
    )


# ------------------------------------------------------------------ the plan


class PlannedOperation(StrictModel):
    """Where and when one operation runs."""

    job: Id = Field(description="Job id.")
    index: int = Field(ge=0, description="0-based position of the operation in its job.")
    operation: Id = Field(description="Operation id within the job.")
    machine: Id = Field(description="The machine it runs on.")
    start: int = Field(ge=0, description="Start, in time units from time 0.")
    end: int = Field(ge=0, description="End (exclusive), pauses included.")
    setup_before: int = Field(
        0,
        ge=0,
        description="Setup time its machine needs before it, from the family of the operation "
        "before it on that machine (or the machine's initial family).",
    )
    paused: int = Field(
        0,
        ge=0,
        description="Unavailable time inside [start, end) it pauses over (0 unless it may pause).",
    )
    pauses: list[list[int]] | None = Field(
        None,
        description="The unavailable periods [start, end] it pauses over (when paused > 0).",
    )
    start_time: datetime | None = Field(
        None, description="The datetime of `start` (when the instance gives `start`)."
    )
    end_time: datetime | None = Field(
        None, description="The datetime of `end` (when the instance gives `start`)."
    )

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The optional fields only when they apply (as the plan has always been written)."""
        out: dict[str, Any] = handler(self)
        for key in ("pauses", "start_time", "end_time"):
            if out.get(key) is None:
                out.pop(key, None)
        return out


class JobOutcome(StrictModel):
    """When a job starts and completes, against its dates."""

    job: Id = Field(description="Job id.")
    release: int = Field(description="The job's release (from the instance).")
    start: int = Field(description="Start of its first operation.")
    completion: int = Field(description="End of its last operation.")
    due: int | None = Field(description="Due date (from the instance), if any.")
    deadline: int | None = Field(description="Deadline (from the instance), if any.")
    weight: int = Field(description="Weight (from the instance).")
    lateness: int | None = Field(
        description="completion - due (negative: early); none without a due date."
    )
    tardiness: int = Field(ge=0, description="max(0, lateness); 0 without a due date.")
    late: bool = Field(description="Completes after its due date.")


class MachineLoad(StrictModel):
    """How a machine's time up to the makespan is spent."""

    machine: Id = Field(description="Machine id.")
    operations: int = Field(ge=0, description="Operations it runs.")
    busy: int = Field(ge=0, description="Processing time (pauses left out).")
    setup: int = Field(ge=0, description="Setup time (the sum of its operations' setup_before).")
    available: int = Field(
        ge=0, description="Time up to the makespan outside its unavailable periods."
    )
    idle: int = Field(ge=0, description="max(0, available - busy - setup).")
    utilisation: float = Field(
        ge=0, description="busy / available, rounded to 4 decimals (0 when nothing is available)."
    )


class SchedulingSolution(StrictModel):
    """The plan: every operation placed, with a summary per job and per machine."""

    operations: list[PlannedOperation] = Field(
        description="Every operation, ordered by start, machine and job."
    )
    jobs: list[JobOutcome] = Field(description="One row per job, in instance order.")
    machines: list[MachineLoad] = Field(description="One row per machine, in instance order.")
