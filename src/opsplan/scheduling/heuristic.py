"""A starting plan: active schedule generation (Giffler-Thompson) with a priority rule.

It respects eligibility, precedence, releases, calendars, setups (appending on each machine)
and pins. It is a hint for CP-SAT and a source of a tight horizon, never an answer on its own.
"""

from __future__ import annotations

import bisect

from .cpsat import StartPlan
from .prepare import Prepared, merge
from .schema import Objective


def tails(P: Prepared) -> list[int]:
    """Minimum work from the start of each op to the end of its job (min durations)."""
    tail = [0] * len(P.ops)
    for o in reversed(P.topo_order()):
        op = P.ops[o]
        tail[o] = op.min_dur + max((tail[s] for s in op.succs), default=0)
    return tail


class _Timeline:
    """Unavailable blocks of one machine (calendar + pinned operations) for append-only placing."""

    def __init__(self, blocks: list[tuple[int, int]]):
        self.blocks = merge(blocks)
        self.ends = [e for _, e in self.blocks]

    def fit(self, t: int, d: int) -> int:
        i = bisect.bisect_right(self.ends, t)
        while i < len(self.blocks):
            s, e = self.blocks[i]
            if t + d <= s:
                return t
            t = max(t, e)
            i += 1
        return t


def dispatch(P: Prepared, rule: str) -> StartPlan:
    n = len(P.ops)
    jobs = P.inst.jobs
    tail = tails(P)
    start = [0] * n
    end = [0] * n
    mach = [-1] * n
    done = [False] * n
    pinned_blocks: list[list[tuple[int, int]]] = [[] for _ in P.machines]
    # pinned operations with a start are placed first, where they are pinned
    for o, op in enumerate(P.ops):
        if op.pin_s is not None:
            mi, d = op.modes[0]
            start[o], end[o], mach[o], done[o] = op.pin_s, op.pin_s + d, mi, True
            pinned_blocks[mi].append((op.pin_s, op.pin_s + d))
    lines = [_Timeline(P.unavailable[m] + pinned_blocks[m]) for m in range(len(P.machines))]
    free = [0] * len(P.machines)
    last_family = list(P.initial_family)
    waiting = [sum(1 for p in op.preds if not done[p]) for op in P.ops]
    ready = {o for o in range(n) if not done[o] and waiting[o] == 0}
    for o in range(n):
        if done[o]:
            for s in P.ops[o].succs:
                waiting[s] -= 1
                if waiting[s] == 0 and not done[s]:
                    ready.add(s)

    def est(o: int) -> int:
        op = P.ops[o]
        t = jobs[op.job].release
        for p in op.preds:
            t = max(t, end[p])
        return t

    def slot(o: int, mi: int, d: int, e0: int) -> int:
        t = max(e0, free[mi] + P.setup(mi, last_family[mi], P.ops[o].family))
        return lines[mi].fit(t, d)

    def priority(o: int) -> tuple[float, ...]:
        job = jobs[P.ops[o].job]
        if rule == "mwkr":
            return (-tail[o], o)
        due = job.due if job.due is not None else 10**12
        return ((due - tail[o]) / max(job.weight, 1), -tail[o], o)

    while ready:
        e0 = {o: est(o) for o in ready}
        best = None
        for o in ready:
            for mi, d in P.ops[o].modes:
                s = slot(o, mi, d, e0[o])
                if best is None or (s + d, s) < best[0]:
                    best = ((s + d, s), mi)
        assert best is not None
        (c_star, _), m_star = best
        conflict = []
        for o in ready:
            for mi, d in P.ops[o].modes:
                if mi == m_star and slot(o, mi, d, e0[o]) < c_star:
                    conflict.append((priority(o), o, d))
        if not conflict:  # a zero-duration op finishing at c_star
            conflict = [
                (priority(o), o, d) for o in ready for mi, d in P.ops[o].modes if mi == m_star
            ]
        _, o, d = min(conflict)
        s = slot(o, m_star, d, e0[o])
        start[o], end[o], mach[o], done[o] = s, s + d, m_star, True
        free[m_star] = s + d
        if d > 0:  # setups are between consecutive operations of positive length
            last_family[m_star] = P.ops[o].family
        ready.discard(o)
        for q in P.ops[o].succs:
            waiting[q] -= 1
            if waiting[q] == 0 and not done[q]:
                ready.add(q)
    return StartPlan(mach, start, end)


def evaluate(P: Prepared, plan: StartPlan, objective: Objective) -> list[int]:
    """The objective terms' values of a plan, in the objective's term order."""
    comp = [max(plan.end[o] for o in ops) for ops in P.job_ops]
    vals = []
    for t in objective.terms:
        if t.kind == "makespan":
            vals.append(max(comp))
        elif t.kind == "weighted_completion":
            vals.append(sum(j.weight * c for j, c in zip(P.inst.jobs, comp, strict=True)))
        elif t.kind == "weighted_tardiness":
            vals.append(
                sum(
                    j.weight * max(0, c - j.due)
                    for j, c in zip(P.inst.jobs, comp, strict=True)
                    if j.due is not None
                )
            )
        else:
            vals.append(
                sum(
                    j.weight
                    for j, c in zip(P.inst.jobs, comp, strict=True)
                    if j.due is not None and c > j.due
                )
            )
    return vals


def scalar(objective: Objective, vals: list[int]) -> tuple[int, ...]:
    if objective.mode == "weighted":
        return (sum(t.weight * v for t, v in zip(objective.terms, vals, strict=True)),)
    return tuple(vals)


def respects_hard_rules(P: Prepared, plan: StartPlan) -> bool:
    """True when the plan is feasible, so its makespan bounds an optimal plan's.

    dispatch() guarantees eligibility, capacity, calendars, releases and setups, but not
    precedence into pinned operations, deadlines or the horizon: those are checked here.
    """
    if any(op.pin_s is not None for op in P.ops):
        return False
    for j, job in enumerate(P.inst.jobs):
        c = max(plan.end[o] for o in P.job_ops[j])
        if job.deadline is not None and c > job.deadline:
            return False
    return max(plan.end) <= P.horizon


def best_start(P: Prepared) -> StartPlan:
    obj = P.inst.objective
    plans = [dispatch(P, r) for r in ("mwkr", "slack")]
    return min(
        plans, key=lambda p: (not respects_hard_rules(P, p), scalar(obj, evaluate(P, p, obj)))
    )
