"""Solver-independent checker for staffing levels (never imports the formulation, the solver,
prepare.py or solution.py).

It reads the headcount per pattern, walks each person's working minutes (shift minus break,
day by day, wrapping a cyclic horizon) and counts, for every slot, the people working at the
slot's first minute; then it recomputes under-coverage, the part-time share and the cost. The
tables the plan derives from its headcounts (coverage per slot, shifts per day, cost) are
recomputed too: a table that disagrees with the plan's own headcounts is rule `solution`.
"""

from __future__ import annotations

from typing import Any

from ..core.check import Findings
from ..core.registry import CheckReport
from ..core.schema_types import clock_minutes
from .schema import RULES, Pattern, StaffingLevelsInstance


def check(inst: StaffingLevelsInstance, solution: dict[str, Any]) -> CheckReport:
    f = Findings(RULES)
    counts = check_headcount(inst, solution, f)
    short = check_coverage(inst, solution, counts, f)
    check_part_time_share(inst, counts, f)
    pats = {p.id: p for p in inst.patterns}
    labour = sum(pats[pid].cost * k for pid, k in counts.items())
    penalty = inst.under_penalty * short
    _check_shifts(inst, solution, counts, f)
    _check_cost(solution, {"labour": labour, "under_penalty": penalty}, f)
    return CheckReport(
        violations=f.items,
        objective=labour + penalty,
        penalties={"under_coverage": penalty, "labour": labour},
    )


# ------------------------------------------------------------------ rules


def check_headcount(
    inst: StaffingLevelsInstance, plan: dict[str, Any], f: Findings
) -> dict[str, int]:
    """Rule headcount: a known pattern, whole people >= 0, at most max_headcount (over its
    rows). Returns the people per pattern (a pattern without a row has none); each row's
    part_time and cost must be its pattern's (rule `solution`)."""
    pats = {p.id: p for p in inst.patterns}
    counts: dict[str, int] = {}
    for row in plan.get("headcount", []):
        pid, k = row.get("pattern"), row.get("count")
        if pid not in pats:
            f.add("headcount", f"unknown pattern {pid!r}", pattern=pid)
            continue
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            f.add(
                "headcount",
                f"pattern {pid}: headcount {k!r} is not a whole number >= 0",
                pattern=pid,
            )
            continue
        counts[pid] = counts.get(pid, 0) + k
        _check_headcount_row(pats[pid], row, k, f)
    for pid, k in counts.items():
        mx = pats[pid].max_headcount
        if mx is not None and k > mx:
            f.add("headcount", f"pattern {pid}: {k} people, more than its most {mx}", pattern=pid)
    return counts


def _check_headcount_row(p: Pattern, row: dict[str, Any], k: int, f: Findings) -> None:
    if row.get("part_time") != p.part_time:
        f.add(
            "solution",
            f"pattern {p.id}: part_time {row.get('part_time')!r} but the pattern says "
            f"{p.part_time}",
            pattern=p.id,
        )
    cost = row.get("cost")
    if not _close(cost, p.cost * k):
        f.add(
            "solution",
            f"pattern {p.id}: cost {cost!r} but {k} people cost {p.cost * k}",
            pattern=p.id,
        )


