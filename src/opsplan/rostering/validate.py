"""Cross-reference checks after pydantic: every problem found, each with its field path and id."""

from __future__ import annotations

from ..core.errors import Problem, repeats
from .schema import RosteringInstance


def validate(inst: RosteringInstance) -> list[Problem]:
    out: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        out.append(Problem(where=where, message=msg))

    D = inst.days
    shifts = {s.id for s in inst.shift_types}
    for i, (s, rep) in enumerate(
        zip(inst.shift_types, repeats([s.id for s in inst.shift_types]), strict=True)
    ):
        if rep:
            bad(f"shift_types[{i}].id", f"duplicate shift type id {s.id!r}")
        for j, n in enumerate(s.forbidden_next):
            if n not in shifts:
                bad(f"shift_types[{i}].forbidden_next[{j}]", f"unknown shift type {n!r}")
    skills = set(inst.skills)
    for i, rep in enumerate(repeats(inst.skills)):
        if rep:
            bad(f"skills[{i}]", f"duplicate skill {inst.skills[i]!r}")
    contracts = {c.id for c in inst.contracts}
    for i, (c, rep) in enumerate(
        zip(inst.contracts, repeats([c.id for c in inst.contracts]), strict=True)
    ):
        cp = f"contracts[{i}]"
        if rep:
            bad(f"{cp}.id", f"duplicate contract id {c.id!r}")
        for sid in c.max_shifts_per_type:
            if sid not in shifts:
                bad(f"{cp}.max_shifts_per_type.{sid}", f"unknown shift type {sid!r}")
        pairs = [
            ("min_total_minutes", "max_total_minutes"),
            ("min_week_minutes", "max_week_minutes"),
            ("min_consecutive_work", "max_consecutive_work"),
        ]
        for lo, hi in pairs:
            a, b = getattr(c, lo), getattr(c, hi)
            if a is not None and b is not None and a > b:
                bad(f"{cp}.{lo}", f"contract {c.id!r}: {lo} ({a}) is above {hi} ({b})")
    for i, (emp, rep) in enumerate(
        zip(inst.employees, repeats([e.id for e in inst.employees]), strict=True)
    ):
        ep = f"employees[{i}]"
        if rep:
            bad(f"{ep}.id", f"duplicate employee id {emp.id!r}")
        if emp.contract not in contracts:
            bad(f"{ep}.contract", f"employee {emp.id!r}: unknown contract {emp.contract!r}")
        for j, k in enumerate(emp.skills):
            if k not in skills:
                bad(f"{ep}.skills[{j}]", f"employee {emp.id!r}: unknown skill {k!r}")
        for j, d in enumerate(emp.unavailable_days):
            if d >= D:
                bad(
                    f"{ep}.unavailable_days[{j}]",
                    f"employee {emp.id!r}: day {d} is past the horizon (days 0..{D - 1})",
                )
        for kind in ("shift_on_requests", "shift_off_requests"):
            for j, r in enumerate(getattr(emp, kind)):
                if r.day >= D:
                    bad(
                        f"{ep}.{kind}[{j}].day",
                        f"employee {emp.id!r}: day {r.day} is past the horizon (days 0..{D - 1})",
                    )
                if r.shift is not None and r.shift not in shifts:
                    bad(
                        f"{ep}.{kind}[{j}].shift",
                        f"employee {emp.id!r}: unknown shift type {r.shift!r}",
                    )
        h = emp.history
        if h is not None:
            if h.consecutive_days_worked > 0 and h.consecutive_days_off > 0:
                bad(
                    f"{ep}.history",
                    f"employee {emp.id!r}: the last day before the horizon "
                    "cannot be both worked and off (consecutive_days_worked and "
                    "consecutive_days_off are both above 0)",
                )
            if h.last_shift is not None:
                if h.last_shift not in shifts:
                    bad(
                        f"{ep}.history.last_shift",
                        f"employee {emp.id!r}: unknown shift type {h.last_shift!r}",
                    )
                if h.consecutive_days_off > 0:
                    bad(
                        f"{ep}.history.last_shift",
                        f"employee {emp.id!r}: a last shift the day "
                        "before the horizon, but consecutive_days_off is above 0",
                    )
    emp_ids = {e.id for e in inst.employees}
    seen_cover: set[tuple[int, str, str | None]] = set()
    for i, cv in enumerate(inst.coverage):
        cp = f"coverage[{i}]"
        if cv.day >= D:
            bad(f"{cp}.day", f"day {cv.day} is past the horizon (days 0..{D - 1})")
        if cv.shift not in shifts:
            bad(f"{cp}.shift", f"unknown shift type {cv.shift!r}")
        if cv.skill is not None and cv.skill not in skills:
            bad(f"{cp}.skill", f"unknown skill {cv.skill!r}")
        if cv.preferred is not None and cv.preferred < cv.min:
            bad(f"{cp}.preferred", f"preferred ({cv.preferred}) is below min ({cv.min})")
        key = (cv.day, cv.shift, cv.skill)
        if key in seen_cover:
            bad(
                cp,
                f"a second coverage row for day {cv.day}, shift {cv.shift!r}"
                + (f", skill {cv.skill!r}" if cv.skill else ""),
            )
        seen_cover.add(key)
    seen_pin: set[tuple[str, int]] = set()
    for i, p in enumerate(inst.pins):
        pp = f"pins[{i}]"
        if p.employee not in emp_ids:
            bad(f"{pp}.employee", f"unknown employee {p.employee!r}")
        if p.day >= D:
            bad(f"{pp}.day", f"day {p.day} is past the horizon (days 0..{D - 1})")
        if p.shift is not None and p.shift not in shifts:
            bad(f"{pp}.shift", f"unknown shift type {p.shift!r}")
        if (p.employee, p.day) in seen_pin:
            bad(pp, f"employee {p.employee!r} is pinned twice on day {p.day}")
        seen_pin.add((p.employee, p.day))
    return out
