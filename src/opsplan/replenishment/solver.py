"""Replenishment solve, on the prepared data (forecasts, safety stock: prepare.py, once):
item by item (decompose.py) for large plans sharing only space and budget, else the MILP
(with (l, S) cuts without production capacity, and a starting plan) -> the typed plan
(solution.py)."""

from __future__ import annotations

from typing import Any

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.result import relative_gap
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from . import decompose, relax_fix
from .diagnose import explain
from .heuristic import cover_periods, lot_for_lot
from .milp import Formulation
from .prepare import Prepared
from .schema import ReplenishmentSolution
from .solution import build_solution, cost_by_term

COUPLING = frozenset({"joint_order", "trucks", "warehouse_space", "budget"})

# Item-periods from which plans linked only by space and budget are solved item by item
# (decompose.py) rather than as one MILP (which PuLP alone takes minutes to build at 100k).
DECOMPOSE_FROM = 20_000


def coupled(F: Formulation) -> bool:
    return bool(F.z or F.trucks or F.P.space_cap is not None or F.P.budget is not None)


def solve(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome:
    """The strategy (`ModelSpec.solve`)."""
    if (
        opts.backend == "highs"
        and len(P.inst.items) * P.T >= DECOMPOSE_FROM
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
    """The MILP: (l, S) cuts when `strong`, a starting plan (HiGHS), the search."""
    F = Formulation(P)
    messages: list[str] = []
    if strong:
        messages += F.strengthen(opts, ctx.quiet(), share=cut_share)  # LP rounds: quiet
    warm = False
    if opts.backend == "highs":
        warm = starting_plan(F, opts, ctx, start_share, heuristic_share, messages)
    run = backend.run(
        F.prob,
        opts,
        ctx,
        params=params if opts.backend == "highs" else None,
        warm_start=warm,
    )
    messages += run.log
    if not run.has_solution:
        info = backend.solver_info(opts)
        return Outcome(status=run.status, bound=run.bound, solver=info, messages=messages), F
    plan = build_solution(P, *F.values())
    return answer(P, plan, run.status, run.bound, opts, messages, F.cuts, ctx), F


def starting_plan(
    F: Formulation,
    opts: SolveOptions,
    ctx: RunContext,
    start_share: float,
    heuristic_share: float,
    messages: list[str],
) -> bool:
    """Hand HiGHS a starting plan (models/replenishment.md "Starting plan"); True if one was
    set. What was done is appended to `messages`."""
    P = F.P
    if start_share > 0 and not P.capacity:
        # no production capacity: a starting plan from ordering rules (EOQ cover, else lot for lot)
        F.complete_start(lot_for_lot(F, cover_periods(F)))
        how = "orders covering about an EOQ"
        if not F.shared_limits_hold():
            F.complete_start(lot_for_lot(F))
            how = "order as needed (lot for lot)"
        messages.append(f"starting plan: {how}")
        return True
    if start_share > 0 and coupled(F):
        # Production with limits shared by items: a starting plan from the model without those
        # limits (they keep HiGHS's heuristics from finding plans), solved by HiGHS with its
        # presolve on: fast, but in 1.14 it may call a suboptimal plan optimal, so only the
        # plan is kept, never its status or bound. Deliveries and trucks are derived from it.
        S = Formulation(P, relax=COUPLING)
        left = opts.time_limit_s - ctx.elapsed()
        first = backend.run(  # another model's objective: quiet
            S.prob, opts, ctx.quiet(), time_limit_s=start_share * left, params={"presolve": "on"}
        )
        if not first.has_solution:
            return False
        F.complete_start({v.name: backend.value(v) for v in S.prob.variables()})
        messages.append("starting plan: HiGHS (presolve on) without the shared limits")
        return True
    if heuristic_share > 0 and P.capacity and not coupled(F):
        # production: a starting plan by relax and fix, then fix and optimise (relax_fix.py)
        left = opts.time_limit_s - ctx.elapsed()
        vals, _, log = relax_fix.starting_plan(F, opts, ctx.quiet(), heuristic_share * left)
        messages += log
        if vals is None:
            return False
        F.complete_start(vals)
        messages.append("starting plan: relax and fix, fix and optimise")
        return True
    return False


def answer(
    P: Prepared,
    plan: ReplenishmentSolution,
    status: SolveStatus,
    bound: float | None,
    opts: SolveOptions,
    messages: list[str],
    cuts: int,
    ctx: RunContext | None = None,
) -> Outcome:
    """The outcome of a plan: its cost recomputed by term from the rounded plan."""
    terms = cost_by_term(P, plan)
    if ctx is not None:  # the plan's own cost (the search reported the model's, unrounded)
        ctx.report_plan(sum(terms.values()), bound)
    return Outcome(
        status=status,
        objective=sum(terms.values()),
        bound=bound,
        solution=plan,
        penalties={k: round(v, 6) for k, v in terms.items() if v},
        solver=backend.solver_info(opts),
        messages=messages,
        extra_kpis={"ls_cuts": cuts},
    )


def solve_by_item(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome | None:
    """The decomposition path (decompose.py); None when its plans break a shared limit."""
    r = decompose.solve(P, opts, ctx)
    if r.plan is None:
        if r.status == SolveStatus.NO_SOLUTION and ctx.cancelled.is_set():
            return Outcome(status=r.status, solver=backend.solver_info(opts), messages=r.log)
        return None
    messages = ["item by item (decomposition): items share only space and budget", *r.log]
    out = answer(P, r.plan, SolveStatus.FEASIBLE, r.bound, opts, messages, r.cuts, ctx)
    gap = relative_gap(out.objective, r.bound)
    if gap is not None and gap <= max(opts.relative_gap, 1e-4):
        out.status = SolveStatus.OPTIMAL
    return out
