"""What a planner reads first: coverage, hours against contract, weekends, nights, requests.

Summaries of the plan's own coverage and employee tables (built by solution.py, recomputed by
the checker); no table is built here.
"""

from __future__ import annotations

from typing import Any

from .schema import RosteringInstance


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 100.0


def kpis(inst: RosteringInstance, solution: dict[str, Any]) -> dict[str, Any]:
    cov: list[dict[str, Any]] = solution["coverage"]
    emp: list[dict[str, Any]] = solution["employees"]
    required = sum(r["required"] for r in cov)
    met = sum(min(r["assigned"], r["required"]) for r in cov)
    minutes = [r["worked_minutes"] for r in emp]
    n_req = sum(r["requests"] for r in emp)
    return {
        "employees": len(emp),
        "assignments": len(solution["assignments"]),
        "coverage_required": required,
        "coverage_shortfall": sum(r["shortfall"] for r in cov),
        "coverage_excess": sum(r["excess"] for r in cov),
        "coverage_met_pct": _pct(met, required),
        "short_cells": [
            {k: r[k] for k in ("day", "shift", "skill", "required", "assigned")}
            for r in cov
            if r["shortfall"] > 0
        ][:50],
        "requests": n_req,
        "requests_granted_pct": _pct(sum(r["requests_granted"] for r in emp), n_req),
        "worked_minutes_min": min(minutes, default=0),
        "worked_minutes_max": max(minutes, default=0),
        "labour_cost": round(sum(r["cost"] for r in emp), 2),
        "nights_max": max((r["nights"] for r in emp), default=0),
        "weekends_max": max((r["weekends"] for r in emp), default=0),
    }
