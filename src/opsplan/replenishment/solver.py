"""Replenishment solve: prepare (forecasts, safety stock) -> item by item (decompose.py) for
large plans sharing only space and budget, else the MILP (with (l, S) cuts without production
capacity) -> plan."""

from __future__ import annotations

from typing import Any

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.result import relative_gap
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from . import decompose, heuristic
from .diagnose import explain
from .milp import Formulation, cover_periods, lot_for_lot, plan_cost
from .policies import policies
from .prepare import Prepared
from .schema import ReplenishmentInstance

COUPLING = frozenset({"joint_order", "trucks", "warehouse_space", "budget"})


def coupled(F: Formulation) -> bool:
    return bool(F.z or F.trucks or F.P.space_cap is not None or F.P.budget is not None)


def solve_prepared(
    P: Prepared,
    opts: SolveOptions,
    ctx: RunContext,
    *,
    strong: bool = True,
    params: dict[str, Any] | None = None,
    cut_share: float = 0.1,
    start_share: float = 0.3,
    heuristic_share: float = 0.0,
) -> tuple[Outcome, Formulation]:
    F = Formulation(P)
    info = backend.solver_info(opts)
    messages: list[str] = []
    if strong:
        messages += F.strengthen(opts, ctx, share=cut_share)
    warm = False
    if opts.backend == "highs" and start_share > 0 and not P.capacity:
        # no production capacity: a starting plan from ordering rules (EOQ cover, else lot for lot)
        warm = True
        F.complete_start(lot_for_lot(F, cover_periods(F)))
        how = "orders covering about an EOQ"
        if not F.shared_limits_hold():
            F.complete_start(lot_for_lot(F))
            how = "order as needed (lot for lot)"
        messages.append(f"starting plan: {how}")
    elif opts.backend == "highs" and start_share > 0 and coupled(F):
        # Production with limits shared by items: a starting plan from the model without those
        # limits (they keep HiGHS's heuristics from finding plans), solved by HiGHS with its
        # presolve on: fast, but in 1.14 it may call a suboptimal plan optimal, so only the
        # plan is kept, never its status or bound. Deliveries and trucks are derived from it.
        S = Formulation(P, relax=COUPLING)
        left = opts.time_limit_s - ctx.elapsed()
        first = backend.run(
            S.prob, opts, ctx, time_limit_s=start_share * left, params={"presolve": "on"}
        )
        if first.has_solution:
            warm = True
            F.complete_start({v.name: backend.value(v) for v in S.prob.variables()})
            messages.append("starting plan: HiGHS (presolve on) without the shared limits")
    elif opts.backend == "highs" and heuristic_share > 0 and P.capacity and not coupled(F):
        # production: a starting plan by relax and fix, then fix and optimise (heuristic.py)
        left = opts.time_limit_s - ctx.elapsed()
        vals, _, log = heuristic.starting_plan(F, opts, ctx, heuristic_share * left)
        messages += log
        if vals is not None:
            warm = True
            F.complete_start(vals)
            messages.append("starting plan: relax and fix, fix and optimise")
    run = backend.run(
        F.prob,
        opts,
        ctx,
        params=params if opts.backend == "highs" else None,
        warm_start=warm,
    )
    messages += run.log
    if not run.has_solution:
        return (
            Outcome(
                status=run.status,
                bound=run.bound,
                solver=info,
                messages=messages,
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
        ),
        F,
    )


# Item-periods from which plans linked only by space and budget are solved item by item
# (decompose.py) rather than as one MILP (which PuLP alone takes minutes to build at 100k).
DECOMPOSE_FROM = 20_000


def solve_by_item(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome | None:
    """The decomposition path (decompose.py); None when its plans break a shared limit."""
    r = decompose.solve(P, opts, ctx)
    if r.plan is None:
        if r.status == SolveStatus.NO_SOLUTION and ctx.cancelled.is_set():
            return Outcome(status=r.status, solver=backend.solver_info(opts), messages=r.log)
        return None
    plan = r.plan
    plan["policies"] = policies(P)
    terms = plan_cost(P, plan)
    objective = sum(terms.values())
    status = SolveStatus.FEASIBLE
    gap = relative_gap(objective, r.bound)
    if gap is not None and gap <= max(opts.relative_gap, 1e-4):
        status = SolveStatus.OPTIMAL
    return Outcome(
        status=status,
        objective=objective,
        bound=r.bound,
        solution=plan,
        penalties={k: round(v, 6) for k, v in terms.items() if v},
        solver=backend.solver_info(opts),
        messages=["item by item (decomposition): items share only space and budget", *r.log],
        extra_kpis={"ls_cuts": r.cuts},
    )


def solve(inst: ReplenishmentInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    P = Prepared(inst)
    if (
        opts.backend == "highs"
        and len(inst.items) * P.T >= DECOMPOSE_FROM
        and decompose.applicable(P)
    ):
        by_item = solve_by_item(P, opts, ctx)
        if by_item is not None:
            return by_item
    # (l, S) cuts: not for production capacity, where the textbook model did as well at 30 s
    # and better at 10 s on the Trigeiro sets (benchmarks/RESULTS.md)
    out, _ = solve_prepared(P, opts, ctx, strong=not P.capacity)
    if out.status == SolveStatus.INFEASIBLE:
        out.diagnosis = explain(P, opts, ctx)
    return out
