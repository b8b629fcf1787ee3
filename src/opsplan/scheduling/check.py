"""Solver-independent checker for production schedules.

Deliberately written apart from prepare.py and cpsat.py: it reads the instance directly,
evaluates calendars from clock times, looks setups up itself and recomputes every objective
term, so a mistake in the formulation cannot hide behind the same mistake here.
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta
from typing import Any

from ..core.registry import CheckReport
from ..core.result import Finding
from .schema import UNIT_MINUTES, WEEKDAYS, Machine, SchedulingInstance


def _working(inst: SchedulingInstance, cal_id: str, minutes: float) -> bool:
    """Is the instant `minutes` after the start inside one of the calendar's windows?"""
    assert inst.start is not None
    cal = next(c for c in inst.calendars if c.id == cal_id)
    t = inst.start + timedelta(minutes=minutes)
    clock = t.hour * 60 + t.minute + t.second / 60
    today, yesterday = WEEKDAYS[t.weekday()], WEEKDAYS[(t.weekday() - 1) % 7]
    for w in cal.working:
        a = int(w.start[:2]) * 60 + int(w.start[3:])
        b = int(w.end[:2]) * 60 + int(w.end[3:])
        if b > a:
            if today in w.days and a <= clock < b:
                return True
        else:  # runs past midnight
            if today in w.days and clock >= a:
                return True
            if yesterday in w.days and clock < b:
                return True
    return False


