"""What a planner reads first: per-job dates, per-machine load, the bottleneck."""

from __future__ import annotations

from typing import Any

from .prepare import Prepared
from .schema import SchedulingInstance


def job_table(inst: SchedulingInstance, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    comp: dict[str, int] = {}
    first: dict[str, int] = {}
    for r in ops:
        comp[r["job"]] = max(comp.get(r["job"], 0), r["end"])
        first[r["job"]] = min(first.get(r["job"], r["start"]), r["start"])
    out = []
    for j in inst.jobs:
        c = comp[j.id]
        lateness = c - j.due if j.due is not None else None
        out.append(
            {
                "job": j.id,
                "release": j.release,
                "start": first[j.id],
                "completion": c,
                "due": j.due,
                "deadline": j.deadline,
                "weight": j.weight,
                "lateness": lateness,
                "tardiness": max(0, lateness) if lateness is not None else 0,
                "late": bool(lateness is not None and lateness > 0),
            }
        )
    return out


def machine_table(P: Prepared, ops: list[dict[str, Any]], makespan: int) -> list[dict[str, Any]]:
    out = []
    for mi, mid in enumerate(P.machines):
        mine = [r for r in ops if r["machine"] == mid]
        # processing only: the pauses of operations that pause lie in unavailable time
        busy = sum(r["end"] - r["start"] - r.get("paused", 0) for r in mine)
        setup = sum(r.get("setup_before", 0) for r in mine)
        blocked = sum(max(0, min(e, makespan) - s) for s, e in P.unavailable[mi] if s < makespan)
        available = max(0, makespan - blocked)
        out.append(
            {
                "machine": mid,
                "operations": len(mine),
                "busy": busy,
                "setup": setup,
                "available": available,
                "idle": max(0, available - busy - setup),
                "utilisation": round(busy / available, 4) if available else 0.0,
            }
        )
    return out


def kpis(inst: SchedulingInstance, solution: dict[str, Any]) -> dict[str, Any]:
    jobs = solution["jobs"]
    machines = solution["machines"]
    top = max((m["utilisation"] for m in machines), default=0.0)
    with_due = [j for j in jobs if j["due"] is not None]
    late = [j for j in with_due if j["late"]]
    out = {
        "makespan": max(j["completion"] for j in jobs),
        "total_weighted_tardiness": sum(j["weight"] * j["tardiness"] for j in jobs),
        "total_tardiness": sum(j["tardiness"] for j in jobs),
        "max_tardiness": max((j["tardiness"] for j in jobs), default=0),
        "late_jobs": len(late),
        "on_time_rate": round(1 - len(late) / len(with_due), 4) if with_due else None,
        "total_weighted_completion": sum(j["weight"] * j["completion"] for j in jobs),
        "total_setup": sum(m["setup"] for m in machines),
        "mean_utilisation": round(sum(m["utilisation"] for m in machines) / len(machines), 4),
        "bottleneck": [m["machine"] for m in machines if top > 0 and m["utilisation"] == top],
        "late_job_ids": [j["job"] for j in late],
    }
    if inst.previous is not None:
        out.update(moves(inst, solution["operations"]))
    return out


def moves(inst: SchedulingInstance, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """How the plan differs from the previous one: operations whose start or machine changed,
    those on another machine, the start shifts summed and the largest, and the operations the
    previous plan did not have."""
    assert inst.previous is not None
    by_key = {(r["job"], r["operation"]): r for r in ops}
    moved = machine = total = largest = 0
    for p in inst.previous.operations:
        r = by_key.get((p.job, p.operation))
        if r is None:
            continue
        shift = abs(r["start"] - p.start)
        changed = r["machine"] != p.machine
        moved += shift > 0 or changed
        machine += changed
        total += shift
        largest = max(largest, shift)
    known = {(p.job, p.operation) for p in inst.previous.operations}
    return {
        "moved_operations": moved,
        "moved_machine": machine,
        "total_shift": total,
        "max_shift": largest,
        "new_operations": sum(1 for key in by_key if key not in known),
    }
