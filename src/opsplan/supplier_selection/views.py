"""Supplier selection as planner tables, result side: the award, supplier, region, binding,
scenario and pareto tables, the award-share and spend charts, the KPI explanations, and the
`TABLES` adapter the generic code in opsplan.io works from (inputs from tables.py).
"""

from __future__ import annotations

from typing import Any

from ..core.result import SolveResult
from ..core.tables import BarChart, Chart
from .schema import SupplierInstance


def results(res: SolveResult, inst: SupplierInstance | None) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    sname = {s.id: s.name for s in inst.suppliers} if inst is not None else {}
    region = {s.id: s.region for s in inst.suppliers} if inst is not None else {}
    iname = {i.id: i.name for i in inst.items} if inst is not None else {}
    awards = []
    for r in sol.get("awards", []):
        row: dict[str, Any] = {
            "item": r["item"],
            "supplier": r["supplier"],
            "period": r["period"],
            "quantity": r["quantity"],
            "tier": r["tier"],
            "unit_price": r["unit_price"],
            "cost": r["cost"],
        }
        if inst is not None:
            row["item_name"] = iname.get(r["item"], "")
            row["supplier_name"] = sname.get(r["supplier"], "")
            row["region"] = region.get(r["supplier"], "")
        awards.append(row)
    out: dict[str, list[dict[str, Any]]] = {
        "awards": awards,
        "suppliers": [dict(r) for r in res.kpis.get("by_supplier", [])],
        "regions": [dict(r) for r in res.kpis.get("by_region", [])],
        "binding": [
            {
                "rule": r["rule"],
                "item": r.get("item"),
                "supplier": r.get("supplier"),
                "period": r.get("period"),
                "limit": r["limit"],
            }
            for r in res.kpis.get("binding", [])
        ],
    }
    if res.kpis.get("scenarios"):
        out["scenarios"] = [dict(r) for r in res.kpis["scenarios"]]
    if sol.get("pareto"):
        out["pareto"] = [
            {k: v for k, v in p.items() if not isinstance(v, list | dict)} for p in sol["pareto"]
        ]
    return out


def charts(res: SolveResult, inst: SupplierInstance | None) -> list[Chart]:
    awards = (res.solution or {}).get("awards", [])
    if not awards:
        return []
    items = list(dict.fromkeys(r["item"] for r in awards))
    sups = list(dict.fromkeys(r["supplier"] for r in awards))
    if inst is not None:  # the instance's order
        items = [i.id for i in inst.items if i.id in items]
        sups = [s.id for s in inst.suppliers if s.id in sups]
    qty: dict[tuple[str, str], float] = {}
    for r in awards:
        qty[(r["item"], r["supplier"])] = qty.get((r["item"], r["supplier"]), 0.0) + r["quantity"]
    tot = {i: sum(q for (ii, _), q in qty.items() if ii == i) for i in items}
    out: list[Chart] = [
        BarChart(
            name="award_shares",
            title="Award shares by supplier",
            categories=items,
            series={
                s: [100.0 * qty.get((i, s), 0.0) / tot[i] if tot[i] else 0.0 for i in items]
                for s in sups
            },
            value_label="% of the item's units",
            note="One bar per item, split by the supplier each share of its units is awarded to.",
        )
    ]
    by_sup = res.kpis.get("by_supplier", [])
    if by_sup:
        out.append(
            BarChart(
                name="spend_by_supplier",
                title="Spend by supplier",
                categories=[r["supplier"] for r in by_sup],
                series={
                    "purchase": [float(r["purchase"]) for r in by_sup],
                    "fixed cost": [
                        float(r["fixed_cost"]) if r["quantity"] else 0.0 for r in by_sup
                    ],
                },
                value_label="cost",
                note="Purchase cost of each supplier's awards and its fixed cost.",
            )
        )
    return out


# result table -> the column it is split by, one sheet per value
VIEWS = {"awards": "supplier"}
KPI_HELP = {
    "purchase_cost": "Price paid for all awarded units (tiers applied).",
    "fixed_cost": "Fixed costs of the suppliers used (contracts, onboarding).",
    "total_cost": "Purchase plus fixed cost.",
    "expected_cost": "Total cost plus the expected spot cost over disruption scenarios.",
    "suppliers_used": "Suppliers with at least one award.",
    "units_bought": "Units awarded over all items and periods.",
    "units_over_demand": "Units bought beyond demand (order multiples, minimum orders).",
    "weighted_defect_rate": "Expected defective share of the units bought.",
    "expected_late_units": "Units expected late, from the suppliers' on-time rates.",
    "risk": "Risk scores times units awarded, summed.",
    "cvar": "Mean scenario cost in the worst tail (the CVaR bound's measure).",
}
