"""Solver-independent checker for rosters: one check_<rule>() per rule of models/rostering.md.

Written apart from cpsat.py and solution.py (it imports neither): it rebuilds each employee's
day-by-day roster from the assignments, measures runs of working days and days off, clock-time
gaps between shifts, weeks, weekends and coverage counts directly, and recomputes every penalty.
A hard rule broken is a violation; a soft rule broken costs its weight. The plan's derived
tables (dates, grid, coverage, employees) are recomputed too; a difference is rule `solution`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..core.check import Findings
from ..core.registry import CheckReport
from ..core.schema_types import clock_minutes
from .schema import RULES, Contract, Cover, Employee, RosteringInstance

DAY = 1440
Cell = tuple[str, str | None]  # (shift type id, skill)


# ---------------------------------------------------------------------------- the plan, read


@dataclass
class Roster:
    """The plan's assignments per employee and day, and the calendar of the horizon."""

    inst: RosteringInstance
    plan: dict[str, Any]
    days: dict[str, dict[int, Cell]]  # employee -> day -> the first assignment of that day
    unknown: list[tuple[int, Any]] = field(default_factory=list)  # (index, assignment)
    doubles: list[tuple[str, int]] = field(default_factory=list)  # (employee, day)

    def __post_init__(self) -> None:
        inst = self.inst
        self.stypes = {s.id: s for s in inst.shift_types}
        self.contracts = {c.id: c for c in inst.contracts}
        self.dates = [inst.start_date + timedelta(days=d) for d in range(inst.days)]
        weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
        weekends: dict[date, list[int]] = defaultdict(list)
        for d, dt in enumerate(self.dates):
            weeks[dt.isocalendar()[:2]].append(d)
            if dt.weekday() >= 5:
                weekends[dt - timedelta(days=dt.weekday() - 5)].append(d)
        self.weeks = list(weeks.values())  # calendar weeks (Monday to Sunday) in the horizon
        self.weekends = list(weekends.values())  # Saturday and/or Sunday of one weekend

    def staff(self) -> Iterator[tuple[Employee, Contract, dict[int, Cell]]]:
        for emp in self.inst.employees:
            yield emp, self.contracts[emp.contract], self.days[emp.id]

    def start(self, day: int, sid: str) -> int:
        """Minutes from day 0, 00:00, at which shift `sid` of `day` starts."""
        return day * DAY + clock_minutes(self.stypes[sid].start)

    def intervals(self, eid: str) -> list[tuple[int, int, int]]:
        """(start, end, day) of the employee's shifts, in minutes from day 0, by start."""
        return sorted(
            (self.start(d, sid), self.start(d, sid) + self.stypes[sid].length_minutes, d)
            for d, (sid, _) in self.days[eid].items()
        )

    def history_end(self, emp: Employee) -> int | None:
        """Minute (from day 0, 00:00) at which the last shift before the horizon ended."""
        h = emp.history
        if h is None:
            return None
        if h.last_shift_end is not None:
            t0 = datetime.combine(self.inst.start_date, datetime.min.time())
            return int((h.last_shift_end.replace(tzinfo=None) - t0) / timedelta(minutes=1))
        if h.last_shift is not None:
            return self.start(-1, h.last_shift) + self.stypes[h.last_shift].length_minutes
        return None

    def worked(self, eid: str) -> list[bool]:
        return [d in self.days[eid] for d in range(self.inst.days)]

    def minutes(self, eid: str, days: list[int] | None = None) -> int:
        cells = self.days[eid]
        ds = cells if days is None else [d for d in days if d in cells]
        return sum(self.stypes[cells[d][0]].length_minutes for d in ds)

    def weekends_worked(self, eid: str) -> int:
        return sum(1 for ds in self.weekends if any(d in self.days[eid] for d in ds))

    def nights(self, eid: str) -> int:
        return sum(1 for sid, _ in self.days[eid].values() if self.stypes[sid].night)

    def works(self, eid: str, day: int, shift: str | None) -> bool:
        """Works on `day` (that shift, when one is given)."""
        got = self.days[eid].get(day)
        return got is not None and (shift is None or got[0] == shift)

    def count(self, c: Cover) -> int:
        """People on the row's shift (using its skill, for a skill row)."""
        return sum(
            1
            for cells in self.days.values()
            if (got := cells.get(c.day)) is not None
            and got[0] == c.shift
            and (c.skill is None or got[1] == c.skill)
        )


