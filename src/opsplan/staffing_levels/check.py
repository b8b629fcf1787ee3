"""Solver-independent checker for staffing levels (does not import milp.py or kpis.py).

It walks each person's working minutes (shift minus break, day by day, wrapping a cyclic
horizon) and counts, for every slot, the people working at the slot's first minute; then it
recomputes under-coverage, the part-time share and the cost.
"""

from __future__ import annotations

from typing import Any

from ..core.registry import CheckReport
from ..core.result import Finding
from .schema import StaffingLevelsInstance


def check(inst: StaffingLevelsInstance, solution: dict[str, Any]) -> CheckReport:
    v: list[Finding] = []
    sm = inst.slot_minutes
    T = len(inst.demand)
    horizon = T * sm
    pats = {p.id: p for p in inst.patterns}
    counts: dict[str, int] = {}
    for row in solution.get("headcount", []):
        pid, k = row.get("pattern"), row.get("count")
        if pid not in pats:
            v.append(Finding(rule="headcount", message=f"unknown pattern {pid!r}"))
            continue
        if not isinstance(k, int) or k < 0:
            v.append(
                Finding(
                    rule="headcount",
                    entities={"pattern": pid},
                    message=f"pattern {pid}: headcount {k!r} is not a whole number >= 0",
                )
            )
            continue
        mx = pats[pid].max_headcount
        if mx is not None and k > mx:
            v.append(
                Finding(
                    rule="max_headcount",
                    entities={"pattern": pid},
                    message=f"pattern {pid}: {k} people, more than {mx}",
                )
            )
        counts[pid] = counts.get(pid, 0) + k
    working = [0] * T
    for pid, k in counts.items():
        p = pats[pid]
        h, m = p.start.split(":")
        for d in p.days:
            s0 = d * 1440 + int(h) * 60 + int(m)
            for minute in range(s0, s0 + p.length_minutes):
                off = minute - s0
                if p.break_minutes and p.break_offset_minutes <= off < (
                    p.break_offset_minutes + p.break_minutes
                ):
                    continue
                if minute >= horizon:
                    if not inst.cyclic:
                        continue
                    minute -= horizon
                if minute % sm == 0:
                    working[minute // sm] += k
    short = sum(max(0, need - working[t]) for t, need in enumerate(inst.demand))
    people = sum(counts.values())
    pt = sum(k for pid, k in counts.items() if pats[pid].part_time)
    share = inst.max_part_time_share
    if share is not None and pt > share * people + 1e-9:
        v.append(
            Finding(
                rule="part_time_share",
                message=f"{pt} of {people} people are part-time, more than the share {share}",
            )
        )
    labour = sum(pats[pid].cost * k for pid, k in counts.items())
    penalty = inst.under_penalty * short
    for row in solution.get("slots", []):
        t = row.get("slot")
        if isinstance(t, int) and 0 <= t < T and row.get("covered") != working[t]:
            v.append(
                Finding(
                    rule="coverage",
                    entities={"slot": t},
                    message=f"slot {t}: the plan reports {row.get('covered')} people "
                    f"but its headcounts put {working[t]} there",
                )
            )
            break
    return CheckReport(
        violations=v,
        objective=labour + penalty,
        penalties={"under_coverage": penalty, "labour": labour},
    )
