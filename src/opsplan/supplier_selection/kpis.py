"""What a buyer reads first: cost split, suppliers used and their shares, quality, scenarios,
and which limits bind. Computed from the checked award table with the checker's own pricing."""

from __future__ import annotations

from typing import Any

from .check import Evaluation
from .schema import SupplierInstance


def kpis(inst: SupplierInstance, solution: dict[str, Any]) -> dict[str, Any]:
    ev = Evaluation(inst, list(solution.get("awards", [])))
    sups = {s.id: s for s in inst.suppliers}
    total_q = sum(ev.qty.values())
    per_sup: dict[str, dict[str, Any]] = {}
    for (i, s), c in ev.purchase_by.items():
        row = per_sup.setdefault(
            s, {"supplier": s, "region": sups[s].region, "quantity": 0, "purchase": 0.0}
        )
        row["purchase"] += c
        row["quantity"] += ev.item_total.get((i, s), 0)
    for s, row in per_sup.items():
        row["fixed_cost"] = sups[s].fixed_cost
        row["share_of_units"] = row["quantity"] / total_q if total_q else 0.0
        row["share_of_spend"] = row["purchase"] / ev.purchase if ev.purchase else 0.0
    regions: dict[str, dict[str, Any]] = {}
    for row in per_sup.values():
        rg = regions.setdefault(
            row["region"], {"region": row["region"], "quantity": 0, "purchase": 0.0, "suppliers": 0}
        )
        rg["quantity"] += row["quantity"]
        rg["purchase"] += row["purchase"]
        rg["suppliers"] += 1
    D = sum(sum(it.demand) for it in inst.items)
    out: dict[str, Any] = {
        "purchase_cost": ev.purchase,
        "fixed_cost": ev.fixed,
        "total_cost": ev.base,
        "expected_cost": ev.expected,
        "suppliers_used": len(ev.used),
        "units_bought": total_q,
        "units_over_demand": total_q - D,
        "weighted_defect_rate": ev.terms["defects"] / total_q if total_q else 0.0,
        "expected_late_units": ev.terms["late_units"],
        "risk": ev.terms["risk"],
        "by_supplier": sorted(per_sup.values(), key=lambda r: -r["purchase"]),
        "by_region": sorted(regions.values(), key=lambda r: -r["purchase"]),
    }
    if inst.scenarios:
        out["scenarios"] = [
            {
                "scenario": w.id,
                "probability": w.probability,
                "shortfall_units": u,
                "spot_cost": c,
                "total_cost": ev.base + c,
            }
            for w, c, u in zip(inst.scenarios, ev.spot, ev.shortfall, strict=True)
        ]
    if ev.cvar_value is not None:
        out["cvar"] = ev.cvar_value
    out["binding"] = binding(inst, ev)
    return out


def binding(inst: SupplierInstance, ev: Evaluation) -> list[dict[str, Any]]:
    """Limits the plan meets with (almost) no room left."""
    pol = inst.policies
    sups = {s.id: s for s in inst.suppliers}
    out: list[dict[str, Any]] = []

    def tight(used: float, limit: float) -> bool:
        return limit - used <= 1e-6 * max(1.0, abs(limit)) + 1e-9

    for sp in inst.suppliers:
        for t, c in enumerate(sp.capacity or []):
            if c > 0 and tight(ev.load.get((sp.id, t), 0), c):
                out.append({"rule": "capacity", "supplier": sp.id, "period": t, "limit": c})
    for it in inst.items:
        D = sum(it.demand)
        mine = {s: q for (i, s), q in ev.item_total.items() if i == it.id}
        hi = it.max_suppliers if it.max_suppliers is not None else pol.max_suppliers
        if hi is not None and len(mine) == hi:
            out.append({"rule": "supplier_count", "item": it.id, "limit": hi})
        if pol.max_share_supplier is not None:
            for s, q in mine.items():
                if q >= pol.max_share_supplier * D - 1 + 1e-9:  # within one unit
                    out.append(
                        {
                            "rule": "max_share_supplier",
                            "item": it.id,
                            "supplier": s,
                            "limit": pol.max_share_supplier,
                        }
                    )
        r = it.max_defect_rate if it.max_defect_rate is not None else pol.max_defect_rate
        if r is not None and D > 0 and mine:
            bad = sum(sups[s].defect_rate * q for s, q in mine.items())
            step = max(sups[s].defect_rate for s in mine)  # one unit moved between suppliers
            if bad >= r * D - step:
                out.append({"rule": "defect_rate", "item": it.id, "limit": r})
    if pol.budget is not None and tight(ev.base, pol.budget):
        out.append({"rule": "budget", "limit": pol.budget})
    for cm in pol.commitments:
        q = sum(
            qq
            for (i, s), qq in ev.item_total.items()
            if s == cm.supplier and (cm.item is None or i == cm.item)
        )
        if q == cm.min_quantity:
            out.append({"rule": "commitments", "supplier": cm.supplier, "limit": cm.min_quantity})
    if (
        inst.cvar is not None
        and ev.cvar_value is not None
        and tight(ev.cvar_value, inst.cvar.max_cost)
    ):
        out.append({"rule": "cvar", "limit": inst.cvar.max_cost})
    return out
