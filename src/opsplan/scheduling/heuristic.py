"""A starting plan: serial schedule generation with priority rules, in about n log n.

It respects eligibility, precedence, releases, calendars, setups (inserting into gaps on each
machine, with the setups to and from both neighbours) and pins. Its plan is checked by the
independent checker; it is the first incumbent, the hint for CP-SAT and the start of the
large-neighbourhood search, and the answer only when nothing better is found in time.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from collections.abc import Callable
from typing import Any

from .check import check
from .cpsat import StartPlan
from .prepare import Prepared, WorkTime
from .replan import stability
from .schema import Objective, ObjectiveKind

BIG = 2**62
# active schedule generation (active): apparent tardiness cost with look-ahead scales k (in
# mean operation lengths; the plans vary a lot with k, so several are tried), most work
# remaining, least slack
ACTIVE_RULES = ("due", "atc:2", "atc:8", "atc:16", "atc:4", "slack", "atc:1", "atc:0.5", "mwkr")


def tails(P: Prepared) -> list[int]:
    """Minimum work from the start of each op to the end of its job (min durations)."""
    tail = [0] * len(P.ops)
    for o in reversed(P.topo_order()):
        op = P.ops[o]
        tail[o] = op.min_dur + max((tail[s] for s in op.succs), default=0)
    return tail


class _Machine:
    """One machine while plans are built: its unavailable periods (calendar, maintenance) and
    the operations placed so far, in start order, each with its setup family.

    `packed` counts the leading operations between which no operation of this machine fits
    any more (less working time than its shortest operation): searches for a gap start after
    them, so a busy machine is not rescanned from its first operation at every step.
    """

    def __init__(
        self,
        clock: WorkTime,
        initial_family: str | None,
        min_d: int,
        bridge: Callable[[str | None, str | None], int],
    ):
        self.clock = clock  # the machine's working time: fits, stretched ends
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.families: list[str | None] = []
        self.initial = initial_family
        self.min_d = max(1, min_d)
        self.bridge = bridge  # least setup time into and out of an operation between a and b
        self.packed = 0

    def pause_fit(self, t: int, d: int) -> tuple[int, int]:
        """(start, end) of an operation of d units that pauses over unavailable periods: the
        first working instant >= t, and the end stretched by the periods it spans."""
        s = self.clock.first_working(t)
        return s, self.clock.stretch(s, d)

    def end(self, s: int, d: int, pause: bool) -> int:
        """The end of an operation of d units started at s (stretched when it pauses)."""
        return self.clock.stretch(s, d) if pause else s + d

    def fit(
        self,
        P: Prepared,
        m: int,
        t: int,
        d: int,
        family: str | None,
        after: int = -1,
        pause: bool = False,
    ) -> tuple[int, int]:
        """(start, position): the earliest start >= t of an operation of length d > 0 inserted
        between two placed operations (or after the last), with the setups to and from its
        neighbours and outside the unavailable periods (or, when it may `pause`, at a working
        instant, its end stretched by the periods it spans: `pause_fit`). `after`: the start
        of a placed operation it cannot go before (placing operations only shrinks the gaps,
        so where a slot was found before, the search may resume)."""
        starts, ends, fams = self.starts, self.ends, self.families
        k = max(bisect.bisect_left(starts, t), self.packed)  # before t or packed: stay before
        if after >= 0:
            k = max(k, bisect.bisect_left(starts, after))
        n = len(starts)
        while True:
            if k == 0:
                lo = max(t, P.setup(m, self.initial, family))
            else:
                lo = max(t, ends[k - 1] + P.setup(m, fams[k - 1], family))
            work = self.clock.work
            if k < n and (starts[k] - lo < d or work(starts[k]) - work(lo) < d):
                k += 1  # not enough working time before the next one
                continue
            if pause:
                s, e = self.pause_fit(lo, d)
            else:
                s = self.clock.fit(lo, d)
                e = s + d
            if k == n or e + P.setup(m, family, fams[k]) <= starts[k]:
                return s, k
            k += 1

    def place(self, k: int, s: int, e: int, family: str | None) -> None:
        self.starts.insert(k, s)
        self.ends.insert(k, e)
        self.families.insert(k, family)
        if k < self.packed:
            self.packed += 1
        starts, ends, n = self.starts, self.ends, len(self.starts)
        p = self.packed
        fams = self.families
        while p < n:
            if p == 0:
                free, need = self.clock.work(starts[0]), self.bridge(self.initial, fams[0])
            else:
                free = self.clock.work(starts[p]) - self.clock.work(ends[p - 1])
                need = self.bridge(fams[p - 1], fams[p])
            if free >= self.min_d + need:
                break
            p += 1
        self.packed = p


def _machines(P: Prepared) -> list[_Machine]:
    out = []
    for m in range(len(P.machines)):
        durations = [d for op in P.ops for mm, d in op.modes if mm == m and d > 0]
        families = {op.family for op in P.ops for mm, d in op.modes if mm == m and d > 0}
        cache: dict[tuple[str | None, str | None], int] = {}

        def bridge(a: str | None, b: str | None, m: int = m, fams: set = families, cache=cache):
            if (a, b) not in cache:
                cache[(a, b)] = min(P.setup(m, a, f) + P.setup(m, f, b) for f in fams)
            return cache[(a, b)]

        out.append(_Machine(P.worktime(m), P.initial_family[m], min(durations or [1]), bridge))
    return out


def _pinned(
    P: Prepared,
) -> tuple[list[_Machine], list[int], list[int], list[int], list[bool]]:
    """The machines, with every operation pinned to a start placed where it is pinned, and
    per operation its start, end, machine (-1: not placed) and whether it is placed."""
    n = len(P.ops)
    lines = _machines(P)
    start, end, mach, done = [0] * n, [0] * n, [-1] * n, [False] * n
    for o, op in enumerate(P.ops):
        if op.pin_s is not None:
            mi, d = op.modes[0]
            e = lines[mi].end(op.pin_s, d, P.pauses(o, mi))
            start[o], end[o], mach[o], done[o] = op.pin_s, e, mi, True
            if d > 0:
                lines[mi].place(
                    bisect.bisect_left(lines[mi].starts, op.pin_s), op.pin_s, e, op.family
                )
    return lines, start, end, mach, done


def dispatch(
    P: Prepared,
    rule: str,
    deadline: float = float("inf"),
    stop: Callable[[], bool] = lambda: False,
) -> StartPlan | None:
    """A plan built one operation at a time (serial schedule generation): among the operations
    whose predecessors are placed, the one first by `rule` goes to the eligible machine where
    it ends first, at the earliest start that fits (setups to and from its neighbours, the
    machine's unavailable periods; a gap between placed operations is used when it fits).

    Rules: "est" (earliest possible start, then least slack per unit of weight), "slack"
    (least slack to the due date per unit of weight), "mwkr" (most work remaining). Pinned
    operations are placed first, where they are pinned. Each operation costs a heap step and
    a bisection per eligible machine plus the gaps it skips. None when `deadline`
    (time.monotonic()) passes or `stop()` says so first.
    """
    n = len(P.ops)
    jobs = P.inst.jobs
    tail = tails(P)
    machines, start, end, mach, done = _pinned(P)
    waiting = [sum(1 for p in op.preds if not done[p]) for op in P.ops]

    def key(o: int, est: int) -> tuple[float, ...]:
        job = jobs[P.ops[o].job]
        w = max(job.weight, 1)
        lax = job.due - est - tail[o] if job.due is not None else BIG
        slack = lax / w if lax >= 0 else lax * w  # once late: the heaviest first
        if rule == "est":
            return (est, slack, o)
        if rule == "slack":
            return (slack, est, o)
        return (-tail[o], est, o)

    def est_of(o: int) -> int:
        op = P.ops[o]
        t = jobs[op.job].release
        for p in op.preds:
            t = max(t, end[p])
        return t

    heap: list[tuple[tuple[float, ...], int, int]] = []
    for o in range(n):
        if not done[o] and waiting[o] == 0:
            e0 = est_of(o)
            heap.append((key(o, e0), o, e0))
    heapq.heapify(heap)

    def release_succs(o: int) -> None:
        for q in P.ops[o].succs:
            waiting[q] -= 1
            if waiting[q] == 0 and not done[q]:
                e0 = est_of(q)
                heapq.heappush(heap, (key(q, e0), q, e0))

    for o in range(n):
        if done[o]:
            release_succs(o)
    placed = 0
    while heap:
        placed += 1
        if placed % 128 == 0 and (time.monotonic() >= deadline or stop()):
            return None
        _, o, e0 = heapq.heappop(heap)
        op = P.ops[o]
        best: tuple[int, int, int, int, int] | None = None  # end, start, machine, position, d
        for mi, d in op.modes:
            if d == 0:
                s, k, e = e0, -1, e0  # occupies no machine time, takes no part in setups
            else:
                pause = P.pauses(o, mi)
                s, k = machines[mi].fit(P, mi, e0, d, op.family, pause=pause)
                e = machines[mi].end(s, d, pause)
            if best is None or (e, s) < best[:2]:
                best = (e, s, mi, k, d)
        assert best is not None
        e, s, mi, k, d = best
        if k >= 0:
            machines[mi].place(k, s, e, op.family)
        start[o], end[o], mach[o], done[o] = s, e, mi, True
        release_succs(o)
    return StartPlan(mach, start, end)


def active(
    P: Prepared,
    rule: str,
    deadline: float = float("inf"),
    stop: Callable[[], bool] = lambda: False,
) -> StartPlan | None:
    """Active schedule generation (Giffler-Thompson) with a priority rule, in about n log n.

    At each step the ready operation that can end first fixes the machine m and the time c;
    among the ready operations of m that may start before c (their earliest start by their
    predecessors and release is before c), `rule` picks one, placed where `_Machine.fit`
    puts it (gaps, setups, calendars). Placing an operation only pushes other slots later, so
    the earliest ends are kept in a heap per machine as lower bounds, recomputed lazily when
    they reach the top; a second heap per machine orders the ready operations by priority.
    None when `deadline` (time.monotonic()) passes or `stop()` says so first.
    """
    n = len(P.ops)
    jobs = P.inst.jobs
    tail = tails(P)
    pbar = max(1.0, sum(op.min_dur for op in P.ops) / max(1, n))
    lines, start, end, mach, done = _pinned(P)
    waiting = [sum(1 for p in op.preds if not done[p]) for op in P.ops]
    est = [0] * n
    dur = [dict(op.modes) for op in P.ops]
    version = [0] * len(P.machines)
    # per machine: (end, start, version, op, start of the operation before the slot or -1)
    ends: list[list[tuple[int, int, int, int, int]]] = [[] for _ in P.machines]
    prios: list[list[tuple[tuple[float, ...], int]]] = [[] for _ in P.machines]
    top: list[tuple[int, int]] = []  # (earliest end, machine); stale entries are skipped
    zero: list[int] = []  # ready zero-length operations: placed at once

    name, _, scale = rule.partition(":")
    k_atc = float(scale or 2)

    def key(o: int) -> tuple[float, ...]:
        job = jobs[P.ops[o].job]
        w = max(job.weight, 1)
        lax = (job.due - est[o] - tail[o]) if job.due is not None else float(BIG)
        if name == "atc":  # apparent tardiness cost per operation (negated: smaller first)
            urgency = math.exp(-max(0.0, lax) / (k_atc * pbar))
            return (-(w / max(P.ops[o].min_dur, 1)) * urgency, o)
        if name == "due":  # operation due date (due date less the work after it) per weight
            due = job.due if job.due is not None else float(BIG)
            return ((due - tail[o]) / w, -tail[o], o)
        if name == "slack":  # least slack per unit of weight; once late, most weight first
            return (lax / w if lax >= 0 else lax * w, -tail[o], o)
        return (-tail[o], o)  # most work remaining

    def push_slot(m: int, o: int, after: int = -1) -> None:
        d = dur[o][m]
        line = lines[m]
        pause = P.pauses(o, m)
        s, k = line.fit(P, m, est[o], d, P.ops[o].family, after, pause)
        e = line.end(s, d, pause)
        heapq.heappush(ends[m], (e, s, version[m], o, line.starts[k - 1] if k else -1))

    def earliest(m: int) -> tuple[int, int, int] | None:
        """The fresh (end, start, op) at the top of m's heap, or None."""
        h = ends[m]
        while h:
            e, s, ver, o, after = h[0]
            if done[o]:
                heapq.heappop(h)
            elif ver != version[m]:
                heapq.heappop(h)
                push_slot(m, o, after)
            else:
                return e, s, o
        return None

    def make_ready(o: int) -> None:
        op = P.ops[o]
        t = jobs[op.job].release
        for p in op.preds:
            t = max(t, end[p])
        est[o] = t
        if all(d == 0 for d in dur[o].values()):
            zero.append(o)
            return
        pr = key(o)
        for m, d in op.modes:
            if d > 0:
                push_slot(m, o)
                heapq.heappush(prios[m], (pr, o))
                heapq.heappush(top, (ends[m][0][0], m))

    def finish(o: int) -> None:
        for q in P.ops[o].succs:
            waiting[q] -= 1
            if waiting[q] == 0 and not done[q]:
                make_ready(q)

    for o in range(n):
        if not done[o] and waiting[o] == 0:
            make_ready(o)
    for o in range(n):
        if done[o]:
            finish(o)
    steps = 0
    while top or zero:
        steps += 1
        if steps % 64 == 0 and (time.monotonic() >= deadline or stop()):
            return None
        if zero:
            o = zero.pop()
            start[o] = end[o] = est[o]
            mach[o], done[o] = P.ops[o].modes[0][0], True
            finish(o)
            continue
        c, m = heapq.heappop(top)
        first = earliest(m)
        if first is None:
            continue
        if first[0] != c:
            heapq.heappush(top, (first[0], m))  # a stale entry: the machine's true earliest
            continue
        h, stash = prios[m], []
        while True:  # the first by priority that can start on m before c (the one that
            pr, o = heapq.heappop(h)  # ends at c can, so the loop ends)
            if done[o]:
                continue
            d = dur[o][m]
            if est[o] < c:
                s, k = lines[m].fit(P, m, est[o], d, P.ops[o].family, pause=P.pauses(o, m))
                if s < c or o == first[2]:
                    break
            stash.append((pr, o))
        for item in stash:
            heapq.heappush(h, item)
        e = lines[m].end(s, d, P.pauses(o, m))
        lines[m].place(k, s, e, P.ops[o].family)
        version[m] += 1
        start[o], end[o], mach[o], done[o] = s, e, m, True
        for mm in dur[o]:
            nxt = earliest(mm)
            if nxt is not None:
                heapq.heappush(top, (nxt[0], mm))
        finish(o)
    return StartPlan(mach, start, end)


def evaluate(P: Prepared, plan: StartPlan, objective: Objective) -> list[int]:
    """The objective terms' values of a plan, in the objective's term order."""
    return term_values(P, plan, [t.kind for t in objective.terms])


def term_values(P: Prepared, plan: StartPlan, kinds: list[ObjectiveKind]) -> list[int]:
    """The values of objective terms `kinds` for a plan."""
    comp = [max(plan.end[o] for o in ops) for ops in P.job_ops]
    jobs = P.inst.jobs
    vals = []
    for kind in kinds:
        if kind == "makespan":
            vals.append(max(comp))
        elif kind == "weighted_completion":
            vals.append(sum(j.weight * c for j, c in zip(jobs, comp, strict=True)))
        elif kind == "weighted_tardiness":
            vals.append(
                sum(
                    j.weight * max(0, c - j.due)
                    for j, c in zip(jobs, comp, strict=True)
                    if j.due is not None
                )
            )
        elif kind == "stability":
            vals.append(stability(P, plan))
        else:
            vals.append(
                sum(
                    j.weight
                    for j, c in zip(jobs, comp, strict=True)
                    if j.due is not None and c > j.due
                )
            )
    return vals


def scalar(objective: Objective, vals: list[int]) -> tuple[int, ...]:
    if objective.mode == "weighted":
        return (sum(t.weight * v for t, v in zip(objective.terms, vals, strict=True)),)
    return tuple(vals)


def plan_rows(P: Prepared, plan: StartPlan) -> list[dict[str, Any]]:
    """A plan as the checker's rows (caller ids), in operation order."""
    return [
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


def respects_hard_rules(P: Prepared, plan: StartPlan) -> bool:
    """True when the independent checker finds nothing wrong with the plan."""
    return not check(P.inst, {"operations": plan_rows(P, plan)}).violations


def best_start(
    P: Prepared,
    deadline: float = float("inf"),
    budget: float = float("inf"),
    stop: Callable[[], bool] = lambda: False,
    on_plan: Callable[[StartPlan, int], None] = lambda plan, value: None,
    on_check: Callable[[float], None] | None = None,
) -> StartPlan | None:
    """The best plan the checker accepts among the constructions tried in time: the serial
    rule first (a plan in about n log n, given until `deadline`), then active schedule
    generation with each rule of ACTIVE_RULES while `budget` (time.monotonic()) lasts.
    `on_plan(plan, value)` hears of each better plan (value: the weighted sum or term 1).
    `on_check(seconds)` hears how long each checker call took. No construction starts after
    `deadline` or `stop()`; a construction stops within a few hundred operations of them.
    None: no plan in time, or none that keeps every hard rule (deadlines, horizon)."""
    obj = P.inst.objective
    best: tuple[tuple[int, ...], StartPlan] | None = None
    tries: list[tuple[Callable[..., StartPlan | None], str]] = [(dispatch, "slack")]
    rules = list(ACTIVE_RULES)
    if not any(t.kind in ("weighted_tardiness", "late_jobs") for t in obj.terms):
        rules.remove("mwkr")  # no due dates: most work remaining is the classic first
        rules.insert(0, "mwkr")
    else:
        rules.remove("mwkr")
        rules.append("mwkr")
    tries += [(active, rule) for rule in rules]
    for make, rule in tries:
        if stop() or time.monotonic() >= deadline:
            break  # no construction starts after the deadline or a cancel
        if best is not None and time.monotonic() >= budget:
            break
        plan = make(P, rule, min(deadline, budget) if best is not None else deadline, stop)
        if plan is None:
            continue
        t = time.monotonic()
        ok = respects_hard_rules(P, plan)
        if on_check is not None:
            on_check(time.monotonic() - t)
        if not ok:
            continue
        rank = scalar(obj, evaluate(P, plan, obj))
        if best is None or rank < best[0]:
            best = (rank, plan)
            on_plan(plan, rank[0])
    return best[1] if best is not None else None


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
