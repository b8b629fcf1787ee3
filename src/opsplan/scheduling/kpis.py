"""What a planner reads first: summaries of the plan's job and machine tables (solution.py
builds them), the bottleneck, and with a previous plan what moved."""

from __future__ import annotations

from typing import Any

from .schema import SchedulingInstance


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
