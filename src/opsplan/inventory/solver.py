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

COUPLING = frozenset({"joint_order", "trucks", "warehouse_space", "budget"})


def solve_prepared(
    P: Prepared,
    opts: SolveOptions,
    ctx: RunContext,
    *,
    strong: bool = True,
    params: dict[str, Any] | None = None,
    cut_share: float = 0.15,
    start_share: float = 0.3,
) -> tuple[Outcome, Formulation]:
    F = Formulation(P)
    info = backend.solver_info(opts)
    messages: list[str] = []
    if strong:
        messages += F.strengthen(opts, ctx, share=cut_share)
    warm = False
    start_values: dict[str, float] = {}
    if opts.backend == "highs" and start_share > 0:
        # Starting plan: the same model without the limits that couple items (joint costs,
        # trucks, space, budget keep HiGHS's heuristics from finding plans), solved by HiGHS
        # with its presolve on:
        # fast, but in 1.14 it may call a suboptimal plan optimal, so only the plan is kept,
        # never its status or bound. Deliveries and trucks are then derived from it.
        coupled = F.z or F.trucks or P.space_cap is not None or P.budget is not None
        S = Formulation(P, drop=COUPLING) if coupled else F
        left = opts.time_limit_s - ctx.elapsed()
        first = backend.run(
            S.prob, opts, ctx, time_limit_s=start_share * left, params={"presolve": "on"}
        )
        if first.has_solution:
            warm = True
            start_values = {v.name: backend.value(v) for v in S.prob.variables()}
            F.complete_start(start_values)
            start_values = {v.name: backend.value(v) for v in F.prob.variables()}
            messages.append(
                "starting plan from HiGHS (presolve on) on the model without joint costs"
            )
    run = backend.run(
        F.prob,
        opts,
        ctx,
        params=params if opts.backend == "highs" else None,
        warm_start=warm,
    )
    messages += run.log
    if not run.has_solution and warm and not ctx.cancelled.is_set():
        for v in F.prob.variables():  # the proof run found nothing better: keep the start
            v.varValue = start_values.get(v.name, 0.0)
        run = backend.MilpRun(SolveStatus.FEASIBLE, None, None, run.wall_s, run.backend, run.log)
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
