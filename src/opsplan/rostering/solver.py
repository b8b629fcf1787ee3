"""Rostering solve: CP-SAT formulation -> roster tables; diagnosis when hard rules conflict."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from .cpsat import Formulation
from .diagnose import explain
from .kpis import coverage_table, employee_table, grid
from .milp import relax
from .schema import RosteringInstance

# CP-SAT parameters for rostering models (see benchmarks/RESULTS.md)
PARAMS: dict[str, Any] = {}


# share of the time limit given to the MILP relaxation (HiGHS) before CP-SAT
RELAXATION_SHARE = 0.35


def solve(inst: RosteringInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    F = Formulation(inst)
    info = backend.solver_info(opts)
    messages: list[str] = []
    # 1. a MILP relaxation on HiGHS: a proven lower bound, and a roster to start from
    share = max(0.5, RELAXATION_SHARE * (opts.time_limit_s - ctx.elapsed()))
    lp, start = relax(inst, opts, ctx, share)
    lower = lp.bound if F.terms else None
    if start is not None:
        F.hint(start)
    if lower is not None:
        # the relaxation's bound holds for every roster: tell CP-SAT, so it can prove optimality
        F.m.add(F.objective >= math.ceil(lower - 1e-4))
    messages.append(
        f"MILP relaxation (HiGHS): {lp.status.value}, objective {lp.objective}, bound {lp.bound}, "
        f"{lp.wall_s:.1f} s"
    )
    # 2. CP-SAT on the full model
    run = backend.run(F.m, opts, ctx, params=PARAMS)
    messages += run.log
    bound = run.bound
    if lower is not None and run.has_solution:
        bound = max(bound if bound is not None else lower, math.ceil(lower - 1e-4))
    if run.status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=run.status, diagnosis=explain(inst, opts, ctx), solver=info, messages=messages
        )
    if not run.has_solution:
        return Outcome(
            status=run.status,
            bound=bound,
            solver=info,
            messages=messages,
            cancelled=ctx.cancelled.is_set(),
        )
    assignments = F.extract(run.solver.value)
    return Outcome(
        status=run.status,
        objective=run.objective,
        bound=bound,
        solution=build_solution(inst, assignments),
        penalties=F.penalties(run.solver.value),
        solver=info,
        messages=messages,
        cancelled=ctx.cancelled.is_set(),
    )


def build_solution(inst: RosteringInstance, assignments: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [
        {**a, "date": (inst.start_date + timedelta(days=a["day"])).isoformat()}
        for a in sorted(assignments, key=lambda a: (a["day"], a["shift"], a["employee"]))
    ]
    sol: dict[str, Any] = {"assignments": rows}
    sol["grid"] = grid(inst, sol)
    sol["coverage"] = coverage_table(inst, sol)
    sol["employees"] = employee_table(inst, sol)
    return sol
