"""Staffing levels as planner tables: demand per slot, shift patterns, headcount and coverage.

Sheet `demand` has one row per slot: the day (0 is the first), the clock time the slot starts
and the people needed. A slot without a row needs nobody; the horizon is setting `days`, or
runs to the last day in sheet `demand`. The generic machinery lives in opsplan.io.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from ..core.result import SolveResult
from ..core.tables import (
    BarChart,
    Built,
    Chart,
    Column,
    LineChart,
    Located,
    Origin,
    Rows,
    Table,
    TablesAdapter,
    put_given,
)
from .schema import StaffingLevelsInstance

C = Column

SETTINGS = Table(
    "settings",
    "Scalars: the slot length, the horizon, the under-coverage penalty, the part-time share.",
    (
        C("name", "str", "A name for this plan."),
        C("start_date", "datetime", "Date of day 0 (shown in the results)."),
        C("slot_minutes", "int", "Length of a slot in minutes; divides a day (default 15)."),
        C("days", "int", "Days in the horizon (default: up to the last day in sheet demand)."),
        C(
            "cyclic",
            "bool",
            "yes (default): the horizon repeats like a standard week, so a shift running past "
            "its end covers its start; no: time past the end covers nothing.",
        ),
        C("under_penalty", "float", "Penalty per person missing in a slot (default 1000)."),
        C("max_part_time_share", "float", "Part-time tours at most this share of the headcount."),
    ),
    required=False,
    layout="settings",
)
DEMAND = Table(
    "demand",
    "People needed per time slot; one row per slot (a slot without a row needs nobody).",
    (
        C("day", "int", "Day index from 0.", True),
        C("time", "str", "Clock time the slot starts, HH:MM (on the slot grid).", True),
        C("demand", "int", "People needed in the slot.", True),
    ),
    min_rows=1,
)
PATTERNS = Table(
    "patterns",
    "One row per shift pattern (tour): a shift worked on the listed days.",
    (
        C("pattern", "str", "Pattern id, unique (any language).", True),
        C("start", "str", "Clock time the shift starts, HH:MM (on the slot grid).", True),
        C("length_minutes", "int", "From start to end, break included.", True),
        C("break_offset_minutes", "int", "Break start, minutes after the shift start."),
        C("break_minutes", "int", "Break length in minutes; nobody covers it (default 0)."),
        C("days", "list", "Day indexes the tour works, comma-separated (0, 1, 2, 3, 4).", True),
        C("cost", "float", "Cost of one person on this tour for the horizon.", True),
        C("part_time", "bool", "yes: counts toward the part-time share."),
        C("max_headcount", "int", "Most people on this tour."),
    ),
    min_rows=1,
)
INPUTS = (SETTINGS, DEMAND, PATTERNS)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::00(?:\.0+)?)?$")


def _clock(v: str | None) -> str | None:
    """'7:00', '07:00' or '07:00:00' (an Excel time) -> '07:00'; anything else unchanged."""
    if v is None:
        return None
    m = _CLOCK.match(v.strip())
    return f"{int(m[1]):02d}:{m[2]}" if m else v


def to_instance(t: dict[str, Rows]) -> Built:
    b = Built(instance={})
    b.origins["demand"] = Origin("demand", None)
    b.origins["patterns"] = Origin("patterns", None)
    inst = b.instance
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    srows = s.get("_rows", {})
    for key in ("name", "slot_minutes", "cyclic", "under_penalty", "max_part_time_share"):
        put_given(inst, key, s.get(key))
        if key in srows:
            b.origins[key] = Origin("settings", srows[key], {"": "value"})
    if s.get("start_date") is not None:
        inst["start_date"] = s["start_date"].date().isoformat()
        b.origins["start_date"] = Origin("settings", srows["start_date"], {"": "value"})

    slot = s.get("slot_minutes") or 15
    per_day = 1440 // slot if 0 < slot <= 1440 and 1440 % slot == 0 else None
    demand: dict[int, tuple[int, int]] = {}  # slot -> (people, row)
    for r in t["demand"]:
        where = ("demand", r["_row"])
        m = _CLOCK.match(r["time"])
        if m is None or int(m[1]) > 23 or int(m[2]) > 59:
            b.problems.append(Located(*where, "time", f"expected HH:MM, got {r['time']!r}"))
            continue
        minute = int(m[1]) * 60 + int(m[2])
        if r["day"] < 0:
            b.problems.append(Located(*where, "day", "must be 0 or more"))
            continue
        if per_day is None:  # a bad slot length is reported once, on sheet settings
            continue
        if minute % slot:
            msg = f"{r['time']} is not on the slot grid ({slot} minutes)"
            b.problems.append(Located(*where, "time", msg))
            continue
        k = r["day"] * per_day + minute // slot
        if k in demand:
            msg = f"day {r['day']} {r['time']} given twice (also row {demand[k][1]})"
            b.problems.append(Located(*where, "time", msg))
            continue
        demand[k] = (r["demand"], r["_row"])
    if per_day is None:
        inst["demand"] = [r["demand"] for r in t["demand"] if r["demand"] is not None]
    elif demand:
        days = s.get("days") or max(demand) // per_day + 1
        if "days" in srows:
            last = max(demand) // per_day
            if last >= days:
                msg = f"sheet demand has day {last}; the horizon has {days} days (0..{days - 1})"
                b.problems.append(Located("settings", srows["days"], "value", msg))
        vals = [0] * (days * per_day)
        for k, (people, row) in demand.items():
            if k < len(vals):
                vals[k] = people
                b.origins[f"demand[{k}]"] = Origin("demand", row, {"": "demand"})
        inst["demand"] = vals

    pats: list[Any] = []
    for r in t["patterns"]:
        p: dict[str, Any] = {"id": r["pattern"], "start": _clock(r["start"])}
        for key in ("length_minutes", "break_offset_minutes", "break_minutes", "cost"):
            put_given(p, key, r[key])
        for key in ("part_time", "max_headcount"):
            put_given(p, key, r[key])
        days_on = []
        for x in r["days"]:
            if re.fullmatch(r"\d+", x):
                days_on.append(int(x))
            else:
                msg = f"expected day numbers such as 0, 1, 2, got {x!r}"
                b.problems.append(Located("patterns", r["_row"], "days", msg))
        p["days"] = days_on
        cols = {c.name: c.name for c in PATTERNS.columns}
        b.origins[f"patterns[{len(pats)}]"] = Origin(
            "patterns", r["_row"], cols | {"id": "pattern"}
        )
        pats.append(p)
    inst["patterns"] = pats
    return b


def from_instance(inst: StaffingLevelsInstance) -> dict[str, list[dict[str, Any]]]:
    sm = inst.slot_minutes
    return {
        "settings": [
            {
                "name": inst.name or None,
                "start_date": inst.start_date,
                "slot_minutes": sm,
                "days": len(inst.demand) * sm // 1440,
                "cyclic": inst.cyclic,
                "under_penalty": inst.under_penalty,
                "max_part_time_share": inst.max_part_time_share,
            }
        ],
        "demand": [
            {
                "day": t * sm // 1440,
                "time": f"{t * sm % 1440 // 60:02d}:{t * sm % 60:02d}",
                "demand": d,
            }
            for t, d in enumerate(inst.demand)
        ],
        "patterns": [
            {
                "pattern": p.id,
                "start": p.start,
                "length_minutes": p.length_minutes,
                "break_offset_minutes": p.break_offset_minutes,
                "break_minutes": p.break_minutes,
                "days": [str(d) for d in p.days],
                "cost": p.cost,
                "part_time": p.part_time,
                "max_headcount": p.max_headcount,
            }
            for p in inst.patterns
        ],
    }


def example() -> StaffingLevelsInstance:
    """A shop for one week in hourly slots: weekday peaks at noon, shorter weekends."""
    demand = []
    for d in range(7):
        for h in range(24):
            if d < 5:
                need = 3 if 8 <= h < 12 else 5 if 12 <= h < 14 else 4 if 14 <= h < 18 else 0
                need = 2 if 18 <= h < 22 else need
            else:
                need = 2 if 9 <= h < 18 else 0
            demand.append(need)
    wk = [0, 1, 2, 3, 4]
    brk = {"break_offset_minutes": 180, "break_minutes": 60}
    return StaffingLevelsInstance.model_validate(
        {
            "name": "shop week",
            "start_date": "2026-11-30",
            "slot_minutes": 60,
            "demand": demand,
            "cyclic": False,
            "patterns": [
                {
                    "id": "early",
                    "start": "08:00",
                    "length_minutes": 540,
                    "days": wk,
                    "cost": 900.0,
                    **brk,
                },
                {
                    "id": "late",
                    "start": "13:00",
                    "length_minutes": 540,
                    "days": wk,
                    "cost": 950.0,
                    **brk,
                },
                {
                    "id": "midday",
                    "start": "11:00",
                    "length_minutes": 240,
                    "days": wk,
                    "cost": 420.0,
                    "part_time": True,
                },
                {
                    "id": "weekend",
                    "start": "09:00",
                    "length_minutes": 540,
                    "days": [5, 6],
                    "cost": 400.0,
                    "part_time": True,
                    **brk,
                },
            ],
            "under_penalty": 1000.0,
            "max_part_time_share": 0.4,
        }
    )


# ------------------------------------------------------------------ results


def _patterns(inst: StaffingLevelsInstance | None) -> dict[str, Any]:
    return {p.id: p for p in inst.patterns} if inst is not None else {}


def results(
    res: SolveResult, inst: StaffingLevelsInstance | None
) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    pats = _patterns(inst)
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
    start = inst.start_date if inst is not None else None
    cov = []
    for r in sol.get("slots", []):
        row = {"slot": r["slot"], "day": r["day"]}
        if start is not None:
            row["date"] = (start + timedelta(days=r["day"])).isoformat()
        row |= {k: r[k] for k in ("time", "demand", "covered", "short", "over")}
        cov.append(row)
    cost = sol.get("cost", {})
    return {
        "headcount": head,
        "coverage": cov,
        "shifts": [dict(r) for r in sol.get("shifts", [])],
        "cost": [{"item": k, "value": v} for k, v in cost.items()],
    }


def charts(res: SolveResult, inst: StaffingLevelsInstance | None) -> list[Chart]:
    sol = res.solution
    if not sol:
        return []
    slots = sol.get("slots", [])
    start = inst.start_date if inst is not None else None
    x: list[Any] = []
    for r in slots:
        if start is not None:
            hh, mm = (int(v) for v in r["time"].split(":"))
            x.append(
                datetime(start.year, start.month, start.day)
                + timedelta(days=r["day"], hours=hh, minutes=mm)
            )
        else:
            x.append(f"day {r['day']} {r['time']}")
    out: list[Chart] = [
        LineChart(
            name="coverage",
            title="Coverage against demand",
            x=x,
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


TABLES = TablesAdapter(
    inputs=INPUTS,
    to_instance=to_instance,
    from_instance=from_instance,
    example=example,
    results=results,
    charts=charts,
    kpi_help={
        "headcount": "People needed in total, over every pattern.",
        "part_time_share": "Share of the headcount on part-time patterns.",
        "patterns_used": "Patterns at least one person works.",
        "labour_cost": "Cost of the people on their patterns.",
        "short_person_slots": "People missing, summed over the slots.",
        "over_person_slots": "People more than needed, summed over the slots.",
        "demand_met_pct": "Share of the needed person-slots that are covered.",
        "slots_short": "Slots with fewer people than needed.",
    },
)
