"""Why an instance is infeasible, in the planner's words.

First cheap pre-checks (each names the job, operation or machine and the rule); when they find
nothing and CP-SAT proves infeasibility, the rule groups (releases, deadlines, pins, calendars,
horizon) become assumptions and CP-SAT names a subset that cannot hold together.
"""

from __future__ import annotations

import itertools

from ..core.diagnose import CONFLICT, conflicting_rules
from ..core.options import SolveOptions
from ..core.result import Finding
from ..core.run import Interrupted, RunContext
from .cpsat import Formulation
from .prepare import OpData, Prepared

# the rules whose groups the diagnosis may relax (each guarded by an assumption literal)
RELAXABLE = frozenset({"release", "pin", "freeze", "capacity_and_calendar", "deadline", "horizon"})


def precheck(P: Prepared, options: SolveOptions) -> list[Finding]:
    """The pre-checks on the prepared instance (built once by the pipeline). Skipped (no
    findings) when the deadline or a cancel comes first: the pipeline's checkpoint after them
    then answers, naming the phase."""
    if P.ctx is not None and P.ctx.should_end():
        return []
    return prechecks(P)


def prechecks(P: Prepared) -> list[Finding]:
    out: list[Finding] = []
    jobs = P.inst.jobs
    head = P.min_heads()
    # an operation longer than every window its machines offer (unless it may pause there)
    for o, op in enumerate(P.ops):
        job = jobs[op.job]
        fits = []
        for mi, d in op.modes:
            t = max(head[o], 0) if op.pin_s is None else op.pin_s
            if P.pauses(o, mi):
                span = P.earliest_pause(mi, t, d)
                s = span[0] if span is not None else None
            else:
                s = P.earliest_fit(mi, t, d)
            fits.append(s is not None and (op.pin_s is None or s == op.pin_s))
        if not any(fits):
            if op.pin_s is not None:
                out.append(
                    Finding(
                        rule=_rule(op),
                        entities={"job": job.id, "operation": op.id},
                        message=f"operation {op.id} of job {job.id} {_pinned(op)} "
                        f"{op.pin_s}, but its machine is unavailable then, "
                        "or it would end after the horizon",
                    )
                )
                continue
            longest = {
                P.machines[mi]: max((e - s for s, e in P.windows(mi)), default=0)
                for mi, _ in op.modes
            }
            need = ", ".join(f"{d} on {P.machines[mi]}" for mi, d in op.modes)
            have = ", ".join(f"{m}: {w}" for m, w in longest.items())
            out.append(
                Finding(
                    rule="capacity_and_calendar",
                    entities={"job": job.id, "operation": op.id, "machine": list(longest)},
                    message=f"operation {op.id} of job {job.id} needs {need}, longer than any "
                    f"available window of its machines after it can start (longest: {have})",
                )
            )
    # deadline before release plus minimum processing
    for j, job in enumerate(jobs):
        if job.deadline is None:
            continue
        earliest = max(head[o] + P.ops[o].min_dur for o in P.job_ops[j])
        if earliest > job.deadline:
            out.append(
                Finding(
                    rule="deadline",
                    entities={"job": job.id},
                    message=f"job {job.id} has deadline {job.deadline} but cannot complete before "
                    f"{earliest}: released at {job.release}, it needs at least "
                    f"{earliest - job.release} of processing along its longest route",
                )
            )
    # pins: before the release or a pinned predecessor, or colliding on a machine
    pinned_on: dict[int, list[tuple[int, int, int]]] = {}
    for o, op in enumerate(P.ops):
        if op.pin_s is None:
            continue
        job = jobs[op.job]
        if op.pin_s < head[o]:
            out.append(
                Finding(
                    rule=_rule(op),
                    entities={"job": job.id, "operation": op.id},
                    message=f"operation {op.id} of job {job.id} {_pinned(op)} {op.pin_s}, "
                    f"before it can start ({head[o]}: release and predecessors)",
                )
            )
        if len(op.modes) == 1:
            mi, d = op.modes[0]
            e = P.pause_end(mi, op.pin_s, d) if P.pauses(o, mi) else op.pin_s + d
            pinned_on.setdefault(mi, []).append((op.pin_s, e, o))
    for mi, lst in pinned_on.items():
        lst.sort()
        for (s1, e1, o1), (s2, e2, o2) in itertools.pairwise(lst):
            gap = P.setup(mi, P.ops[o1].family, P.ops[o2].family)
            if s2 < e1 + gap and (e1 > s1 and e2 > s2):
                a, b = P.ops[o1], P.ops[o2]
                out.append(
                    Finding(
                        rule="freeze" if a.frozen and b.frozen else "pin",
                        entities={
                            "machine": P.machines[mi],
                            "operation": [a.id, b.id],
                            "job": [jobs[a.job].id, jobs[b.job].id],
                        },
                        message=f"{_kept(a, b)} operations {a.id} (job {jobs[a.job].id}, "
                        f"{s1}-{e1}) and "
                        f"{b.id} (job {jobs[b.job].id}, {s2}-{e2}) collide on machine "
                        f"{P.machines[mi]}" + (f" with setup {gap}" if gap else ""),
                    )
                )
    # an explicit horizon shorter than a job's minimum route
    if P.inst.horizon is not None:
        for j, job in enumerate(jobs):
            earliest = max(head[o] + P.ops[o].min_dur for o in P.job_ops[j])
            if earliest > P.inst.horizon:
                out.append(
                    Finding(
                        rule="horizon",
                        entities={"job": job.id},
                        message=f"job {job.id} cannot complete before {earliest}, after the "
                        f"horizon {P.inst.horizon}",
                    )
                )
    return out


def _rule(op: OpData) -> str:
    return "freeze" if op.frozen else "pin"


def _pinned(op: OpData) -> str:
    return "is frozen by the previous plan at its start" if op.frozen else "is pinned to start at"


def _kept(a: OpData, b: OpData) -> str:
    if a.frozen and b.frozen:
        return "frozen"
    return "pinned" if not (a.frozen or b.frozen) else "pinned and frozen"


def explain(P: Prepared, options: SolveOptions, ctx: RunContext) -> list[Finding]:
    """Rule groups that cannot hold together, from CP-SAT's infeasible core. When the deadline
    or a cancel comes while the model is built, the diagnosis says it could not name them."""
    try:
        F = Formulation(
            P, relax=RELAXABLE, checkpoint=lambda: ctx.checkpoint("explaining the infeasibility")
        )
    except Interrupted as e:
        return [
            Finding(
                rule=CONFLICT,
                message=f"the instance is infeasible, but {e}, before the conflicting rules "
                "could be named",
            )
        ]
    return conflicting_rules(
        F.m,
        F.guard,
        options,
        ctx,
        nothing_relaxed="the operations cannot fit on the machines within the horizon, even "
        "with no release, deadline, pin or calendar to blame",
    )
