"""Lower bounds on the objective that hold at any size, without the whole model.

CP-SAT proves bounds only on models it can build and search; on plants of thousands of
operations the whole model is out of reach, and a bound of 0 would make every gap 100%. Two
relaxations, both cheap, each valid alone (models/scheduling.md, "Bounds"):

- **Routes** (no capacity): an operation starts after its release and its predecessors, at
  the first time a calendar window of one of its machines fits it (an operation that pauses:
  at the first working instant, its end stretched by the breaks it spans); a job completes
  no earlier than its route allows (`earliest completion`).
- **Machine classes** (capacity): take the operations that may run on exactly the machine
  set S, one per job (the last of the job's in the class). The k-th of them to finish
  finishes no earlier than the k-th smallest earliest end, nor before the |S| machines of S,
  from the earliest start of any of them, have offered (in their working time) the work of
  the k shortest. The job then needs at least the rest of its route. Which job finishes k-th
  is unknown: the cheapest assignment of jobs to ranks (Hungarian method) bounds the
  objective terms that add up over jobs; the makespan is bounded by the last rank.

The bound of a weighted objective is the weighted sum of the terms' bounds; of a
lexicographic one, its first term's.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from .prepare import Prepared
from .schema import Objective, ObjectiveKind

MAX_ITEMS = 1500  # a class with more jobs than this is bounded by the route relaxation only


def earliest_completions(
    P: Prepared, deadline: float = float("inf")
) -> tuple[list[int], list[int], list[int]] | None:
    """Per operation, its earliest start and earliest end (routes and calendars, no
    capacity), and the least work after it ends (its job's remaining route). None when
    time.monotonic() passes `deadline` first (checked every few hundred operations)."""
    n = len(P.ops)
    head, end = [0] * n, [0] * n
    for i, o in enumerate(P.topo_order()):
        if i % 256 == 255 and time.monotonic() >= deadline:
            return None
        op = P.ops[o]
        h = P.inst.jobs[op.job].release
        for p in op.preds:
            h = max(h, end[p])
        if op.pin_s is not None:
            h = max(h, op.pin_s)
        head[o] = h
        end[o] = min(_earliest_end(P, o, m, h, d) for m, d in op.modes)
    after = [0] * n
    for o in reversed(P.topo_order()):
        after[o] = max((P.ops[s].min_dur + after[s] for s in P.ops[o].succs), default=0)
    return head, end, after


def _earliest_end(P: Prepared, o: int, m: int, h: int, d: int) -> int:
    """The earliest end on m of operation o (d units) from h: where a window fits it, or, when
    it pauses over unavailable time, from the first working instant with its end stretched."""
    if d <= 0:
        return h
    clock = P.worktime(m)
    if P.pauses(o, m):
        return clock.stretch(clock.first_working(h), d)
    return clock.fit(h, d) + d


def _term_cost(
    kind: ObjectiveKind, comp: np.ndarray, due: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Each job's contribution to a term for completion times `comp` (jobs along axis 0)."""
    has_due = ~np.isnan(due)
    d = np.where(has_due, due, 0.0)
    if kind == "weighted_tardiness":
        return np.where(has_due, weight * np.maximum(0.0, comp - d), 0.0)
    if kind == "late_jobs":
        return np.where(has_due & (comp > d), weight, 0.0)
    return weight * comp  # weighted completion


def lower_bound(P: Prepared, objective: Objective, deadline: float) -> float | None:
    """A proven lower bound of the objective (see the module). When time.monotonic() passes
    `deadline`, the machine classes not yet looked at are left out (the bound stays valid);
    None when it passes before the route relaxation is done."""
    kinds = [t.kind for t in objective.terms]
    weights = [t.weight for t in objective.terms]
    if objective.mode == "lexicographic":
        kinds, weights = kinds[:1], [1]
    routes = earliest_completions(P, deadline)
    if routes is None:
        return None
    head, end, after = routes
    jobs = P.inst.jobs
    completion = np.array(
        [max(end[o] for o in ops) for ops in P.job_ops], dtype=float
    )  # earliest completion per job (routes only)
    due = np.array([j.due if j.due is not None else np.nan for j in jobs], dtype=float)
    weight = np.array([j.weight for j in jobs], dtype=float)
    best = {k: 0.0 for k in kinds}  # stability (replanning) is bounded by 0 only
    for kind in kinds:
        if kind == "stability":
            continue
        if kind == "makespan":
            best[kind] = float(completion.max())
        else:
            best[kind] = float(_term_cost(kind, completion, due, weight).sum())
    classes: dict[frozenset[int], dict[int, int]] = {}  # machine set -> job -> its last op
    for o, op in enumerate(P.ops):
        if op.min_dur <= 0:
            continue
        cls = classes.setdefault(frozenset(m for m, _ in op.modes), {})
        j = op.job
        if j not in cls or after[o] < after[cls[j]]:
            cls[j] = o
    for machines, items in classes.items():
        if time.monotonic() >= deadline:
            break  # what is proven so far holds
        if len(items) < 2:
            continue
        js = list(items)
        ops = [items[j] for j in js]
        p = sorted(P.ops[o].min_dur for o in ops)
        r0 = min(head[o] for o in ops)
        ends = sorted(end[o] for o in ops)
        work = list(itertools.accumulate(p))
        ranks = [
            max(e, _capacity_time(P, machines, r0, w)) for e, w in zip(ends, work, strict=True)
        ]
        lb = np.array(ranks, dtype=float)
        q = np.array([after[o] for o in ops], dtype=float)
        own = completion[js]
        if "makespan" in best:
            best["makespan"] = max(best["makespan"], float(lb[-1] + q.min()))
        summed = [k for k in kinds if k not in ("makespan", "stability")]
        if not summed or len(js) > MAX_ITEMS:
            continue
        comp = np.maximum(lb[None, :] + q[:, None], own[:, None])  # job x rank
        rest = np.ones(len(jobs), dtype=bool)
        rest[js] = False
        for kind in summed:
            cost = _term_cost(kind, comp, due[js][:, None], weight[js][:, None])
            rows, cols = linear_sum_assignment(cost)
            value = float(cost[rows, cols].sum())
            value += float(_term_cost(kind, completion[rest], due[rest], weight[rest]).sum())
            best[kind] = max(best[kind], value)
    return float(sum(w * best[k] for k, w in zip(kinds, weights, strict=True)))


def _capacity_time(P: Prepared, machines: frozenset[int], r0: int, need: int) -> int:
    """The first time T by which the machines, working from r0, can have done `need` work."""
    base = sum(P.worktime(m).work(r0) for m in machines)

    def done_by(t: int) -> int:
        return sum(P.worktime(m).work(t) for m in machines) - base

    lo, hi = r0, r0 + need  # at least one machine's worth of time, at most...
    while done_by(hi) < need:
        hi = r0 + 2 * (hi - r0) + 1
    while lo < hi:  # the least T with done_by(T) >= need
        mid = (lo + hi) // 2
        if done_by(mid) >= need:
            hi = mid
        else:
            lo = mid + 1
    return lo
