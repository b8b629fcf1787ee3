"""Rostering results for planners: result tables, the roster heatmap, the coverage chart, KPI help.

The input sheets are in tables.py; `TABLES` joins both for the generic machinery in opsplan.io.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from ..core.result import SolveResult
from ..core.tables import Chart, Heatmap, LineChart
from .schema import RULE_NAMES, RosteringInstance


def _date(inst: RosteringInstance | None, a: dict[str, Any]) -> str:
    if a.get("date"):
        return str(a["date"])
    if inst is not None:
        return (inst.start_date + timedelta(days=a["day"])).isoformat()
    return str(a["day"])


def _day_label(day: int, iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return f"day {day}"
    return f"{d.isoformat()} {d.strftime('%a')}"


def results(res: SolveResult, inst: RosteringInstance | None) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    names = {e.id: e.name for e in inst.employees} if inst is not None else {}
    assign = []
    for a in sol.get("assignments", []):
        iso = _date(inst, a)
        row: dict[str, Any] = {"employee": a["employee"]}
        if names:
            row["name"] = names.get(a["employee"], "")
        row |= {
            "day": a["day"],
            "date": iso,
            "weekday": _day_label(a["day"], iso).split(" ")[-1],
            "shift": a["shift"],
            "skill": a.get("skill"),
        }
        assign.append(row)
    assign.sort(key=lambda r: (r["employee"], r["day"]))

    # the roster grid: one row per employee, one column per day
    n_days = inst.days if inst is not None else 1 + max((a["day"] for a in assign), default=-1)
    iso_of = {a["day"]: a["date"] for a in assign}
    if inst is not None:
        iso_of = {d: (inst.start_date + timedelta(days=d)).isoformat() for d in range(n_days)}
    heads = [_day_label(d, iso_of.get(d, "")) for d in range(n_days)]
    grid = []
    for g in sol.get("grid", []):
        row = {"employee": g["employee"]}
        if names:
            row["name"] = names.get(g["employee"], "")
        for h, v in zip(heads, g["days"], strict=False):
            row[h] = v or ""
        grid.append(row)

    by_rule: dict[str, Any] = (res.penalties or {}).get("by_rule", {})
    rules = []
    for rule in sorted(by_rule, key=lambda k: -by_rule[k]):
        row = {"rule": rule, "penalty": by_rule[rule]}
        if inst is not None and rule in RULE_NAMES:
            r = inst.rule(rule)
            row |= {"hard": r.hard, "weight": r.weight}
        rules.append(row)
    return {
        "assignments": assign,
        "roster": grid,
        "coverage": [dict(r) for r in sol.get("coverage", [])],
        "employees": [
            {"employee": r["employee"], **({"name": names.get(r["employee"], "")} if names else {})}
            | {k: v for k, v in r.items() if k != "employee"}
            for r in sol.get("employees", [])
        ],
        "penalties_by_rule": rules,
    }


def charts(res: SolveResult, inst: RosteringInstance | None) -> list[Chart]:
    sol = res.solution
    if not sol:
        return []
    tables = results(res, inst)
    grid = tables["roster"]
    out: list[Chart] = []
    if grid:
        heads = [k for k in grid[0] if k not in ("employee", "name")]
        order = [s.id for s in inst.shift_types] if inst is not None else []
        for r in grid:
            for h in heads:
                if r[h] and r[h] not in order:
                    order.append(r[h])
        code = {s: float(i + 1) for i, s in enumerate(order)}
        out.append(
            Heatmap(
                name="roster",
                title="Roster",
                rows=[
                    f"{r['employee']} ({r['name']})"
                    if r.get("name") and r["name"] != r["employee"]
                    else r["employee"]
                    for r in grid
                ],
                columns=[h[5:] if h[:4].isdigit() else h for h in heads],  # 11-30 Mon
                values=[[code.get(r[h]) if r[h] else None for h in heads] for r in grid],
                text=[[r[h] for h in heads] for r in grid],
                value_label="shift",
                note="One row per employee, one column per day; each cell shows the shift "
                "worked (its colour tells the shift type); an empty cell is a day off.",
            )
        )
    cov = tables["coverage"]
    if cov:
        need: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in cov:  # skill rows are part of the shift's need; count the whole shift once
            if r.get("skill") is None:
                need[(r["day"], r["shift"])][0] += r["required"]
                need[(r["day"], r["shift"])][2] += r["preferred"]
        for a in sol.get("assignments", []):
            if (a["day"], a["shift"]) in need:
                need[(a["day"], a["shift"])][1] += 1
        rank = {st.id: i for i, st in enumerate(inst.shift_types)} if inst is not None else {}
        keys = sorted(need, key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
        iso = {r["day"]: str(r["date"]) for r in cov}
        out.append(
            LineChart(
                name="coverage",
                title="Coverage against demand",
                x=[f"{iso[d][5:]} {s}" if d in iso else f"{d} {s}" for d, s in keys],
                series={
                    "required": [float(need[k][0]) for k in keys],
                    "preferred": [float(need[k][2]) for k in keys],
                    "assigned": [float(need[k][1]) for k in keys],
                },
                step=True,
                dashed=("required", "preferred"),
                x_label="day and shift",
                value_label="people",
                note="People on each shift (solid) against the minimum needed and the number "
                "wanted (dashed); where the solid line is below the red one, the shift is short.",
                colours={"required": "#e15759", "preferred": "#f28e2b", "assigned": "#4e79a7"},
            )
        )
    return out


# result table -> the column it is split by, one sheet per value
VIEWS = {"assignments": "employee"}
KPI_HELP = {
    "employees": "People on the roster.",
    "assignments": "Shifts assigned in total.",
    "coverage_required": "People needed, summed over every coverage row.",
    "coverage_shortfall": "People missing below the minimum, summed.",
    "coverage_excess": "People above the preferred number, summed.",
    "coverage_met_pct": "Share of the needed people that are on shift.",
    "short_cells": "Day and shift cells with fewer people than needed.",
    "requests": "Wishes to work or not to work.",
    "requests_granted_pct": "Share of wishes granted.",
    "worked_minutes_min": "Fewest minutes anyone works.",
    "worked_minutes_max": "Most minutes anyone works.",
    "labour_cost": "Worked hours times hourly cost, summed.",
    "nights_max": "Most night shifts anyone works.",
    "weekends_max": "Most weekends anyone works.",
}
