"""Replanning against a published plan (`previous`): the plan itself in dense indices, and how
far a plan moves from it (the `stability` objective term).

The frozen part of the previous plan becomes pins in Prepared; the checker (check.py)
recomputes the stability term on its own from the instance.
"""

from __future__ import annotations

from .cpsat import StartPlan
from .prepare import Prepared


def previous_plan(P: Prepared) -> StartPlan | None:
    """The previous plan as a complete plan, when it places every operation (ends from the
    instance's durations; None otherwise). It may break rules of the new instance: a caller
    uses it as a starting plan only if the checker accepts it."""
    prev = P.inst.previous
    if prev is None:
        return None
    n = len(P.ops)
    machine, start = [-1] * n, [-1] * n
    for r in prev.operations:
        o = P.op_index[(r.job, r.operation)]
        machine[o], start[o] = P.m_index[r.machine], r.start
    if min(machine, default=0) < 0:
        return None
    end = []
    for o in range(n):
        job = P.inst.jobs[P.ops[o].job]
        mid = P.machines[machine[o]]
        d = next(md.duration for md in job.operations[P.ops[o].k].machines if md.machine == mid)
        end.append(start[o] + d)
    return StartPlan(machine, start, end)


def stability(P: Prepared, plan: StartPlan) -> int:
    """Sum over the previous plan's operations that are not frozen of |start - previous start|
    plus, on another machine, the duration on the previous machine."""
    return sum(
        abs(plan.start[o] - s0) + (d0 if plan.machine[o] != m0 else 0)
        for o, (m0, s0, d0) in P.previous.items()
    )
