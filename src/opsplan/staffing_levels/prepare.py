"""The slots each pattern covers, computed once per solve (formulation, dominance, solution)."""

from __future__ import annotations

from ..core.run import RunContext
from ..core.schema_types import clock_minutes
from .schema import Pattern, StaffingLevelsInstance


def covered_slots(p: Pattern, slot: int, n_slots: int, cyclic: bool) -> list[int]:
    """Slots a person on pattern p works (break excluded), wrapping when cyclic."""
    first = clock_minutes(p.start) // slot
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


class Prepared:
    """The instance, its number of slots `T`, and `covers[pattern id]`: the slots one person on
    that pattern works (a slot twice when two of its days overlap there)."""

    def __init__(self, inst: StaffingLevelsInstance) -> None:
        self.inst = inst
        self.T = len(inst.demand)
        self.covers = {
            p.id: covered_slots(p, inst.slot_minutes, self.T, inst.cyclic) for p in inst.patterns
        }


def prepare(inst: StaffingLevelsInstance, ctx: RunContext | None = None) -> Prepared:
    return Prepared(inst)
