"""Production scheduling as planner input tables: the workbook's sheets, typed rows -> the
instance (with the origin of every element, so problems name sheet, row and column), the
instance -> rows, and the example plant (example.json beside this module).

The generic machinery (templates, reading, errors by sheet/row/column) lives in opsplan.io.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.resources import files
from typing import Any

from ..core.tables import Built, Column, Located, Origin, Rows, Table, put_given
from .schema import UNIT_MINUTES, SchedulingInstance

C = Column

SETTINGS = Table(
    "settings",
    "Scalars of the instance: the plan's start date, the time unit, the objective's mode.",
    (
        C("name", "str", "A name for this plan."),
        C(
            "time_unit",
            "str",
            "Unit of every time in this workbook: second, minute (default), hour or day.",
        ),
        C(
            "start",
            "datetime",
            "Date and time of time 0 (needed for calendars; the plan then shows dates).",
        ),
        C("horizon", "time", "Every operation must end by this time (default: large enough)."),
        C(
            "objective_mode",
            "str",
            "weighted (default): minimise the weighted sum of the objective terms; "
            "lexicographic: minimise them one after the other, in the order of sheet objective.",
        ),
    ),
    required=False,
    layout="settings",
)
MACHINES = Table(
    "machines",
    "One row per machine (resource that runs one operation at a time).",
    (
        C("machine", "str", "Machine id, unique (any language).", required=True),
        C("name", "str", "Display name."),
        C("calendar", "str", "Id of a weekly calendar (sheet calendars); empty: always open."),
        C(
            "initial_family",
            "str",
            "Setup family the machine is set up for at time 0 (see sheet setups).",
        ),
        C(
            "may_pause",
            "bool",
            "yes: its operations may pause over its unavailable time (nights, weekends, "
            "maintenance) and resume after it, their end stretched by the pause; an "
            "operation's own may_pause wins. Empty or no: they may not overlap it.",
        ),
    ),
    min_rows=1,
)
CALENDARS = Table(
    "calendars",
    "Weekly working windows; one row per window. A machine with a calendar is closed "
    "outside its windows.",
    (
        C("calendar", "str", "Calendar id; several rows with the same id add windows.", True),
        C(
            "days",
            "list",
            "Weekdays the window applies to: mon, tue, wed, thu, fri, sat, sun.",
            True,
        ),
        C("start", "str", "Clock time the window opens, HH:MM.", True),
        C(
            "end",
            "str",
            "Clock time it closes, HH:MM; 24:00 is midnight; an end at or before the start "
            "runs past midnight.",
            True,
        ),
    ),
    required=False,
)
UNAVAILABLE = Table(
    "unavailable",
    "Periods a machine cannot work (maintenance, breakdowns); one row per period.",
    (
        C("machine", "str", "Machine id (sheet machines).", True),
        C("start", "time", "First time unit of the period, or its date and time.", True),
        C("end", "time", "End of the period (exclusive), after start.", True),
        C("reason", "str", "Why: maintenance, breakdown, holiday ..."),
    ),
    required=False,
)
JOBS = Table(
    "jobs",
    "One row per job (an order made of operations).",
    (
        C("job", "str", "Job id, unique (any language).", True),
        C("name", "str", "Display name."),
        C("release", "time", "No operation of the job starts before this time (default 0)."),
        C("due", "time", "Due date: finishing later counts as tardiness (soft)."),
        C("deadline", "time", "Hard deadline: the job must be finished by then."),
        C("weight", "int", "Importance in weighted objectives (default 1)."),
    ),
    min_rows=1,
)
OPERATIONS = Table(
    "operations",
    "One row per operation and eligible machine: an operation that can run on two machines "
    "has two rows (same job and operation, different machine and duration). Operations of a "
    "job run in the order of their first row unless predecessors are given.",
    (
        C("job", "str", "Job id (sheet jobs).", True),
        C("operation", "str", "Operation id, unique within its job.", True),
        C("machine", "str", "An eligible machine (sheet machines).", True),
        C("duration", "int", "Processing time on that machine.", True),
        C("family", "str", "Setup family (product type, colour ...) for setups."),
        C(
            "predecessors",
            "list",
            "Operations of the same job that must finish first, comma-separated. If no "
            "operation of a job has predecessors, the job is a chain in row order.",
        ),
        C("pin_machine", "str", "Keep the operation on this machine (replanning)."),
        C("pin_start", "time", "Keep the operation's start at this time (replanning)."),
        C(
            "may_pause",
            "bool",
            "yes: the operation may pause over its machine's unavailable time and resume after "
            "it (it holds the machine through the pause); no: it may not; empty: the machine's "
            "may_pause decides.",
        ),
    ),
    min_rows=1,
)
SETUPS = Table(
    "setups",
    "Changeover time a machine needs between two operations of different families.",
    (
        C("machine", "str", "Machine it applies to; empty: every machine (a machine rule wins)."),
        C("from_family", "str", "Family of the operation before.", True),
        C("to_family", "str", "Family of the operation after.", True),
        C("time", "int", "Idle time needed between the two.", True),
    ),
    required=False,
)
OBJECTIVE = Table(
    "objective",
    "What to minimise; one row per term. Empty sheet: the makespan.",
    (
        C(
            "kind",
            "str",
            "makespan, weighted_tardiness, weighted_completion, late_jobs, or stability "
            "(moves from a previous plan: solve with --previous).",
            True,
        ),
        C("weight", "int", "Weight of the term in the weighted sum (default 1)."),
    ),
    required=False,
)

INPUTS = (SETTINGS, MACHINES, CALENDARS, UNAVAILABLE, JOBS, OPERATIONS, SETUPS, OBJECTIVE)


def _units(t: dict[str, Rows], b: Built) -> None:
    """Dates in time columns -> whole time units after the start setting (in place)."""
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    start, unit = s.get("start"), UNIT_MINUTES.get(s.get("time_unit") or "minute")
    for table in INPUTS:
        times = [c.name for c in table.columns if c.type == "time"]
        for r in t[table.name]:
            for col in times:
                v = r.get(col)
                if not isinstance(v, datetime):
                    continue
                row = r["_row"] if table.layout == "rows" else s["_rows"].get(col)
                where = (table.name, row, "value" if table.layout == "settings" else col)
                if start is None or unit is None:  # (a bad time_unit is reported anyway)
                    if start is None:
                        b.problems.append(Located(*where, "a date needs the start setting"))
                    r[col] = None
                    continue
                x = (v - start).total_seconds() / 60 / unit
                if not float(x).is_integer():
                    name = s.get("time_unit") or "minute"
                    msg = f"{v} is not a whole number of {name}s after the start"
                    b.problems.append(Located(*where, msg))
                r[col] = int(x) if float(x).is_integer() else None


def to_instance(t: dict[str, Rows]) -> Built:
    """Typed rows per sheet -> the instance dict, each element with its origin (sheet, row,
    columns), and the problems found while joining the sheets."""
    b = Built(instance={})
    # whole tables, for problems about a table rather than one row
    for path, table in (("machines", "machines"), ("jobs", "jobs"), ("calendars", "calendars"),
                        ("setups", "setups"), ("objective", "objective"),
                        ("objective.terms", "objective")):  # fmt: skip
        b.origins[path] = Origin(table, None)
    _units(t, b)
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    _settings(s, b)
    b.instance["calendars"] = _calendars(t["calendars"], b)
    b.instance["machines"] = _machines(t["machines"], t["unavailable"], b)
    jobs, j_pos = _jobs(t["jobs"], b)
    _operations(t["operations"], jobs, j_pos, b)
    b.instance["jobs"] = jobs
    b.instance["setups"] = _setups(t["setups"], b)
    _objective(s, t["objective"], b)
    return b


def _settings(s: dict[str, Any], b: Built) -> None:
    inst, srows = b.instance, s.get("_rows", {})
    for key in ("name", "time_unit", "horizon"):
        put_given(inst, key, s.get(key))
    if s.get("start") is not None:
        inst["start"] = s["start"].isoformat()
    for key in ("name", "time_unit", "start", "horizon"):
        if key in srows:
            b.origins[key] = Origin("settings", srows[key], {"": "value"})


def _calendars(rows: Rows, b: Built) -> list[dict[str, Any]]:
    """Rows with the same calendar id add windows to one calendar."""
    cals: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = cals.setdefault(r["calendar"], {"id": r["calendar"], "working": []})
        i = list(cals).index(r["calendar"])
        b.origins[f"calendars[{i}].working[{len(c['working'])}]"] = Origin(
            "calendars", r["_row"], {"days": "days", "start": "start", "end": "end"}
        )
        if len(c["working"]) == 0:
            b.origins[f"calendars[{i}]"] = Origin("calendars", r["_row"], {"id": "calendar"})
        c["working"].append(
            {"days": [d.lower() for d in r["days"]], "start": r["start"], "end": r["end"]}
        )
    return list(cals.values())


def _machines(rows: Rows, unavailable: Rows, b: Built) -> list[dict[str, Any]]:
    """The machines, each with its rows of sheet unavailable."""
    machines: list[dict[str, Any]] = []
    m_pos: dict[str, int] = {}
    cols = ("name", "calendar", "initial_family", "may_pause")
    for r in rows:
        m = {"id": r["machine"]}
        for key in cols:
            put_given(m, key, r[key])
        b.origins[f"machines[{len(machines)}]"] = Origin(
            "machines", r["_row"], {"id": "machine"} | {k: k for k in cols}
        )
        m_pos.setdefault(r["machine"], len(machines))
        machines.append(m)
    for r in unavailable:
        mi = m_pos.get(r["machine"])
        if mi is None:
            msg = f"unknown machine {r['machine']!r} (not in sheet machines)"
            b.problems.append(Located("unavailable", r["_row"], "machine", msg))
            continue
        lst = machines[mi].setdefault("unavailable", [])
        iv: dict[str, Any] = {"start": r["start"], "end": r["end"]}
        put_given(iv, "reason", r["reason"])
        b.origins[f"machines[{mi}].unavailable[{len(lst)}]"] = Origin(
            "unavailable", r["_row"], {"start": "start", "end": "end", "reason": "reason"}
        )
        lst.append(iv)
    return machines


def _jobs(rows: Rows, b: Built) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The jobs (operations still empty) and the position of each job id."""
    jobs: list[dict[str, Any]] = []
    j_pos: dict[str, int] = {}
    cols = ("name", "release", "due", "deadline", "weight")
    for r in rows:
        j: dict[str, Any] = {"id": r["job"], "operations": []}
        for key in cols:
            put_given(j, key, r[key])
        b.origins[f"jobs[{len(jobs)}]"] = Origin(
            "jobs", r["_row"], {k: k for k in cols} | {"id": "job", "operations": "job"}
        )
        j_pos.setdefault(r["job"], len(jobs))
        jobs.append(j)
    return jobs, j_pos


