"""Production scheduling as planner tables: the workbook's sheets, result tables, the Gantt chart.

The generic machinery (templates, reading, errors by sheet/row/column, writing, the report)
lives in opsplan.io; this module only declares the scheduling family's part.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..core.result import SolveResult
from ..core.tables import (
    BarChart,
    Built,
    Chart,
    Column,
    Gantt,
    GanttBar,
    Located,
    Origin,
    Rows,
    Table,
    TablesAdapter,
    put_given,
)
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
    b = Built(instance={})
    # whole tables, for problems about a table rather than one row
    for path, table in (("machines", "machines"), ("jobs", "jobs"), ("calendars", "calendars"),
                        ("setups", "setups"), ("objective", "objective"),
                        ("objective.terms", "objective")):  # fmt: skip
        b.origins[path] = Origin(table, None)
    _units(t, b)
    inst = b.instance
    s = t["settings"][0] if t["settings"] else {"_rows": {}}
    srows = s.get("_rows", {})
    for key in ("name", "time_unit", "horizon"):
        put_given(inst, key, s.get(key))
    if s.get("start") is not None:
        inst["start"] = s["start"].isoformat()
    for key in ("name", "time_unit", "start", "horizon"):
        if key in srows:
            b.origins[key] = Origin("settings", srows[key], {"": "value"})

    cals: dict[str, dict[str, Any]] = {}
    for r in t["calendars"]:
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
    inst["calendars"] = list(cals.values())

    machines: list[dict[str, Any]] = []
    m_pos: dict[str, int] = {}
    for r in t["machines"]:
        m = {"id": r["machine"]}
        for key in ("name", "calendar", "initial_family", "may_pause"):
            put_given(m, key, r[key])
        b.origins[f"machines[{len(machines)}]"] = Origin(
            "machines",
            r["_row"],
            {
                "id": "machine",
                "name": "name",
                "calendar": "calendar",
                "initial_family": "initial_family",
                "may_pause": "may_pause",
            },
        )
        m_pos.setdefault(r["machine"], len(machines))
        machines.append(m)
    for r in t["unavailable"]:
        mi = m_pos.get(r["machine"])
        if mi is None:
            b.problems.append(
                Located(
                    "unavailable",
                    r["_row"],
                    "machine",
                    f"unknown machine {r['machine']!r} (not in sheet machines)",
                )
            )
            continue
        lst = machines[mi].setdefault("unavailable", [])
        iv: dict[str, Any] = {"start": r["start"], "end": r["end"]}
        put_given(iv, "reason", r["reason"])
        b.origins[f"machines[{mi}].unavailable[{len(lst)}]"] = Origin(
            "unavailable", r["_row"], {"start": "start", "end": "end", "reason": "reason"}
        )
        lst.append(iv)
    inst["machines"] = machines

    jobs: list[dict[str, Any]] = []
    j_pos: dict[str, int] = {}
    for r in t["jobs"]:
        j: dict[str, Any] = {"id": r["job"], "operations": []}
        for key in ("name", "release", "due", "deadline", "weight"):
            put_given(j, key, r[key])
        b.origins[f"jobs[{len(jobs)}]"] = Origin(
            "jobs",
            r["_row"],
            {k: k for k in ("name", "release", "due", "deadline", "weight")}
            | {"id": "job", "operations": "job"},
        )
        j_pos.setdefault(r["job"], len(jobs))
        jobs.append(j)
    op_pos: dict[tuple[str, str], tuple[int, int]] = {}
    for r in t["operations"]:
        ji = j_pos.get(r["job"])
        if ji is None:
            b.problems.append(
                Located(
                    "operations", r["_row"], "job", f"unknown job {r['job']!r} (not in sheet jobs)"
                )
            )
            continue
        okey = (r["job"], r["operation"])
        if okey not in op_pos:
            ops = jobs[ji]["operations"]
            op: dict[str, Any] = {"id": r["operation"], "machines": []}
            put_given(op, "family", r["family"])
            put_given(op, "predecessors", r["predecessors"])
            put_given(op, "may_pause", r["may_pause"])
            if r["pin_machine"] is not None or r["pin_start"] is not None:
                pin: dict[str, Any] = {}
                put_given(pin, "machine", r["pin_machine"])
                put_given(pin, "start", r["pin_start"])
                op["pin"] = pin
            op_pos[okey] = (ji, len(ops))
            b.origins[f"jobs[{ji}].operations[{len(ops)}]"] = Origin(
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
            ops.append(op)
            first = True
        else:
            first = False
        ji, k = op_pos[okey]
        op = jobs[ji]["operations"][k]
        if not first:
            # later rows of the same operation only add machines; other columns must agree
            for col, val in (
                ("family", op.get("family")),
                ("predecessors", op.get("predecessors")),
                ("pin_machine", (op.get("pin") or {}).get("machine")),
                ("pin_start", (op.get("pin") or {}).get("start")),
                ("may_pause", op.get("may_pause")),
            ):
                if r[col] is not None and r[col] != val:
                    b.problems.append(
                        Located(
                            "operations",
                            r["_row"],
                            col,
                            f"differs from the first row of operation {r['operation']!r} of job "
                            f"{r['job']!r}; give it on the first row only",
                        )
                    )
        b.origins[f"jobs[{ji}].operations[{k}].machines[{len(op['machines'])}]"] = Origin(
            "operations", r["_row"], {"machine": "machine", "duration": "duration"}
        )
        op["machines"].append({"machine": r["machine"], "duration": r["duration"]})
    inst["jobs"] = jobs

    setups: list[dict[str, Any]] = []
    for r in t["setups"]:
        rule: dict[str, Any] = {
            "from_family": r["from_family"],
            "to_family": r["to_family"],
            "time": r["time"],
        }
        put_given(rule, "machine", r["machine"])
        b.origins[f"setups[{len(setups)}]"] = Origin(
            "setups", r["_row"], {k: k for k in ("machine", "from_family", "to_family", "time")}
        )
        setups.append(rule)
    inst["setups"] = setups

    objective: dict[str, Any] = {}
    put_given(objective, "mode", s.get("objective_mode"))
    if "objective_mode" in srows:
        b.origins["objective"] = Origin("settings", srows["objective_mode"], {"mode": "value"})
    terms: list[dict[str, Any]] = []
    for r in t["objective"]:
        term: dict[str, Any] = {"kind": r["kind"]}
        put_given(term, "weight", r["weight"])
        b.origins[f"objective.terms[{len(terms)}]"] = Origin(
            "objective", r["_row"], {"kind": "kind", "weight": "weight"}
        )
        terms.append(term)
    if terms:
        objective["terms"] = terms
    if objective:
        inst["objective"] = objective
    return b


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
    win = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "22:00"}
    return SchedulingInstance.model_validate(
        {
            "name": "example week",
            "time_unit": "minute",
            "start": "2026-11-30T06:00:00",
            "calendars": [{"id": "two-shifts", "working": [win]}],
            "machines": [
                {
                    "id": "CUT-1",
                    "name": "saw 1",
                    "calendar": "two-shifts",
                    "initial_family": "steel",
                },
                {"id": "CUT-2", "name": "saw 2", "calendar": "two-shifts"},
                {
                    "id": "MILL-1",
                    "name": "mill",
                    "calendar": "two-shifts",
                    "unavailable": [{"start": 240, "end": 360, "reason": "maintenance"}],
                },
            ],
            "setups": [
                {"from_family": "steel", "to_family": "brass", "time": 30},
                {"from_family": "brass", "to_family": "steel", "time": 45},
            ],
            "jobs": [
                {
                    "id": "A-100",
                    "name": "brackets",
                    "due": 600,
                    "weight": 2,
                    "operations": [
                        {
                            "id": "cut",
                            "family": "steel",
                            "machines": [
                                {"machine": "CUT-1", "duration": 90},
                                {"machine": "CUT-2", "duration": 120},
                            ],
                        },
                        {"id": "mill", "machines": [{"machine": "MILL-1", "duration": 150}]},
                    ],
                },
                {
                    "id": "B-200",
                    "name": "valves",
                    "due": 120,
                    "operations": [
                        {
                            "id": "cut",
                            "family": "brass",
                            "machines": [{"machine": "CUT-1", "duration": 60}],
                        },
                        {"id": "mill", "machines": [{"machine": "MILL-1", "duration": 90}]},
                    ],
                },
                {
                    "id": "C-300",
                    "name": "flanges",
                    "release": 120,
                    "due": 900,
                    "operations": [
                        {
                            "id": "cut",
                            "family": "steel",
                            "machines": [
                                {"machine": "CUT-1", "duration": 80},
                                {"machine": "CUT-2", "duration": 80},
                            ],
                        },
                        {"id": "mill", "machines": [{"machine": "MILL-1", "duration": 120}]},
                    ],
                },
            ],
            "objective": {
                "terms": [
                    {"kind": "weighted_tardiness", "weight": 10},
                    {"kind": "makespan", "weight": 1},
                ]
            },
        }
    )


# ------------------------------------------------------------------ results


def _names(inst: SchedulingInstance | None) -> tuple[dict[str, str], dict[str, str]]:
    if inst is None:
        return {}, {}
    return {m.id: m.name for m in inst.machines}, {j.id: j.name for j in inst.jobs}


def results(res: SolveResult, inst: SchedulingInstance | None) -> dict[str, list[dict[str, Any]]]:
    sol = res.solution or {}
    ops = sol.get("operations", [])
    jobs = sol.get("jobs", [])
    late = {j["job"] for j in jobs if j.get("late")}
    mname, jname = _names(inst)
    has_time = any(r.get("start_time") for r in ops)
    # a `paused` column when operations may pause over unavailable time (or some did)
    pausing = any(r.get("paused") for r in ops) or (
        inst is not None
        and (
            any(m.may_pause for m in inst.machines)
            or any(op.may_pause for j in inst.jobs for op in j.operations)
        )
    )
    plan = []
    for r in sorted(ops, key=lambda r: (r["start"], r["machine"], r["job"])):
        row: dict[str, Any] = {
            "job": r["job"],
            "operation": r["operation"],
            "machine": r["machine"],
            "start": r["start"],
            "end": r["end"],
            "duration": r["end"] - r["start"] - r.get("paused", 0),
            "setup_before": r.get("setup_before", 0),
        }
        if pausing:
            row["paused"] = r.get("paused", 0)
        if has_time:
            row["start_time"] = r.get("start_time")
            row["end_time"] = r.get("end_time")
        if jname:
            row["job_name"] = jname.get(r["job"], "")
        if mname:
            row["machine_name"] = mname.get(r["machine"], "")
        row["job_late"] = r["job"] in late
        plan.append(row)
    seq = []
    order = [m["machine"] for m in sol.get("machines", [])] or sorted({r["machine"] for r in ops})
    for mid in order:
        mine = sorted((r for r in ops if r["machine"] == mid), key=lambda r: (r["start"], r["end"]))
        for k, r in enumerate(mine, start=1):
            row = {
                "machine": mid,
                "position": k,
                "job": r["job"],
                "operation": r["operation"],
                "setup_before": r.get("setup_before", 0),
                "start": r["start"],
                "end": r["end"],
            }
            if pausing:
                row["paused"] = r.get("paused", 0)
            if has_time:
                row["start_time"] = r.get("start_time")
                row["end_time"] = r.get("end_time")
            row["job_late"] = r["job"] in late
            seq.append(row)
    out: dict[str, list[dict[str, Any]]] = {
        "plan": plan,
        "jobs": [dict(j) for j in jobs],
        "machines": [dict(m) for m in sol.get("machines", [])],
        "machine_sequence": seq,
    }
    if inst is not None:
        out["unavailable"] = [
            {"machine": m, "start": s, "end": e, "reason": why}
            for m, s, e, why in _blocked(inst, res)
        ]
    return out


def _blocked(inst: SchedulingInstance, res: SolveResult) -> list[tuple[str, int, int, str]]:
    """Unavailable periods up to the end of the plan: explicit ones and calendar closures."""
    from .prepare import Prepared

    ops = (res.solution or {}).get("operations", [])
    end = max((r["end"] for r in ops), default=0)
    P = Prepared(inst)
    out = []
    for mi, m in enumerate(inst.machines):
        for s, e in P.unavailable[mi]:
            if s >= end:
                continue
            reasons = [
                u.reason or "unavailable" for u in m.unavailable if u.start < e and s < u.end
            ]
            why = ", ".join(dict.fromkeys(reasons)) if reasons else "closed (calendar)"
            out.append((m.id, s, min(e, end), why))
    return out


def charts(res: SolveResult, inst: SchedulingInstance | None) -> list[Chart]:
    sol = res.solution
    if not sol:
        return []
    ops = sol.get("operations", [])
    late = {j["job"] for j in sol.get("jobs", []) if j.get("late")}
    lanes = [m["machine"] for m in sol.get("machines", [])] or sorted({r["machine"] for r in ops})
    mname, jname = _names(inst)
    bars: list[GanttBar] = []
    if inst is not None:
        for mid, s, e, why in _blocked(inst, res):
            bars.append(GanttBar(mid, s, e, "blocked", label=why, hover={"unavailable": why}))
    for r in ops:
        su = r.get("setup_before", 0) or 0
        if su > 0:
            bars.append(
                GanttBar(
                    r["machine"],
                    r["start"] - su,
                    r["start"],
                    "setup",
                    group=r["job"],
                    hover={"setup before": f"{r['job']} / {r['operation']}", "time": su},
                )
            )
        hover: dict[str, Any] = {
            "job": r["job"],
            "operation": r["operation"],
            "machine": r["machine"],
        }
        if jname.get(r["job"]):
            hover["job name"] = jname[r["job"]]
        hover |= {"start": r.get("start_time") or r["start"], "end": r.get("end_time") or r["end"]}
        if r.get("paused"):
            hover["paused"] = r["paused"]
        if r["job"] in late:
            hover["late"] = "yes"
        bars.append(
            GanttBar(
                r["machine"],
                r["start"],
                r["end"],
                "task",
                group=r["job"],
                label=r["job"],
                hover=hover,
                late=r["job"] in late,
            )
        )
        for a, b in r.get("pauses") or []:  # drawn over the task's bar
            bars.append(
                GanttBar(
                    r["machine"],
                    a,
                    b,
                    "pause",
                    group=r["job"],
                    hover={"paused": f"{r['job']} / {r['operation']}", "time": b - a},
                )
            )
    unit: str = inst.time_unit if inst is not None else "minute"
    start: datetime | None = inst.start if inst is not None else None
    timed = next((r for r in ops if r.get("start_time") and r["end"] > r["start"]), None)
    if start is None and timed is not None:  # no instance: the unit and time 0 from the dates
        t0, t1 = (datetime.fromisoformat(timed[k]) for k in ("start_time", "end_time"))
        per_unit = (t1 - t0).total_seconds() / 60 / (timed["end"] - timed["start"])
        unit = min(UNIT_MINUTES, key=lambda u: abs(UNIT_MINUTES[u] - per_unit))
        start = t0 - timedelta(minutes=timed["start"] * UNIT_MINUTES[unit])
    paused = any(r.get("pauses") for r in ops)
    lane_labels = [f"{m} ({mname[m]})" if mname.get(m) and mname[m] != m else m for m in lanes]
    relabel = dict(zip(lanes, lane_labels, strict=True))
    bars = [
        GanttBar(
            relabel.get(b.lane, b.lane), b.start, b.end, b.kind, b.group, b.label, b.hover, b.late
        )
        for b in bars
    ]
    out: list[Chart] = [
        Gantt(
            name="gantt",
            title="Machine schedule",
            lanes=lane_labels,
            bars=bars,
            time_unit=unit,
            start=start,
            note="One row per machine; each bar is an operation, coloured by job. Hatched: setup "
            "(changeover) time; grey: machine unavailable (calendar or maintenance); a red "
            "outline marks an operation of a job that finishes after its due date."
            + (
                " Light, cross-hatched inside a bar: the operation pauses over unavailable time "
                "and holds the machine meanwhile."
                if paused
                else ""
            ),
        )
    ]
    machines = sol.get("machines", [])
    if machines:
        out.append(
            BarChart(
                name="machine_load",
                title="Machine load up to the end of the plan",
                categories=[relabel.get(m["machine"], m["machine"]) for m in machines],
                series={
                    "processing": [float(m["busy"]) for m in machines],
                    "setup": [float(m["setup"]) for m in machines],
                    "idle": [float(m["idle"]) for m in machines],
                },
                value_label=f"{unit}s",
                colours={"processing": "#4e79a7", "setup": "#f28e2b", "idle": "#d9d9d9"},
                note="Working time of each machine split into processing, setup and idle time; "
                "unavailable time is left out.",
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
    views={"machine_sequence": "machine"},
    kpi_help={
        "makespan": "When the last operation ends (time units from the start).",
        "total_weighted_tardiness": "Lateness past due dates, summed, times each job's weight.",
        "total_tardiness": "Time units past due dates, summed over jobs.",
        "max_tardiness": "The latest job's delay past its due date.",
        "late_jobs": "Jobs that finish after their due date.",
        "on_time_rate": "Share of jobs with a due date that finish on time.",
        "total_weighted_completion": "Completion times times weights, summed.",
        "total_setup": "Changeover time spent on all machines.",
        "mean_utilisation": "Average share of available machine time spent processing.",
        "bottleneck": "The busiest machine(s).",
        "late_job_ids": "Which jobs are late.",
        "moved_operations": "Operations whose start or machine differs from the previous plan.",
        "moved_machine": "Operations moved to another machine than in the previous plan.",
        "total_shift": "Start shifts against the previous plan, summed (time units).",
        "max_shift": "The largest start shift against the previous plan (time units).",
        "new_operations": "Operations the previous plan did not have (new orders).",
    },
)
