"""Staffing levels as a MILP (PuLP; CBC or HiGHS): one add_<rule>() per rule.

min  sum_p cost_p n_p + under_penalty * sum_t u_t
s.t. sum_p a_pt n_p + u_t >= demand_t          (add_coverage)
     sum_{p part-time} n_p <= share * sum_p n_p (add_part_time_share)
     n_p integer, 0 <= n_p <= max_p; u_t >= 0   (variables)
"""

from __future__ import annotations

from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from .kpis import covered_slots, solution_tables
from .schema import StaffingLevelsInstance


class Formulation:
    def __init__(self, inst: StaffingLevelsInstance) -> None:
        self.inst = inst
        self.prob = pulp.LpProblem("staffing_levels", pulp.LpMinimize)
        self.T = len(inst.demand)
        self.n = {
            p.id: pulp.LpVariable(f"n_{k}", 0, p.max_headcount, cat="Integer")
            for k, p in enumerate(inst.patterns)
        }
        # whole people short: with integer demand this is exact, and it lets the solvers see
        # that the objective moves in whole steps (which closes the last gap quickly)
        self.u = [pulp.LpVariable(f"u_{t}", 0, cat="Integer") for t in range(self.T)]
        self.add_coverage()
        self.add_part_time_share()
        self.prob += pulp.lpSum(p.cost * self.n[p.id] for p in inst.patterns) + (
            inst.under_penalty * pulp.lpSum(self.u)
        )

    def add_coverage(self) -> None:
        cover: list[list[Any]] = [[] for _ in range(self.T)]
        for p in self.inst.patterns:
            for t in covered_slots(p, self.inst.slot_minutes, self.T, self.inst.cyclic):
                cover[t].append(self.n[p.id])
        for t, need in enumerate(self.inst.demand):
            if need > 0:
                self.prob += pulp.lpSum(cover[t]) + self.u[t] >= need, f"cover_{t}"

    def add_part_time_share(self) -> None:
        share = self.inst.max_part_time_share
        if share is None:
            return
        pt = [self.n[p.id] for p in self.inst.patterns if p.part_time]
        if pt:
            self.prob += pulp.lpSum(pt) <= share * pulp.lpSum(self.n.values()), "part_time"


def solve(inst: StaffingLevelsInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    F = Formulation(inst)
    run = backend.run(F.prob, opts, ctx)
    info = backend.solver_info(opts)
    if not run.has_solution:
        return Outcome(
            status=run.status,
            bound=run.bound,
            solver=info,
            messages=run.log,
            cancelled=ctx.cancelled.is_set(),
        )
    counts = {pid: round(backend.value(v)) for pid, v in F.n.items()}
    sol = solution_tables(inst, counts)
    # the objective of the rounded headcounts, recomputed exactly (solver tolerances aside)
    objective = sol["cost"]["total"]
    return Outcome(
        status=run.status,
        objective=objective,
        bound=run.bound,
        solution=sol,
        penalties={"under_coverage": sol["cost"]["under_penalty"]},
        solver=info,
        messages=run.log,
        cancelled=ctx.cancelled.is_set(),
    )
