"""Why a sourcing problem has no plan, in the buyer's words.

Cheap pre-checks first, each naming the item or supplier and the rule. When they find nothing
and the MILP proves infeasibility, the policy rules are dropped one at a time and the ones
whose removal alone makes a plan possible are named.
"""

from __future__ import annotations

from typing import Any

from ..core.diagnose import CONFLICT, drop_one
from ..core.options import SolveOptions
from ..core.result import Finding
from ..core.run import Interrupted, RunContext
from .prepare import Prepared

INF = float("inf")


def _n(x: float) -> str:
    return "unlimited" if x == INF else f"{x:,.0f}"


def precheck(P: Prepared, options: SolveOptions) -> list[Finding]:
    inst = P.inst
    out: list[Finding] = []
    pol = inst.policies
    for i, it in enumerate(inst.items):
        offers = P.by_item[i]
        D = sum(it.demand)
        if D > 0 and not offers:
            out.append(
                Finding(
                    rule="demand",
                    entities={"item": it.id},
                    message=f"item {it.id} needs {D:,} units but no supplier offers it",
                )
            )
            continue
        for t, d in enumerate(it.demand):
            if d <= 0:
                continue
            can = 0.0
            for o in offers:
                if not P.lead_ok(o, t):
                    continue
                off = P.offers[o]
                c = P.cap[P.o_sup[o]][t]
                lim = min(
                    INF if off.max_quantity is None else off.max_quantity,
                    INF if c is None else c,
                )
                can += lim - (lim % off.multiple if lim != INF else 0)
            if can < d:
                late = [P.offers[o].supplier for o in offers if not P.lead_ok(o, t)]
                why = f" ({', '.join(late)} cannot deliver in time)" if late else ""
                out.append(
                    Finding(
                        rule="demand",
                        entities={"item": it.id, "period": t},
                        message=f"item {it.id} needs {d:,} units in period {t} but the eligible "
                        f"suppliers can deliver {_n(can)} before its need date (day "
                        f"{P.need[i][t]}){why}",
                    )
                )
        reach = [o for o in offers if any(P.lead_ok(o, t) for t in range(P.T))]
        lo, _hi = P.supplier_limits(i)
        if lo is not None and D > 0 and len(reach) < lo:
            out.append(
                Finding(
                    rule="supplier_count",
                    entities={"item": it.id},
                    message=f"item {it.id} must come from at least {lo} suppliers but only "
                    f"{len(reach)} can deliver it in time",
                )
            )
        if D > 0 and reach and pol.max_share_supplier is not None:
            top = pol.max_share_supplier * len(reach)
            if top < 1 - 1e-9:
                out.append(
                    Finding(
                        rule="max_share_supplier",
                        entities={"item": it.id},
                        message=f"item {it.id} may give each supplier at most "
                        f"{pol.max_share_supplier:.0%} of its demand, but only {len(reach)} "
                        f"suppliers can deliver it: together at most {top:.0%}",
                    )
                )
        if D > 0 and reach and pol.max_share_region is not None:
            regions = {inst.suppliers[P.o_sup[o]].region for o in reach}
            top = pol.max_share_region * len(regions)
            if top < 1 - 1e-9:
                out.append(
                    Finding(
                        rule="max_share_region",
                        entities={"item": it.id},
                        message=f"item {it.id} may take at most {pol.max_share_region:.0%} of its "
                        f"demand from each region, but its suppliers are in {len(regions)} "
                        f"region(s): together at most {top:.0%}",
                    )
                )
        r = P.max_defect_rate(i)
        if D > 0 and reach and r is not None:
            best = min(inst.suppliers[P.o_sup[o]].defect_rate for o in reach)
            if best > r + 1e-12:
                out.append(
                    Finding(
                        rule="defect_rate",
                        entities={"item": it.id},
                        message=f"item {it.id} may have at most {r:.2%} defective units, but its "
                        f"best supplier has a defect rate of {best:.2%}",
                    )
                )
    for cm in pol.commitments:
        s = P.sup_ix[cm.supplier]
        offers = [o for o in P.by_sup[s] if cm.item is None or P.offers[o].item == cm.item]
        can = sum(min(P.line_ub.get((o, t), 0), INF) for o in offers for t in range(P.T))
        if can < cm.min_quantity:
            what = f" of {cm.item}" if cm.item else ""
            out.append(
                Finding(
                    rule="commitments",
                    entities={"supplier": cm.supplier},
                    message=f"{cm.supplier} is committed {cm.min_quantity:,} units{what} but can "
                    f"deliver at most {can:,} in time within its limits",
                )
            )
    if pol.budget is not None:
        low = 0.0
        for i, it in enumerate(inst.items):
            prices = [tr.price for o in P.by_item[i] for tr in P.offers[o].tiers]
            if prices:
                low += sum(it.demand) * min(prices)
        if low > pol.budget + 1e-9:
            out.append(
                Finding(
                    rule="budget",
                    message=f"the budget is {pol.budget:,.2f} but the demand costs at least "
                    f"{low:,.2f} even at every item's lowest price",
                )
            )
    return out


RELAXABLE: dict[str, str] = {
    "capacity": "supplier capacities",
    "supplier_count": "the number of suppliers per item",
    "max_share_supplier": "the maximum share per supplier",
    "max_share_region": "the maximum share per region",
    "defect_rate": "the maximum defect rate",
    "commitments": "the committed volumes",
    "moq": "the minimum order quantities",
    "budget": "the budget",
    "cvar": "the bound on the cost of bad scenarios",
}


def _present(P: Prepared) -> list[str]:
    inst, pol = P.inst, P.inst.policies
    has = {
        "capacity": any(s.capacity is not None for s in inst.suppliers),
        "supplier_count": pol.min_suppliers is not None
        or pol.max_suppliers is not None
        or any(it.min_suppliers is not None or it.max_suppliers is not None for it in inst.items),
        "max_share_supplier": pol.max_share_supplier is not None,
        "max_share_region": pol.max_share_region is not None,
        "defect_rate": pol.max_defect_rate is not None
        or any(it.max_defect_rate is not None for it in inst.items),
        "commitments": bool(pol.commitments),
        "moq": any(o.moq > 1 for o in inst.offers),
        "budget": pol.budget is not None,
        "cvar": inst.cvar is not None,
    }
    return [k for k, v in has.items() if v]


def explain(P: Prepared, opts: SolveOptions, ctx: RunContext) -> list[Finding]:
    """Leave each policy rule out in turn; name those whose removal alone gives a plan.

    Building each model without a rule stops at the deadline or a cancel (large models take
    seconds to build): the diagnosis then says the time ran out."""
    from .milp import Formulation

    def without(rule: str) -> Any:
        Q = Prepared(P.inst, use_capacity=False) if rule == "capacity" else P
        F = Formulation(Q, relax=frozenset({rule}), ctx=ctx)
        F.set_objective(F.terms["cost"])
        return F.prob

    try:
        return drop_one({r: RELAXABLE[r] for r in _present(P)}, without, opts, ctx)
    except Interrupted:
        why = "a cancel request" if ctx.stop_requested() else "the time limit"
        message = (
            f"no plan meets every rule together; {why} stopped the search for the rules to "
            "blame (while building a model without one of them)"
        )
        return [Finding(rule=CONFLICT, message=message)]
