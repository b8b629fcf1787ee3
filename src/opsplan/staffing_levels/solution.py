"""The plan from the headcounts: people per pattern, coverage per slot, shifts per day, cost."""

from __future__ import annotations

from collections import defaultdict

from .prepare import Prepared
from .schema import Cost, HeadcountRow, ShiftRow, SlotRow, StaffingLevelsSolution


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def headcount_table(prep: Prepared, counts: dict[str, int]) -> list[HeadcountRow]:
    return [
        HeadcountRow(
            pattern=p.id,
            count=counts.get(p.id, 0),
            part_time=p.part_time,
            cost=p.cost * counts.get(p.id, 0),
        )
        for p in prep.inst.patterns
    ]


def slot_table(prep: Prepared, counts: dict[str, int]) -> list[SlotRow]:
    covered = [0] * prep.T
    for p in prep.inst.patterns:
        k = counts.get(p.id, 0)
        for t in prep.covers[p.id] if k else []:
            covered[t] += k
    sm = prep.inst.slot_minutes
    return [
        SlotRow(
            slot=t,
            day=t * sm // 1440,
            time=_clock(t * sm % 1440),
            demand=need,
            covered=covered[t],
            short=max(0, need - covered[t]),
            over=max(0, covered[t] - need),
        )
        for t, need in enumerate(prep.inst.demand)
    ]


def shift_table(prep: Prepared, counts: dict[str, int]) -> list[ShiftRow]:
    """People per (day, start, length), over every pattern, sorted; empty shifts left out."""
    shifts: dict[tuple[int, str, int], int] = defaultdict(int)
    for p in prep.inst.patterns:
        k = counts.get(p.id, 0)
        for d in p.days if k else []:
            shifts[(d, p.start, p.length_minutes)] += k
    return [
        ShiftRow(day=d, start=st, length_minutes=ln, people=k)
        for (d, st, ln), k in sorted(shifts.items())
    ]


def build_solution(prep: Prepared, counts: dict[str, int]) -> StaffingLevelsSolution:
    """The typed plan for people per pattern (`counts`, pattern id -> people)."""
    slots = slot_table(prep, counts)
    labour = sum(p.cost * counts.get(p.id, 0) for p in prep.inst.patterns)
    penalty = prep.inst.under_penalty * sum(s.short for s in slots)
    return StaffingLevelsSolution(
        headcount=headcount_table(prep, counts),
        slots=slots,
        shifts=shift_table(prep, counts),
        cost=Cost(labour=labour, under_penalty=penalty, total=labour + penalty),
    )
