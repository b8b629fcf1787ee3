"""Staffing levels for a planner: result tables, the coverage and headcount charts, KPI help,
and the TablesAdapter that ties them to the input tables (tables.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..core.result import SolveResult
from ..core.schema_types import clock_minutes
from ..core.tables import BarChart, Chart, LineChart
from .schema import StaffingLevelsInstance


def _headcount_rows(
    sol: dict[str, Any], inst: StaffingLevelsInstance | None
) -> list[dict[str, Any]]:
    pats = {p.id: p for p in inst.patterns} if inst is not None else {}
    head = []
    for h in sol.get("headcount", []):
        row: dict[str, Any] = {"pattern": h["pattern"], "count": h["count"]}
        p = pats.get(h["pattern"])
        if p is not None:
            row |= {
                "start": p.start,
                "length_minutes": p.length_minutes,
                "days": ", ".join(str(d) for d in p.days),
            }
        row |= {"part_time": h["part_time"], "cost": h["cost"]}
        head.append(row)
    return head


def _coverage_rows(
    sol: dict[str, Any], inst: StaffingLevelsInstance | None
) -> list[dict[str, Any]]:
    start = inst.start_date if inst is not None else None
    cov = []
    for r in sol.get("slots", []):
        row = {"slot": r["slot"], "day": r["day"]}
        if start is not None:
            row["date"] = (start + timedelta(days=r["day"])).isoformat()
        row |= {k: r[k] for k in ("time", "demand", "covered", "short", "over")}
        cov.append(row)
    return cov


def results(
    res: SolveResult, inst: StaffingLevelsInstance | None
) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    return {
        "headcount": _headcount_rows(sol, inst),
        "coverage": _coverage_rows(sol, inst),
        "shifts": [dict(r) for r in sol.get("shifts", [])],
        "cost": [{"item": k, "value": v} for k, v in sol.get("cost", {}).items()],
    }


def _slot_axis(slots: list[dict[str, Any]], inst: StaffingLevelsInstance | None) -> list[Any]:
    """Date and time of each slot when the instance has a start date, else 'day D HH:MM'."""
    start = inst.start_date if inst is not None else None
    if start is None:
        return [f"day {r['day']} {r['time']}" for r in slots]
    day0 = datetime(start.year, start.month, start.day)
    return [day0 + timedelta(days=r["day"], minutes=clock_minutes(r["time"])) for r in slots]


def charts(res: SolveResult, inst: StaffingLevelsInstance | None) -> list[Chart]:
    sol = res.solution
    if not sol:
        return []
    slots = sol.get("slots", [])
    out: list[Chart] = [
        LineChart(
            name="coverage",
            title="Coverage against demand",
            x=_slot_axis(slots, inst),
            series={
                "demand": [float(r["demand"]) for r in slots],
                "covered": [float(r["covered"]) for r in slots],
            },
            step=True,
            dashed=("demand",),
            x_label="time",
            value_label="people",
            note="People at work in each time slot (solid) against the people needed (dashed); "
            "where the solid line is below the dashed one, the slot is short.",
            colours={"demand": "#e15759", "covered": "#4e79a7"},
        )
    ]
    head = [h for h in sol.get("headcount", []) if h["count"] > 0]
    if head:
        out.append(
            BarChart(
                name="headcount",
                title="Headcount per pattern",
                categories=[h["pattern"] for h in head],
                series={"people": [float(h["count"]) for h in head]},
                value_label="people",
                note="How many people work each shift pattern (patterns nobody works are left "
                "out).",
            )
        )
    return out


KPI_HELP = {
    "headcount": "People needed in total, over every pattern.",
    "part_time_share": "Share of the headcount on part-time patterns.",
    "patterns_used": "Patterns at least one person works.",
    "labour_cost": "Cost of the people on their patterns.",
    "short_person_slots": "People missing, summed over the slots.",
    "over_person_slots": "People more than needed, summed over the slots.",
    "demand_met_pct": "Share of the needed person-slots that are covered.",
    "slots_short": "Slots with fewer people than needed.",
}
