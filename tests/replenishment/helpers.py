"""Tiny replenishment instances built in code, solved through the public API."""

from __future__ import annotations

from typing import Any

import opsplan
from opsplan.replenishment.milp import Formulation
from opsplan.replenishment.schema import ReplenishmentSolution
from opsplan.replenishment.solution import build_solution


def item(iid: str, demand: list[float], **kw: Any) -> dict[str, Any]:
    return {"id": iid, "demand": demand, **kw}


def req(items: list[dict[str, Any]], periods: int | None = None, **extra: Any) -> dict[str, Any]:
    if periods is None:
        periods = len(items[0]["demand"])
    options = extra.pop("options", {})
    return {
        "model": "replenishment",
        "instance": {"periods": periods, "items": items, **extra},
        "options": {"time_limit_s": 20, "workers": 1, **options},
    }


def solved(r: dict[str, Any], **opts: Any) -> opsplan.SolveResult:
    res = opsplan.solve(r, opts or None)
    assert res.violations == [], res.violations
    assert res.status in (opsplan.SolveStatus.OPTIMAL, opsplan.SolveStatus.FEASIBLE), res
    ReplenishmentSolution.model_validate(res.solution)  # the typed plan describes every plan
    return res


def plan_of(F: Formulation) -> dict[str, Any]:
    """The plan (JSON, as the pipeline hands it to the checker) of F's current values."""
    return build_solution(F.P, *F.values()).model_dump(mode="json")


def orders(res: opsplan.SolveResult, iid: str | None = None) -> dict[int, float]:
    """order period -> quantity (for one item)."""
    assert res.solution is not None
    return {
        o["order_period"]: o["quantity"]
        for o in res.solution["orders"]
        if iid is None or o["item"] == iid
    }


def stock(res: opsplan.SolveResult, iid: str) -> list[dict[str, Any]]:
    assert res.solution is not None
    rows = [r for r in res.solution["stock"] if r["item"] == iid]
    return sorted(rows, key=lambda r: r["period"])


def wagner_whitin(demand: list[float], order_cost: float, holding: float) -> float:
    """Optimal cost of single-item uncapacitated lot sizing (no initial stock, no backlog),
    by the Wagner-Whitin dynamic programme: f[t] = min_j f[j] + K + holding of d[j..t-1]
    produced in j."""
    T = len(demand)
    f = [0.0] + [float("inf")] * T
    for t in range(1, T + 1):
        for j in range(t):
            if all(d == 0 for d in demand[j:t]):
                cost = f[j]
            else:
                cost = f[j] + order_cost + sum(holding * (k - j) * demand[k] for k in range(j, t))
            f[t] = min(f[t], cost)
    return f[T]
