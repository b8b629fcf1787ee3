"""Staffing-level tables: headcount per pattern, coverage per slot, shifts per day, cost."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .schema import Pattern, StaffingLevelsInstance


def covered_slots(p: Pattern, slot: int, n_slots: int, cyclic: bool) -> list[int]:
    """Slots a person on pattern p works (break excluded), wrapping when cyclic."""
    first = p.start_minute() // slot
    length = p.length_minutes // slot
    b0 = p.break_offset_minutes // slot
    b1 = b0 + p.break_minutes // slot
    out = []
    for d in p.days:
        base = d * (1440 // slot) + first
        for k in range(length):
            if p.break_minutes and b0 <= k < b1:
                continue
            t = base + k
            if t >= n_slots:
                if not cyclic:
                    continue
                t %= n_slots
            out.append(t)
    return out


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def solution_tables(inst: StaffingLevelsInstance, counts: dict[str, int]) -> dict[str, Any]:
    T = len(inst.demand)
    sm = inst.slot_minutes
    covered = [0] * T
    for p in inst.patterns:
        k = counts.get(p.id, 0)
        if k:
            for t in covered_slots(p, sm, T, inst.cyclic):
                covered[t] += k
    slots: list[dict[str, Any]] = []
    for t, need in enumerate(inst.demand):
        minute = t * sm
        slots.append(
            {
                "slot": t,
                "day": minute // 1440,
                "time": _clock(minute % 1440),
                "demand": need,
                "covered": covered[t],
                "short": max(0, need - covered[t]),
                "over": max(0, covered[t] - need),
            }
        )
    shifts: dict[tuple[int, str, int], int] = defaultdict(int)
    for p in inst.patterns:
        k = counts.get(p.id, 0)
        for d in p.days if k else []:
            shifts[(d, p.start, p.length_minutes)] += k
    labour = sum(p.cost * counts.get(p.id, 0) for p in inst.patterns)
    short = sum(s["short"] for s in slots)
    return {
        "headcount": [
            {
                "pattern": p.id,
                "count": counts.get(p.id, 0),
                "part_time": p.part_time,
                "cost": p.cost * counts.get(p.id, 0),
            }
            for p in inst.patterns
        ],
        "slots": slots,
        "shifts": [
            {"day": d, "start": st, "length_minutes": ln, "people": k}
            for (d, st, ln), k in sorted(shifts.items())
        ],
        "cost": {
            "labour": labour,
            "under_penalty": inst.under_penalty * short,
            "total": labour + inst.under_penalty * short,
        },
    }


def kpis(inst: StaffingLevelsInstance, solution: dict[str, Any]) -> dict[str, Any]:
    slots = solution["slots"]
    head = solution["headcount"]
    people = sum(h["count"] for h in head)
    pt = sum(h["count"] for h in head if h["part_time"])
    need = sum(s["demand"] for s in slots)
    short = sum(s["short"] for s in slots)
    return {
        "headcount": people,
        "part_time_share": round(pt / people, 4) if people else 0.0,
        "patterns_used": sum(1 for h in head if h["count"] > 0),
        "labour_cost": solution["cost"]["labour"],
        "short_person_slots": short,
        "over_person_slots": sum(s["over"] for s in slots),
        "demand_met_pct": round(100.0 * (need - short) / need, 2) if need else 100.0,
        "slots_short": sum(1 for s in slots if s["short"] > 0),
    }