def read_roster(inst: RosteringInstance, plan: dict[str, Any]) -> Roster:
    employees = {e.id for e in inst.employees}
    shifts = {s.id for s in inst.shift_types}
    r = Roster(inst, plan, {e: {} for e in employees})
    for i, a in enumerate(plan.get("assignments", [])):
        eid, day, sid = a.get("employee"), a.get("day"), a.get("shift")
        in_horizon = isinstance(day, int) and 0 <= day < inst.days
        if eid not in employees or sid not in shifts or not in_horizon:
            r.unknown.append((i, a))
        elif day in r.days[eid]:
            r.doubles.append((eid, day))
        else:
            r.days[eid][day] = (sid, a.get("skill"))
    return r


# ---------------------------------------------------------------------------- the tally


class Tally:
    """Violations of hard rules and the penalties of soft ones, by rule and by owner."""

    def __init__(self, inst: RosteringInstance) -> None:
        self.inst = inst
        self.findings = Findings(RULES)
        self.by_rule: dict[str, int] = defaultdict(int)
        self.by: dict[str, dict[str, dict[str, int]]] = {
            k: defaultdict(lambda: defaultdict(int)) for k in ("employee", "coverage", "contract")
        }

    def broken(
        self,
        rule: str,
        owner: str,
        amount: int,
        message: str,
        weight: int = 1,
        kind: str = "employee",
        **entities: Any,
    ) -> None:
        """`rule` broken by `amount` units: a violation when hard, else a penalty."""
        if amount <= 0:
            return
        r = self.inst.rule(rule)
        if r.hard:
            self.findings.add(rule, message, **entities)
        else:
            self.price(rule, kind, owner, r.weight * weight * amount)

    def price(self, rule: str, kind: str, owner: str, penalty: int) -> None:
        if penalty:
            self.by_rule[rule] += penalty
            self.by[kind][owner][rule] += penalty

    def penalties(self) -> dict[str, Any]:
        return {
            "total": sum(self.by_rule.values()),
            "by_rule": dict(self.by_rule),
            **{f"by_{k}": {o: dict(x) for o, x in v.items()} for k, v in self.by.items()},
        }


def check(inst: RosteringInstance, solution: dict[str, Any]) -> CheckReport:
    r = read_roster(inst, solution)
    t = Tally(inst)
    for rule in RULES:
        CHECKS[rule](r, t)
    check_solution(r, t)
    penalties = t.penalties()
    return CheckReport(
        violations=t.findings.items, objective=float(penalties["total"]), penalties=penalties
    )


# ---------------------------------------------------------------------------- structural rules


def check_one_shift_per_day(r: Roster, t: Tally) -> None:
    """An assignment is a known employee on a day of the horizon in a known shift; one a day."""
    for i, a in r.unknown:
        t.findings.add(
            "one_shift_per_day",
            f"assignment {i} names an unknown employee, shift or day: {a}",
            assignment=i,
        )
    for eid, day in r.doubles:
        t.findings.add(
            "one_shift_per_day",
            f"employee {eid} has two shifts on day {day}",
            employee=eid,
            day=day,
        )


