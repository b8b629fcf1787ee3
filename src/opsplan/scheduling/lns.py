"""Large-neighbourhood search: free a window of the plan, re-solve it with CP-SAT, keep the rest.

The whole model on a plant of thousands of operations is one giant setup circuit per machine
(hundreds of thousands of arc literals) that CP-SAT cannot even start on in the time a planner
waits. Here each step builds a model in which

- the operations that end before the window, and those that start well after it, are
  constants (no variable at all);
- every other operation keeps its machine and its place in its machine's sequence, but its
  start floats (so an improvement inside the window propagates to what follows): the sequence
  becomes a chain of precedences with the setup times between neighbours;
- the free operations (those starting inside the window's span on each of its machines) may
  change machine among the window's machines and are re-sequenced by a small circuit per
  machine, inserted between the last operation before the span and the first one after it;
- calendars restrict each start to the times where the operation fits between breaks (a
  domain, not intervals; pieces with a constant stretch for operations that pause), so the
  model has no no-overlap constraint at all.

Windows, in turn: a costly job (drawn in proportion to its share of the objective) with the
operations just before it on each machine it uses or may use; a time window on all machines; a
time window on a group of machines that share operations. Every rule of the full model
(precedence, releases, pins, deadlines, horizon, the objective terms) comes from the same
Formulation; only the machine rules differ, and they are implied by the chains and circuits.
The current plan is always a solution (it is given as a complete hint), so a step never makes
the plan worse, and each better plan is checked by the independent checker before it is kept.
The window grows after steps CP-SAT closes in time and shrinks after those it does not; the
search stops at its deadline, on a stop request, or at a stall.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import RunContext
from ..core.status import SolveStatus
from .cpsat import Formulation, StartPlan
from .heuristic import respects_hard_rules, term_values
from .prepare import Prepared
from .schema import ObjectiveKind

Domain = cp_model.Domain


@dataclass
class Window:
    """The free part of a plan: on each machine of `spans`, the operations starting in its
    [t1, t2); `t1` is the earliest of them (operations ending by it are constants)."""

    spans: dict[int, tuple[int, int]]
    free: set[int]
    until: float = float("inf")  # operations starting from here on are constants too

    @property
    def machines(self) -> set[int]:
        return set(self.spans)

    @property
    def t1(self) -> int:
        return min(a for a, _ in self.spans.values())

    @staticmethod
    def of(plan: StartPlan, spans: dict[int, tuple[int, int]]) -> Window:
        free = {
            o
            for o in range(len(plan.start))
            if plan.machine[o] in spans
            and spans[plan.machine[o]][0] <= plan.start[o] < spans[plan.machine[o]][1]
        }
        return Window(spans, free)


class WindowModel(Formulation):
    """The model of one step: the Formulation's rules with the plan kept outside `window`."""

    def __init__(self, P: Prepared, plan: StartPlan, window: Window, horizon: int):
        self.plan = plan
        self.window = window
        self.horizon = horizon
        self._domains: dict[tuple[int, int], Any] = {}
        super().__init__(P)

    def _fit_domain(self, m: int, d: int) -> Any:
        """Starts at which [s, s + d) on machine m overlaps no unavailable period."""
        key = (m, d)
        if key not in self._domains:
            spans = [[lo, hi] for lo, hi in self.P.fit_spans(m, d, self.horizon)]
            self._domains[key] = Domain.from_intervals(spans)  # empty: it fits nowhere
        return self._domains[key]

    def _mode(self, o: int, mi: int, d: int, s: Any, e: Any, enforce: list[Any]) -> None:
        """Operation o on machine mi (when `enforce` holds): it lasts d and starts where it
        fits between unavailable periods, or, when it pauses there, it starts in working time
        and its end is stretched by the breaks it spans (Formulation.add_pause)."""
        if self.pauses(o, mi):
            self.add_pause(o, mi, d, s, e, enforce)
            return
        self.m.add(e == s + d).only_enforce_if(enforce)
        if d > 0 and self.P.unavailable[mi]:
            self.m.add_linear_expression_in_domain(s, self._fit_domain(mi, d)).only_enforce_if(
                enforce
            )

    def add_operations(self) -> None:
        """Operations before the window are constants; outside it, an operation keeps its
        machine; inside it, it may use any of its machines among the window's."""
        P, m, plan, win = self.P, self.m, self.plan, self.window
        ub = self.ub = self.horizon
        self.start, self.end = [], []
        s: Any
        e: Any
        self.mode_presence, self.mode_interval = [], []
        t1 = win.t1
        self.fixed = [
            (plan.end[o] <= t1 or plan.start[o] >= win.until) and o not in win.free
            for o in range(len(P.ops))
        ]
        for o, op in enumerate(P.ops):
            cur = plan.machine[o]
            if self.fixed[o]:
                s, e = plan.start[o], plan.end[o]  # constants: no variable at all
                pres: dict[int, Any] = {cur: True}
            else:
                modes = [(mi, d) for mi, d in op.modes if mi == cur]
                if o in win.free:
                    modes = [(mi, d) for mi, d in op.modes if mi in win.machines] or modes
                s = m.new_int_var(0, ub, f"s{o}")
                e = m.new_int_var(0, ub, f"e{o}")
                if len(modes) == 1:
                    mi, d = modes[0]
                    self._mode(o, mi, d, s, e, [])
                    pres = {mi: True}
                else:
                    pres = {}
                    for mi, d in modes:
                        lit = m.new_bool_var(f"x{o}_{mi}")
                        self._mode(o, mi, d, s, e, [lit])
                        pres[mi] = lit
                    m.add_exactly_one(pres.values())
            self.start.append(s)
            self.end.append(e)
            self.mode_presence.append(pres)
            self.mode_interval.append({})

    def add_capacity_and_calendar(self) -> None:
        """Outside the window, each machine's sequence is kept as a chain of precedences with
        the setup between neighbours; the window's part is left to add_setup."""
        P, m, plan, win = self.P, self.m, self.plan, self.window
        self.segments: dict[int, tuple[int | None, int | None]] = {}
        seqs: list[list[int]] = [[] for _ in P.machines]
        for o in sorted(range(len(P.ops)), key=lambda o: (plan.start[o], plan.end[o])):
            if plan.end[o] > plan.start[o]:  # zero-length operations take no machine time
                seqs[plan.machine[o]].append(o)
        for mi, seq in enumerate(seqs):
            if mi in win.spans:
                t1 = win.spans[mi][0]
                before = [o for o in seq if o not in win.free and plan.start[o] < t1]
                after = [o for o in seq if o not in win.free and plan.start[o] >= t1]
                self.segments[mi] = (before[-1] if before else None, after[0] if after else None)
                chains = [before, after]
                # with nothing before the window, the circuit carries the initial setup
                head = before[0] if before else None
            else:
                chains = [seq]
                head = seq[0] if seq else None
            for chain in chains:
                for a, b in itertools.pairwise(chain):
                    if self.fixed[a] and self.fixed[b]:
                        continue
                    gap = P.setup(mi, P.ops[a].family, P.ops[b].family)
                    m.add(self.start[b] >= self.end[a] + gap)
            if head is not None and not self.fixed[head]:
                st = P.setup(mi, P.initial_family[mi], P.ops[head].family)
                if st:
                    m.add(self.start[head] >= st)

    def add_setup(self) -> None:
        """On each window machine, a circuit through the free operations that may use it,
        between the last operation before the window (node 0 leaves it) and the first one
        after it (node 0 enters it), with the setups on every arc."""
        P, m, win = self.P, self.m, self.window
        self.circuits = []
        for mi in sorted(win.machines):
            before, after = self.segments[mi]
            ops = [
                o
                for o in sorted(win.free)
                if mi in self.mode_presence[o] and dict(P.ops[o].modes)[mi] > 0
            ]
            fam_b = P.ops[before].family if before is not None else P.initial_family[mi]
            arcs: list[tuple[int, int, Any]] = []
            for a, o in enumerate(ops, start=1):
                fam = P.ops[o].family
                pres = self.mode_presence[o][mi]
                if pres is not True:
                    arcs.append((a, a, ~pres))
                lit = m.new_bool_var("")
                arcs.append((0, a, lit))
                low = P.setup(mi, fam_b, fam) + (self.end[before] if before is not None else 0)
                m.add(self.start[o] >= low).only_enforce_if(lit)
                lit = m.new_bool_var("")
                arcs.append((a, 0, lit))
                if after is not None:
                    gap = P.setup(mi, fam, P.ops[after].family)
                    m.add(self.start[after] >= self.end[o] + gap).only_enforce_if(lit)
                for b, q in enumerate(ops, start=1):
                    if q == o:
                        continue
                    lit = m.new_bool_var("")
                    arcs.append((a, b, lit))
                    gap = P.setup(mi, fam, P.ops[q].family)
                    m.add(self.start[q] >= self.end[o] + gap).only_enforce_if(lit)
            empty = m.new_bool_var("")
            arcs.append((0, 0, empty))
            if after is not None:
                fa = P.ops[after].family
                low = P.setup(mi, fam_b, fa) + (self.end[before] if before is not None else 0)
                m.add(self.start[after] >= low).only_enforce_if(empty)
            m.add_circuit(arcs)
            self.circuits.append((mi, ops, {(a, b): lit for a, b, lit in arcs}))


