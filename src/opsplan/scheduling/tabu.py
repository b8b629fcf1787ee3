"""Tabu search on machine sequences and machine choices, for the makespan.

Used to improve the starting plan before CP-SAT on job shops (chains or DAGs, with or without
machine choices), where CP-SAT on two workers is weak on large instances. The plan is the set
of machine sequences; the schedule is the semi-active one they imply (every operation as early
as its job predecessors and its machine predecessor allow).

- Neighbourhood N5 (Nowicki and Smutnicki 1996): on one critical path, split into blocks of
  operations consecutive on a machine, swap the first two operations of every block but the
  first and the last two of every block but the last. Such a swap never creates a cycle
  unless the two operations are consecutive in their job (possible with machine choices):
  those pairs are left out.
- With machine choices, also: a critical operation to another of its machines, at the
  position where the path through it is shortest among positions that cannot close a cycle.
- Each move is rated by the exact length of the longest paths through the operations it
  moves (Taillard 1994), from the heads and tails of the current schedule.
- Tabu: after u and v are swapped, putting u back right before v is forbidden for a random
  tenure (after a reassignment: the operation's way back to its machine); a tabu move is
  allowed when it rates below the best makespan found (aspiration).
- The search stops at a stall (many iterations without a new best): measured on la, orb and
  Taillard instances, CP-SAT then does more with the time left than restarts of the search.

Applies only when the objective is the makespan alone and no calendar, setup, pin or deadline
constrains the machines (`applicable`); anything else is left to CP-SAT.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

from .cpsat import StartPlan
from .prepare import Prepared


def applicable(P: Prepared) -> bool:
    inst = P.inst
    terms = inst.objective.terms
    return (
        len(terms) == 1
        and terms[0].kind == "makespan"
        and all(op.pin_s is None and op.pin_m is None for op in P.ops)
        and all(len(op.modes) == 1 or min(d for _, d in op.modes) > 0 for op in P.ops)
        and not inst.setups
        and not any(P.unavailable)
        and all(j.deadline is None for j in inst.jobs)
    )


_Snapshot = tuple[list[int], list[int], list[int], list[int]]  # mprev, mnext, machine, p


class _Shop:
    """Machine sequences and the heads, tails and critical path of the schedule they imply."""

    def __init__(self, P: Prepared, plan: StartPlan):
        n = len(P.ops)
        self.n = n
        self.dur = [dict(op.modes) for op in P.ops]  # machine -> duration
        self.machine = list(plan.machine)
        self.p = [self.dur[o][self.machine[o]] for o in range(n)]
        self.jpred = [list(op.preds) for op in P.ops]
        self.jsucc = [list(op.succs) for op in P.ops]
        self.jindeg = [len(x) for x in self.jpred]
        self.release = [P.inst.jobs[op.job].release for op in P.ops]
        seqs: dict[int, list[int]] = {}
        for o in sorted(range(n), key=lambda o: (plan.start[o], plan.end[o], o)):
            if self.p[o] > 0:  # zero-length operations take no machine time
                seqs.setdefault(plan.machine[o], []).append(o)
        self.mprev = [-1] * n
        self.mnext = [-1] * n
        self.mfirst = {m: -1 for d in self.dur for m in d}
        for m, seq in seqs.items():
            self.mfirst[m] = seq[0]
            for a, b in itertools.pairwise(seq):
                self.mnext[a], self.mprev[b] = b, a
        self.r = [0] * n
        self.q = [0] * n
        self.order: list[int] = []
        self.cmax = 0

    def snapshot(self) -> tuple[list[int], list[int], list[int], list[int], dict[int, int]]:
        return (
            list(self.mprev),
            list(self.mnext),
            list(self.machine),
            list(self.p),
            dict(self.mfirst),
        )

    def restore(
        self, snap: tuple[list[int], list[int], list[int], list[int], dict[int, int]]
    ) -> None:
        self.mprev, self.mnext, self.machine = list(snap[0]), list(snap[1]), list(snap[2])
        self.p, self.mfirst = list(snap[3]), dict(snap[4])

    def evaluate(self) -> int:
        """Heads r (earliest starts), tails q (longest path after the end) and the makespan."""
        n, p, mprev, mnext = self.n, self.p, self.mprev, self.mnext
        jsucc = self.jsucc
        indeg = [a + (b >= 0) for a, b in zip(self.jindeg, mprev, strict=True)]
        r = list(self.release)
        stack = [o for o in range(n) if indeg[o] == 0]
        order: list[int] = []
        push, pop = stack.append, stack.pop
        add = order.append
        cmax = 0
        while stack:
            o = pop()
            add(o)
            e = r[o] + p[o]
            if e > cmax:
                cmax = e
            for s in jsucc[o]:
                if r[s] < e:
                    r[s] = e
                indeg[s] -= 1
                if not indeg[s]:
                    push(s)
            s = mnext[o]
            if s >= 0:
                if r[s] < e:
                    r[s] = e
                indeg[s] -= 1
                if not indeg[s]:
                    push(s)
        if len(order) != n:  # pragma: no cover - N5 swaps never create a cycle
            raise AssertionError("machine sequences with a cycle")
        q = [0] * n
        for o in reversed(order):
            t = 0
            for s in jsucc[o]:
                v = q[s] + p[s]
                if v > t:
                    t = v
            s = mnext[o]
            if s >= 0:
                v = q[s] + p[s]
                if v > t:
                    t = v
            q[o] = t
        self.r, self.q, self.order, self.cmax = r, q, order, cmax
        return cmax

    def critical_blocks(self, rng: random.Random) -> list[list[int]]:
        """One critical path (ties broken at random), split into machine blocks."""
        r, p, q, cmax = self.r, self.p, self.q, self.cmax
        ends = [o for o in range(self.n) if r[o] + p[o] == cmax]
        o = rng.choice(ends)
        path = [o]
        while True:
            cands = [x for x in self.jpred[o] if r[x] + p[x] == r[o]]
            mp = self.mprev[o]
            if mp >= 0 and r[mp] + p[mp] == r[o]:
                cands.append(mp)
            if not cands:
                break
            o = rng.choice(cands)
            path.append(o)
        path.reverse()
        blocks: list[list[int]] = [[path[0]]]
        for a, b in itertools.pairwise(path):
            if self.mnext[a] == b:
                blocks[-1].append(b)
            else:
                blocks.append([b])
        del q
        return blocks

    def rate(self, u: int, v: int) -> int:
        """Length of the longest paths through u and v once v is moved right before u."""
        r, q, p = self.r, self.q, self.p
        a = self.mprev[u]
        rv = max([r[x] + p[x] for x in self.jpred[v]] + [self.release[v]])
        if a >= 0:
            rv = max(rv, r[a] + p[a])
        ru = max([r[x] + p[x] for x in self.jpred[u]] + [self.release[u], rv + p[v]])
        b = self.mnext[v]
        qu = max([q[x] + p[x] for x in self.jsucc[u]] + [0])
        if b >= 0:
            qu = max(qu, q[b] + p[b])
        qv = max([q[x] + p[x] for x in self.jsucc[v]] + [qu + p[u]])
        return max(rv + p[v] + qv, ru + p[u] + qu)

    def swaps(self, blocks: list[list[int]]) -> list[tuple[int, int]]:
        """N5: adjacent pairs (u, v) to swap, from the critical blocks. A pair that is also
        consecutive in its job (possible with machine choices) cannot be swapped."""
        out: list[tuple[int, int]] = []
        last = len(blocks) - 1
        for i, blk in enumerate(blocks):
            if len(blk) < 2:
                continue
            pairs = []
            if i > 0:
                pairs.append((blk[0], blk[1]))
            if i < last and (i == 0 or len(blk) > 2):
                pairs.append((blk[-2], blk[-1]))
            out += [(u, v) for u, v in pairs if v not in self.jsucc[u]]
        return out

    def _link(self, a: int, b: int, m: int) -> None:
        """b right after a on machine m (a = -1: b first; b = -1: a last)."""
        if a >= 0:
            self.mnext[a] = b
        else:
            self.mfirst[m] = b
        if b >= 0:
            self.mprev[b] = a

    def swap(self, u: int, v: int) -> None:
        """u immediately before v on their machine becomes v before u."""
        m, a, b = self.machine[u], self.mprev[u], self.mnext[v]
        self._link(a, v, m)
        self._link(v, u, m)
        self._link(u, b, m)

    def reassignments(self, ops: list[int]) -> list[tuple[int, int, int, int, int]]:
        """For each of `ops` and each other machine it may use: (rating, o, machine, x, y),
        inserted between x and y (-1: none) where the path through it is shortest.

        Positions that could close a cycle are skipped: x must not be a descendant of o
        (r[x] < r[o] + p[o]) nor y an ancestor (r[y] + p[y] > r[o]); removing o from its
        machine only removes paths, so both stay sufficient.
        """
        r, q, p, mnext = self.r, self.q, self.p, self.mnext
        out = []
        for o in ops:
            if len(self.dur[o]) < 2:
                continue
            ro, eo = r[o], r[o] + p[o]
            head = max([r[x] + p[x] for x in self.jpred[o]] + [self.release[o]])
            tail = max([q[x] + p[x] for x in self.jsucc[o]] + [0])
            for m, d in self.dur[o].items():
                if m == self.machine[o]:
                    continue
                best = None
                x, y = -1, self.mfirst[m]
                while True:
                    if (x < 0 or r[x] < eo) and (y < 0 or r[y] + p[y] > ro):
                        start = head if x < 0 else max(head, r[x] + p[x])
                        after = tail if y < 0 else max(tail, q[y] + p[y])
                        val = start + d + after
                        if best is None or val < best[0]:
                            best = (val, o, m, x, y)
                    if y < 0 or (x >= 0 and r[x] >= eo):
                        break
                    x, y = y, mnext[y]
                if best is not None:
                    out.append(best)
        return out

    def move(self, o: int, m: int, x: int, y: int) -> None:
        """o leaves its machine's sequence and goes to machine m, between x and y."""
        self._link(self.mprev[o], self.mnext[o], self.machine[o])
        self._link(x, o, m)
        self._link(o, y, m)
        self.machine[o], self.p[o] = m, self.dur[o][m]

    def plan(self) -> StartPlan:
        self.evaluate()
        start = list(self.r)
        end = [s + d for s, d in zip(start, self.p, strict=True)]
        return StartPlan(list(self.machine), start, end)


