"""The solve entry: one MILP run (no phases: the model is small and exact), then the plan."""

from __future__ import annotations

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from .milp import Formulation
from .prepare import Prepared
from .solution import build_solution


def solve(prep: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome:
    # scaled for HiGHS only: CBC finds the objective's step itself, and on the benchmark week
    # the scaled model sent CBC down a slower search (benchmarks/RESULTS.md)
    F = Formulation(prep, scale=opts.backend == "highs")
    run = backend.run(
        F.prob,
        opts,
        ctx,
        params=F.highs_params(opts),
        objective_scale=float(F.scale),
    )
    info = backend.solver_info(opts)
    bound = F.round_bound(run.bound)
    if not run.has_solution:
        return Outcome(status=run.status, bound=bound, solver=info, messages=run.log)
    sol = build_solution(prep, F.headcounts())
    # the objective of the rounded headcounts, recomputed exactly (solver tolerances aside)
    return Outcome(
        status=run.status,
        objective=sol.cost.total,
        bound=bound,
        solution=sol,
        penalties={"under_coverage": sol.cost.under_penalty},
        solver=info,
        messages=run.log,
    )
