"""Cross-reference checks after pydantic: every problem found, each with its field path."""

from __future__ import annotations

from collections.abc import Callable

from ..core.errors import Problem, repeats
from .schema import UNIT_MINUTES, Job, SchedulingInstance

# CP-SAT computes in 64-bit integers and refuses a model whose sums may reach 2^63; a schedule
# whose horizon or objective could pass this bound is refused before any solving (128 times
# below, for the sums the formulation builds on top: lexicographic levels, setups, pauses)
MAX_SUM = 2**56


def validate(inst: SchedulingInstance) -> list[Problem]:
    out: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        out.append(Problem(where=where, message=msg))

    cal_ids = {c.id for c in inst.calendars}
    cal_rep = repeats([c.id for c in inst.calendars])
    for i, c in enumerate(inst.calendars):
        if cal_rep[i]:
            bad(f"calendars[{i}].id", f"duplicate calendar id {c.id!r}")
    machine_ids = [m.id for m in inst.machines]
    known_m = set(machine_ids)
    m_rep = repeats(machine_ids)
    for i, m in enumerate(inst.machines):
        if m_rep[i]:
            bad(f"machines[{i}].id", f"duplicate machine id {m.id!r}")
        if m.calendar is not None:
            if m.calendar not in cal_ids:
                bad(f"machines[{i}].calendar", f"unknown calendar {m.calendar!r}")
            if inst.start is None:
                bad(
                    f"machines[{i}].calendar",
                    "a weekly calendar needs the instance's start datetime",
                )
            if inst.time_unit == "day":
                bad(f"machines[{i}].calendar", "weekly calendars need a time_unit below a day")
    for i, r in enumerate(inst.setups):
        if r.machine is not None and r.machine not in known_m:
            bad(f"setups[{i}].machine", f"unknown machine {r.machine!r}")
    rule_rep = repeats([f"{r.machine}|{r.from_family}|{r.to_family}" for r in inst.setups])
    for i, r in enumerate(inst.setups):
        if rule_rep[i]:
            on = f" on machine {r.machine!r}" if r.machine else ""
            bad(f"setups[{i}]", f"a second setup rule for {r.from_family!r} -> {r.to_family!r}{on}")

    job_rep = repeats([j.id for j in inst.jobs])
    for j, job in enumerate(inst.jobs):
        jp = f"jobs[{j}]"
        if job_rep[j]:
            bad(f"{jp}.id", f"duplicate job id {job.id!r}")
        op_ids = [op.id for op in job.operations]
        op_set = set(op_ids)
        op_rep = repeats(op_ids)
        for k, op in enumerate(job.operations):
            op_path = f"{jp}.operations[{k}]"
            if op_rep[k]:
                bad(f"{op_path}.id", f"duplicate operation id {op.id!r} in job {job.id!r}")
            mids = [md.machine for md in op.machines]
            for x, md in enumerate(op.machines):
                if md.machine not in known_m:
                    bad(
                        f"{op_path}.machines[{x}].machine",
                        f"unknown machine {md.machine!r} (job {job.id!r}, operation {op.id!r})",
                    )
                elif mids.count(md.machine) > 1 and mids.index(md.machine) != x:
                    bad(
                        f"{op_path}.machines[{x}].machine",
                        f"machine {md.machine!r} listed twice for operation {op.id!r}",
                    )
            for x, p in enumerate(op.predecessors or []):
                if p not in op_set:
                    bad(
                        f"{op_path}.predecessors[{x}]", f"unknown operation {p!r} in job {job.id!r}"
                    )
                elif p == op.id:
                    bad(
                        f"{op_path}.predecessors[{x}]", f"operation {op.id!r} cannot precede itself"
                    )
            if op.pin is not None and op.pin.machine is not None and op.pin.machine not in mids:
                bad(
                    f"{op_path}.pin.machine",
                    f"operation {op.id!r} is pinned to {op.pin.machine!r}, "
                    "which is not one of its eligible machines",
                )
        if job.is_dag() and not any(
            pr.where.startswith(f"{jp}.operations") and "predecessors" in pr.where for pr in out
        ):
            cycle = _find_cycle(job.predecessors_of())
            if cycle:
                bad(
                    f"{jp}.operations", f"precedence cycle in job {job.id!r}: " + " -> ".join(cycle)
                )
    term_rep = repeats([t.kind for t in inst.objective.terms])
    for i, t in enumerate(inst.objective.terms):
        if term_rep[i]:
            bad(f"objective.terms[{i}].kind", f"objective term {t.kind!r} given twice")
    if inst.objective.mode == "weighted" and all(t.weight == 0 for t in inst.objective.terms):
        bad("objective.terms", "every weight is 0: nothing to optimise")
    for i, t in enumerate(inst.objective.terms):
        if t.kind in ("weighted_tardiness", "late_jobs") and all(j.due is None for j in inst.jobs):
            bad(f"objective.terms[{i}].kind", f"{t.kind!r} needs due dates, and no job has one")
        if t.kind == "stability" and inst.previous is None:
            bad(
                f"objective.terms[{i}].kind",
                "'stability' counts what moves from a previous plan, and no `previous` is given",
            )
    if inst.previous is not None:
        _validate_previous(inst, bad)
    if not out:
        _validate_size(inst, bad)
    return out


