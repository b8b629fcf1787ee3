"""A linear (or mixed-integer) programme kept alive in HiGHS between solves, built row by row and
column by column: for column generation, where the master LP is re-solved after each batch of new
columns and HiGHS restarts from its last basis (PuLP rebuilds and re-solves from scratch).

- the time limit of each solve is the smaller of the caller's and the run's remaining budget;
- cancellation: a run whose RunContext asks to stop is not started (LP solves are short), and a
  MIP solve is interrupted through HiGHS's callback;
- HiGHS keeps one thread pool per process: backends/highs.py resets it when another thread
  count is asked for, for every HiGHS user.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy

from ..options import SolveOptions
from ..run import RunContext
from ..status import SolveStatus
from . import highs

INF = highspy.kHighsInf


@dataclass
class LpRun:
    status: SolveStatus
    objective: float | None
    bound: float | None = None
    values: list[float] = field(default_factory=list)  # column values
    duals: list[float] = field(default_factory=list)  # row duals (minimisation sign convention)


class HighsModel:
    """Minimise sum(cost * col) over rows lower <= A col <= upper and column bounds."""

    def __init__(self, options: SolveOptions) -> None:
        self.options = options
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("random_seed", options.seed)
        self.n_rows = 0
        self.n_cols = 0

    def add_row(self, lower: float, upper: float) -> int:
        self.h.addRow(lower, upper, 0, [], [])
        self.n_rows += 1
        return self.n_rows - 1

    def add_col(
        self, cost: float, lower: float, upper: float, rows: list[int], coefs: list[float]
    ) -> int:
        self.h.addCol(float(cost), lower, upper, len(rows), rows, [float(c) for c in coefs])
        self.n_cols += 1
        return self.n_cols - 1

    def _threads(self) -> None:
        highs.use_threads(self.options.workers)
        self.h.setOptionValue("threads", self.options.workers)

    def _limit(self, ctx: RunContext, time_limit_s: float | None) -> float:
        remaining = self.options.time_limit_s - ctx.elapsed()
        if time_limit_s is not None:
            remaining = min(remaining, time_limit_s)
        return max(0.01, remaining)

    def solve_lp(self, ctx: RunContext, time_limit_s: float | None = None) -> LpRun:
        if ctx.stop_requested():
            return LpRun(SolveStatus.NO_SOLUTION, None)
        self._threads()
        self.h.setOptionValue("time_limit", self._limit(ctx, time_limit_s))
        self.h.run()
        ms = self.h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            sol = self.h.getSolution()
            obj = float(self.h.getInfo().objective_function_value)
            return LpRun(SolveStatus.OPTIMAL, obj, obj, list(sol.col_value), list(sol.row_dual))
        if ms == highspy.HighsModelStatus.kInfeasible:
            return LpRun(SolveStatus.INFEASIBLE, None)
        return LpRun(SolveStatus.NO_SOLUTION, None)

    def solve_mip(
        self,
        ctx: RunContext,
        integer_cols: list[int],
        time_limit_s: float | None = None,
        start: list[float] | None = None,
    ) -> LpRun:
        """The same model with `integer_cols` integral, on a copy (this model stays an LP)."""
        if ctx.stop_requested():
            return LpRun(SolveStatus.NO_SOLUTION, None)
        m = highspy.Highs()
        m.setOptionValue("output_flag", False)
        m.setOptionValue("random_seed", self.options.seed)
        m.passModel(self.h.getLp())
        m.changeColsIntegrality(
            len(integer_cols), integer_cols, [highspy.HighsVarType.kInteger] * len(integer_cols)
        )
        self._threads()
        m.setOptionValue("threads", self.options.workers)
        m.setOptionValue("time_limit", self._limit(ctx, time_limit_s))
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            m.setSolution(sol)
        m.setCallback(highs.mip_callback(ctx), None)  # only its interrupt part is started
        m.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
        m.run()
        info = m.getInfo()
        if info.primal_solution_status != 2:  # kSolutionStatusFeasible
            return LpRun(SolveStatus.NO_SOLUTION, None)
        obj = float(info.objective_function_value)
        bnd = float(info.mip_dual_bound)
        optimal = m.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return LpRun(
            SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
            obj,
            bnd if math.isfinite(bnd) else None,
            list(m.getSolution().col_value),
        )