def _first_off_instant(inst: SchedulingInstance, cal_id: str, lo: float, hi: float) -> float | None:
    """The first instant in [lo, hi) minutes outside the calendar's working time, or None.

    Working time is a union of [open, close) clock windows, so it can only change at those
    clock times (and midnight): checking lo and every such instant inside (lo, hi) is exact.
    """
    assert inst.start is not None
    cal = next(c for c in inst.calendars if c.id == cal_id)
    clocks = {0} | {int(x[:2]) * 60 + int(x[3:]) for w in cal.working for x in (w.start, w.end)}
    t0 = inst.start
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    base = (midnight - t0).total_seconds() / 60  # minutes from t0 to its day's midnight
    points = [lo]
    day = int((lo - base) // 1440)
    while base + day * 1440 < hi:
        points += [p for c in sorted(clocks) if lo < (p := base + day * 1440 + c) < hi]
        day += 1
    return next((p for p in points if not _working(inst, cal_id, p)), None)


def _off_periods(
    inst: SchedulingInstance, cal_id: str, lo: float, hi: float
) -> list[tuple[float, float]]:
    """The periods [a, b) in [lo, hi) minutes outside the calendar's working time (working
    time changes only at the windows' clock times and midnight, as in _first_off_instant)."""
    assert inst.start is not None
    cal = next(c for c in inst.calendars if c.id == cal_id)
    clocks = {0} | {int(x[:2]) * 60 + int(x[3:]) for w in cal.working for x in (w.start, w.end)}
    t0 = inst.start
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    base = (midnight - t0).total_seconds() / 60
    points = [lo]
    day = int((lo - base) // 1440)
    while base + day * 1440 < hi:
        points += [p for c in sorted(clocks) if lo < (p := base + day * 1440 + c) < hi]
        day += 1
    points.append(hi)
    out: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(points):
        if a < b and not _working(inst, cal_id, a):
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return out


def _unavailable_units(
    inst: SchedulingInstance, m: Machine, s: int, e: int
) -> list[tuple[int, int]]:
    """The unavailable time of machine m inside [s, e), in whole time units, merged: the
    explicit periods and every unit that is not wholly in the calendar's working time."""
    iv = [(max(s, u.start), min(e, u.end)) for u in m.unavailable if u.start < e and s < u.end]
    if m.calendar is not None:
        unit = UNIT_MINUTES[inst.time_unit]
        for a, b in _off_periods(inst, m.calendar, s * unit, e * unit):
            # unit t lies in [t * unit, (t + 1) * unit) minutes; it is out when that meets [a, b)
            lo, hi = math.floor(a / unit + 1e-9), math.ceil(b / unit - 1e-9)
            if max(s, lo) < min(e, hi):
                iv.append((max(s, lo), min(e, hi)))
    out: list[tuple[int, int]] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _stability(inst: SchedulingInstance, by_key: dict[tuple[str, str], dict[str, Any]]) -> int:
    """Sum over the previous plan's operations that are not frozen of |start shift| plus, when
    the machine changed, the operation's duration on its previous machine."""
    if inst.previous is None:
        return 0
    freeze = inst.previous.freeze_until
    ops = {(j.id, op.id): op for j in inst.jobs for op in j.operations}
    total = 0
    for p in inst.previous.operations:
        if freeze is not None and p.start < freeze:
            continue
        r = by_key[(p.job, p.operation)]
        total += abs(int(r["start"]) - p.start)
        if r["machine"] != p.machine:
            total += next(
                md.duration for md in ops[(p.job, p.operation)].machines if md.machine == p.machine
            )
    return total


def _objective_terms(
    inst: SchedulingInstance,
    completion: dict[str, int],
    by_key: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, int]:
    jobs = inst.jobs
    return {
        "stability": _stability(inst, by_key),
        "makespan": max(completion.values()),
        "weighted_completion": sum(j.weight * completion[j.id] for j in jobs),
        "weighted_tardiness": sum(
            j.weight * max(0, completion[j.id] - j.due) for j in jobs if j.due is not None
        ),
        "late_jobs": sum(j.weight for j in jobs if j.due is not None and completion[j.id] > j.due),
    }


def objective_value(inst: SchedulingInstance, terms: dict[str, int]) -> float:
    obj = inst.objective
    if obj.mode == "lexicographic":
        return float(terms[obj.terms[0].kind])
    return float(sum(t.weight * terms[t.kind] for t in obj.terms))


def _check_pause(
    inst: SchedulingInstance,
    m: Machine,
    oid: str,
    jid: str,
    r: dict[str, Any],
    d: int,
    bad: Any,
) -> None:
    """An operation that pauses over unavailable time: it starts in working time and ends
    when d units of working time lie in [start, end), so end - start is d plus the
    unavailable time inside; what the row reports as paused must be that time."""
    s, e = int(r["start"]), int(r["end"])
    ent = {"job": jid, "operation": oid, "machine": m.id}
    blocked = _unavailable_units(inst, m, s, max(s, e))
    paused = sum(b - a for a, b in blocked)
    if blocked and blocked[0][0] == s:
        bad(
            "calendar",
            f"operation {oid} of job {jid} starts at {s}, when {m.id} is unavailable "
            f"(until {blocked[0][1]}); an operation that pauses starts in working time",
            **ent,
        )
    elif e - s != d + paused:
        bad(
            "duration",
            f"operation {oid} of job {jid} ({s}-{e}) has {e - s - paused} of working time on "
            f"{m.id} between its pauses ({paused}), expected {d}: it should end at "
            f"{s} + {d} + the unavailable time it spans",
            **ent,
        )
    elif blocked and blocked[-1][1] == e:
        bad(
            "duration",
            f"operation {oid} of job {jid} ends at {e}, after a pause: its work is done at "
            f"{blocked[-1][0]}",
            **ent,
        )
    if "paused" in r and int(r["paused"] or 0) != paused:
        bad(
            "pause",
            f"operation {oid} of job {jid} ({s}-{e}) is reported paused for {r['paused']}, "
            f"but {m.id} is unavailable for {paused} inside it",
            **ent,
        )
    given = r.get("pauses")
    if given is not None and [list(p) for p in given] != [[a, b] for a, b in blocked]:
        bad(
            "pause",
            f"operation {oid} of job {jid} ({s}-{e}) reports pauses {given}, but {m.id} is "
            f"unavailable in {[[a, b] for a, b in blocked]} inside it",
            **ent,
        )


def check(inst: SchedulingInstance, solution: dict[str, Any]) -> CheckReport:
    v: list[Finding] = []

    def bad(rule: str, msg: str, **ent: Any) -> None:
        v.append(Finding(rule=rule, message=msg, entities=ent))

    rows = solution.get("operations") or []
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (str(r["job"]), str(r["operation"]))
        if key in by_key:
            bad(
                "operations",
                f"operation {key[1]} of job {key[0]} is scheduled twice",
                job=key[0],
                operation=key[1],
            )
        by_key[key] = r
    machines = {m.id: m for m in inst.machines}
    expected = {(j.id, op.id) for j in inst.jobs for op in j.operations}
    for key in by_key.keys() - expected:
        bad(
            "operations",
            f"unknown operation {key[1]} of job {key[0]}",
            job=key[0],
            operation=key[1],
        )
    for key in sorted(expected - by_key.keys()):
        bad(
            "operations",
            f"operation {key[1]} of job {key[0]} is not scheduled",
            job=key[0],
            operation=key[1],
        )
    if v:
        return CheckReport(violations=v, objective=None)

    setup_rules = {(r.machine, r.from_family, r.to_family): r.time for r in inst.setups}

    def setup(mid: str, a: str | None, b: str | None) -> int:
        if a is None or b is None:
            return 0
        return setup_rules.get((mid, a, b), setup_rules.get((None, a, b), 0))

    previous = {(p.job, p.operation): p for p in inst.previous.operations} if inst.previous else {}
    freeze = inst.previous.freeze_until if inst.previous else None
    family: dict[tuple[str, str], str | None] = {}
    completion: dict[str, int] = {}
    unit = UNIT_MINUTES[inst.time_unit]
    for job in inst.jobs:
        for k, op in enumerate(job.operations):
            r = by_key[(job.id, op.id)]
            family[(job.id, op.id)] = op.family
            mid, s, e = r["machine"], int(r["start"]), int(r["end"])
            ent = {"job": job.id, "operation": op.id, "machine": mid}
            if int(r.get("index", k)) != k:
                bad(
                    "operations",
                    f"operation {op.id} of job {job.id} has index {r['index']}, expected {k}",
                    **ent,
                )
            durations = {md.machine: md.duration for md in op.machines}
            m = machines.get(mid)
            # it may pause over unavailable time: its own flag, else its machine's
            pausing = (
                m is not None
                and durations.get(mid, 0) > 0
                and (op.may_pause if op.may_pause is not None else m.may_pause)
            )
            if mid not in durations:
                bad(
                    "eligibility",
                    f"operation {op.id} of job {job.id} runs on {mid}, which is "
                    "not eligible for it",
                    **ent,
                )
            elif pausing:
                assert m is not None
                _check_pause(inst, m, op.id, job.id, r, durations[mid], bad)
            elif r.get("paused"):
                bad(
                    "pause",
                    f"operation {op.id} of job {job.id} may not pause on {mid} but is reported "
                    f"paused for {r['paused']}",
                    **ent,
                )
            elif e - s != durations[mid]:
                bad(
                    "duration",
                    f"operation {op.id} of job {job.id} lasts {e - s} on {mid}, "
                    f"expected {durations[mid]}",
                    **ent,
                )
            if s < 0:
                bad("horizon", f"operation {op.id} of job {job.id} starts before time 0", **ent)
            if s < job.release:
                bad(
                    "release",
                    f"operation {op.id} of job {job.id} starts at {s}, before the "
                    f"job's release {job.release}",
                    **ent,
                )
            if inst.horizon is not None and e > inst.horizon:
                bad(
                    "horizon",
                    f"operation {op.id} of job {job.id} ends at {e}, after the "
                    f"horizon {inst.horizon}",
                    **ent,
                )
            if op.pin is not None:
                if op.pin.machine is not None and mid != op.pin.machine:
                    bad(
                        "pin",
                        f"operation {op.id} of job {job.id} is pinned to machine "
                        f"{op.pin.machine} but runs on {mid}",
                        **ent,
                    )
                if op.pin.start is not None and s != op.pin.start:
                    bad(
                        "pin",
                        f"operation {op.id} of job {job.id} is pinned to start at "
                        f"{op.pin.start} but starts at {s}",
                        **ent,
                    )
            pv = previous.get((job.id, op.id))
            frozen = pv is not None and freeze is not None and pv.start < freeze
            if pv is not None and frozen and (mid != pv.machine or s != pv.start):
                bad(
                    "freeze",
                    f"operation {op.id} of job {job.id} starts before the freeze time "
                    f"{freeze} in the previous plan ({pv.machine} at {pv.start}), so it is "
                    f"kept there, but it runs on {mid} at {s}",
                    **ent,
                )
            m = machines.get(mid)
            if m is not None and e > s and not pausing:
                for iv in m.unavailable:
                    if s < iv.end and iv.start < e:
                        bad(
                            "calendar",
                            f"operation {op.id} of job {job.id} ({s}-{e}) overlaps "
                            f"the unavailable period {iv.start}-{iv.end} of {mid}"
                            + (f" ({iv.reason})" if iv.reason else ""),
                            **ent,
                        )
                if m.calendar is not None:
                    off = _first_off_instant(inst, m.calendar, s * unit, e * unit)
                    if off is not None:
                        assert inst.start is not None  # validation: calendars need a start
                        when = (inst.start + timedelta(minutes=off)).strftime("%a %Y-%m-%d %H:%M")
                        bad(
                            "calendar",
                            f"operation {op.id} of job {job.id} ({s}-{e}) runs on {when}, "
                            f"outside the working time of {mid}",
                            **ent,
                        )
        ends = [int(by_key[(job.id, op.id)]["end"]) for op in job.operations]
        completion[job.id] = max(ends)
        for op_id, preds in job.predecessors_of().items():
            r = by_key[(job.id, op_id)]
            for p in preds:
                rp = by_key[(job.id, p)]
                if int(r["start"]) < int(rp["end"]):
                    bad(
                        "precedence",
                        f"operation {op_id} of job {job.id} starts at "
                        f"{r['start']}, before its predecessor {p} ends at {rp['end']}",
                        job=job.id,
                        operation=op_id,
                    )
        if job.deadline is not None and completion[job.id] > job.deadline:
            bad(
                "deadline",
                f"job {job.id} completes at {completion[job.id]}, after its deadline "
                f"{job.deadline}",
                job=job.id,
            )

    per_machine: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if int(r["end"]) > int(r["start"]):  # a zero-length operation occupies no machine time
            per_machine.setdefault(r["machine"], []).append(r)
    for mid, lst in per_machine.items():
        lst.sort(key=lambda r: (int(r["start"]), int(r["end"])))
        m = machines.get(mid)
        init = m.initial_family if m is not None else None
        if lst and init is not None:
            first = lst[0]
            need = setup(mid, init, family[(str(first["job"]), str(first["operation"]))])
            if int(first["start"]) < need:
                bad(
                    "setup",
                    f"{mid} needs setup {need} before its first operation "
                    f"{first['operation']} (job {first['job']}), which starts at {first['start']}",
                    machine=mid,
                )
        for a, b in itertools.pairwise(lst):
            fa = family[(str(a["job"]), str(a["operation"]))]
            fb = family[(str(b["job"]), str(b["operation"]))]
            gap = setup(mid, fa, fb)
            if int(b["start"]) < int(a["end"]) + gap:
                what = "overlap" if int(b["start"]) < int(a["end"]) else "setup"
                bad(
                    "capacity" if what == "overlap" else "setup",
                    f"on {mid}, operation {b['operation']} (job {b['job']}) starts at "
                    f"{b['start']} but {a['operation']} (job {a['job']}) ends at {a['end']}"
                    + (f" and needs setup {gap}" if gap else ""),
                    machine=mid,
                )

    terms = _objective_terms(inst, completion, by_key)
    penalties: dict[str, Any] = {t.kind: terms[t.kind] for t in inst.objective.terms}
    return CheckReport(violations=v, objective=objective_value(inst, terms), penalties=penalties)
