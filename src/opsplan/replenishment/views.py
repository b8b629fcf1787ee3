"""Replenishment's planner results: the order plan, projected stock, policies and forecasts as
tables, one stock chart per item, the KPI explanations, and the TablesAdapter (inputs from
tables.py).
"""

from __future__ import annotations

from typing import Any

from ..core.result import SolveResult
from ..core.tables import Chart, LineChart, Marker
from .schema import ReplenishmentInstance

MAX_STOCK_CHARTS = 12  # one chart per item, for the first items only


def results(
    res: SolveResult, inst: ReplenishmentInstance | None
) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    orders = [dict(o) for o in sol.get("orders", [])]
    placed: dict[tuple[str, int], float] = {}
    for o in orders:
        key = (o["item"], o["order_period"])
        placed[key] = placed.get(key, 0.0) + o["quantity"]
    stock = []
    for r in sorted(sol.get("stock", []), key=lambda r: (r["item"], r["period"])):
        stock.append(
            {
                "item": r["item"],
                "period": r["period"],
                "demand": r["demand"],
                "ordered": placed.get((r["item"], r["period"]), 0.0),
                "arrivals": r["arrivals"],
                "stock": r["stock"],
                "safety_stock": r["safety_stock"],
                "below_safety": r["safety_stock"] > 0 and r["stock"] < r["safety_stock"] - 1e-6,
                "backorder": r["backorder"],
                "lost": r["lost"],
            }
        )
    if inst is not None:  # the instance's item order
        pos = {it.id: k for k, it in enumerate(inst.items)}
        stock.sort(key=lambda r: (pos.get(r["item"], len(pos)), r["period"]))
    out: dict[str, list[dict[str, Any]]] = {"orders": orders, "projected_stock": stock}
    if sol.get("policies"):
        out["policies"] = [dict(p) for p in sol["policies"]]
    if sol.get("forecasts"):
        out["forecasts"] = [dict(f) for f in sol["forecasts"]]
    return out


def charts(res: SolveResult, inst: ReplenishmentInstance | None) -> list[Chart]:
    sol = res.solution or {}
    stock = sol.get("stock", [])
    if not stock:
        return []
    items = list(dict.fromkeys(r["item"] for r in stock))
    if inst is not None:
        items = [it.id for it in inst.items if it.id in items]
    out: list[Chart] = []
    for k, item in enumerate(items[:MAX_STOCK_CHARTS]):
        mine = sorted((r for r in stock if r["item"] == item), key=lambda r: r["period"])
        periods = [r["period"] for r in mine]
        level = {r["period"]: r["stock"] for r in mine}
        series: dict[str, list[float | None]] = {
            "projected stock": [float(r["stock"]) for r in mine],
            "safety stock": [float(r["safety_stock"]) for r in mine],
        }
        if any(r["backorder"] > 0 for r in mine):
            series["backorder"] = [float(r["backorder"]) for r in mine]
        markers = [
            Marker(
                x=o["arrival_period"],
                y=float(level.get(o["arrival_period"], 0.0)),
                label=f"order {o['quantity']:g} (placed in {o['order_period']})",
                series="projected stock",
            )
            for o in sol.get("orders", [])
            if o["item"] == item and o["arrival_period"] in level
        ]
        more = len(items) - MAX_STOCK_CHARTS
        note = (
            "Stock at the end of each period (solid) against the safety stock (dashed); a "
            "marker is an order arriving, labelled with its quantity and the period it is "
            "placed in."
        )
        if k == 0 and more > 0:
            note += f" Charts for the first {MAX_STOCK_CHARTS} items; {more} more in the tables."
        out.append(
            LineChart(
                name=f"stock_{k + 1}",
                title=f"Projected stock of {item}",
                x=periods,
                series=series,
                step=True,
                dashed=("safety stock",),
                markers=markers,
                x_label="period",
                value_label="units",
                note=note,
                colours={"safety stock": "#e15759", "projected stock": "#4e79a7"},
            )
        )
    return out


# result table -> the column it is split by, one sheet per value
VIEWS = {"projected_stock": "item"}
KPI_HELP = {
    "orders": "Orders (or production lots) in the plan.",
    "units_ordered": "Units ordered over the horizon.",
    "fill_rate": "Share of demand served on time.",
    "periods_below_safety_stock": "Item-periods whose end stock is under the safety stock.",
    "stockout_periods": "Item-periods with backorders or lost sales.",
    "average_stock_value": "Average value (unit cost) of the stock at period ends.",
    "spend_per_period": "Purchase cost of the orders placed in each period.",
    "space_used_per_period": "Warehouse space used at each period end.",
    "max_space_use": "Highest share of the warehouse space used.",
    "max_budget_use": "Highest share of a period's budget spent.",
}
