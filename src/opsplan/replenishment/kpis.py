"""What a planner reads first: cost split, service, stock-outs, space and budget use."""

from __future__ import annotations

from typing import Any

from .schema import ReplenishmentInstance


def kpis(inst: ReplenishmentInstance, solution: dict[str, Any]) -> dict[str, Any]:
    T = inst.periods
    items = {it.id: it for it in inst.items}
    stock = solution.get("stock") or []
    orders = solution.get("orders") or []
    demand = sum(r["demand"] for r in stock)
    # served on time: demand minus what was lost or newly backordered in the period
    short = 0.0
    prev_owed: dict[str, float] = {
        it.id: (it.initial_backorder if it.shortage.mode == "backorder" else 0.0)
        for it in inst.items
    }
    below = stockouts = 0
    per_t_space = [0.0] * T
    for r in sorted(stock, key=lambda r: (r["item"], r["period"])):
        it = items[r["item"]]
        new_owed = max(0.0, r["backorder"] - prev_owed[it.id])
        prev_owed[it.id] = r["backorder"]
        short += r["lost"] + new_owed
        if r["safety_stock"] > 0 and r["stock"] < r["safety_stock"] - 1e-6:
            below += 1
        if r["lost"] > 1e-6 or r["backorder"] > 1e-6:
            stockouts += 1
        per_t_space[r["period"]] += it.space * r["stock"]
    spend = [0.0] * T
    for o in orders:
        spend[o["order_period"]] += items[o["item"]].unit_cost * o["quantity"]
    out: dict[str, Any] = {
        "orders": len(orders),
        "units_ordered": round(sum(o["quantity"] for o in orders), 6),
        "fill_rate": round(1.0 - short / demand, 6) if demand > 0 else 1.0,
        "periods_below_safety_stock": below,
        "stockout_periods": stockouts,
        "average_stock_value": round(
            sum(items[r["item"]].unit_cost * r["stock"] for r in stock) / T, 6
        ),
        "spend_per_period": [round(x, 6) for x in spend],
    }
    if inst.warehouse_space is not None:
        cap = inst.warehouse_space
        caps = cap if isinstance(cap, list) else [cap] * T
        out["space_used_per_period"] = [round(x, 6) for x in per_t_space]
        out["max_space_use"] = round(
            max((u / c for u, c in zip(per_t_space, caps, strict=True) if c > 0), default=0.0), 6
        )
    if inst.budget is not None:
        b = inst.budget
        bs = b if isinstance(b, list) else [b] * T
        out["max_budget_use"] = round(
            max((u / c for u, c in zip(spend, bs, strict=True) if c > 0), default=0.0), 6
        )
    return out