def _operations(rows: Rows, jobs: list[dict[str, Any]], j_pos: dict[str, int], b: Built) -> None:
    """One row per operation and eligible machine: the first row of an operation gives it,
    later rows only add machines (their other columns must agree)."""
    op_pos: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows:
        ji = j_pos.get(r["job"])
        if ji is None:
            msg = f"unknown job {r['job']!r} (not in sheet jobs)"
            b.problems.append(Located("operations", r["_row"], "job", msg))
            continue
        okey = (r["job"], r["operation"])
        if okey not in op_pos:
            op_pos[okey] = (ji, len(jobs[ji]["operations"]))
            jobs[ji]["operations"].append(_operation(r, op_pos[okey], b))
        else:
            _same_operation(r, jobs[ji]["operations"][op_pos[okey][1]], b)
        ji, k = op_pos[okey]
        op = jobs[ji]["operations"][k]
        b.origins[f"jobs[{ji}].operations[{k}].machines[{len(op['machines'])}]"] = Origin(
            "operations", r["_row"], {"machine": "machine", "duration": "duration"}
        )
        op["machines"].append({"machine": r["machine"], "duration": r["duration"]})


def _operation(r: dict[str, Any], at: tuple[int, int], b: Built) -> dict[str, Any]:
    """An operation from its first row (without machines)."""
    op: dict[str, Any] = {"id": r["operation"], "machines": []}
    put_given(op, "family", r["family"])
    put_given(op, "predecessors", r["predecessors"])
    put_given(op, "may_pause", r["may_pause"])
    if r["pin_machine"] is not None or r["pin_start"] is not None:
        pin: dict[str, Any] = {}
        put_given(pin, "machine", r["pin_machine"])
        put_given(pin, "start", r["pin_start"])
        op["pin"] = pin
    b.origins[f"jobs[{at[0]}].operations[{at[1]}]"] = Origin(
        "operations",
        r["_row"],
        {
            "id": "operation",
            "family": "family",
            "predecessors": "predecessors",
            "pin.machine": "pin_machine",
            "pin.start": "pin_start",
            "pin": "pin_machine",
            "machines": "machine",
            "may_pause": "may_pause",
        },
    )
    return op


