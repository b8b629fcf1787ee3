"""The plan a solve answers, built from the formulation's raw values (a `StartPlan`): every
operation placed, with its setup and pauses, and the job and machine tables derived from them.

The checker (check.py) recomputes each derived field on its own and names a mismatch
`solution`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .cpsat import StartPlan
from .prepare import Prepared
from .schema import (
    UNIT_MINUTES,
    JobOutcome,
    MachineLoad,
    PlannedOperation,
    SchedulingInstance,
    SchedulingSolution,
)


def build_solution(P: Prepared, plan: StartPlan) -> SchedulingSolution:
    """The typed plan: operations ordered by start, machine and job; one row per job and per
    machine, in instance order."""
    rows = [_row(P, plan, o) for o in range(len(P.ops))]
    _setups(P, rows)
    if P.inst.start is not None:
        unit = timedelta(minutes=UNIT_MINUTES[P.inst.time_unit])
        for r in rows:
            r["start_time"] = P.inst.start + r["start"] * unit
            r["end_time"] = P.inst.start + r["end"] * unit
    for r in rows:
        del r["_o"]
    rows.sort(key=lambda r: (r["start"], r["machine"], r["job"]))
    makespan = max(r["end"] for r in rows)
    return SchedulingSolution(
        operations=[PlannedOperation(**r) for r in rows],
        jobs=job_table(P.inst, rows),
        machines=machine_table(P, rows, makespan),
    )


def _row(P: Prepared, plan: StartPlan, o: int) -> dict[str, Any]:
    """Operation o as placed, with the unavailable periods it holds its machine through."""
    op, mi = P.ops[o], plan.machine[o]
    row: dict[str, Any] = {
        "job": P.inst.jobs[op.job].id,
        "index": op.k,
        "operation": op.id,
        "machine": P.machines[mi],
        "start": plan.start[o],
        "end": plan.end[o],
        "setup_before": 0,
        "paused": 0,
        "_o": o,
    }
    if P.pauses(o, mi):
        pauses = P.worktime(mi).inside(plan.start[o], plan.end[o])
        if pauses:
            row["paused"] = sum(b - a for a, b in pauses)
            row["pauses"] = [[a, b] for a, b in pauses]
    return row


def _setups(P: Prepared, rows: list[dict[str, Any]]) -> None:
    """The setup time each operation needs, from its machine sequence (in place);
    zero-length operations take no machine time and no setup."""
    by_m: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_m.setdefault(r["machine"], []).append(r)
    for mid, lst in by_m.items():
        mi = P.m_index[mid]
        lst.sort(key=lambda r: (r["start"], r["end"]))
        prev = P.initial_family[mi]
        for r in lst:
            if r["end"] == r["start"]:
                continue
            fam = P.ops[r["_o"]].family
            r["setup_before"] = P.setup(mi, prev, fam)
            prev = fam


def job_table(inst: SchedulingInstance, ops: list[dict[str, Any]]) -> list[JobOutcome]:
    """Per job: first start, completion, lateness and tardiness against its due date."""
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
            JobOutcome(
                job=j.id,
                release=j.release,
                start=first[j.id],
                completion=c,
                due=j.due,
                deadline=j.deadline,
                weight=j.weight,
                lateness=lateness,
                tardiness=max(0, lateness) if lateness is not None else 0,
                late=lateness is not None and lateness > 0,
            )
        )
    return out


def machine_table(P: Prepared, ops: list[dict[str, Any]], makespan: int) -> list[MachineLoad]:
    """Per machine up to the makespan: processing (pauses left out), setup, available time
    (outside its unavailable periods), idle time and utilisation = busy / available."""
    out = []
    for mi, mid in enumerate(P.machines):
        mine = [r for r in ops if r["machine"] == mid]
        busy = sum(r["end"] - r["start"] - r.get("paused", 0) for r in mine)
        setup = sum(r.get("setup_before", 0) for r in mine)
        blocked = sum(max(0, min(e, makespan) - s) for s, e in P.unavailable[mi] if s < makespan)
        available = max(0, makespan - blocked)
        out.append(
            MachineLoad(
                machine=mid,
                operations=len(mine),
                busy=busy,
                setup=setup,
                available=available,
                idle=max(0, available - busy - setup),
                utilisation=round(busy / available, 4) if available else 0.0,
            )
        )
    return out
