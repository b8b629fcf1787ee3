"""Cross-reference checks after pydantic: every problem with its field path and id."""

from __future__ import annotations

from ..core.errors import Problem
from ..core.schema_types import clock_minutes
from .schema import StaffingLevelsInstance


def validate(inst: StaffingLevelsInstance) -> list[Problem]:
    out: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        out.append(Problem(where=where, message=msg))

    sm = inst.slot_minutes
    if 1440 % sm:
        bad("slot_minutes", f"{sm} does not divide a day (1440 minutes)")
        return out
    per_day = 1440 // sm
    if len(inst.demand) % per_day:
        bad(
            "demand",
            f"{len(inst.demand)} slots is not a whole number of days ({per_day} slots a day)",
        )
    days = max(1, len(inst.demand) // per_day)
    seen: set[str] = set()
    for i, p in enumerate(inst.patterns):
        pp = f"patterns[{i}]"
        if p.id in seen:
            bad(f"{pp}.id", f"duplicate pattern id {p.id!r}")
        seen.add(p.id)
        for field in ("length_minutes", "break_offset_minutes", "break_minutes"):
            if getattr(p, field) % sm:
                bad(f"{pp}.{field}", f"pattern {p.id!r}: not a multiple of the slot ({sm} min)")
        if clock_minutes(p.start) % sm:
            bad(f"{pp}.start", f"pattern {p.id!r}: not on a slot boundary ({sm} min)")
        if p.break_minutes and p.break_offset_minutes + p.break_minutes > p.length_minutes:
            bad(f"{pp}.break_offset_minutes", f"pattern {p.id!r}: the break ends after the shift")
        if p.break_minutes >= p.length_minutes:
            bad(f"{pp}.break_minutes", f"pattern {p.id!r}: the break is the whole shift")
        for j, d in enumerate(p.days):
            if not 0 <= d < days:
                bad(
                    f"{pp}.days[{j}]",
                    f"pattern {p.id!r}: day {d} is outside the horizon (days 0..{days - 1})",
                )
        if len(set(p.days)) != len(p.days):
            bad(f"{pp}.days", f"pattern {p.id!r}: a day is listed twice")
    return out