def _same_operation(r: dict[str, Any], op: dict[str, Any], b: Built) -> None:
    """A later row of an operation gives its other columns empty or as the first row does."""
    for col, val in (
        ("family", op.get("family")),
        ("predecessors", op.get("predecessors")),
        ("pin_machine", (op.get("pin") or {}).get("machine")),
        ("pin_start", (op.get("pin") or {}).get("start")),
        ("may_pause", op.get("may_pause")),
    ):
        if r[col] is not None and r[col] != val:
            msg = (
                f"differs from the first row of operation {r['operation']!r} of job "
                f"{r['job']!r}; give it on the first row only"
            )
            b.problems.append(Located("operations", r["_row"], col, msg))


def _setups(rows: Rows, b: Built) -> list[dict[str, Any]]:
    setups: list[dict[str, Any]] = []
    for r in rows:
        rule: dict[str, Any] = {k: r[k] for k in ("from_family", "to_family", "time")}
        put_given(rule, "machine", r["machine"])
        b.origins[f"setups[{len(setups)}]"] = Origin(
            "setups", r["_row"], {k: k for k in ("machine", "from_family", "to_family", "time")}
        )
        setups.append(rule)
    return setups


def _objective(s: dict[str, Any], rows: Rows, b: Built) -> None:
    """The objective's mode (sheet settings) and terms (sheet objective), when given."""
    objective: dict[str, Any] = {}
    put_given(objective, "mode", s.get("objective_mode"))
    srows = s.get("_rows", {})
    if "objective_mode" in srows:
        b.origins["objective"] = Origin("settings", srows["objective_mode"], {"mode": "value"})
    terms: list[dict[str, Any]] = []
    for r in rows:
        term: dict[str, Any] = {"kind": r["kind"]}
        put_given(term, "weight", r["weight"])
        b.origins[f"objective.terms[{len(terms)}]"] = Origin(
            "objective", r["_row"], {"kind": "kind", "weight": "weight"}
        )
        terms.append(term)
    if terms:
        objective["terms"] = terms
    if objective:
        b.instance["objective"] = objective


