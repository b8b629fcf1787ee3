"""What a formulation hands back to the pipeline, and what the pipeline hands to a formulation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .result import Finding, SolverInfo
from .status import SolveStatus


@dataclass
class Progress:
    """One progress event: a new incumbent (or a new bound) during the search."""

    elapsed_s: float
    solutions: int
    objective: float | None
    bound: float | None
    gap: float | None


@dataclass
class RunContext:
    """Progress reporting and cooperative cancellation, shared by every backend."""

    on_progress: Callable[[Progress], None] | None = None
    should_stop: Callable[[], bool] | None = None
    started: float = field(default_factory=time.monotonic)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stop_requested(self) -> bool:
        if self.cancelled.is_set():
            return True
        if self.should_stop is not None and self.should_stop():
            self.cancelled.set()
            return True
        return False

    def report(self, p: Progress) -> None:
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
