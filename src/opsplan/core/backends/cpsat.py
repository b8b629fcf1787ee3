"""CP-SAT backend: one place that turns SolveOptions into parameters and runs a CpModel.

- the time limit is the whole solve's remaining budget (RunContext.started);
- the status goes through core.status.CPSAT_STATUS, one table;
- every new incumbent is reported as Progress; the best one is kept when a limit or a cancel
  stops the search (CP-SAT answers FEASIBLE with it);
- cancellation: a watcher thread polls RunContext.stop_requested() and calls stop_search(), so a
  cancel works even before the first solution;
- the solver log is captured into messages when options.log is set.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from ortools.sat.python import cp_model

from ..options import SolveOptions
from ..result import SolverInfo, relative_gap
from ..run import Progress, RunContext
from ..status import CPSAT_STATUS, SolveStatus

VERSION = version("ortools")


@dataclass
class CpsatRun:
    status: SolveStatus
    solver: cp_model.CpSolver
    objective: float | None
    bound: float | None
    wall_s: float
    log: list[str] = field(default_factory=list)

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution

    def value(self, expr: Any) -> int:
        return int(self.solver.value(expr))

    def bool(self, lit: Any) -> bool:
        return bool(self.solver.boolean_value(lit))


def solver_info(options: SolveOptions) -> SolverInfo:
    return SolverInfo(name="cp-sat", version=VERSION, workers=options.workers, seed=options.seed)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        ctx: RunContext,
        has_objective: bool,
        value_of: Callable[[Callable[[Any], int]], float] | None = None,
    ) -> None:
        super().__init__()
        self._ctx = ctx
        self._has_obj = has_objective
        self._value_of = value_of
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        obj = float(self.objective_value) if self._has_obj else None
        if self._value_of is not None:  # the plan's own value, as the family computes it
            obj = self._value_of(self.value)
        bound = float(self.best_objective_bound) if self._has_obj else None
        self._ctx.report(
            Progress(self._ctx.elapsed(), self.solutions, obj, bound, relative_gap(obj, bound))
        )
        if self._ctx.stop_requested():
            self.stop_search()


def run(
    model: cp_model.CpModel,
    options: SolveOptions,
    ctx: RunContext,
    *,
    time_limit_s: float | None = None,
    params: dict[str, Any] | None = None,
    workers: int | None = None,
    value_of: Callable[[Callable[[Any], int]], float] | None = None,
) -> CpsatRun:
    """Solve `model` within the remaining budget (or `time_limit_s` if smaller).

    `value_of(value)`: the objective reported with each incumbent, from the solution's
    values (a family's own evaluation of its plan; CP-SAT's objective_value otherwise)."""
    remaining = options.time_limit_s - ctx.elapsed()
    if time_limit_s is not None:
        remaining = min(remaining, time_limit_s)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, remaining)
    p.num_workers = workers or options.workers
    p.random_seed = options.seed
    if options.relative_gap > 0:
        p.relative_gap_limit = options.relative_gap
    for key, val in (params or {}).items():
        setattr(p, key, val)
    log: list[str] = []
    if options.log:
        p.log_search_progress = True
        p.log_to_stdout = False
        solver.log_callback = log.append

    has_obj = model.has_objective()
    cb = _Progress(ctx, has_obj, value_of)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if ctx.stop_requested():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        native = solver.solve(model, cb)
    finally:
        done.set()
        watcher.join()
    status = CPSAT_STATUS.get(solver.status_name(native), SolveStatus.ERROR)
    if status == SolveStatus.ERROR:
        log.append(f"CP-SAT rejected the model: {model.validate() or solver.status_name(native)}")
    obj = bound = None
    if has_obj and status.has_solution:
        obj = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
        if not math.isfinite(bound):
            bound = None
    elif has_obj and status == SolveStatus.NO_SOLUTION:
        b = float(solver.best_objective_bound)
        bound = b if math.isfinite(b) else None
    return CpsatRun(status, solver, obj, bound, solver.wall_time, log)