def working_per_slot(inst: StaffingLevelsInstance, counts: dict[str, int]) -> list[int]:
    """People at work at the first minute of every slot, walking each pattern minute by minute."""
    sm, T = inst.slot_minutes, len(inst.demand)
    horizon = T * sm
    pats = {p.id: p for p in inst.patterns}
    working = [0] * T
    for pid, k in counts.items():
        p = pats[pid]
        b0, b1 = p.break_offset_minutes, p.break_offset_minutes + p.break_minutes
        for d in p.days:
            s0 = d * 1440 + clock_minutes(p.start)
            for off in range(p.length_minutes):
                if p.break_minutes and b0 <= off < b1:
                    continue
                minute = s0 + off
                if minute >= horizon:
                    if not inst.cyclic:
                        continue
                    minute -= horizon
                if minute % sm == 0:
                    working[minute // sm] += k
    return working


def check_coverage(
    inst: StaffingLevelsInstance, plan: dict[str, Any], counts: dict[str, int], f: Findings
) -> int:
    """Rule coverage is priced, never forbidden: returns the people missing, summed over the
    slots. The plan's coverage table (`slots`) must be these slots, each with the demand, the
    people its headcounts put there, and their shortfall and excess (rule `solution`)."""
    working = working_per_slot(inst, counts)
    sm = inst.slot_minutes
    want: list[dict[str, Any]] = [
        {
            "slot": t,
            "day": t * sm // 1440,
            "time": f"{t * sm % 1440 // 60:02d}:{t * sm % 60:02d}",
            "demand": need,
            "covered": working[t],
            "short": max(0, need - working[t]),
            "over": max(0, working[t] - need),
        }
        for t, need in enumerate(inst.demand)
    ]
    _check_slot_table(plan.get("slots"), want, f)
    return sum(w["short"] for w in want)


def _check_slot_table(
    rows: list[dict[str, Any]] | None, want: list[dict[str, Any]], f: Findings
) -> None:
    if rows is None:
        f.add("solution", "the plan has no coverage table (slots)")
        return
    if len(rows) != len(want):
        f.add("solution", f"the coverage table has {len(rows)} rows for {len(want)} slots")
        return
    bad = [
        (t, k)
        for t, (r, w) in enumerate(zip(rows, want, strict=True))
        for k in w
        if r.get(k) != w[k]
    ]
    if bad:
        t, k = bad[0]
        more = len({t for t, _ in bad}) - 1
        f.add(
            "solution",
            f"slot {t}: the plan reports {k} {rows[t].get(k)!r} but its headcounts give "
            f"{want[t][k]!r}" + (f" (and {more} more slots disagree)" if more else ""),
            slot=t,
        )


def check_part_time_share(
    inst: StaffingLevelsInstance, counts: dict[str, int], f: Findings
) -> None:
    """Rule part_time_share: part-time people at most the share of all people."""
    share = inst.max_part_time_share
    if share is None:
        return
    pats = {p.id: p for p in inst.patterns}
    people = sum(counts.values())
    pt = sum(k for pid, k in counts.items() if pats[pid].part_time)
    if pt > share * people + 1e-9:
        f.add(
            "part_time_share", f"{pt} of {people} people are part-time, more than the share {share}"
        )


# ------------------------------------------------------------------ derived tables


def _check_shifts(
    inst: StaffingLevelsInstance, plan: dict[str, Any], counts: dict[str, int], f: Findings
) -> None:
    """The shifts table: people per (day, start, length), sorted, shifts nobody works left out."""
    want: dict[tuple[int, str, int], int] = {}
    for p in inst.patterns:
        for d in p.days if counts.get(p.id) else []:
            key = (d, p.start, p.length_minutes)
            want[key] = want.get(key, 0) + counts[p.id]
    rows = plan.get("shifts")
    if rows is None:
        f.add("solution", "the plan has no shifts table")
        return
    got = [(r.get("day"), r.get("start"), r.get("length_minutes"), r.get("people")) for r in rows]
    if got == [(*key, k) for key, k in sorted(want.items())]:
        return
    reported = {(d, st, ln): k for d, st, ln, k in got}
    wrong = [
        key
        for key in sorted(set(want) | set(reported), key=str)
        if reported.get(key, 0) != want.get(key, 0)
    ]
    if not wrong:
        msg = "the shifts table repeats a row, lists an empty shift or is not sorted"
        f.add("solution", msg + " by day, start, length")
        return
    d, st, ln = wrong[0]
    msg = (
        f"shift day {d} {st} ({ln} min): the plan reports {reported.get(wrong[0], 0)!r} people, "
        f"its headcounts put {want.get(wrong[0], 0)} there"
    )
    more = f" (and {len(wrong) - 1} more shifts disagree)" if len(wrong) > 1 else ""
    f.add("solution", msg + more, day=d)


def _check_cost(plan: dict[str, Any], want: dict[str, float], f: Findings) -> None:
    cost = plan.get("cost")
    if not isinstance(cost, dict):
        f.add("solution", "the plan has no cost")
        return
    want = {**want, "total": want["labour"] + want["under_penalty"]}
    for key, value in want.items():
        if not _close(cost.get(key), value):
            f.add(
                "solution",
                f"cost {key}: the plan reports {cost.get(key)!r}, its headcounts give {value}",
            )


def _close(a: Any, b: float) -> bool:
    return isinstance(a, (int, float)) and abs(a - b) <= 1e-6 * max(1.0, abs(b))
