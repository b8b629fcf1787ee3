"""Solver-independent checker for production schedules: one check_<rule>() per rule of
models/scheduling.md, plus `check_solution` for the plan's derived fields and tables.

Deliberately written apart from prepare.py, cpsat.py and solution.py: it reads the instance
directly, evaluates calendars from clock times, looks setups up itself, recomputes every
objective term and every derived table, so a mistake in the formulation or in the plan's
tables cannot hide behind the same mistake here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ..core.check import Findings
from ..core.registry import CheckReport
from ..core.schema_types import clock_minutes
from .schema import RULES, UNIT_MINUTES, WEEKDAYS, Job, Machine, Operation, SchedulingInstance

Key = tuple[str, str]  # (job id, operation id)
Rows = dict[Key, dict[str, Any]]  # the plan's row of each operation


def check(inst: SchedulingInstance, plan: dict[str, Any]) -> CheckReport:
    """Every rule on the plan's operations, then the derived fields and tables it gives."""
    f = Findings(RULES)
    by_key = check_operations(inst, plan.get("operations") or [], f)
    if by_key is None:  # an operation missing, unknown or twice: the other rules cannot be read
        return CheckReport(violations=f.items, objective=None)
    check_precedence(inst, by_key, f)
    check_release(inst, by_key, f)
    check_pin(inst, by_key, f)
    check_freeze(inst, by_key, f)
    pauses = check_capacity_and_calendar(inst, by_key, f)
    check_setup(inst, by_key, f)
    completion = check_completion(inst, by_key, f)
    check_deadline(inst, completion, f)
    check_horizon(inst, by_key, f)
    check_solution(inst, plan, by_key, pauses, f)
    terms = _objective_terms(inst, completion, by_key)
    penalties: dict[str, Any] = {t.kind: terms[t.kind] for t in inst.objective.terms}
    return CheckReport(
        violations=f.items, objective=objective_value(inst, terms), penalties=penalties
    )


def _placed(inst: SchedulingInstance, by_key: Rows) -> Iterator[tuple[Job, Operation, dict]]:
    """Every operation of the instance with its row of the plan."""
    for job in inst.jobs:
        for op in job.operations:
            yield job, op, by_key[(job.id, op.id)]


def _ent(job: Job, op: Operation, r: dict[str, Any]) -> dict[str, Any]:
    return {"job": job.id, "operation": op.id, "machine": r["machine"]}


def _duration(op: Operation, mid: str) -> int | None:
    """Its duration on machine mid; None when mid is not eligible."""
    return next((md.duration for md in op.machines if md.machine == mid), None)


def _pausing(m: Machine | None, op: Operation, d: int | None) -> bool:
    """It may pause over m's unavailable time: its own flag, else the machine's (d > 0)."""
    if m is None or not d:
        return False
    return op.may_pause if op.may_pause is not None else m.may_pause


# ------------------------------------------------------------------ rules


def check_operations(
    inst: SchedulingInstance, rows: list[dict[str, Any]], f: Findings
) -> Rows | None:
    """Rule 1: every operation runs once, on an eligible machine, for its duration there (an
    operation that pauses: capacity_and_calendar checks its stretched end). Answers the rows
    by operation, or None when some operation is missing, unknown or given twice."""
    by_key: Rows = {}
    for r in rows:
        key = (str(r["job"]), str(r["operation"]))
        if key in by_key:
            f.add(
                "operations",
                f"operation {key[1]} of job {key[0]} is scheduled twice",
                job=key[0],
                operation=key[1],
            )
        by_key[key] = r
    expected = {(j.id, op.id) for j in inst.jobs for op in j.operations}
    for key in by_key.keys() - expected:
        f.add(
            "operations",
            f"unknown operation {key[1]} of job {key[0]}",
            job=key[0],
            operation=key[1],
        )
    for key in sorted(expected - by_key.keys()):
        f.add(
            "operations",
            f"operation {key[1]} of job {key[0]} is not scheduled",
            job=key[0],
            operation=key[1],
        )
    if f:
        return None
    machines = {m.id: m for m in inst.machines}
    for job in inst.jobs:
        for k, op in enumerate(job.operations):
            _check_one_operation(job, k, op, by_key[(job.id, op.id)], machines, f)
    return by_key


