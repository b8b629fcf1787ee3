"""The plan in the buyer's terms (schema.SupplierSolution), built from the formulation's raw
values: quantities per line (offer o, period t), priced exactly through the offers' tiers.

Also the plan's exact objective terms (`evaluate`): a time-limited MILP incumbent may carry
slack (a shortfall above the real one, a dearer convex segment filled first), so what a solve
reports is recomputed from the quantities.
"""

from __future__ import annotations

from ..core.result import relative_gap
from ..core.status import SolveStatus
from .prepare import Prepared
from .schema import Award, ParetoPoint, SupplierSolution

Plan = dict[tuple[int, int], int]  # (offer o, period t) -> units


def order_price(P: Prepared, o: int, q: int) -> tuple[float, int]:
    """Cost of ordering q units at once on offer o, and the highest tier reached."""
    off = P.offers[o]
    tiers = off.tiers
    k = max(j for j, tr in enumerate(tiers) if tr.min_quantity <= q)
    if off.break_type == "all_units":
        return tiers[k].price * q, k
    cost = 0.0
    for j in range(k + 1):
        end = tiers[j + 1].min_quantity if j + 1 < len(tiers) else q
        cost += tiers[j].price * (min(end, q) - tiers[j].min_quantity)
    return cost, k


def evaluate(P: Prepared, plan: Plan) -> dict[str, float]:
    """The objective terms of a plan, exactly (cost: expected total cost)."""
    inst = P.inst
    horizon = inst.policies.order_basis == "horizon"
    orders: dict[tuple[int, int], int] = {}
    for (o, t), q in plan.items():
        key = (o, -1 if horizon else t)
        orders[key] = orders.get(key, 0) + q
    purchase = sum(order_price(P, o, q)[0] for (o, _), q in orders.items())
    used = {P.o_sup[o] for (o, _t) in plan}
    expected = purchase + sum(inst.suppliers[s].fixed_cost for s in used)
    for w, row in enumerate(P.loss):
        got: dict[tuple[int, int], float] = {}
        for (o, t), q in plan.items():
            key = (P.o_item[o], t)
            got[key] = got.get(key, 0.0) + (1 - row[P.o_sup[o]]) * q
        spot = sum(
            (inst.items[i].spot_price or 0.0) * max(0.0, d - got.get((i, t), 0.0))
            for i in range(len(inst.items))
            for t, d in enumerate(P.demand[i])
        )
        expected += inst.scenarios[w].probability * spot
    terms = {"cost": expected, "defects": 0.0, "late_units": 0.0, "risk": 0.0}
    for (o, _t), q in plan.items():
        sp = inst.suppliers[P.o_sup[o]]
        terms["defects"] += sp.defect_rate * q
        terms["late_units"] += (1 - sp.on_time_rate) * q
        terms["risk"] += sp.risk_score * q
    return terms


def awards(P: Prepared, plan: Plan) -> list[Award]:
    """Award lines in the caller's ids, by item, offer and period, each with the tier its order
    reaches and its cost (an order that spans periods shares its cost among them by quantity)."""
    rows = []
    horizon = P.inst.policies.order_basis == "horizon"
    order_q: dict[int, int] = {}
    for (o, _t), q in plan.items():
        order_q[o] = order_q.get(o, 0) + q
    for (o, t), q in sorted(plan.items(), key=lambda kv: (P.o_item[kv[0][0]], kv[0][0], kv[0][1])):
        off = P.offers[o]
        total = order_q[o] if horizon else q
        cost, tier = order_price(P, o, total)
        rows.append(
            Award(
                item=off.item,
                supplier=off.supplier,
                period=t,
                quantity=q,
                tier=tier,
                unit_price=round(cost / total, 6),
                cost=cost * q / total,
            )
        )
    return rows


def pareto_point(
    P: Prepared,
    plan: Plan | None,
    status: SolveStatus,
    other: str,
    epsilon: float | None = None,
    bound: float | None = None,
) -> ParetoPoint:
    """One plan of the pareto mode (plan None: the point's solve found none)."""
    if plan is None:
        return ParetoPoint(epsilon=epsilon, status=status)
    terms = evaluate(P, plan)
    return ParetoPoint.model_validate(
        {
            "epsilon": epsilon,
            "status": status,
            "cost": terms["cost"],
            other: terms[other],
            "bound": bound,
            "gap": relative_gap(terms["cost"], bound),
            "awards": awards(P, plan),
        }
    )


def build_solution(
    P: Prepared, plan: Plan, pareto: list[ParetoPoint] | None = None
) -> SupplierSolution:
    return SupplierSolution(awards=awards(P, plan), pareto=pareto or None)