def _validate_size(inst: SchedulingInstance, bad: Callable[[str, str], None]) -> None:
    """The horizon and the objective stay far from CP-SAT's 64-bit integers.

    The horizon is bounded as the solver bounds it: the latest release, pin or previous start,
    plus for every operation its longest duration, the largest setup and (on a calendar) a week
    of waiting, plus every unavailable period; each objective term is bounded by its weight
    times its worst value under that horizon.
    """
    ops = [op for job in inst.jobs for op in job.operations]
    week = 0
    if any(m.calendar is not None for m in inst.machines):
        week = int(7 * 1440 / UNIT_MINUTES[inst.time_unit]) + 1
    setup = max((r.time for r in inst.setups), default=0)
    start = max(
        [j.release for j in inst.jobs]
        + [op.pin.start for op in ops if op.pin is not None and op.pin.start is not None]
        + [r.start for r in (inst.previous.operations if inst.previous else [])]
    )
    horizon = (
        start
        + sum(max(md.duration for md in op.machines) + setup + week for op in ops)
        + sum(iv.end - iv.start for m in inst.machines for iv in m.unavailable)
    )
    if inst.horizon is not None:
        horizon = min(horizon, inst.horizon)
    weights = sum(j.weight for j in inst.jobs)
    worst = {
        "makespan": horizon,
        "weighted_completion": weights * horizon,
        "weighted_tardiness": weights * horizon,
        "late_jobs": weights,
        "stability": len(ops) * horizon + sum(md.duration for op in ops for md in op.machines),
    }
    objective = sum(max(t.weight, 1) * worst[t.kind] for t in inst.objective.terms)
    if horizon > MAX_SUM or objective > MAX_SUM:
        bad(
            "",
            f"too large for the solver: the plan could end as late as {horizon:.3g} "
            f"{inst.time_unit}s and the objective reach {objective:.3g}, above 2^56 "
            f"({MAX_SUM:.3g}); give times in a coarser time_unit or smaller weights",
        )


def _validate_previous(inst: SchedulingInstance, bad: Callable[[str, str], None]) -> None:
    """The previous plan names known operations once each, on machines eligible for them; an
    operation it freezes has no pin saying otherwise."""
    assert inst.previous is not None
    prev = inst.previous
    known_m = {m.id for m in inst.machines}
    jobs: dict[str, tuple[int, Job]] = {}
    for j, job in enumerate(inst.jobs):
        jobs.setdefault(job.id, (j, job))
    rep = repeats([f"{r.job}\x00{r.operation}" for r in prev.operations])
    for i, r in enumerate(prev.operations):
        rp = f"previous.operations[{i}]"
        if r.job not in jobs:
            bad(f"{rp}.job", f"unknown job {r.job!r}")
            continue
        j, job = jobs[r.job]
        k = next((k for k, op in enumerate(job.operations) if op.id == r.operation), None)
        if k is None:
            bad(f"{rp}.operation", f"unknown operation {r.operation!r} in job {r.job!r}")
            continue
        op = job.operations[k]
        if rep[i]:
            bad(rp, f"operation {op.id!r} of job {job.id!r} is given twice")
            continue
        eligible = [md.machine for md in op.machines]
        if r.machine not in known_m:
            bad(f"{rp}.machine", f"unknown machine {r.machine!r}")
        elif r.machine not in eligible:
            bad(
                f"{rp}.machine",
                f"operation {op.id!r} of job {job.id!r} cannot run on {r.machine!r} "
                f"(eligible: {', '.join(eligible)})",
            )
        frozen = prev.freeze_until is not None and r.start < prev.freeze_until
        if frozen and op.pin is not None:
            why = (
                f"the previous plan freezes it ({rp}: {r.machine} at {r.start}, "
                f"before freeze_until {prev.freeze_until})"
            )
            pp = f"jobs[{j}].operations[{k}].pin"
            if op.pin.machine is not None and op.pin.machine != r.machine:
                bad(
                    f"{pp}.machine",
                    f"operation {op.id!r} of job {job.id!r} is pinned to {op.pin.machine!r}, but "
                    + why,
                )
            if op.pin.start is not None and op.pin.start != r.start:
                bad(
                    f"{pp}.start",
                    f"operation {op.id!r} of job {job.id!r} is pinned to start at "
                    f"{op.pin.start}, but " + why,
                )


def _find_cycle(preds: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for p in preds.get(n, []):
            if state.get(p) == 1:
                return [*path[path.index(p) :], p]
            if state.get(p) is None:
                c = visit(p)
                if c:
                    return c
        state[n] = 2
        path.pop()
        return None

    for n in preds:
        if n not in state:
            c = visit(n)
            if c:
                return list(reversed(c))
    return None
