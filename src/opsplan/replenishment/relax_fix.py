"""Relax and fix, then fix and optimise: a starting plan for production (capacitated lot
sizing) by small HiGHS solves of the MILP itself, before the MILP's own search
(models/replenishment.md "Starting plan (HiGHS)"):

1. relax and fix over periods: the setups y of a window of periods are binary, those of
   earlier windows fixed at the values found, those of later windows relaxed to [0, 1];
   the windows move forward until every setup is fixed;
2. fix and optimise over periods: with that plan, the setups of one window at a time are
   freed (binary) and the others fixed; a better plan is kept.

Order quantities, stock and every other variable stay free in every solve, so each solve
is the MILP with some setups fixed or relaxed: the plan found is a plan of the MILP, handed
to it as a warm start.
"""

from __future__ import annotations

import math
from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import RunContext
from .milp import Formulation


def _setups_by_period(F: Formulation) -> list[list[Any]]:
    out: list[list[Any]] = [[] for _ in range(F.P.T)]
    for ys in F.y:
        for t, v in ys.items():
            out[t].append(v)
    return out


def starting_plan(
    F: Formulation,
    opts: SolveOptions,
    ctx: RunContext,
    budget_s: float,
    window: int | None = None,
    gap: float = 0.005,
) -> tuple[dict[str, float] | None, float | None, list[str]]:
    """Relax and fix, then fix and optimise, within `budget_s` seconds. Returns the values
    of every variable of F's problem for the best plan found (None if none), its objective,
    and a log. F's problem is left as it was (types and bounds restored)."""
    T = F.P.T
    by_t = _setups_by_period(F)
    ys = [v for vs in by_t for v in vs]
    if not ys or T < 2:
        return None, None, []
    W = window or max(2, math.ceil(T / 5))
    start = ctx.elapsed()
    log: list[str] = []
    sub = opts.model_copy(update={"relative_gap": gap})
    fine = opts.model_copy(update={"relative_gap": 1e-4})

    def left() -> float:
        return budget_s - (ctx.elapsed() - start)

    def solve(limit: float, warm: bool) -> backend.MilpRun:
        return backend.run(F.prob, sub, ctx, time_limit_s=max(0.1, limit), warm_start=warm)

    best: dict[str, float] | None = None
    best_obj: float | None = None
    try:
        # 1. relax and fix
        fixed: dict[str, float] = {}
        windows = [list(range(a, min(T, a + W))) for a in range(0, T, W)]
        ok = True
        for k, win in enumerate(windows):
            if left() <= 0.1 or ctx.stop_requested():
                ok = False
                break
            for t in range(T):
                for v in by_t[t]:
                    if v.name in fixed:
                        v.cat = pulp.LpInteger
                        v.lowBound = v.upBound = fixed[v.name]
                    elif t in win:
                        v.cat, v.lowBound, v.upBound = pulp.LpInteger, 0, 1
                    else:
                        v.cat, v.lowBound, v.upBound = pulp.LpContinuous, 0, 1
            # a share of what is left for this window, more for the first ones
            run = solve(left() / (len(windows) - k + 1), warm=False)
            if not run.has_solution:
                ok = False
                log.append(f"relax and fix: no plan in window {k + 1}/{len(windows)}")
                break
            for t in win:
                for v in by_t[t]:
                    fixed[v.name] = float(round(backend.value(v)))
        if ok:
            # every setup fixed: one last solve for the quantities (an LP)
            for v in ys:
                v.cat = pulp.LpInteger
                v.lowBound = v.upBound = fixed[v.name]
            run = solve(max(0.5, left()), warm=False)
            if run.has_solution and run.objective is not None:
                best = {v.name: backend.value(v) for v in F.prob.variables()}
                best_obj = run.objective
                log.append(f"relax and fix: {best_obj:.2f}")
        if best is None:
            return None, None, log
        # 2. fix and optimise: windows of `size` periods, half overlapping; a pass that finds
        # nothing better widens the windows, until time runs out or a window spans the horizon
        size = W + 1
        passes = 0
        while left() > 0.2 and not ctx.stop_requested():
            improved = False
            passes += 1
            step = max(1, size // 2)
            for a in range(0, max(1, T - size + step), step):
                if left() <= 0.2 or ctx.stop_requested():
                    break
                span = set(range(a, min(T, a + size)))
                for t in range(T):
                    for v in by_t[t]:
                        if t in span:
                            v.cat, v.lowBound, v.upBound = pulp.LpInteger, 0, 1
                        else:
                            v.cat = pulp.LpInteger
                            v.lowBound = v.upBound = round(best[v.name])
                for v in F.prob.variables():
                    v.varValue = best.get(v.name, 0.0)
                run = backend.run(
                    F.prob,
                    fine,
                    ctx,
                    time_limit_s=min(left(), max(0.5, budget_s / 6)),
                    warm_start=True,
                )
                if (
                    run.has_solution
                    and run.objective is not None
                    and best_obj is not None
                    and run.objective < best_obj - 1e-6 * max(1.0, abs(best_obj))
                ):
                    best = {v.name: backend.value(v) for v in F.prob.variables()}
                    best_obj = run.objective
                    improved = True
            if not improved:
                if size >= T:
                    break
                size = min(T, 2 * size)
        log.append(f"fix and optimise: {best_obj:.2f} after {passes} pass(es)")
        return best, best_obj, log
    finally:
        for v in ys:
            v.cat, v.lowBound, v.upBound = pulp.LpInteger, 0, 1
