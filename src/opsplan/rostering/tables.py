"""Rostering planner tables: the workbook's input sheets, to_instance, from_instance, the example.

Days are whole numbers from 0 (the horizon's first day, setting `start_date`) or dates; a date
becomes its day index. Whether a rule is hard or soft, and its weight, is set on sheet `rules`
(one row per rule; a rule not listed keeps its default: contract rules hard, requests and
coverage soft with weight 1). The result tables and charts are in views.py; the generic
machinery lives in opsplan.io.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from typing import Any

from ..core.tables import Built, Column, Located, Origin, Rows, Table, put_given
from .schema import RULE_NAMES, RosteringInstance

C = Column

SETTINGS = Table(
    "settings",
    "Scalars of the roster: its first date, its length, fairness weights.",
    (
        C("name", "str", "A name for this roster."),
        C("start_date", "datetime", "Date of day 0, the roster's first day.", True),
        C("days", "int", "Number of days in the roster.", True),
        C("fairness_weekends", "int", "Penalty per weekend of spread among comparable staff."),
        C("fairness_nights", "int", "Penalty per night shift of spread among comparable staff."),
        C("fairness_minutes", "int", "Penalty per minute of spread in worked minutes."),
    ),
    layout="settings",
)
SHIFT_TYPES = Table(
    "shift_types",
    "One row per shift type (early, late, night ...).",
    (
        C("shift", "str", "Shift type id, unique (any language).", True),
        C("start", "str", "Clock time the shift starts, HH:MM.", True),
        C("length_minutes", "int", "Length in minutes; a shift may run past midnight.", True),
        C(
            "forbidden_next",
            "list",
            "Shift types that may not be worked the day after this one, comma-separated.",
        ),
        C("night", "bool", "yes: counts as a night shift (fairness, KPIs)."),
    ),
    min_rows=1,
)
SKILLS = Table(
    "skills",
    "One row per skill (qualification) that coverage may ask for.",
    (C("skill", "str", "Skill id, unique.", True),),
    required=False,
)
CONTRACTS = Table(
    "contracts",
    "One row per contract: the limits every employee on it works under.",
    (
        C("contract", "str", "Contract id, unique.", True),
        C("max_total_minutes", "int", "Most minutes worked over the roster."),
        C("min_total_minutes", "int", "Least minutes worked over the roster."),
        C("max_week_minutes", "int", "Most minutes per calendar week (Monday to Sunday)."),
        C("min_week_minutes", "int", "Least minutes per calendar week wholly in the roster."),
        C(
            "max_shifts_per_type",
            "list",
            "Most shifts of a type, as shift:number pairs, comma-separated (N:4, L:6).",
        ),
        C("max_consecutive_work", "int", "Most working days in a row."),
        C("min_consecutive_work", "int", "Least working days in a row."),
        C("min_consecutive_off", "int", "Least days off in a row."),
        C("min_rest_minutes", "int", "Least rest between two shifts (default 0)."),
        C("max_weekends", "int", "Most weekends worked (Saturday or Sunday)."),
    ),
    min_rows=1,
)
EMPLOYEES = Table(
    "employees",
    "One row per employee.",
    (
        C("employee", "str", "Employee id, unique (any language).", True),
        C("name", "str", "Display name."),
        C("contract", "str", "Contract id (sheet contracts).", True),
        C("skills", "list", "Skills the employee has (sheet skills), comma-separated."),
        C("cost_per_hour", "float", "Hourly cost, for the labour-cost KPI."),
    ),
    min_rows=1,
)
UNAVAILABLE = Table(
    "unavailable",
    "Days an employee cannot work (leave, training); one row per day.",
    (
        C("employee", "str", "Employee id (sheet employees).", True),
        C("day", "time", "Day index from 0, or the date.", True),
        C("reason", "str", "Why (a note; not used by the solver)."),
    ),
    required=False,
)
REQUESTS = Table(
    "requests",
    "Wishes to work or not to work; one row per wish. Granted when possible (soft rules "
    "shift_on_request and shift_off_request).",
    (
        C("employee", "str", "Employee id (sheet employees).", True),
        C("kind", "str", "on: wants to work; off: wants not to work.", True),
        C("day", "time", "Day index from 0, or the date.", True),
        C("shift", "str", "A shift type; empty: any shift that day."),
        C("weight", "int", "Penalty when the wish is not granted (default 1)."),
    ),
    required=False,
)
COVERAGE = Table(
    "coverage",
    "People needed per day and shift (optionally with a skill); one row per need.",
    (
        C("day", "time", "Day index from 0, or the date.", True),
        C("shift", "str", "Shift type (sheet shift_types).", True),
        C("skill", "str", "Skill needed; empty: anyone on the shift."),
        C("min", "int", "People needed.", True),
        C("preferred", "int", "People wanted (default: min)."),
        C("under_weight", "int", "Penalty per person below min (default 1000)."),
        C("preferred_weight", "int", "Penalty per person between min and preferred (default 10)."),
        C("over_weight", "int", "Penalty per person above preferred (default 1)."),
    ),
    required=False,
)
HISTORY = Table(
    "history",
    "Each employee's recent past, so that rules hold across the start of the roster.",
    (
        C("employee", "str", "Employee id (sheet employees).", True),
        C("consecutive_days_worked", "int", "Days worked in a row up to the day before day 0."),
        C("consecutive_days_off", "int", "Days off in a row up to the day before day 0."),
        C("last_shift", "str", "Shift type worked the day before day 0."),
        C("last_shift_end", "datetime", "When that shift ended (default: from its clock times)."),
    ),
    required=False,
)
PINS = Table(
    "pins",
    "Assignments to keep when replanning; one row per employee and day.",
    (
        C("employee", "str", "Employee id (sheet employees).", True),
        C("day", "time", "Day index from 0, or the date.", True),
        C("shift", "str", "Shift to keep; empty: keep the day off."),
    ),
    required=False,
)
RULE_SHEET = Table(
    "rules",
    "How each rule is enforced; one row per rule you change. Rules: " + ", ".join(RULE_NAMES) + ".",
    (
        C("rule", "str", "Rule name (see models/rostering.md).", True),
        C("hard", "bool", "yes: must hold; no: may be broken at a cost.", True),
        C("weight", "int", "Soft rules: penalty per unit broken (default 1)."),
    ),
    required=False,
)

INPUTS = (
    SETTINGS,
    SHIFT_TYPES,
    SKILLS,
    CONTRACTS,
    EMPLOYEES,
    UNAVAILABLE,
    REQUESTS,
    COVERAGE,
    HISTORY,
    PINS,
    RULE_SHEET,
)


def _cols(*names: str) -> dict[str, str]:
    return {n: n for n in names}


def _days(t: dict[str, Rows], start: date | None, b: Built) -> None:
    """Dates in day columns -> day indexes from the start date (in place)."""
    for table in INPUTS:
        cols = [c.name for c in table.columns if c.type == "time"]
        for r in t[table.name]:
            for col in cols:
                v = r.get(col)
                if not isinstance(v, datetime):
                    continue
                if start is None:
                    b.problems.append(
                        Located(table.name, r["_row"], col, "a date needs the start_date setting")
                    )
                    r[col] = None
                    continue
                r[col] = (v.date() - start).days


def to_instance(t: dict[str, Rows]) -> Built:
    b = Built(instance={})
    for table in ("shift_types", "contracts", "employees", "coverage", "pins", "rules", "skills"):
        b.origins[table] = Origin(table, None)
    start = _settings(t, b)
    _days(t, start, b)
    inst = b.instance
    inst["shift_types"] = _shift_types(t["shift_types"], b)
    inst["skills"] = _skills(t["skills"], b)
    inst["contracts"] = _contracts(t["contracts"], b)
    inst["employees"] = _employees(t, b)
    inst["coverage"] = _coverage(t["coverage"], b)
    inst["pins"] = _pins(t["pins"], b)
    rules = _rules(t["rules"], b)
    if rules:
        inst["rules"] = rules
    return b


def _settings(t: dict[str, Rows], b: Built) -> date | None:
    """Name, days, start date and fairness weights; returns the start date."""
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    srows = s.get("_rows", {})
    start: date | None = s["start_date"].date() if s.get("start_date") is not None else None
    inst = b.instance
    put_given(inst, "name", s.get("name"))
    put_given(inst, "days", s.get("days"))
    if start is not None:
        inst["start_date"] = start.isoformat()
    for key in ("name", "start_date", "days"):
        if key in srows:
            b.origins[key] = Origin("settings", srows[key], {"": "value"})
    fair: dict[str, Any] = {}
    for key in ("weekends", "nights", "minutes"):
        put_given(fair, key, s.get(f"fairness_{key}"))
        if f"fairness_{key}" in srows:
            b.origins[f"fairness.{key}"] = Origin(
                "settings", srows[f"fairness_{key}"], {"": "value"}
            )
    if fair:
        inst["fairness"] = fair
    return start


def _shift_types(rows: Rows, b: Built) -> list[Any]:
    shifts: list[Any] = []
    for r in rows:
        st: dict[str, Any] = {"id": r["shift"], "start": r["start"]}
        put_given(st, "length_minutes", r["length_minutes"])
        put_given(st, "forbidden_next", r["forbidden_next"])
        put_given(st, "night", r["night"])
        b.origins[f"shift_types[{len(shifts)}]"] = Origin(
            "shift_types",
            r["_row"],
            {"id": "shift"} | _cols("start", "length_minutes", "forbidden_next", "night"),
        )
        shifts.append(st)
    return shifts


def _skills(rows: Rows, b: Built) -> list[Any]:
    skills: list[Any] = []
    for r in rows:
        b.origins[f"skills[{len(skills)}]"] = Origin("skills", r["_row"], {"": "skill"})
        skills.append(r["skill"])
    return skills


def _per_type(r: dict[str, Any], b: Built) -> dict[str, int]:
    """Cell max_shifts_per_type: shift:number pairs."""
    per_type: dict[str, int] = {}
    for item in r["max_shifts_per_type"] or []:
        shift, sep, n = item.rpartition(":")
        if not sep or not shift.strip() or not n.strip().isdigit():
            msg = f"expected shift:number such as N:4, got {item!r}"
            b.problems.append(Located("contracts", r["_row"], "max_shifts_per_type", msg))
            continue
        per_type[shift.strip()] = int(n)
    return per_type


def _contracts(rows: Rows, b: Built) -> list[Any]:
    contracts: list[Any] = []
    scalar = [c.name for c in CONTRACTS.columns[1:] if c.type == "int"]
    for r in rows:
        c: dict[str, Any] = {"id": r["contract"]}
        for key in scalar:
            put_given(c, key, r[key])
        per_type = _per_type(r, b)
        if per_type:
            c["max_shifts_per_type"] = per_type
        b.origins[f"contracts[{len(contracts)}]"] = Origin(
            "contracts",
            r["_row"],
            {"id": "contract", "max_shifts_per_type": "max_shifts_per_type"} | _cols(*scalar),
        )
        contracts.append(c)
    return contracts


def _employees(t: dict[str, Rows], b: Built) -> list[dict[str, Any]]:
    """Sheet employees, with the rows of unavailable, requests and history added to each."""
    emps: list[dict[str, Any]] = []
    pos: dict[str, int] = {}
    for r in t["employees"]:
        e: dict[str, Any] = {"id": r["employee"], "contract": r["contract"]}
        for key in ("name", "skills", "cost_per_hour"):
            put_given(e, key, r[key])
        b.origins[f"employees[{len(emps)}]"] = Origin(
            "employees",
            r["_row"],
            {"id": "employee"} | _cols("name", "contract", "skills", "cost_per_hour"),
        )
        pos.setdefault(r["employee"], len(emps))
        emps.append(e)

    def find(table: str, r: dict[str, Any]) -> int | None:
        i = pos.get(r["employee"])
        if i is None:
            msg = f"unknown employee {r['employee']!r} (not in sheet employees)"
            b.problems.append(Located(table, r["_row"], "employee", msg))
        return i

    _unavailable(t["unavailable"], b, emps, find)
    _requests(t["requests"], b, emps, find)
    _history(t["history"], b, emps, find)
    return emps


# (table, row) -> index of the row's employee in the instance; None (and a problem) if unknown
Find = Callable[[str, dict[str, Any]], int | None]


def _unavailable(rows: Rows, b: Built, emps: list[dict[str, Any]], find: Find) -> None:
    for r in rows:
        i = find("unavailable", r)
        if i is not None and r["day"] is not None:
            lst = emps[i].setdefault("unavailable_days", [])
            b.origins[f"employees[{i}].unavailable_days[{len(lst)}]"] = Origin(
                "unavailable", r["_row"], {"": "day"}
            )
            lst.append(r["day"])


def _requests(rows: Rows, b: Built, emps: list[dict[str, Any]], find: Find) -> None:
    for r in rows:
        kind = (r["kind"] or "").strip().lower()
        if kind not in ("on", "off"):
            b.problems.append(
                Located("requests", r["_row"], "kind", f"expected on or off, got {r['kind']!r}")
            )
            continue
        i = find("requests", r)
        if i is None or r["day"] is None:
            continue
        q: dict[str, Any] = {"day": r["day"]}
        put_given(q, "shift", r["shift"])
        put_given(q, "weight", r["weight"])
        key = f"shift_{kind}_requests"
        lst = emps[i].setdefault(key, [])
        b.origins[f"employees[{i}].{key}[{len(lst)}]"] = Origin(
            "requests", r["_row"], _cols("day", "shift", "weight")
        )
        lst.append(q)


def _history(rows: Rows, b: Built, emps: list[dict[str, Any]], find: Find) -> None:
    for r in rows:
        i = find("history", r)
        if i is None:
            continue
        h: dict[str, Any] = {}
        for key in ("consecutive_days_worked", "consecutive_days_off", "last_shift"):
            put_given(h, key, r[key])
        if r["last_shift_end"] is not None:
            h["last_shift_end"] = r["last_shift_end"].isoformat()
        emps[i]["history"] = h
        b.origins[f"employees[{i}].history"] = Origin(
            "history",
            r["_row"],
            {"": "employee"}
            | _cols("consecutive_days_worked", "consecutive_days_off", "last_shift")
            | {"last_shift_end": "last_shift_end"},
        )


def _coverage(rows: Rows, b: Built) -> list[Any]:
    cover: list[Any] = []
    for r in rows:
        cv: dict[str, Any] = {}
        for key in ("day", "shift", "skill", "min", "preferred"):
            put_given(cv, key, r[key])
        for key in ("under_weight", "preferred_weight", "over_weight"):
            put_given(cv, key, r[key])
        b.origins[f"coverage[{len(cover)}]"] = Origin(
            "coverage", r["_row"], _cols(*(c.name for c in COVERAGE.columns))
        )
        cover.append(cv)
    return cover


def _pins(rows: Rows, b: Built) -> list[Any]:
    pins: list[Any] = []
    for r in rows:
        p: dict[str, Any] = {"employee": r["employee"], "day": r["day"]}
        put_given(p, "shift", r["shift"])
        b.origins[f"pins[{len(pins)}]"] = Origin(
            "pins", r["_row"], _cols("employee", "day", "shift")
        )
        pins.append(p)
    return pins


def _rules(rows: Rows, b: Built) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    for r in rows:
        name = r["rule"]
        if name not in RULE_NAMES:
            msg = f"unknown rule {name!r}; known: {', '.join(RULE_NAMES)}"
            b.problems.append(Located("rules", r["_row"], "rule", msg))
            continue
        rule: dict[str, Any] = {"hard": r["hard"]}
        put_given(rule, "weight", r["weight"])
        b.origins[f"rules.{name}"] = Origin("rules", r["_row"], _cols("hard", "weight"))
        rules[name] = rule
    return rules


def from_instance(inst: RosteringInstance) -> dict[str, list[dict[str, Any]]]:
    return {
        "settings": [
            {
                "name": inst.name or None,
                "start_date": inst.start_date,
                "days": inst.days,
                "fairness_weekends": inst.fairness.weekends or None,
                "fairness_nights": inst.fairness.nights or None,
                "fairness_minutes": inst.fairness.minutes or None,
            }
        ],
        "shift_types": [
            {
                "shift": s.id,
                "start": s.start,
                "length_minutes": s.length_minutes,
                "forbidden_next": s.forbidden_next or None,
                "night": s.night,
            }
            for s in inst.shift_types
        ],
        "skills": [{"skill": k} for k in inst.skills],
        "contracts": [
            {
                "contract": c.id,
                "max_total_minutes": c.max_total_minutes,
                "min_total_minutes": c.min_total_minutes,
                "max_week_minutes": c.max_week_minutes,
                "min_week_minutes": c.min_week_minutes,
                "max_shifts_per_type": [f"{k}:{v}" for k, v in c.max_shifts_per_type.items()]
                or None,
                "max_consecutive_work": c.max_consecutive_work,
                "min_consecutive_work": c.min_consecutive_work,
                "min_consecutive_off": c.min_consecutive_off,
                "min_rest_minutes": c.min_rest_minutes,
                "max_weekends": c.max_weekends,
            }
            for c in inst.contracts
        ],
        "employees": [
            {
                "employee": e.id,
                "name": e.name or None,
                "contract": e.contract,
                "skills": e.skills or None,
                "cost_per_hour": e.cost_per_hour,
            }
            for e in inst.employees
        ],
        "unavailable": [
            {"employee": e.id, "day": d, "reason": None}
            for e in inst.employees
            for d in e.unavailable_days
        ],
        "requests": [
            {"employee": e.id, "kind": kind, "day": q.day, "shift": q.shift, "weight": q.weight}
            for e in inst.employees
            for kind, qs in (("on", e.shift_on_requests), ("off", e.shift_off_requests))
            for q in qs
        ],
        "coverage": [
            {
                "day": c.day,
                "shift": c.shift,
                "skill": c.skill,
                "min": c.min,
                "preferred": c.preferred,
                "under_weight": c.under_weight,
                "preferred_weight": c.preferred_weight,
                "over_weight": c.over_weight,
            }
            for c in inst.coverage
        ],
        "history": [
            {
                "employee": e.id,
                "consecutive_days_worked": e.history.consecutive_days_worked,
                "consecutive_days_off": e.history.consecutive_days_off,
                "last_shift": e.history.last_shift,
                "last_shift_end": e.history.last_shift_end,
            }
            for e in inst.employees
            if e.history is not None
        ],
        "pins": [{"employee": p.employee, "day": p.day, "shift": p.shift} for p in inst.pins],
        "rules": [{"rule": k, "hard": r.hard, "weight": r.weight} for k, r in inst.rules.items()],
    }


def example() -> RosteringInstance:
    """A ward for one week: early, late and night shifts, five nurses, one senior per early."""
    text = resources.files(__package__).joinpath("example.json").read_text(encoding="utf-8")
    return RosteringInstance.model_validate(json.loads(text))
