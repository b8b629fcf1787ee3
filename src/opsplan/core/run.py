"""What a formulation hands back to the pipeline, and what the pipeline hands to a formulation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .result import Finding, SolverInfo, relative_gap
from .status import SolveStatus


@dataclass
class Progress:
    """One progress event: a new incumbent (or a new bound) during the search."""

    elapsed_s: float
    solutions: int
    objective: float | None
    bound: float | None
    gap: float | None


class Interrupted(Exception):
    """A phase stopped early by the deadline or a cancel request (`RunContext.checkpoint`).

    The pipeline answers it (no plan, or the best plan so far) with a message naming the phase;
    a family's strategy may catch it to keep a plan it already has."""

    def __init__(self, phase: str, cancelled: bool) -> None:
        self.phase = phase
        self.cancelled = cancelled
        why = "a cancel request" if cancelled else "the time limit"
        super().__init__(f"{why} stopped the solve while {phase}")


@dataclass
class RunContext:
    """Progress reporting, cooperative cancellation and the deadline, shared by every phase.

    `started` is when the solve began (before parsing); `time_limit_s` (None: no limit) counts
    from it, so parsing and preparing the data spend the same budget as the search."""

    on_progress: Callable[[Progress], None] | None = None
    should_stop: Callable[[], bool] | None = None
    started: float = field(default_factory=time.monotonic)
    cancelled: threading.Event = field(default_factory=threading.Event)
    time_limit_s: float | None = None
    # incumbents reported so far, over every phase (each backend run counts from 1 on its own)
    solutions: int = 0

    def quiet(self) -> RunContext:
        """A context for a sub-problem (a pricing problem, a relaxation, one part of a
        decomposition): the same clock, deadline and cancel flag, but no progress events, since
        its objective is not the plan's. The family reports the plan it builds from it."""
        return RunContext(
            should_stop=self.stop_requested,
            started=self.started,
            cancelled=self.cancelled,
            time_limit_s=self.time_limit_s,
        )

    def report_plan(self, objective: float, bound: float | None = None) -> None:
        """Report a whole plan found outside a backend's callback, in the result's units."""
        self.report(Progress(self.elapsed(), 0, objective, bound, relative_gap(objective, bound)))

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        """Seconds left before the deadline (infinite without a limit)."""
        if self.time_limit_s is None:
            return float("inf")
        return self.time_limit_s - self.elapsed()

    def should_end(self) -> bool:
        """True when a cancel was asked for or the deadline has passed."""
        return self.stop_requested() or self.left() <= 0

    def checkpoint(self, phase: str) -> None:
        """Raise Interrupted when the phase must end now (a cancel or the deadline).

        Cheap: call it inside every loop of a phase that the solver libraries do not bound."""
        if self.stop_requested():
            raise Interrupted(phase, cancelled=True)
        if self.left() <= 0:
            raise Interrupted(phase, cancelled=False)

    def stop_requested(self) -> bool:
        if self.cancelled.is_set():
            return True
        if self.should_stop is not None and self.should_stop():
            self.cancelled.set()
            return True
        return False

    def report(self, p: Progress) -> None:
        if p.objective is not None:
            self.solutions += 1
            p.solutions = self.solutions
        if self.on_progress is not None:
            try:
                self.on_progress(p)
            except Exception:  # a broken listener must never break a solve
                self.on_progress = None


@dataclass
class Outcome:
    """A formulation's answer, before checking: caller ids, plain data."""

    status: SolveStatus
    objective: float | None = None
    bound: float | None = None
    # the plan: the family's Solution (or its JSON form); the pipeline validates it either way
    solution: BaseModel | dict[str, Any] | None = None
    penalties: dict[str, Any] = field(default_factory=dict)
    diagnosis: list[Finding] = field(default_factory=list)
    solver: SolverInfo = field(default_factory=SolverInfo)
    messages: list[str] = field(default_factory=list)
    extra_kpis: dict[str, Any] = field(default_factory=dict)
