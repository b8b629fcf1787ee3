"""Replenishment solve: prepare (forecasts, safety stock) -> MILP with (l, S) cuts -> plan."""

from __future__ import annotations

from typing import Any

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from .diagnose import explain
from .milp import Formulation, plan_cost
from .policies import policies
from .prepare import Prepared
from .schema import ReplenishmentInstance


def solve_prepared(
    P: Prepared,
    opts: SolveOptions,
    ctx: RunContext,
    *,
    strong: bool = True,
    params: dict[str, Any] | None = None,
    cut_share: float = 0.25,
) -> tuple[Outcome, Formulation]:
    F = Formulation(P)
    info = backend.solver_info(opts)
    messages: list[str] = []
    if strong:
        messages += F.strengthen(opts, ctx, share=cut_share)
    run = backend.run(F.prob, opts, ctx, params=params if opts.backend == "highs" else None)
    messages += run.log
    if not run.has_solution:
        return (
            Outcome(
                status=run.status,
                bound=run.bound,
                solver=info,
                messages=messages,
                cancelled=ctx.cancelled.is_set(),
            ),
            F,
        )
    plan = F.extract()
    plan["policies"] = policies(P)
    terms = plan_cost(P, plan)
    objective = sum(terms.values())
    return (
        Outcome(
            status=run.status,
            objective=objective,
            bound=run.bound,
            solution=plan,
            penalties={k: round(v, 6) for k, v in terms.items() if v},
            solver=info,
            messages=messages,
            extra_kpis={"ls_cuts": F.cuts},
            cancelled=ctx.cancelled.is_set(),
        ),
        F,
    )


def solve(inst: ReplenishmentInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    P = Prepared(inst)
    out, _ = solve_prepared(P, opts, ctx, strong=True)
    if out.status == SolveStatus.INFEASIBLE:
        out.diagnosis = explain(P, opts, ctx)
    return out