def _check_one_operation(
    job: Job, k: int, op: Operation, r: dict[str, Any], machines: dict[str, Machine], f: Findings
) -> None:
    mid, s, e = r["machine"], int(r["start"]), int(r["end"])
    ent = _ent(job, op, r)
    if int(r.get("index", k)) != k:
        f.add(
            "operations",
            f"operation {op.id} of job {job.id} has index {r['index']}, expected {k}",
            **ent,
        )
    d = _duration(op, mid)
    if d is None:
        f.add(
            "operations",
            f"operation {op.id} of job {job.id} runs on {mid}, which is not eligible for it",
            **ent,
        )
    elif not _pausing(machines.get(mid), op, d) and e - s != d:
        f.add(
            "operations",
            f"operation {op.id} of job {job.id} lasts {e - s} on {mid}, expected {d}",
            **ent,
        )


def check_precedence(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 2: an operation starts after each of its predecessors has ended."""
    for job in inst.jobs:
        for op_id, preds in job.predecessors_of().items():
            r = by_key[(job.id, op_id)]
            for p in preds:
                rp = by_key[(job.id, p)]
                if int(r["start"]) < int(rp["end"]):
                    f.add(
                        "precedence",
                        f"operation {op_id} of job {job.id} starts at {r['start']}, before its "
                        f"predecessor {p} ends at {rp['end']}",
                        job=job.id,
                        operation=op_id,
                    )


def check_release(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 3: no operation of a job starts before the job's release."""
    for job, op, r in _placed(inst, by_key):
        if int(r["start"]) < job.release:
            f.add(
                "release",
                f"operation {op.id} of job {job.id} starts at {r['start']}, before the job's "
                f"release {job.release}",
                **_ent(job, op, r),
            )


def check_pin(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 4: a pinned operation keeps its pinned machine and start."""
    for job, op, r in _placed(inst, by_key):
        if op.pin is None:
            continue
        mid, s = r["machine"], int(r["start"])
        if op.pin.machine is not None and mid != op.pin.machine:
            f.add(
                "pin",
                f"operation {op.id} of job {job.id} is pinned to machine {op.pin.machine} but "
                f"runs on {mid}",
                **_ent(job, op, r),
            )
        if op.pin.start is not None and s != op.pin.start:
            f.add(
                "pin",
                f"operation {op.id} of job {job.id} is pinned to start at {op.pin.start} but "
                f"starts at {s}",
                **_ent(job, op, r),
            )


def check_freeze(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 5: an operation the previous plan starts before the freeze time stays there."""
    prev = inst.previous
    if prev is None or prev.freeze_until is None:
        return
    ops = {(j.id, op.id): (j, op) for j in inst.jobs for op in j.operations}
    for p in prev.operations:
        r = by_key.get((p.job, p.operation))
        if r is None or p.start >= prev.freeze_until:
            continue
        mid, s = r["machine"], int(r["start"])
        if mid != p.machine or s != p.start:
            job, op = ops[(p.job, p.operation)]
            f.add(
                "freeze",
                f"operation {op.id} of job {job.id} starts before the freeze time "
                f"{prev.freeze_until} in the previous plan ({p.machine} at {p.start}), so it "
                f"is kept there, but it runs on {mid} at {s}",
                **_ent(job, op, r),
            )


def check_capacity_and_calendar(
    inst: SchedulingInstance, by_key: Rows, f: Findings
) -> dict[Key, list[tuple[int, int]]]:
    """Rule 6: one operation at a time on a machine, none in its unavailable time unless it
    pauses there (then it starts in working time and its end is stretched by the pauses).
    Answers the pauses of each operation that may pause (for check_solution)."""
    machines = {m.id: m for m in inst.machines}
    pauses: dict[Key, list[tuple[int, int]]] = {}
    for job, op, r in _placed(inst, by_key):
        m = machines.get(r["machine"])
        d = _duration(op, r["machine"])
        if m is None or d is None:
            continue  # check_operations named it
        if _pausing(m, op, d):
            pauses[(job.id, op.id)] = _check_pause(inst, m, job, op, r, d, f)
        elif int(r["end"]) > int(r["start"]):
            _check_closed(inst, m, job, op, r, f)
    for mid, seq in _sequences(by_key).items():
        for a, b in itertools.pairwise(seq):
            if int(b["start"]) < int(a["end"]):
                f.add(
                    "capacity_and_calendar",
                    f"on {mid}, operation {b['operation']} (job {b['job']}) starts at "
                    f"{b['start']} but {a['operation']} (job {a['job']}) ends at {a['end']}",
                    machine=mid,
                )
    return pauses


def _sequences(by_key: Rows) -> dict[str, list[dict[str, Any]]]:
    """Each machine's operations of positive length, by start (zero-length operations take
    no machine time)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in by_key.values():
        if int(r["end"]) > int(r["start"]):
            out.setdefault(r["machine"], []).append(r)
    for seq in out.values():
        seq.sort(key=lambda r: (int(r["start"]), int(r["end"])))
    return out


def _check_closed(
    inst: SchedulingInstance, m: Machine, job: Job, op: Operation, r: dict[str, Any], f: Findings
) -> None:
    """An operation that may not pause overlaps no unavailable period and no closed time."""
    s, e = int(r["start"]), int(r["end"])
    for iv in m.unavailable:
        if s < iv.end and iv.start < e:
            f.add(
                "capacity_and_calendar",
                f"operation {op.id} of job {job.id} ({s}-{e}) overlaps the unavailable period "
                f"{iv.start}-{iv.end} of {m.id}" + (f" ({iv.reason})" if iv.reason else ""),
                **_ent(job, op, r),
            )
    if m.calendar is None:
        return
    unit = UNIT_MINUTES[inst.time_unit]
    off = _first_off_instant(inst, m.calendar, s * unit, e * unit)
    if off is not None:
        assert inst.start is not None  # validation: calendars need a start
        when = (inst.start + timedelta(minutes=off)).strftime("%a %Y-%m-%d %H:%M")
        f.add(
            "capacity_and_calendar",
            f"operation {op.id} of job {job.id} ({s}-{e}) runs on {when}, outside the working "
            f"time of {m.id}",
            **_ent(job, op, r),
        )


def _check_pause(
    inst: SchedulingInstance,
    m: Machine,
    job: Job,
    op: Operation,
    r: dict[str, Any],
    d: int,
    f: Findings,
) -> list[tuple[int, int]]:
    """An operation that pauses over unavailable time starts in working time and ends when d
    units of working time lie in [start, end), so end - start is d plus the unavailable time
    inside, and it does not end in a pause. Answers that unavailable time (its pauses)."""
    s, e = int(r["start"]), int(r["end"])
    ent = _ent(job, op, r)
    blocked = _unavailable_units(inst, m, s, max(s, e))
    paused = sum(b - a for a, b in blocked)
    rule = "capacity_and_calendar"
    if blocked and blocked[0][0] == s:
        f.add(
            rule,
            f"operation {op.id} of job {job.id} starts at {s}, when {m.id} is unavailable "
            f"(until {blocked[0][1]}); an operation that pauses starts in working time",
            **ent,
        )
    elif e - s != d + paused:
        f.add(
            rule,
            f"operation {op.id} of job {job.id} ({s}-{e}) has {e - s - paused} of working "
            f"time on {m.id} between its pauses ({paused}), expected {d}: it should end at "
            f"{s} + {d} + the unavailable time it spans",
            **ent,
        )
    elif blocked and blocked[-1][1] == e:
        f.add(
            rule,
            f"operation {op.id} of job {job.id} ends at {e}, after a pause: its work is done "
            f"at {blocked[-1][0]}",
            **ent,
        )
    return blocked


def check_setup(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 7: between consecutive operations on a machine (and before its first, from its
    initial family), the setup time of their families."""
    setup = _setup_rule(inst)
    family = {(j.id, op.id): op.family for j in inst.jobs for op in j.operations}
    initial = {m.id: m.initial_family for m in inst.machines}
    for mid, seq in _sequences(by_key).items():
        first = seq[0]
        need = setup(mid, initial.get(mid), family[_key(first)])
        if int(first["start"]) < need:
            f.add(
                "setup",
                f"{mid} needs setup {need} before its first operation {first['operation']} "
                f"(job {first['job']}), which starts at {first['start']}",
                machine=mid,
            )
        for a, b in itertools.pairwise(seq):
            gap = setup(mid, family[_key(a)], family[_key(b)])
            if int(a["end"]) <= int(b["start"]) < int(a["end"]) + gap:  # (an overlap: rule 6)
                f.add(
                    "setup",
                    f"on {mid}, operation {b['operation']} (job {b['job']}) starts at "
                    f"{b['start']} but {a['operation']} (job {a['job']}) ends at {a['end']} "
                    f"and needs setup {gap}",
                    machine=mid,
                )


def _key(r: dict[str, Any]) -> Key:
    return (str(r["job"]), str(r["operation"]))


def _setup_rule(inst: SchedulingInstance) -> Any:
    """setup(machine, family before, family after): the machine's rule, else the rule for
    every machine, else 0; no setup to or from an operation without a family."""
    rules = {(r.machine, r.from_family, r.to_family): r.time for r in inst.setups}

    def setup(mid: str, a: str | None, b: str | None) -> int:
        if a is None or b is None:
            return 0
        return rules.get((mid, a, b), rules.get((None, a, b), 0))

    return setup


def check_completion(inst: SchedulingInstance, by_key: Rows, f: Findings) -> dict[str, int]:
    """Rule 8 defines a job's completion, the end of its last operation; it cannot be broken
    by the operations themselves (the jobs table that reports it: check_solution). Answers
    the completion of each job."""
    return {
        job.id: max(int(by_key[(job.id, op.id)]["end"]) for op in job.operations)
        for job in inst.jobs
    }


def check_deadline(inst: SchedulingInstance, completion: dict[str, int], f: Findings) -> None:
    """Rule 9: a job with a deadline completes by it."""
    for job in inst.jobs:
        if job.deadline is not None and completion[job.id] > job.deadline:
            f.add(
                "deadline",
                f"job {job.id} completes at {completion[job.id]}, after its deadline "
                f"{job.deadline}",
                job=job.id,
            )


def check_horizon(inst: SchedulingInstance, by_key: Rows, f: Findings) -> None:
    """Rule 10: every operation lies in [0, horizon] (the horizon when one is given)."""
    for job, op, r in _placed(inst, by_key):
        s, e = int(r["start"]), int(r["end"])
        if s < 0:
            f.add(
                "horizon",
                f"operation {op.id} of job {job.id} starts before time 0",
                **_ent(job, op, r),
            )
        if inst.horizon is not None and e > inst.horizon:
            f.add(
                "horizon",
                f"operation {op.id} of job {job.id} ends at {e}, after the horizon {inst.horizon}",
                **_ent(job, op, r),
            )


# ------------------------------------------------------------------ derived fields and tables


def check_solution(
    inst: SchedulingInstance,
    plan: dict[str, Any],
    by_key: Rows,
    pauses: dict[Key, list[tuple[int, int]]],
    f: Findings,
) -> None:
    """The plan's derived fields (setup_before, paused, pauses, start_time, end_time) and
    tables (jobs, machines), where it gives them, recomputed from its machines and starts."""
    needed = plan.get("machines") is not None or any("setup_before" in r for r in by_key.values())
    setups = _setups_before(inst, by_key) if needed else {}
    for job, op, r in _placed(inst, by_key):
        key = (job.id, op.id)
        _check_row(inst, job, op, r, setups.get(key, 0), pauses.get(key), f)
    if plan.get("jobs") is not None:
        _check_table(f, "jobs", "job", plan["jobs"], _job_rows(inst, by_key))
    if plan.get("machines") is not None:
        expected = _machine_rows(inst, by_key, pauses, setups)
        _check_table(f, "machines", "machine", plan["machines"], expected)


def _setups_before(inst: SchedulingInstance, by_key: Rows) -> dict[Key, int]:
    """The setup each operation of positive length needs after the one before it on its
    machine (the first: after the machine's initial family)."""
    setup = _setup_rule(inst)
    family = {(j.id, op.id): op.family for j in inst.jobs for op in j.operations}
    initial = {m.id: m.initial_family for m in inst.machines}
    out: dict[Key, int] = {}
    for mid, seq in _sequences(by_key).items():
        before = initial.get(mid)
        for r in seq:
            out[_key(r)] = setup(mid, before, family[_key(r)])
            before = family[_key(r)]
    return out


def _check_row(
    inst: SchedulingInstance,
    job: Job,
    op: Operation,
    r: dict[str, Any],
    setup: int,
    pauses: list[tuple[int, int]] | None,
    f: Findings,
) -> None:
    """One operation's derived fields, each only where the row gives it."""
    want: dict[str, Any] = {
        "setup_before": setup,
        "paused": sum(b - a for a, b in pauses or []),
        "pauses": [[a, b] for a, b in pauses or []],
    }
    if inst.start is not None:
        unit = timedelta(minutes=UNIT_MINUTES[inst.time_unit])
        want["start_time"] = inst.start + int(r["start"]) * unit
        want["end_time"] = inst.start + int(r["end"]) * unit
    for field, value in want.items():
        given = r.get(field)
        if given is None:
            continue
        if field.endswith("_time"):
            given = datetime.fromisoformat(given) if isinstance(given, str) else given
        elif field == "pauses":
            given = [list(p) for p in given]
        if given != value:
            f.add(
                "solution",
                f"operation {op.id} of job {job.id} reports {field} {r[field]}, but the plan "
                f"gives {value}",
                **_ent(job, op, r),
            )
    for field in ("start_time", "end_time"):
        if inst.start is None and r.get(field) is not None:
            f.add(
                "solution",
                f"operation {op.id} of job {job.id} reports a {field}, but the instance has no "
                "start datetime",
                **_ent(job, op, r),
            )


def _job_rows(inst: SchedulingInstance, by_key: Rows) -> dict[str, dict[str, Any]]:
    """What each row of the jobs table must say."""
    out = {}
    for job in inst.jobs:
        mine = [by_key[(job.id, op.id)] for op in job.operations]
        c = max(int(r["end"]) for r in mine)
        lateness = c - job.due if job.due is not None else None
        out[job.id] = {
            "release": job.release,
            "start": min(int(r["start"]) for r in mine),
            "completion": c,
            "due": job.due,
            "deadline": job.deadline,
            "weight": job.weight,
            "lateness": lateness,
            "tardiness": max(0, lateness) if lateness is not None else 0,
            "late": lateness is not None and lateness > 0,
        }
    return out


def _machine_rows(
    inst: SchedulingInstance,
    by_key: Rows,
    pauses: dict[Key, list[tuple[int, int]]],
    setups: dict[Key, int],
) -> dict[str, dict[str, Any]]:
    """What each row of the machines table must say, up to the makespan."""
    makespan = max(int(r["end"]) for r in by_key.values())
    out = {}
    for m in inst.machines:
        mine = [key for key, r in by_key.items() if r["machine"] == m.id]
        paused = sum(b - a for key in mine for a, b in pauses.get(key, []))
        busy = sum(int(by_key[k]["end"]) - int(by_key[k]["start"]) for k in mine) - paused
        setup = sum(setups.get(k, 0) for k in mine)
        blocked = sum(b - a for a, b in _unavailable_units(inst, m, 0, makespan))
        available = makespan - blocked
        out[m.id] = {
            "operations": len(mine),
            "busy": busy,
            "setup": setup,
            "available": available,
            "idle": max(0, available - busy - setup),
            "utilisation": round(busy / available, 4) if available else 0.0,
        }
    return out


def _check_table(
    f: Findings,
    table: str,
    id_field: str,
    given: list[dict[str, Any]],
    expected: dict[str, dict[str, Any]],
) -> None:
    """A derived table: one row per id, each field as recomputed."""
    ids = [str(r.get(id_field)) for r in given]
    if sorted(ids) != sorted(expected):
        f.add(
            "solution",
            f"the {table} table has rows for {sorted(ids)}, expected one for each of "
            f"{sorted(expected)}",
        )
        return
    for r in given:
        want = expected[str(r[id_field])]
        wrong = [k for k, v in want.items() if not _same(r.get(k), v)]
        if wrong:
            says = ", ".join(f"{k} {r.get(k)}" for k in wrong)
            gives = ", ".join(f"{k} {want[k]}" for k in wrong)
            f.add(
                "solution",
                f"the {table} table says {says} for {r[id_field]}, but the plan gives {gives}",
                **{id_field: r[id_field]},
            )


def _same(given: Any, want: Any) -> bool:
    """Equal values of the same kind (a bool is no number; a float within rounding)."""
    if isinstance(want, bool) or want is None:
        return given is want
    if isinstance(given, bool) or not isinstance(given, (int, float)):
        return False
    return abs(given - want) <= 1e-6 if isinstance(want, float) else given == want


# ------------------------------------------------------------------ calendars


def _clocks(inst: SchedulingInstance, cal_id: str) -> set[int]:
    """The minutes of the day at which the calendar's working time may change."""
    cal = next(c for c in inst.calendars if c.id == cal_id)
    ends = {clock_minutes(w.end, end=True) % 1440 for w in cal.working}
    return {0} | {clock_minutes(w.start) for w in cal.working} | ends


def _working(inst: SchedulingInstance, cal_id: str, minutes: float) -> bool:
    """Is the instant `minutes` after the start inside one of the calendar's windows?"""
    assert inst.start is not None
    cal = next(c for c in inst.calendars if c.id == cal_id)
    t = inst.start + timedelta(minutes=minutes)
    clock = t.hour * 60 + t.minute + t.second / 60
    today, yesterday = WEEKDAYS[t.weekday()], WEEKDAYS[(t.weekday() - 1) % 7]
    for w in cal.working:
        a, b = clock_minutes(w.start), clock_minutes(w.end, end=True)
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
    clocks = _clocks(inst, cal_id)
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
    clocks = _clocks(inst, cal_id)
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


# ------------------------------------------------------------------ objective


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