def lower_bound(P: Prepared) -> int:
    """Longest job (release and chain of shortest durations) and heaviest load of the
    operations that have only one machine."""
    head = [P.inst.jobs[op.job].release for op in P.ops]
    for o in P.topo_order():
        for s in P.ops[o].succs:
            head[s] = max(head[s], head[o] + P.ops[o].min_dur)
    load: dict[int, int] = {}
    for op in P.ops:
        if len(op.modes) == 1:
            m, d = op.modes[0]
            load[m] = load.get(m, 0) + d
    ends = [h + op.min_dur for h, op in zip(head, P.ops, strict=True)]
    return max([0, *ends, *load.values()])


def improve(
    P: Prepared,
    plan: StartPlan,
    deadline: float,
    seed: int = 0,
    stop: Callable[[], bool] = lambda: False,
    on_improve: Callable[[int], None] = lambda v: None,
) -> StartPlan:
    """The best plan found by tabu search from `plan`. The search ends when time.monotonic()
    reaches `deadline`, when `stop()` says so, when the plan reaches the trivial lower bound,
    or at a stall (no new best for 2,500 + 10 |O| iterations); it is deterministic for a
    seed unless the deadline or `stop` ends it. `on_improve(makespan)` hears of every new best
    plan."""
    rng = random.Random(seed)
    lb = lower_bound(P)
    shop = _Shop(P, plan)
    best = shop.evaluate()
    best_snap = shop.snapshot()
    n_jobs, n_mach = len(P.inst.jobs), max(1, len(P.machines))
    tenure_lo = 8 + n_jobs // n_mach
    tenure_hi = tenure_lo + 6
    patience = 2500 + 10 * len(P.ops)
    tabu: dict[tuple[int, int], int] = {}
    flexible = any(len(d) > 1 for d in shop.dur)
    it = since_best = 0
    while True:
        it += 1
        if best <= lb or (it % 16 == 0 and (time.monotonic() >= deadline or stop())):
            break
        blocks = shop.critical_blocks(rng)
        choice: tuple[tuple[bool, int, float], tuple[int, ...]] | None = None
        for u, v in shop.swaps(blocks):
            val = shop.rate(u, v)
            allowed = tabu.get((v, u), 0) < it or val < best
            key = (not allowed, val, rng.random())
            if choice is None or key < choice[0]:
                choice = (key, (u, v))
        if flexible:
            for val, o, m, x, y in shop.reassignments([o for blk in blocks for o in blk]):
                allowed = tabu.get((-1 - o, m), 0) < it or val < best
                key = (not allowed, val, rng.random())
                if choice is None or key < choice[0]:
                    choice = (key, (o, m, x, y))
        if choice is None:
            break  # no move left on this path (e.g. one block, no machine choice): stop here
        mv = choice[1]
        tenure = it + rng.randint(tenure_lo, tenure_hi)
        if len(mv) == 2:
            shop.swap(*mv)
            tabu[mv] = tenure  # u right before v again is tabu
        else:
            o = mv[0]
            tabu[(-1 - o, shop.machine[o])] = tenure  # o back to its machine is tabu
            shop.move(*mv)
        cmax = shop.evaluate()
        if cmax < best:
            best, best_snap, since_best = cmax, shop.snapshot(), 0
            on_improve(best)
        else:
            since_best += 1
            if since_best >= patience:
                break  # a stall: CP-SAT takes over
    shop.restore(best_snap)
    return shop.plan()