def _plan_value(
    P: Prepared, plan: StartPlan, kinds: list[ObjectiveKind], weights: list[int]
) -> int:
    return sum(w * v for w, v in zip(weights, term_values(P, plan, kinds), strict=True))


def machine_groups(P: Prepared) -> list[set[int]]:
    """Machines linked by operations that may use either (connected components)."""
    parent = list(range(len(P.machines)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for op in P.ops:
        first = op.modes[0][0]
        for mi, _ in op.modes[1:]:
            parent[find(mi)] = find(first)
    groups: dict[int, set[int]] = {}
    for mi in range(len(P.machines)):
        groups.setdefault(find(mi), set()).add(mi)
    return list(groups.values())


NEIGHBOURHOODS = ("job", "time", "job", "group")
FLOAT_AFTER: float | None = 1.0
STEP_PARAMS: dict[str, Any] = {"cp_model_presolve": False}


def _time_spans(
    P: Prepared, plan: StartPlan, machines: set[int], size: int, rng: random.Random
) -> dict[int, tuple[int, int]]:
    """A time window holding about `size` operations of `machines`, at random."""
    on = sorted(
        (o for o in range(len(P.ops)) if plan.machine[o] in machines), key=plan.start.__getitem__
    )
    k = max(4, min(len(on), size))
    i = rng.randrange(0, max(1, len(on) - k + 1))
    t1 = plan.start[on[i]]
    t2 = plan.start[on[i + k]] if i + k < len(on) else max(plan.end) + 1
    return {m: (t1, t2) for m in machines}


def _job_spans(
    P: Prepared,
    plan: StartPlan,
    kinds: list[ObjectiveKind],
    weights: list[int],
    size: int,
    rng: random.Random,
) -> dict[int, tuple[int, int]]:
    """Around the operations of one job that costs much (drawn in proportion to its share
    of the objective): on each machine it uses or could use, its operation and those that
    start shortly before it, so it can move ahead of them."""
    comp = [max(plan.end[o] for o in ops) for ops in P.job_ops]
    cmax = max(comp)
    cost = [0.0] * len(comp)
    for kind, w in zip(kinds, weights, strict=True):
        for j, job in enumerate(P.inst.jobs):
            if kind == "makespan":
                cost[j] += w * (1.0 if comp[j] == cmax else 0.0)
            elif kind == "weighted_completion":
                cost[j] += w * job.weight * comp[j]
            elif job.due is not None and comp[j] > job.due:
                cost[j] += (
                    w * job.weight * (comp[j] - job.due if kind == "weighted_tardiness" else 1)
                )
    if sum(cost) <= 0:
        return _time_spans(P, plan, set(range(len(P.machines))), size, rng)
    j = rng.choices(range(len(comp)), weights=cost)[0]
    seqs: dict[int, list[int]] = {}
    for o in sorted(range(len(P.ops)), key=plan.start.__getitem__):
        if plan.end[o] > plan.start[o]:
            seqs.setdefault(plan.machine[o], []).append(o)
    ops = P.job_ops[j]
    per = max(2, size // max(1, len(ops)))
    spans: dict[int, tuple[int, int]] = {}
    for o in ops:
        for m, _ in P.ops[o].modes:
            seq = seqs.get(m, [])
            i = bisect.bisect_left([plan.start[x] for x in seq], plan.start[o])
            lo = plan.start[seq[max(0, i - per)]] if seq else plan.start[o]
            lo = min(lo, plan.start[o])
            hi = plan.start[o] + 1
            if m in spans:
                lo, hi = min(lo, spans[m][0]), max(hi, spans[m][1])
            spans[m] = (lo, hi)
    return spans


def improve(
    P: Prepared,
    plan: StartPlan,
    kinds: list[ObjectiveKind],
    weights: list[int],
    caps: list[tuple[ObjectiveKind, int]],
    opts: SolveOptions,
    ctx: RunContext,
    deadline: float,
    *,
    workers: int,
    stop: Callable[[], bool] = lambda: False,
    on_improve: Callable[[StartPlan, int], None] = lambda p, v: None,
) -> StartPlan:
    """The best plan found by large-neighbourhood search from `plan`, minimising
    sum(weights x kinds) with every (kind, cap) of `caps` kept at most its cap (the levels
    already solved, in lexicographic mode). Ends at `deadline` (time.monotonic()), when
    `stop()` says so, or at a stall (40 steps without a better plan)."""
    rng = random.Random(opts.seed)
    groups = [g for g in machine_groups(P) if any(plan.machine[o] in g for o in range(len(P.ops)))]
    best_val = _plan_value(P, plan, kinds, weights)
    size = 40.0
    since_best = 0
    step = 0
    sub = RunContext(should_stop=lambda: stop() or ctx.stop_requested(), started=ctx.started)
    while True:
        now = time.monotonic()
        if now >= deadline - 0.05 or stop() or ctx.stop_requested():
            break
        step += 1
        hood = NEIGHBOURHOODS[step % len(NEIGHBOURHOODS)]
        if hood == "job":
            spans = _job_spans(P, plan, kinds, weights, int(size), rng)
        else:
            machines = set(range(len(P.machines))) if hood == "time" else set(rng.choice(groups))
            spans = _time_spans(P, plan, machines, int(size), rng)
        window = Window.of(plan, spans)
        if FLOAT_AFTER is not None:
            t1 = window.t1
            t2 = max(b for _, b in spans.values())
            window.until = t2 + FLOAT_AFTER * max(1, t2 - t1)
        horizon = max(plan.end) + max((op.max_dur for op in P.ops), default=0)
        horizon = max(max(plan.end), min(horizon + horizon // 10, P.horizon))
        F = WindowModel(P, plan, window, horizon)
        exprs = [F.term(kind) for kind in kinds]
        for kind, cap in caps:
            F.m.add(F.term(kind) <= cap)
        F.m.minimize(sum(w * x for w, x in zip(weights, exprs, strict=True)))
        F.hint(plan)
        limit = min(deadline - time.monotonic(), max(0.5, min(3.0, size / 20)))
        if limit <= 0.05:
            break
        run = backend.run(
            F.m,
            opts,
            sub,
            time_limit_s=limit,
            workers=workers,
            params=STEP_PARAMS,
        )
        if run.status == SolveStatus.OPTIMAL:
            size = min(size * 1.25, 400.0)
        else:
            size = max(size * 0.8, 8.0)
        if not run.has_solution:
            since_best += 1
            continue
        cand = F.extract(run.solver.value)
        val = _plan_value(P, cand, kinds, weights)
        if val > best_val or not respects_hard_rules(P, cand):
            since_best += 1  # (a plan the checker rejects would be a formulation bug)
            continue
        if val < best_val:
            plan, best_val, since_best = cand, val, 0
            on_improve(plan, val)
        else:
            plan, since_best = cand, since_best + 1  # as good: move on from there
        if since_best >= 40:
            break
    return plan
