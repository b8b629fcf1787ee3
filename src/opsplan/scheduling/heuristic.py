"""A starting plan: active schedule generation (Giffler-Thompson) with a priority rule.

It respects eligibility, precedence, releases, calendars, setups (appending on each machine)
and pins. It is a hint for CP-SAT and a source of a tight horizon, never an answer on its own.
"""

from __future__ import annotations

import bisect

from .check import check
from .cpsat import StartPlan
from .prepare import Prepared, merge
from .replan import stability
from .schema import Objective

BIG = 2**62


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
    # pinned operations with a start are placed first, where they are pinned; on each machine
    # they wait in `pending` until the append point passes them (setups to and from them count)
    pending: list[list[tuple[int, int, str | None]]] = [[] for _ in P.machines]
    for o, op in enumerate(P.ops):
        if op.pin_s is not None:
            mi, d = op.modes[0]
            start[o], end[o], mach[o], done[o] = op.pin_s, op.pin_s + d, mi, True
            if d > 0:
                pending[mi].append((op.pin_s, op.pin_s + d, op.family))
    for lst in pending:
        lst.sort()
    lines = [
        _Timeline(P.unavailable[m] + [(s, e) for s, e, _ in pending[m]])
        for m in range(len(P.machines))
    ]
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
        """Earliest start of o appended on mi, before the next pinned operation if it fits
        there with both setups, else after it (and so on)."""
        fam = P.ops[o].family
        f, last = free[mi], last_family[mi]
        for ps, pe, pf in [*pending[mi], (BIG, BIG, None)]:
            t = lines[mi].fit(max(e0, f + (P.setup(mi, last, fam) if d > 0 else 0)), d)
            if t + d + (P.setup(mi, fam, pf) if d > 0 else 0) <= ps:
                return t
            f, last = max(f, pe), pf
        raise AssertionError("unreachable: the sentinel always fits")

    def commit(o: int, mi: int, s: int, d: int) -> None:
        while pending[mi] and pending[mi][0][0] < s + d:  # pinned operations placed before o
            _, pe, pf = pending[mi].pop(0)
            free[mi], last_family[mi] = max(free[mi], pe), pf
        free[mi] = max(free[mi], s + d)
        if d > 0:  # setups are between consecutive operations of positive length
            last_family[mi] = P.ops[o].family

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
        commit(o, m_star, s, d)
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
        elif t.kind == "stability":
            vals.append(stability(P, plan))
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
    """True when the independent checker finds nothing wrong with the plan."""
    rows = [
        {
            "job": P.inst.jobs[op.job].id,
            "index": op.k,
            "operation": op.id,
            "machine": P.machines[plan.machine[o]],
            "start": plan.start[o],
            "end": plan.end[o],
        }
        for o, op in enumerate(P.ops)
    ]
    return not check(P.inst, {"operations": rows}).violations


def best_start(P: Prepared) -> StartPlan:
    obj = P.inst.objective
    plans = [dispatch(P, r) for r in ("mwkr", "slack")]
    return min(
        plans, key=lambda p: (not respects_hard_rules(P, p), scalar(obj, evaluate(P, p, obj)))
    )


def completion_bounds(P: Prepared, plan: StartPlan) -> list[int | None]:
    """Per job, a completion time no optimal plan exceeds, from a feasible plan's objective.

    Every objective term is non-negative, so in an optimal plan each weighted term is at most
    the feasible plan's objective Z (lexicographic: term 1 at most its value in the plan):
    makespan gives C_j <= Z / lambda, weighted completion C_j <= Z / (lambda w_j), weighted
    tardiness C_j <= d_j + Z / (lambda w_j); late jobs and stability bound nothing. None: no
    bound.
    """
    obj = P.inst.objective
    vals = evaluate(P, plan, obj)
    if obj.mode == "lexicographic":
        terms = [(obj.terms[0].kind, 1, vals[0])]
        z = vals[0]
    else:
        terms = [(t.kind, t.weight, v) for t, v in zip(obj.terms, vals, strict=True)]
        z = sum(w * v for _, w, v in terms)
    out: list[int | None] = []
    for job in P.inst.jobs:
        best: int | None = None
        for kind, lam, _ in terms:
            if lam <= 0:
                continue
            if kind == "makespan":
                b = z // lam
            elif kind == "weighted_completion" and job.weight > 0:
                b = z // (lam * job.weight)
            elif kind == "weighted_tardiness" and job.weight > 0 and job.due is not None:
                b = job.due + z // (lam * job.weight)
            else:
                continue
            best = b if best is None else min(best, b)
        out.append(best)
    return out