def check_no_overlap(r: Roster, t: Tally) -> None:
    for emp, _, _ in r.staff():
        iv = r.intervals(emp.id)
        for i, (_, end, d1) in enumerate(iv):
            for start, _, d2 in iv[i + 1 :]:
                if start < end:
                    t.findings.add(
                        "no_overlap",
                        f"employee {emp.id}: the shift of day {d2} starts before the shift of "
                        f"day {d1} ends",
                        employee=emp.id,
                        day=d2,
                    )
        hend = r.history_end(emp)
        for start, _, d in iv:
            if hend is not None and start < hend:
                t.findings.add(
                    "no_overlap",
                    f"employee {emp.id}: the shift of day {d} starts before their last shift "
                    "before the horizon ends",
                    employee=emp.id,
                    day=d,
                )


def check_pins(r: Roster, t: Tally) -> None:
    for p in r.inst.pins:
        got = r.days[p.employee].get(p.day)
        has = got[0] if got else None
        if has != p.shift:
            t.findings.add(
                "pins",
                f"employee {p.employee} is pinned to {p.shift or 'a day off'} on day {p.day} "
                f"but has {has or 'a day off'}",
                employee=p.employee,
                day=p.day,
            )


def check_skills(r: Roster, t: Tally) -> None:
    for emp, _, cells in r.staff():
        for day, (_, skill) in sorted(cells.items()):
            if skill is not None and skill not in emp.skills:
                t.findings.add(
                    "skills",
                    f"employee {emp.id} works day {day} with skill {skill!r}, which they do "
                    "not have",
                    employee=emp.id,
                    day=day,
                )


# ---------------------------------------------------------------------------- contract rules


def check_unavailable(r: Roster, t: Tally) -> None:
    for emp, _, cells in r.staff():
        for d in sorted(set(emp.unavailable_days)):
            if d in cells:
                msg = f"employee {emp.id} works day {d}, when unavailable"
                t.broken("unavailable", emp.id, 1, msg, employee=emp.id, day=d)


def check_forbidden_succession(r: Roster, t: Tally) -> None:
    for emp, _, cells in r.staff():
        prev = [(d, sid) for d, (sid, _) in cells.items()]
        if emp.history is not None and emp.history.last_shift is not None:
            prev.append((-1, emp.history.last_shift))
        for d, sid in sorted(prev):
            nxt = cells.get(d + 1)
            if nxt and nxt[0] in r.stypes[sid].forbidden_next:
                msg = f"employee {emp.id}: shift {nxt[0]} on day {d + 1} may not follow {sid}"
                t.broken("forbidden_succession", emp.id, 1, msg, employee=emp.id, day=d + 1)


def check_min_rest(r: Roster, t: Tally) -> None:
    """Rest between the end of any shift (or the history's last) and any later shift."""
    for emp, c, _ in r.staff():
        rest = c.min_rest_minutes
        if rest <= 0:
            continue
        iv = r.intervals(emp.id)
        hend = r.history_end(emp)
        ends = [(end, d) for _, end, d in iv] + ([(hend, -1)] if hend is not None else [])
        for end, d1 in ends:
            for start, _, d2 in iv:
                if d2 > d1 and 0 <= start - end < rest:
                    msg = (
                        f"employee {emp.id}: {start - end} minutes of rest between day {d1} and "
                        f"day {d2}, fewer than {rest}"
                    )
                    t.broken("min_rest", emp.id, 1, msg, employee=emp.id, day=d2)


def check_max_shifts_per_type(r: Roster, t: Tally) -> None:
    for emp, c, cells in r.staff():
        for sid, mx in c.max_shifts_per_type.items():
            n = sum(1 for s, _ in cells.values() if s == sid)
            msg = f"employee {emp.id} works {n} {sid} shifts, more than {mx}"
            t.broken("max_shifts_per_type", emp.id, n - mx, msg, employee=emp.id)


