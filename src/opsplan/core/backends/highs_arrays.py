"""HiGHS from arrays: a model given as column and row arrays (no PuLP expressions), solved
with the same time limit, cancellation, warm start and status folding as backends/pulp.py
(the HiGHS parts they share are in backends/highs.py).

For formulations that build many small models, or one large model, faster than PuLP can
(PuLP spends about 0.2 ms per row in Python). Minimisation only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..options import SolveOptions
from ..run import RunContext
from ..status import SolveStatus
from . import highs


@dataclass
class ArrayModel:
    """min cost.x + offset  s.t.  row_lower <= A x <= row_upper, lower <= x <= upper,
    x[j] integer where integer[j]. A is given row-wise: (row, col, value) triplets."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool per column
    rows: np.ndarray  # int, one per nonzero
    cols: np.ndarray  # int, one per nonzero
    vals: np.ndarray  # float, one per nonzero
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float = 0.0


@dataclass
class ArrayRun:
    status: SolveStatus
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    wall_s: float
    log: list[str] = field(default_factory=list)

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution


def _highs(
    m: ArrayModel,
    options: SolveOptions,
    ctx: RunContext,
    time_limit_s: float | None,
    params: dict[str, Any] | None,
) -> Any:
    """A highspy.Highs holding model m, with the run's options set."""
    import highspy

    remaining = options.time_limit_s - ctx.elapsed()
    if time_limit_s is not None:
        remaining = min(remaining, time_limit_s)
    remaining = max(0.05, remaining)
    n, nr = len(m.cost), len(m.row_lower)
    order = np.lexsort((m.cols, m.rows))
    rows, cols, vals = m.rows[order], m.cols[order], m.vals[order]
    starts = np.searchsorted(rows, np.arange(nr + 1)).astype(np.int32)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = nr
    lp.col_cost_ = np.asarray(m.cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(m.lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(m.upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(m.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(m.row_upper, dtype=np.float64)
    lp.offset_ = float(m.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = nr
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = vals.astype(np.float64)
    is_mip = bool(np.any(m.integer))
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
            for b in m.integer
        ]

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    highs.use_threads(options.workers)
    opts: dict[str, Any] = {
        **highs.HIGHS_DEFAULTS,
        **(params or {}),
        "time_limit": float(remaining),
        "threads": options.workers,
        "random_seed": options.seed,
    }
    if options.relative_gap > 0:
        opts["mip_rel_gap"] = options.relative_gap
    for k, v in opts.items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    return h


def run(
    m: ArrayModel,
    options: SolveOptions,
    ctx: RunContext,
    *,
    time_limit_s: float | None = None,
    params: dict[str, Any] | None = None,
    start: np.ndarray | None = None,
) -> ArrayRun:
    """Solve `m` with HiGHS within the run's remaining time (and `time_limit_s`). `start`, a
    full column vector, is handed to HiGHS as a first incumbent. Improving solutions go to
    ctx as Progress."""
    import highspy

    h = _highs(m, options, ctx, time_limit_s, params)
    is_mip = bool(np.any(m.integer))
    cb = highspy.cb
    if is_mip:
        h.setCallback(highs.mip_callback(ctx), None)
        h.startCallback(cb.HighsCallbackType.kCallbackMipInterrupt)
        h.startCallback(cb.HighsCallbackType.kCallbackMipImprovingSolution)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    t0 = time.monotonic()
    h.run()
    wall = time.monotonic() - t0
    info = h.getInfo()
    status, log = highs.fold_status(h)
    if not status.has_solution:
        return ArrayRun(status, None, None, None, wall, log)
    x = np.array(h.getSolution().col_value, dtype=np.float64)
    obj = float(info.objective_function_value)
    bound: float | None
    if is_mip:
        b = float(info.mip_dual_bound)
        bound = b if math.isfinite(b) else None
    else:
        bound = obj if status == SolveStatus.OPTIMAL else None
    if status == SolveStatus.OPTIMAL and bound is None:
        bound = obj
    return ArrayRun(status, obj, bound, x, wall, log)


Separator = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None]


class CutLoop:
    """The LP relaxation of m, re-solved round after round with cuts: `separate(x)` returns
    rows violated at the LP point x as (row, col, value) triplets and one upper side per row
    (sum <= upper), or None; they are added and HiGHS re-solves from its last basis.
    `value`: the last LP optimum, a valid lower bound on m's optimum when every cut is valid
    (None until an LP was solved to optimality)."""

    def __init__(
        self,
        m: ArrayModel,
        options: SolveOptions,
        ctx: RunContext,
        separate: Separator,
        params: dict[str, Any] | None = None,
    ) -> None:
        lp = ArrayModel(**{**m.__dict__, "integer": np.zeros(len(m.cost), dtype=bool)})
        self.h = _highs(lp, options, ctx, None, params)
        self.ctx = ctx
        self.separate = separate
        self.value: float | None = None
        self.added = 0
        self.rounds = 0
        self.done = False

    def step(self, time_limit_s: float) -> None:
        """Solve the LP once (within time_limit_s) and add the cuts it violates; `done` when
        none is violated or the LP was not solved."""
        if self.done or time_limit_s <= 0.01 or self.ctx.stop_requested():
            return
        h = self.h
        h.setOptionValue("time_limit", float(time_limit_s))
        h.run()
        self.rounds += 1
        if str(h.getModelStatus()).split(".")[-1] != "kOptimal":
            self.done = True
            return
        self.value = float(h.getInfo().objective_function_value)
        cuts = self.separate(np.array(h.getSolution().col_value, dtype=np.float64))
        if cuts is None:
            self.done = True
            return
        rows, cols, vals, upper = cuts
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        starts = np.searchsorted(rows, np.arange(len(upper))).astype(np.int32)
        h.addRows(
            len(upper),
            np.full(len(upper), -np.inf),
            upper.astype(np.float64),
            len(cols),
            starts,
            cols.astype(np.int32),
            vals.astype(np.float64),
        )
        self.added += len(upper)


def lp_with_cuts(
    m: ArrayModel,
    options: SolveOptions,
    ctx: RunContext,
    separate: Separator,
    *,
    rounds: int,
    time_limit_s: float | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[float | None, int]:
    """CutLoop for at most `rounds` LP solves within time_limit_s: (last LP optimum, cuts)."""
    t0 = time.monotonic()
    limit = time_limit_s if time_limit_s is not None else options.time_limit_s
    loop = CutLoop(m, options, ctx, separate, params)
    while not loop.done and loop.rounds < rounds:
        left = min(limit - (time.monotonic() - t0), options.time_limit_s - ctx.elapsed())
        if left <= 0.05:
            break
        loop.step(left)
    return loop.value, loop.added
