"""Production scheduling results as planner tables and charts: the plan, the jobs, the
machines, each machine's sequence, the unavailable periods, the Gantt chart and the machine
load; the KPI explanations; the family's `TablesAdapter` (inputs from tables.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..core.result import SolveResult
from ..core.tables import BarChart, Chart, Gantt, GanttBar
from .schema import UNIT_MINUTES, SchedulingInstance


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
    """Unavailable periods up to the end of the plan: explicit ones and calendar closures
    (expanded as the solve expands them)."""
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


# result table -> the column it is split by, one sheet per value
VIEWS = {"machine_sequence": "machine"}
KPI_HELP = {
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
}
