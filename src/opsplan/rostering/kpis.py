"""What a planner reads first: coverage, hours against contract, weekends, nights, requests."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from .schema import RosteringInstance


def _roster(solution: dict[str, Any]) -> dict[str, dict[int, dict[str, Any]]]:
    out: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for a in solution.get("assignments", []):
        out[a["employee"]][a["day"]] = a
    return out


def coverage_table(inst: RosteringInstance, solution: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    by_day_shift: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for a in solution.get("assignments", []):
        by_day_shift[(a["day"], a["shift"])].append(a)
    for c in inst.coverage:
        got = by_day_shift.get((c.day, c.shift), [])
        n = sum(1 for a in got if c.skill is None or a.get("skill") == c.skill)
        pref = c.min if c.preferred is None else c.preferred
        rows.append(
            {
                "day": c.day,
                "date": (inst.start_date + timedelta(days=c.day)).isoformat(),
                "shift": c.shift,
                "skill": c.skill,
                "required": c.min,
                "preferred": pref,
                "assigned": n,
                "shortfall": max(0, c.min - n),
                "excess": max(0, n - pref),
            }
        )
    return rows


def employee_table(inst: RosteringInstance, solution: dict[str, Any]) -> list[dict[str, Any]]:
    roster = _roster(solution)
    length = {s.id: s.length_minutes for s in inst.shift_types}
    night = {s.id for s in inst.shift_types if s.night}
    contracts = {c.id: c for c in inst.contracts}
    rows = []
    for e in inst.employees:
        days = roster.get(e.id, {})
        c = contracts[e.contract]
        minutes = sum(length[a["shift"]] for a in days.values())
        weekends = {
            (
                inst.start_date
                + timedelta(days=d - ((inst.start_date + timedelta(days=d)).weekday() - 5))
            ).isoformat()
            for d in days
            if (inst.start_date + timedelta(days=d)).weekday() >= 5
        }
        granted_on = sum(
            1
            for r in e.shift_on_requests
            if r.day in days and (r.shift is None or days[r.day]["shift"] == r.shift)
        )
        granted_off = sum(
            1
            for r in e.shift_off_requests
            if not (r.day in days and (r.shift is None or days[r.day]["shift"] == r.shift))
        )
        rows.append(
            {
                "employee": e.id,
                "contract": e.contract,
                "shifts": len(days),
                "worked_minutes": minutes,
                "min_total_minutes": c.min_total_minutes,
                "max_total_minutes": c.max_total_minutes,
                "weekends": len(weekends),
                "max_weekends": c.max_weekends,
                "nights": sum(1 for a in days.values() if a["shift"] in night),
                "requests": len(e.shift_on_requests) + len(e.shift_off_requests),
                "requests_granted": granted_on + granted_off,
                "cost": round(e.cost_per_hour * minutes / 60, 2),
            }
        )
    return rows


def grid(inst: RosteringInstance, solution: dict[str, Any]) -> list[dict[str, Any]]:
    roster = _roster(solution)
    return [
        {
            "employee": e.id,
            "days": [roster.get(e.id, {}).get(d, {}).get("shift") or "" for d in range(inst.days)],
        }
        for e in inst.employees
    ]


def kpis(inst: RosteringInstance, solution: dict[str, Any]) -> dict[str, Any]:
    cov = coverage_table(inst, solution)
    emp = employee_table(inst, solution)
    required = sum(r["required"] for r in cov)
    met = sum(min(r["assigned"], r["required"]) for r in cov)
    minutes = [r["worked_minutes"] for r in emp]
    n_req = sum(r["requests"] for r in emp)
    return {
        "employees": len(emp),
        "assignments": len(solution.get("assignments", [])),
        "coverage_required": required,
        "coverage_shortfall": sum(r["shortfall"] for r in cov),
        "coverage_excess": sum(r["excess"] for r in cov),
        "coverage_met_pct": round(100.0 * met / required, 2) if required else 100.0,
        "short_cells": [
            {k: r[k] for k in ("day", "shift", "skill", "required", "assigned")}
            for r in cov
            if r["shortfall"] > 0
        ][:50],
        "requests": n_req,
        "requests_granted_pct": round(100.0 * sum(r["requests_granted"] for r in emp) / n_req, 2)
        if n_req
        else 100.0,
        "worked_minutes_min": min(minutes) if minutes else 0,
        "worked_minutes_max": max(minutes) if minutes else 0,
        "labour_cost": round(sum(r["cost"] for r in emp), 2),
        "nights_max": max((r["nights"] for r in emp), default=0),
        "weekends_max": max((r["weekends"] for r in emp), default=0),
    }
