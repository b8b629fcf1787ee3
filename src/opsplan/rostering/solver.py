"""Rostering solve: CP-SAT formulation -> roster tables; diagnosis when hard rules conflict."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from .cpsat import Formulation
from .diagnose import explain
from .kpis import coverage_table, employee_table, grid
from .schema import RosteringInstance

# CP-SAT parameters for rostering models (see benchmarks/RESULTS.md)
PARAMS: dict[str, Any] = {}


def solve(inst: RosteringInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    F = Formulation(inst)
    info = backend.solver_info(opts)
    run = backend.run(F.m, opts, ctx, params=PARAMS)
    messages = list(run.log)
    if run.status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=run.status, diagnosis=explain(inst, opts, ctx), solver=info, messages=messages
        )
    if not run.has_solution:
        return Outcome(
            status=run.status,
            bound=run.bound,
            solver=info,
            messages=messages,
            cancelled=ctx.cancelled.is_set(),
        )
    assignments = F.extract(run.solver.value)
    return Outcome(
        status=run.status,
        objective=run.objective,
        bound=run.bound,
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
