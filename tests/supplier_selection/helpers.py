"""Tiny supplier-selection requests built in code."""

from __future__ import annotations

from typing import Any

import opsplan
from opsplan.supplier_selection.schema import SupplierSolution


def offer(item: str, supplier: str, *tiers: tuple[int, float], **kw: Any) -> dict[str, Any]:
    """tiers as (min_quantity, price); one tier means a flat price."""
    return {
        "item": item,
        "supplier": supplier,
        "tiers": [{"min_quantity": q, "price": p} for q, p in tiers],
        **kw,
    }


def request(
    items: list[dict[str, Any]],
    suppliers: list[dict[str, Any]] | list[str],
    offers: list[dict[str, Any]],
    backend: str = "highs",
    **extra: Any,
) -> dict[str, Any]:
    sups = [s if isinstance(s, dict) else {"id": s} for s in suppliers]
    periods = len(items[0]["demand"])
    return {
        "model": "supplier_selection",
        "instance": {
            "periods": periods,
            "items": items,
            "suppliers": sups,
            "offers": offers,
            **extra,
        },
        "options": {"time_limit_s": 20, "workers": 1, "backend": backend},
    }


def solved(req: dict[str, Any]) -> opsplan.SolveResult:
    res = opsplan.solve(req)
    assert res.violations == [], res.violations
    assert res.status == opsplan.SolveStatus.OPTIMAL, (res.status, res.messages, res.diagnosis)
    # the plan has its published shape, and the same JSON once more through it
    assert SupplierSolution.model_validate(res.solution).model_dump(mode="json") == res.solution
    return res


def qty(res: opsplan.SolveResult) -> dict[tuple[str, str, int], int]:
    assert res.solution is not None
    return {(r["item"], r["supplier"], r["period"]): r["quantity"] for r in res.solution["awards"]}


def by_pair(res: opsplan.SolveResult) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for (i, s, _), q in qty(res).items():
        out[(i, s)] = out.get((i, s), 0) + q
    return out
