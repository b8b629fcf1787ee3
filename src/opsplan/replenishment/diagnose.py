"""Why a replenishment instance has no plan, in the planner's words.

First cheap pre-checks (stock that cannot arrive in time, stock that cannot be got rid of,
cumulative capacity or budget below what must be bought or made); when they find nothing and
the solver proves infeasibility, each group of shared limits is left out in turn and the
groups whose removal gives a plan are named.
"""

from __future__ import annotations

from typing import Any

from ..core.diagnose import drop_one
from ..core.options import SolveOptions
from ..core.result import Finding
from ..core.run import RunContext
from .prepare import Prepared

GROUPS = {
    "warehouse_space": "the warehouse space",
    "budget": "the purchasing budget",
    "capacity": "the production capacity",
    "max_stock": "the items' maximum stock",
    "shelf_life": "the items' shelf life",
    "trucks": "the number of trucks",
}


def precheck(P: Prepared, options: SolveOptions) -> list[Finding]:
    """The pre-checks on the prepared data (`ModelSpec.precheck`)."""
    return prechecks(P)


def _requirement(P: Prepared, i: int) -> list[float]:
    """Units that must have been ordered (arrived) by the end of each period (no shortage)."""
    it = P.inst.items[i]
    out, cum = [], 0.0
    for t in range(P.T):
        cum += P.demand[i][t] - P.arriving[i][t]
        out.append(max(0.0, cum - it.initial_stock))
    return out


def prechecks(P: Prepared) -> list[Finding]:
    out: list[Finding] = []
    inst, T = P.inst, P.T
    forced: list[list[float]] = []
    reqs: list[list[float]] = []
    for i, it in enumerate(inst.items):
        req = _requirement(P, i)
        reqs.append(req)
        # stock nobody can remove: what is on hand and on the way beyond the demand
        m, fm = 0.0, []
        for t in range(T):
            m = max(0.0, (it.initial_stock if t == 0 else m) + P.arriving[i][t] - P.demand[i][t])
            fm.append(m)
        forced.append(fm)
        if it.shortage.mode == "none":
            early = min(it.lead_time, T)
            late = next((t for t in range(early) if req[t] > 1e-9), None)
            if late is not None:
                out.append(
                    Finding(
                        rule="lead_time",
                        entities={"item": it.id, "period": late},
                        message=f"item {it.id}: demand up to period {late} is "
                        f"{req[late]:.6g} units more than the stock on hand and on the way, and "
                        f"an order placed now arrives in period {it.lead_time} at the earliest "
                        f"(lead time {it.lead_time}). Allow backorders or lost sales, or add "
                        "the orders already on the way.",
                    )
                )
        if it.max_stock is not None:
            over = next((t for t in range(T) if fm[t] > it.max_stock + 1e-9), None)
            if over is not None:
                out.append(
                    Finding(
                        rule="max_stock",
                        entities={"item": it.id, "period": over},
                        message=f"item {it.id}: stock on hand and already on the way leaves "
                        f"{fm[over]:.6g} units at the end of period {over}, above the maximum "
                        f"stock {it.max_stock}.",
                    )
                )
    if P.space_cap is not None:
        for t in range(T):
            used = sum(it.space * forced[i][t] for i, it in enumerate(inst.items))
            if used > P.space_cap[t] + 1e-9:
                out.append(
                    Finding(
                        rule="warehouse_space",
                        entities={"period": t},
                        message=f"period {t}: stock already on hand and on the way needs "
                        f"{used:.6g} space, the warehouse has {P.space_cap[t]:.6g}.",
                    )
                )
                break
    strict = [i for i, it in enumerate(inst.items) if it.shortage.mode == "none"]
    for r, cap in P.capacity.items():
        members = [i for i in strict if inst.items[i].resource == r]
        for t in range(T):
            need = sum(
                inst.items[i].time_per_unit * reqs[i][t]
                + (inst.items[i].setup_time if reqs[i][t] > 1e-9 else 0.0)
                for i in members
            )
            have = sum(cap[: t + 1])
            if need > have + 1e-9:
                out.append(
                    Finding(
                        rule="capacity",
                        entities={"resource": r, "period": t},
                        message=f"resource {r}: meeting demand up to period {t} needs at "
                        f"least {need:.6g} time (run and setup), but only {have:.6g} is "
                        f"available in periods 0..{t}.",
                    )
                )
                break
    if P.budget is not None:
        for t in range(T):
            need = sum(inst.items[i].unit_cost * reqs[i][t] for i in strict)
            have = sum(P.budget[: t + 1])
            if need > have + 1e-9:
                out.append(
                    Finding(
                        rule="budget",
                        entities={"period": t},
                        message=f"meeting demand up to period {t} needs purchases of at least "
                        f"{need:.6g}, but the budget of periods 0..{t} is {have:.6g}.",
                    )
                )
                break
    return out


def explain(P: Prepared, options: SolveOptions, ctx: RunContext) -> list[Finding]:
    """Leave each group of limits out in turn; name those whose removal gives a plan."""
    from .milp import Formulation

    inst = P.inst
    present = {
        "warehouse_space": P.space_cap is not None,
        "budget": P.budget is not None,
        "capacity": bool(P.capacity),
        "max_stock": any(it.max_stock is not None for it in inst.items),
        "shelf_life": any(it.shelf_life is not None for it in inst.items),
        "trucks": any(g.max_trucks is not None for g in inst.suppliers),
    }

    def without(rule: str) -> Any:
        F = Formulation(P, relax=frozenset({rule}))
        F.prob.objective = None  # feasibility only
        return F.prob

    return drop_one(
        {g: GROUPS[g] for g, on in present.items() if on},
        without,
        options,
        ctx,
        hint="Allowing backorders or lost sales with a penalty always gives a plan when the "
        "limits are the cause.",
    )