def check_max_total_minutes(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        if c.max_total_minutes is not None:
            m = r.minutes(emp.id)
            msg = f"employee {emp.id} works {m} minutes, more than {c.max_total_minutes}"
            t.broken("max_total_minutes", emp.id, m - c.max_total_minutes, msg, employee=emp.id)


def check_min_total_minutes(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        if c.min_total_minutes is not None:
            m = r.minutes(emp.id)
            msg = f"employee {emp.id} works {m} minutes, fewer than {c.min_total_minutes}"
            t.broken("min_total_minutes", emp.id, c.min_total_minutes - m, msg, employee=emp.id)


def check_max_week_minutes(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        if c.max_week_minutes is None:
            continue
        for wk in r.weeks:
            m = r.minutes(emp.id, wk)
            msg = (
                f"employee {emp.id} works {m} minutes in the week of days {wk[0]}-{wk[-1]}, "
                f"more than {c.max_week_minutes}"
            )
            t.broken("max_week_minutes", emp.id, m - c.max_week_minutes, msg, employee=emp.id)


def check_min_week_minutes(r: Roster, t: Tally) -> None:
    """Only weeks wholly inside the horizon (7 days) are judged."""
    for emp, c, _ in r.staff():
        if c.min_week_minutes is None:
            continue
        for wk in r.weeks:
            if len(wk) < 7:
                continue
            m = r.minutes(emp.id, wk)
            msg = (
                f"employee {emp.id} works {m} minutes in the week of days {wk[0]}-{wk[-1]}, "
                f"fewer than {c.min_week_minutes}"
            )
            t.broken("min_week_minutes", emp.id, c.min_week_minutes - m, msg, employee=emp.id)


def _runs(flags: list[bool]) -> list[tuple[int, int, bool]]:
    """(start, length, value) of each maximal run of equal flags."""
    out: list[tuple[int, int, bool]] = []
    for d, f in enumerate(flags):
        if out and out[-1][2] == f:
            a, n, _ = out[-1]
            out[-1] = (a, n + 1, f)
        else:
            out.append((d, 1, f))
    return out


def _history(emp: Employee) -> tuple[int, int]:
    """(days worked in a row, days off in a row) before day 0; (0, 0) when unknown."""
    h = emp.history
    return (h.consecutive_days_worked, h.consecutive_days_off) if h else (0, 0)


def check_max_consecutive_work(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        mx = c.max_consecutive_work
        if mx is None:
            continue
        k_w, _ = _history(emp)
        for a, n, val in _runs(r.worked(emp.id)):
            if not val:
                continue
            before = k_w if a == 0 else 0
            msg = (
                f"employee {emp.id} works {before + n} days in a row up to day {a + n - 1}, "
                f"more than {mx}"
            )
            over = max(0, min(n, before + n - mx))
            t.broken("max_consecutive_work", emp.id, over, msg, employee=emp.id, day=a)


def _min_run_shortfall(
    flags: list[bool], mn: int, before_same: int, before_other: int
) -> list[tuple[int, int]]:
    """(first day, days short) of every finished run of True flags shorter than mn.

    A run touching the horizon's end may continue and is not judged. A run touching day 0 is
    judged with the history: before_same days of the same kind lengthen it; when the history is
    unknown (both 0) it is not judged. A history run that ends the day before day 0 is judged
    too (first day -1).
    """
    D = len(flags)
    out = []
    for a, n, v in _runs(flags):
        if not v or a + n == D:
            continue
        if a == 0 and before_same == 0 and before_other == 0:
            continue
        total = before_same + n if a == 0 else n
        if total < mn:
            out.append((a, mn - total))
    if 0 < before_same < mn and D > 0 and not flags[0]:
        out.append((-1, mn - before_same))
    return out


def check_min_consecutive_work(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        mn = c.min_consecutive_work
        if mn is None or mn <= 1:
            continue
        k_w, k_o = _history(emp)
        for a, short in _min_run_shortfall(r.worked(emp.id), mn, k_w, k_o):
            msg = (
                f"employee {emp.id}: the working run starting day {a} is {short} day(s) "
                f"shorter than {mn}"
            )
            t.broken("min_consecutive_work", emp.id, short, msg, employee=emp.id, day=a)


def check_min_consecutive_off(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        mn = c.min_consecutive_off
        if mn is None or mn <= 1:
            continue
        k_w, k_o = _history(emp)
        off = [not f for f in r.worked(emp.id)]
        for a, short in _min_run_shortfall(off, mn, k_o, k_w):
            msg = (
                f"employee {emp.id}: the days off starting day {a} are {short} day(s) "
                f"fewer than {mn}"
            )
            t.broken("min_consecutive_off", emp.id, short, msg, employee=emp.id, day=a)


def check_max_weekends(r: Roster, t: Tally) -> None:
    for emp, c, _ in r.staff():
        if c.max_weekends is not None:
            n = r.weekends_worked(emp.id)
            msg = f"employee {emp.id} works {n} weekends, more than {c.max_weekends}"
            t.broken("max_weekends", emp.id, n - c.max_weekends, msg, employee=emp.id)


# ---------------------------------------------------------------------------- requests


def check_shift_on_request(r: Roster, t: Tally) -> None:
    for emp, _, _ in r.staff():
        for q in emp.shift_on_requests:
            if not r.works(emp.id, q.day, q.shift):
                msg = f"employee {emp.id} asked to work {q.shift or 'a shift'} on day {q.day}"
                t.broken("shift_on_request", emp.id, 1, msg, q.weight, employee=emp.id, day=q.day)


def check_shift_off_request(r: Roster, t: Tally) -> None:
    for emp, _, _ in r.staff():
        for q in emp.shift_off_requests:
            if r.works(emp.id, q.day, q.shift):
                msg = f"employee {emp.id} asked not to work {q.shift or 'any shift'} on day {q.day}"
                t.broken("shift_off_request", emp.id, 1, msg, q.weight, employee=emp.id, day=q.day)


# ---------------------------------------------------------------------------- coverage


def _owner(c: Cover) -> str:
    return f"{c.day}/{c.shift}" + (f"/{c.skill}" if c.skill else "")


def _cover(r: Roster, t: Tally, rule: str, amount: Callable[[Cover, int], int], what: str) -> None:
    for c in r.inst.coverage:
        n = r.count(c)
        weight = {
            "coverage_min": c.under_weight,
            "coverage_preferred": c.preferred_weight,
            "coverage_excess": c.over_weight,
        }[rule]
        msg = f"{_owner(c)}: {n} assigned, {what.format(min=c.min, pref=c.pref())}"
        t.broken(rule, _owner(c), amount(c, n), msg, weight, "coverage", day=c.day, shift=c.shift)


def check_coverage_min(r: Roster, t: Tally) -> None:
    _cover(r, t, "coverage_min", lambda c, n: c.min - n, "{min} needed")


def check_coverage_preferred(r: Roster, t: Tally) -> None:
    """People missing between min and preferred."""
    _cover(r, t, "coverage_preferred", lambda c, n: c.pref() - max(n, c.min), "{pref} preferred")


def check_coverage_excess(r: Roster, t: Tally) -> None:
    _cover(r, t, "coverage_excess", lambda c, n: n - c.pref(), "more than {pref}")


# ---------------------------------------------------------------------------- fairness


def _spread(r: Roster, t: Tally, rule: str, weight: int, metric: Callable[[str], int]) -> None:
    """weight * (max - min) of metric over each group of 2+ employees sharing a contract."""
    groups: dict[str, list[str]] = defaultdict(list)
    for emp in r.inst.employees:
        groups[emp.contract].append(emp.id)
    for cid, members in groups.items():
        if len(members) >= 2:
            vals = [metric(e) for e in members]
            t.price(rule, "contract", cid, weight * (max(vals) - min(vals)))


def check_fairness_weekends(r: Roster, t: Tally) -> None:
    _spread(r, t, "fairness_weekends", r.inst.fairness.weekends, r.weekends_worked)


def check_fairness_nights(r: Roster, t: Tally) -> None:
    _spread(r, t, "fairness_nights", r.inst.fairness.nights, r.nights)


def check_fairness_minutes(r: Roster, t: Tally) -> None:
    _spread(r, t, "fairness_minutes", r.inst.fairness.minutes, r.minutes)


CHECKS: dict[str, Callable[[Roster, Tally], None]] = {
    rule: globals()[f"check_{rule}"] for rule in RULES
}


# ---------------------------------------------------------------------------- derived tables


def check_solution(r: Roster, t: Tally) -> None:
    """The plan's derived fields and tables, where present, are those of its assignments."""
    plan, inst = r.plan, r.inst
    for i, a in enumerate(plan.get("assignments", [])):
        day = a.get("day")
        if "date" not in a or not isinstance(day, int) or not 0 <= day < inst.days:
            continue
        if str(a["date"]) != r.dates[day].isoformat():
            msg = f"assignment {i}: day {day} is {r.dates[day]}, not date {a['date']}"
            t.findings.add("solution", msg, assignment=i)
    if "grid" in plan:
        want = [
            {
                "employee": e.id,
                "days": [(r.days[e.id].get(d) or ("",))[0] for d in range(inst.days)],
            }
            for e in inst.employees
        ]
        _same_table(t, "grid", plan["grid"], want)
    if "coverage" in plan:
        _same_table(t, "coverage", plan["coverage"], [_coverage_row(r, c) for c in inst.coverage])
    if "employees" in plan:
        _same_table(
            t, "employees", plan["employees"], [_employee_row(r, e) for e in inst.employees]
        )


def _coverage_row(r: Roster, c: Cover) -> dict[str, Any]:
    n = r.count(c)
    return {
        "day": c.day,
        "date": r.dates[c.day].isoformat(),
        "shift": c.shift,
        "skill": c.skill,
        "required": c.min,
        "preferred": c.pref(),
        "assigned": n,
        "shortfall": max(0, c.min - n),
        "excess": max(0, n - c.pref()),
    }


def _employee_row(r: Roster, e: Employee) -> dict[str, Any]:
    c = r.contracts[e.contract]
    minutes = r.minutes(e.id)
    granted = sum(1 for q in e.shift_on_requests if r.works(e.id, q.day, q.shift)) + sum(
        1 for q in e.shift_off_requests if not r.works(e.id, q.day, q.shift)
    )
    return {
        "employee": e.id,
        "contract": e.contract,
        "shifts": len(r.days[e.id]),
        "worked_minutes": minutes,
        "min_total_minutes": c.min_total_minutes,
        "max_total_minutes": c.max_total_minutes,
        "weekends": r.weekends_worked(e.id),
        "max_weekends": c.max_weekends,
        "nights": r.nights(e.id),
        "requests": len(e.shift_on_requests) + len(e.shift_off_requests),
        "requests_granted": granted,
        "cost": round(e.cost_per_hour * minutes / 60, 2),
    }


def _same_table(t: Tally, name: str, got: Any, want: list[dict[str, Any]]) -> None:
    """Row by row and field by field; numbers equal to the cent."""
    if not isinstance(got, list) or len(got) != len(want):
        n = len(got) if isinstance(got, list) else "no"
        t.findings.add("solution", f"table {name} has {n} rows, the plan gives {len(want)}")
        return
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        for key, value in w.items():
            have = g.get(key) if isinstance(g, dict) else None
            if isinstance(value, float) and isinstance(have, int | float):
                equal = abs(have - value) < 0.005
            else:
                equal = have == value
            if not equal:
                t.findings.add(
                    "solution",
                    f"table {name}, row {i}: {key} is {have!r}, the assignments give {value!r}",
                    table=name,
                    row=i,
                )
