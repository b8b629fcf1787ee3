"""Staffing-level KPIs: what a planner reads first, summed from the plan's tables."""

from __future__ import annotations

from typing import Any

from .schema import StaffingLevelsInstance


def kpis(inst: StaffingLevelsInstance, solution: dict[str, Any]) -> dict[str, Any]:
    slots = solution["slots"]
    head = solution["headcount"]
    people = sum(h["count"] for h in head)
    pt = sum(h["count"] for h in head if h["part_time"])
    need = sum(s["demand"] for s in slots)
    short = sum(s["short"] for s in slots)
    return {
        "headcount": people,
        "part_time_share": round(pt / people, 4) if people else 0.0,
        "patterns_used": sum(1 for h in head if h["count"] > 0),
        "labour_cost": solution["cost"]["labour"],
        "short_person_slots": short,
        "over_person_slots": sum(s["over"] for s in slots),
        "demand_met_pct": round(100.0 * (need - short) / need, 2) if need else 100.0,
        "slots_short": sum(1 for s in slots if s["short"] > 0),
    }
