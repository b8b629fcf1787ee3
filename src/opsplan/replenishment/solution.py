"""The typed plan (schema.ReplenishmentSolution) from the raw decisions of any path (the MILP's
values, the item-by-item plans of decompose.py): order quantities per item and order period
and lost sales per item and period. Quantities are rounded (whole packs), the stock is
recomputed from the balance, and the plan's cost is recomputed by objective term from the
rounded plan (the objective the solve reports).
"""

from __future__ import annotations

import math

from .policies import policies
from .prepare import Prepared, safety_penalty
from .schema import COST_TERMS, ForecastRow, Order, ReplenishmentSolution, StockRow

EPS = 1e-6

Quantities = list[dict[int, float]]  # per item: order period -> quantity
LostSales = list[list[float] | None]  # per item: lost sales per period (None: not allowed)


def build_solution(P: Prepared, qty: Quantities, lost: LostSales) -> ReplenishmentSolution:
    """The plan from order quantities and lost sales: orders, stock, forecasts, policies."""
    orders: list[Order] = []
    stock: list[StockRow] = []
    for i in range(len(P.inst.items)):
        mine = item_orders(P, i, qty[i])
        orders += mine
        stock += stock_rows(P, i, {o.order_period: o.quantity for o in mine}, lost[i])
    orders.sort(key=lambda o: (o.order_period, o.item))
    return ReplenishmentSolution(
        orders=orders, stock=stock, forecasts=forecast_rows(P), policies=policies(P)
    )


def item_orders(P: Prepared, i: int, qty: dict[int, float]) -> list[Order]:
    """One item's orders, rounded to whole packs; quantities of (about) 0 are no order."""
    it = P.inst.items[i]
    out = []
    for t, q in sorted(qty.items()):
        if it.pack_size:
            q = round(q / it.pack_size) * it.pack_size
        q = round(q, 6)
        if q > EPS:
            packs = round(q / it.pack_size) if it.pack_size else None
            out.append(
                Order(
                    item=it.id,
                    order_period=t,
                    arrival_period=t + it.lead_time,
                    quantity=q,
                    packs=packs,
                )
            )
    return out


def stock_rows(
    P: Prepared, i: int, placed: dict[int, float], lost_v: list[float] | None
) -> list[StockRow]:
    """One item's stock at each period end, from the balance of the rounded orders."""
    it = P.inst.items[i]
    backorders = it.shortage.mode == "backorder"
    net = it.initial_stock - (it.initial_backorder if backorders else 0.0)
    rows = []
    for t in range(P.T):
        lost = 0.0
        if lost_v is not None:
            lost = min(P.demand[i][t], max(0.0, round(lost_v[t], 6)))
        arr = placed.get(t - it.lead_time, 0.0) + P.arriving[i][t]
        net = net + arr - P.demand[i][t] + lost
        if not backorders and -1e-6 < net < 0:
            net = 0.0
        rows.append(
            StockRow(
                item=it.id,
                period=t,
                demand=round(P.demand[i][t], 6),
                arrivals=round(arr, 6),
                stock=round(max(0.0, net), 6),
                backorder=round(max(0.0, -net), 6),
                lost=lost,
                safety_stock=round(P.safety[i], 6),
            )
        )
    return rows


def forecast_rows(P: Prepared) -> list[ForecastRow]:
    return [
        ForecastRow(
            item=it.id,
            method=P.method[i],
            forecast_error=round(P.error[i], 6),
            safety_stock=round(P.safety[i], 6),
        )
        for i, it in enumerate(P.inst.items)
    ]


def cost_by_term(P: Prepared, plan: ReplenishmentSolution) -> dict[str, float]:
    """The plan's cost by objective term (schema.COST_TERMS), from the rounded plan: what
    the solve reports as objective and penalties (the checker recomputes it on its own)."""
    inst = P.inst
    idx = {it.id: i for i, it in enumerate(inst.items)}
    out = dict.fromkeys(COST_TERMS, 0.0)
    deliveries: dict[tuple[str, int], float] = {}
    sup = {g.id: g for g in inst.suppliers}
    for o in plan.orders:
        it = inst.items[idx[o.item]]
        out["purchase"] += it.unit_cost * o.quantity
        out["ordering"] += it.order_cost
        if it.supplier is not None:
            key = (it.supplier, o.arrival_period)
            deliveries[key] = deliveries.get(key, 0.0) + it.space * o.quantity
    for (g, _), vol in deliveries.items():
        out["joint_order"] += sup[g].joint_order_cost
        cap = sup[g].truck_capacity
        if cap is not None:
            out["trucks"] += sup[g].truck_cost * math.ceil(vol / cap - 1e-9)
    for r in plan.stock:
        i = idx[r.item]
        it = inst.items[i]
        out["holding"] += it.holding_cost * r.stock
        out["backorder"] += it.shortage.penalty * r.backorder
        out["lost_sales"] += it.shortage.penalty * r.lost
        out["below_safety"] += safety_penalty(it) * max(0.0, P.safety[i] - r.stock)
    return out