def from_instance(inst: SchedulingInstance) -> dict[str, list[dict[str, Any]]]:
    settings = {
        "name": inst.name or None,
        "time_unit": inst.time_unit,
        "start": inst.start,
        "horizon": inst.horizon,
        "objective_mode": inst.objective.mode,
    }
    return {
        "settings": [settings],
        "machines": [
            {
                "machine": m.id,
                "name": m.name or None,
                "calendar": m.calendar,
                "initial_family": m.initial_family,
                "may_pause": True if m.may_pause else None,
            }
            for m in inst.machines
        ],
        "calendars": [
            {"calendar": c.id, "days": list(w.days), "start": w.start, "end": w.end}
            for c in inst.calendars
            for w in c.working
        ],
        "unavailable": [
            {"machine": m.id, "start": u.start, "end": u.end, "reason": u.reason or None}
            for m in inst.machines
            for u in m.unavailable
        ],
        "jobs": [
            {
                "job": j.id,
                "name": j.name or None,
                "release": j.release,
                "due": j.due,
                "deadline": j.deadline,
                "weight": j.weight,
            }
            for j in inst.jobs
        ],
        "operations": [
            {
                "job": j.id,
                "operation": op.id,
                "machine": md.machine,
                "duration": md.duration,
                "family": op.family if x == 0 else None,
                "predecessors": op.predecessors if x == 0 else None,
                "pin_machine": op.pin.machine if op.pin and x == 0 else None,
                "pin_start": op.pin.start if op.pin and x == 0 else None,
                "may_pause": op.may_pause if x == 0 else None,
            }
            for j in inst.jobs
            for op in j.operations
            for x, md in enumerate(op.machines)
        ],
        "setups": [
            {
                "machine": r.machine,
                "from_family": r.from_family,
                "to_family": r.to_family,
                "time": r.time,
            }
            for r in inst.setups
        ],
        "objective": [{"kind": t.kind, "weight": t.weight} for t in inst.objective.terms],
    }


def example() -> SchedulingInstance:
    """A small plant: two shifts, a maintenance stop, alternative machines, setups, due dates."""
    text = files(__package__).joinpath("example.json").read_text(encoding="utf-8")
    return SchedulingInstance.model_validate(json.loads(text))
