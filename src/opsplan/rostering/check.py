"""Solver-independent checker for rosters.

Written apart from cpsat.py (it does not import it): it rebuilds each employee's day-by-day
roster from the assignments, measures runs of working days and days off, clock-time gaps between
shifts, weeks, weekends and coverage counts directly, and recomputes every penalty. A hard rule
broken is a violation; a soft rule broken costs its weight (models/rostering.md).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from ..core.registry import CheckReport
from ..core.result import Finding
from .schema import RosteringInstance


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


def _min_run_shortfall(
    flags: list[bool], value: bool, mn: int, before_same: int, before_other: int
) -> list[tuple[int, int]]:
    """(first day, days short) of every finished run of `value` shorter than mn.

    A run touching the horizon's end may continue and is not judged. A run touching day 0 is
    judged with the history: before_same days of the same kind lengthen it; when the history is
    unknown (both 0) it is not judged. A history run of `value` that ends the day before day 0 is
    judged too.
    """
    D = len(flags)
    out = []
    for a, n, v in _runs(flags):
        if v != value or a + n == D:
            continue
        if a == 0:
            if before_same > 0:
                total = before_same + n
            elif before_other > 0:
                total = n
            else:
                continue
        else:
            total = n
        if total < mn:
            out.append((a, mn - total))
    if 0 < before_same < mn and D > 0 and flags[0] != value:
        out.append((-1, mn - before_same))
    return out


def check(inst: RosteringInstance, solution: dict[str, Any]) -> CheckReport:
    v: list[Finding] = []
    D = inst.days
    stypes = {s.id: s for s in inst.shift_types}
    emps = {e.id: e for e in inst.employees}
    contracts = {c.id: c for c in inst.contracts}
    t0 = datetime.combine(inst.start_date, datetime.min.time())

    def start_of(day: int, sid: str) -> int:
        st = stypes[sid].start
        return day * 1440 + int(st[:2]) * 60 + int(st[3:])

    # ---- read the roster; structural rules are always hard
    roster: dict[str, dict[int, tuple[str, str | None]]] = {e.id: {} for e in inst.employees}
    for i, a in enumerate(solution.get("assignments", [])):
        eid, day, sid, skill = a.get("employee"), a.get("day"), a.get("shift"), a.get("skill")
        if eid not in emps or sid not in stypes or not isinstance(day, int) or not 0 <= day < D:
            v.append(
                Finding(
                    rule="assignment",
                    message=f"assignment {i} names an unknown employee, shift or day: {a}",
                )
            )
            continue
        if day in roster[eid]:
            v.append(
                Finding(
                    rule="one_shift_per_day",
                    entities={"employee": eid, "day": day},
                    message=f"employee {eid} has two shifts on day {day}",
                )
            )
            continue
        if skill is not None and skill not in emps[eid].skills:
            v.append(
                Finding(
                    rule="skills",
                    entities={"employee": eid, "day": day},
                    message=f"employee {eid} works day {day} with skill {skill!r}, "
                    "which they do not have",
                )
            )
        roster[eid][day] = (sid, skill)

    by_rule: dict[str, int] = defaultdict(int)
    by: dict[str, dict[str, dict[str, int]]] = {
        k: defaultdict(lambda: defaultdict(int)) for k in ("employee", "coverage", "contract")
    }

    def broken(
        rule: str,
        kind: str,
        owner: str,
        amount: int,
        item_weight: int,
        msg: str,
        entities: dict[str, Any],
    ) -> None:
        if amount <= 0:
            return
        r = inst.rule(rule)
        if r.hard:
            v.append(Finding(rule=rule, message=msg, entities=entities))
            return
        pen = r.weight * item_weight * amount
        if pen:
            by_rule[rule] += pen
            by[kind][owner][rule] += pen

    # weeks (ISO, Monday to Sunday) and weekends (Saturday date) inside the horizon
    weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
    weekends: dict[Any, list[int]] = defaultdict(list)
    for d in range(D):
        dt = inst.start_date + timedelta(days=d)
        iso = dt.isocalendar()
        weeks[(iso[0], iso[1])].append(d)
        if dt.weekday() >= 5:
            weekends[dt - timedelta(days=dt.weekday() - 5)].append(d)

    for p in inst.pins:
        got = roster[p.employee].get(p.day)
        if (got[0] if got else None) != p.shift:
            v.append(
                Finding(
                    rule="pin",
                    entities={"employee": p.employee, "day": p.day},
                    message=f"employee {p.employee} is pinned to "
                    f"{p.shift or 'a day off'} on day {p.day} but has "
                    f"{got[0] if got else 'a day off'}",
                )
            )

    for emp in inst.employees:
        eid = emp.id
        c = contracts[emp.contract]
        days = roster[eid]
        worked = [d in days for d in range(D)]
        ent: dict[str, Any] = {"employee": eid}
        h = emp.history
        k_w = h.consecutive_days_worked if h else 0
        k_o = h.consecutive_days_off if h else 0

        # intervals in minutes from day 0, 00:00
        iv = sorted(
            (start_of(d, sid), start_of(d, sid) + stypes[sid].length_minutes, d)
            for d, (sid, _) in days.items()
        )
        hend: int | None = None
        if h is not None:
            if h.last_shift_end is not None:
                hend = int((h.last_shift_end.replace(tzinfo=None) - t0) / timedelta(minutes=1))
            elif h.last_shift is not None:
                hend = start_of(-1, h.last_shift) + stypes[h.last_shift].length_minutes
        for i in range(len(iv)):
            for j in range(i + 1, len(iv)):
                if iv[j][0] < iv[i][1]:
                    v.append(
                        Finding(
                            rule="no_overlap",
                            entities={**ent, "day": iv[j][2]},
                            message=f"employee {eid}: the shift of day {iv[j][2]} "
                            f"starts before the shift of day {iv[i][2]} ends",
                        )
                    )
        if hend is not None:
            for s, _, d in iv:
                if s < hend:
                    v.append(
                        Finding(
                            rule="no_overlap",
                            entities={**ent, "day": d},
                            message=f"employee {eid}: the shift of day {d} starts "
                            "before their last shift before the horizon ends",
                        )
                    )
        # min rest between any two shifts (and after the last shift of the history)
        rest = c.min_rest_minutes
        if rest > 0:
            ends = [(e_, d) for _, e_, d in iv] + ([(hend, -1)] if hend is not None else [])
            for e_, d1 in ends:
                for s, _, d2 in iv:
                    if d2 > d1 and 0 <= s - e_ < rest:
                        broken(
                            "min_rest",
                            "employee",
                            eid,
                            1,
                            1,
                            f"employee {eid}: {s - e_} minutes of rest between day {d1} and "
                            f"day {d2}, fewer than {rest}",
                            {**ent, "day": d2},
                        )

        for d in sorted(set(emp.unavailable_days)):
            if worked[d]:
                broken(
                    "unavailable",
                    "employee",
                    eid,
                    1,
                    1,
                    f"employee {eid} works day {d}, when unavailable",
                    {**ent, "day": d},
                )

        prev = [(d, days[d][0]) for d in range(D - 1) if d in days]
        if h is not None and h.last_shift is not None:
            prev.append((-1, h.last_shift))
        for d, sid in prev:
            nxt = days.get(d + 1)
            if nxt and nxt[0] in stypes[sid].forbidden_next:
                broken(
                    "forbidden_succession",
                    "employee",
                    eid,
                    1,
                    1,
                    f"employee {eid}: shift {nxt[0]} on day {d + 1} may not follow {sid}",
                    {**ent, "day": d + 1},
                )

        for sid, mx in c.max_shifts_per_type.items():
            n = sum(1 for s, _ in days.values() if s == sid)
            broken(
                "max_shifts_per_type",
                "employee",
                eid,
                n - mx,
                1,
                f"employee {eid} works {n} {sid} shifts, more than {mx}",
                ent,
            )

        def mins(ds: list[int], days: dict[int, tuple[str, str | None]] = days) -> int:
            return sum(stypes[days[d][0]].length_minutes for d in ds if d in days)

        total = mins(list(range(D)))
        if c.max_total_minutes is not None:
            broken(
                "max_total_minutes",
                "employee",
                eid,
                total - c.max_total_minutes,
                1,
                f"employee {eid} works {total} minutes, more than {c.max_total_minutes}",
                ent,
            )
        if c.min_total_minutes is not None:
            broken(
                "min_total_minutes",
                "employee",
                eid,
                c.min_total_minutes - total,
                1,
                f"employee {eid} works {total} minutes, fewer than {c.min_total_minutes}",
                ent,
            )
        for wk in weeks.values():
            m = mins(wk)
            if c.max_week_minutes is not None:
                broken(
                    "max_week_minutes",
                    "employee",
                    eid,
                    m - c.max_week_minutes,
                    1,
                    f"employee {eid} works {m} minutes in the week of days {wk[0]}-{wk[-1]}, "
                    f"more than {c.max_week_minutes}",
                    ent,
                )
            if c.min_week_minutes is not None and len(wk) == 7:
                broken(
                    "min_week_minutes",
                    "employee",
                    eid,
                    c.min_week_minutes - m,
                    1,
                    f"employee {eid} works {m} minutes in the week of days {wk[0]}-{wk[-1]}, "
                    f"fewer than {c.min_week_minutes}",
                    ent,
                )

        if c.max_consecutive_work is not None:
            mx = c.max_consecutive_work
            for a, n, val in _runs(worked):
                if not val:
                    continue
                before = k_w if a == 0 else 0
                over = max(0, min(n, before + n - mx))
                broken(
                    "max_consecutive_work",
                    "employee",
                    eid,
                    over,
                    1,
                    f"employee {eid} works {before + n} days in a row up to day {a + n - 1}, "
                    f"more than {mx}",
                    {**ent, "day": a},
                )
        if c.min_consecutive_work is not None and c.min_consecutive_work > 1:
            for a, short in _min_run_shortfall(worked, True, c.min_consecutive_work, k_w, k_o):
                broken(
                    "min_consecutive_work",
                    "employee",
                    eid,
                    short,
                    1,
                    f"employee {eid}: the working run starting day {a} is {short} day(s) "
                    f"shorter than {c.min_consecutive_work}",
                    {**ent, "day": a},
                )
        if c.min_consecutive_off is not None and c.min_consecutive_off > 1:
            off = [not f for f in worked]
            for a, short in _min_run_shortfall(off, True, c.min_consecutive_off, k_o, k_w):
                broken(
                    "min_consecutive_off",
                    "employee",
                    eid,
                    short,
                    1,
                    f"employee {eid}: the days off starting day {a} are {short} day(s) "
                    f"fewer than {c.min_consecutive_off}",
                    {**ent, "day": a},
                )

        n_we = sum(1 for ds in weekends.values() if any(worked[d] for d in ds))
        if c.max_weekends is not None:
            broken(
                "max_weekends",
                "employee",
                eid,
                n_we - c.max_weekends,
                1,
                f"employee {eid} works {n_we} weekends, more than {c.max_weekends}",
                ent,
            )

        for r in emp.shift_on_requests:
            got = days.get(r.day)
            granted = got is not None and (r.shift is None or got[0] == r.shift)
            if not granted:
                broken(
                    "shift_on_request",
                    "employee",
                    eid,
                    1,
                    r.weight,
                    f"employee {eid} asked to work {r.shift or 'a shift'} on day {r.day}",
                    {**ent, "day": r.day},
                )
        for r in emp.shift_off_requests:
            got = days.get(r.day)
            if got is not None and (r.shift is None or got[0] == r.shift):
                broken(
                    "shift_off_request",
                    "employee",
                    eid,
                    1,
                    r.weight,
                    f"employee {eid} asked not to work {r.shift or 'any shift'} on day {r.day}",
                    {**ent, "day": r.day},
                )

    # coverage
    for cv in inst.coverage:
        owner = f"{cv.day}/{cv.shift}" + (f"/{cv.skill}" if cv.skill else "")
        cnt = sum(
            1
            for eid in roster
            if (got := roster[eid].get(cv.day)) is not None
            and got[0] == cv.shift
            and (cv.skill is None or got[1] == cv.skill)
        )
        pref = cv.min if cv.preferred is None else cv.preferred
        ent = {"day": cv.day, "shift": cv.shift}
        broken(
            "coverage_min",
            "coverage",
            owner,
            cv.min - cnt,
            cv.under_weight,
            f"{owner}: {cnt} assigned, {cv.min} needed",
            ent,
        )
        broken(
            "coverage_preferred",
            "coverage",
            owner,
            pref - max(cnt, cv.min),
            cv.preferred_weight,
            f"{owner}: {cnt} assigned, {pref} preferred",
            ent,
        )
        broken(
            "coverage_excess",
            "coverage",
            owner,
            cnt - pref,
            cv.over_weight,
            f"{owner}: {cnt} assigned, more than {pref}",
            ent,
        )

    # fairness within each contract (comparable employees)
    f = inst.fairness
    groups: dict[str, list[str]] = defaultdict(list)
    for emp in inst.employees:
        groups[emp.contract].append(emp.id)
    for cid, members in groups.items():
        if len(members) < 2:
            continue
        metrics = {
            "fairness_weekends": (
                f.weekends,
                [
                    sum(1 for ds in weekends.values() if any(d in roster[e] for d in ds))
                    for e in members
                ],
            ),
            "fairness_nights": (
                f.nights,
                [sum(1 for s, _ in roster[e].values() if stypes[s].night) for e in members],
            ),
            "fairness_minutes": (
                f.minutes,
                [sum(stypes[s].length_minutes for s, _ in roster[e].values()) for e in members],
            ),
        }
        for rule, (weight, vals) in metrics.items():
            pen = weight * (max(vals) - min(vals))
            if pen:
                by_rule[rule] += pen
                by["contract"][cid][rule] += pen

    total = sum(by_rule.values())
    penalties: dict[str, Any] = {
        "total": total,
        "by_rule": dict(by_rule),
        "by_employee": {k: dict(x) for k, x in by["employee"].items()},
        "by_coverage": {k: dict(x) for k, x in by["coverage"].items()},
        "by_contract": {k: dict(x) for k, x in by["contract"].items()},
    }
    return CheckReport(violations=v, objective=float(total), penalties=penalties)
