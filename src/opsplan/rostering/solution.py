"""The typed roster (schema.RosteringSolution) from raw assignments, with its derived tables.

Raw assignments are what the formulations extract: dicts with employee, day, shift and skill.
The grid, the coverage table and the employee table are derived from them here, and only here;
the checker recomputes them on its own and names any difference (rule `solution`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from .schema import (
    Assignment,
    CoverageRow,
    Employee,
    EmployeeRow,
    GridRow,
    RosteringInstance,
    RosteringSolution,
)

Raw = dict[str, Any]


def build_solution(inst: RosteringInstance, assignments: Iterable[Raw]) -> RosteringSolution:
    rows = [
        Assignment(
            employee=a["employee"],
            day=a["day"],
            shift=a["shift"],
            skill=a.get("skill"),
            date=inst.start_date + timedelta(days=a["day"]),
        )
        for a in sorted(assignments, key=lambda a: (a["day"], a["shift"], a["employee"]))
    ]
    return RosteringSolution(
        assignments=rows,
        grid=grid(inst, rows),
        coverage=coverage_table(inst, rows),
        employees=employee_table(inst, rows),
    )


def _by_employee(rows: list[Assignment]) -> dict[str, dict[int, Assignment]]:
    out: dict[str, dict[int, Assignment]] = defaultdict(dict)
    for a in rows:
        out[a.employee][a.day] = a
    return out


def grid(inst: RosteringInstance, rows: list[Assignment]) -> list[GridRow]:
    roster = _by_employee(rows)
    return [
        GridRow(
            employee=e.id,
            days=[a.shift if (a := roster[e.id].get(d)) else "" for d in range(inst.days)],
        )
        for e in inst.employees
    ]


def coverage_table(inst: RosteringInstance, rows: list[Assignment]) -> list[CoverageRow]:
    on: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    for a in rows:
        on[(a.day, a.shift)].append(a)
    out = []
    for c in inst.coverage:
        n = sum(1 for a in on[(c.day, c.shift)] if c.skill is None or a.skill == c.skill)
        out.append(
            CoverageRow(
                day=c.day,
                date=inst.start_date + timedelta(days=c.day),
                shift=c.shift,
                skill=c.skill,
                required=c.min,
                preferred=c.pref(),
                assigned=n,
                shortfall=max(0, c.min - n),
                excess=max(0, n - c.pref()),
            )
        )
    return out


def _saturday(start: date, day: int) -> date | None:
    """The Saturday of the weekend `day` belongs to; None on a weekday."""
    dt = start + timedelta(days=day)
    return dt - timedelta(days=dt.weekday() - 5) if dt.weekday() >= 5 else None


def _granted(e: Employee, days: dict[int, Assignment]) -> int:
    def works(day: int, shift: str | None) -> bool:
        return day in days and (shift is None or days[day].shift == shift)

    on = sum(1 for r in e.shift_on_requests if works(r.day, r.shift))
    off = sum(1 for r in e.shift_off_requests if not works(r.day, r.shift))
    return on + off


def employee_table(inst: RosteringInstance, rows: list[Assignment]) -> list[EmployeeRow]:
    roster = _by_employee(rows)
    length = {s.id: s.length_minutes for s in inst.shift_types}
    night = {s.id for s in inst.shift_types if s.night}
    contracts = {c.id: c for c in inst.contracts}
    out = []
    for e in inst.employees:
        days = roster[e.id]
        c = contracts[e.contract]
        minutes = sum(length[a.shift] for a in days.values())
        weekends = {_saturday(inst.start_date, d) for d in days} - {None}
        out.append(
            EmployeeRow(
                employee=e.id,
                contract=e.contract,
                shifts=len(days),
                worked_minutes=minutes,
                min_total_minutes=c.min_total_minutes,
                max_total_minutes=c.max_total_minutes,
                weekends=len(weekends),
                max_weekends=c.max_weekends,
                nights=sum(1 for a in days.values() if a.shift in night),
                requests=len(e.shift_on_requests) + len(e.shift_off_requests),
                requests_granted=_granted(e, days),
                cost=round(e.cost_per_hour * minutes / 60, 2),
            )
        )
    return out
