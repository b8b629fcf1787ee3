"""Staffing levels as planner input tables: settings, demand per slot, shift patterns.

Sheet `demand` has one row per slot: the day (0 is the first), the clock time the slot starts
and the people needed. A slot without a row needs nobody; the horizon is setting `days`, or
runs to the last day in sheet `demand`. The generic machinery lives in opsplan.io; the result
tables and charts are in views.py.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from ..core.schema_types import clock_minutes
from ..core.tables import Built, Column, Located, Origin, Rows, Table, put_given
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
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    _settings(b, s)
    slot = s.get("slot_minutes") or 15
    if 0 < slot <= 1440 and 1440 % slot == 0:
        _demand(b, t["demand"], slot, s)
    else:  # a bad slot length is reported once, on sheet settings (by the family's validate)
        _demand_rows(b, t["demand"], None)
        b.instance["demand"] = [r["demand"] for r in t["demand"] if r["demand"] is not None]
    b.instance["patterns"] = [_pattern(b, r, k) for k, r in enumerate(t["patterns"])]
    return b


def _settings(b: Built, s: dict[str, Any]) -> None:
    srows = s.get("_rows", {})
    for key in ("name", "slot_minutes", "cyclic", "under_penalty", "max_part_time_share"):
        put_given(b.instance, key, s.get(key))
        if key in srows:
            b.origins[key] = Origin("settings", srows[key], {"": "value"})
    if s.get("start_date") is not None:
        b.instance["start_date"] = s["start_date"].date().isoformat()
        b.origins["start_date"] = Origin("settings", srows["start_date"], {"": "value"})


def _demand_rows(b: Built, rows: Rows, slot: int | None) -> dict[int, tuple[int, int]]:
    """Slot index -> (people, row) of the demand rows (with a slot length that divides a day);
    bad rows are problems."""
    demand: dict[int, tuple[int, int]] = {}
    for r in rows:
        where = ("demand", r["_row"])
        try:
            minute = clock_minutes(_clock(r["time"]) or "")
        except ValueError as e:
            b.problems.append(Located(*where, "time", str(e)))
            continue
        if r["day"] < 0:
            b.problems.append(Located(*where, "day", "must be 0 or more"))
            continue
        if slot is None:
            continue
        if minute % slot:
            msg = f"{r['time']} is not on the slot grid ({slot} minutes)"
            b.problems.append(Located(*where, "time", msg))
            continue
        k = r["day"] * (1440 // slot) + minute // slot
        if k in demand:
            msg = f"day {r['day']} {r['time']} given twice (also row {demand[k][1]})"
            b.problems.append(Located(*where, "time", msg))
            continue
        demand[k] = (r["demand"], r["_row"])
    return demand


def _demand(b: Built, rows: Rows, slot: int, s: dict[str, Any]) -> None:
    """The demand list over the horizon: setting `days`, or up to the last day given."""
    demand = _demand_rows(b, rows, slot)
    if not demand:
        return
    per_day = 1440 // slot
    last = max(demand) // per_day
    days = s.get("days") or last + 1
    srows = s.get("_rows", {})
    if "days" in srows and last >= days:
        msg = f"sheet demand has day {last}; the horizon has {days} days (0..{days - 1})"
        b.problems.append(Located("settings", srows["days"], "value", msg))
    vals = [0] * (days * per_day)
    for k, (people, row) in demand.items():
        if k < len(vals):
            vals[k] = people
            b.origins[f"demand[{k}]"] = Origin("demand", row, {"": "demand"})
    b.instance["demand"] = vals


def _pattern(b: Built, r: dict[str, Any], k: int) -> dict[str, Any]:
    p: dict[str, Any] = {"id": r["pattern"], "start": _clock(r["start"])}
    for key in ("length_minutes", "break_offset_minutes", "break_minutes", "cost"):
        put_given(p, key, r[key])
    for key in ("part_time", "max_headcount"):
        put_given(p, key, r[key])
    p["days"] = []
    for x in r["days"]:
        if re.fullmatch(r"\d+", x):
            p["days"].append(int(x))
        else:
            msg = f"expected day numbers such as 0, 1, 2, got {x!r}"
            b.problems.append(Located("patterns", r["_row"], "days", msg))
    cols = {c.name: c.name for c in PATTERNS.columns}
    b.origins[f"patterns[{k}]"] = Origin("patterns", r["_row"], cols | {"id": "pattern"})
    return p


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
    text = resources.files(__package__).joinpath("example.json").read_text(encoding="utf-8")
    return StaffingLevelsInstance.model_validate(json.loads(text))
