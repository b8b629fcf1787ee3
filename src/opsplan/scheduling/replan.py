"""Replanning against a published plan (`previous`): the plan itself in dense indices, the
plan repaired to fit a changed instance (both starting plans), how far a plan moves from it
(the `stability` objective term), and the previous plan read from a former result (CLI).

The frozen part of the previous plan becomes pins in Prepared; the checker (check.py)
recomputes the stability term on its own from the instance.
"""

from __future__ import annotations

import heapq
from typing import Any

from ..core.errors import InvalidInput, Problem
from .cpsat import StartPlan
from .prepare import Prepared, merge

_BIG = 2**62


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


def repaired_plan(P: Prepared) -> StartPlan | None:
    """The previous plan made to fit the new instance by moving operations later only (a
    right-shift repair); None without a previous plan.

    The operation that may start first goes next: may start after its release, its
    predecessors as placed and its previous start. It is appended to the eligible machine
    where that costs the least stability (the shift, plus its previous duration on another
    machine; its previous machine on a tie), after the machine's last operation and setup,
    fitted around unavailable periods and the pinned and frozen operations (which stay where
    they are). An operation the previous plan does not have (a new order) goes where it ends
    first, and pushes the others. A previous plan that is still feasible comes out as it is.
    The plan may still break a rule (a deadline, the horizon): a caller uses it only if the
    checker accepts it.
    """
    if P.inst.previous is None:
        return None
    n = len(P.ops)
    jobs = P.inst.jobs
    machine, start, end = [-1] * n, [0] * n, [0] * n
    done = [False] * n
    fixed: list[list[tuple[int, int, str | None]]] = [[] for _ in P.machines]
    for o, op in enumerate(P.ops):
        if op.pin_s is not None:  # pinned or frozen: stays
            mi, d = op.modes[0]
            machine[o], start[o], end[o], done[o] = mi, op.pin_s, op.pin_s + d, True
            if d > 0:
                fixed[mi].append((op.pin_s, op.pin_s + d, op.family))
    for lst in fixed:
        lst.sort()
    blocks = [merge(P.unavailable[m] + [(s, e) for s, e, _ in fixed[m]]) for m in range(len(fixed))]
    free = [0] * len(P.machines)
    last = list(P.initial_family)

    def fit(m: int, t: int, d: int) -> int:
        for s, e in blocks[m]:
            if e <= t:
                continue
            if t + d <= s:
                return t
            t = max(t, e)
        return t

    def slot(o: int, m: int, d: int, lo: int) -> int:
        """Earliest start >= lo appended on m, before the next fixed operation if it fits
        there with both setups, else after it (and so on)."""
        fam = P.ops[o].family
        f, fa = free[m], last[m]
        for ps, pe, pf in [*fixed[m], (_BIG, _BIG, None)]:
            t = fit(m, max(lo, f + (P.setup(m, fa, fam) if d > 0 else 0)), d)
            if t + d + (P.setup(m, fam, pf) if d > 0 else 0) <= ps:
                return t
            f, fa = max(f, pe), pf
        raise AssertionError("unreachable: the sentinel always fits")

    def earliest(o: int) -> int:
        """When o may start: release, predecessors placed, and not before its previous start."""
        op = P.ops[o]
        t = max([jobs[op.job].release, *(end[p] for p in op.preds)])
        return max(t, P.previous[o][1]) if o in P.previous else t

    waiting = [sum(1 for p in op.preds if not done[p]) for op in P.ops]
    ready = [(earliest(o), o) for o in range(n) if not done[o] and waiting[o] == 0]
    for o in range(n):
        if done[o]:
            for q in P.ops[o].succs:
                waiting[q] -= 1
                if waiting[q] == 0 and not done[q]:
                    ready.append((earliest(q), q))
    heapq.heapify(ready)
    while ready:  # the operation that may start first goes next
        lo, o = heapq.heappop(ready)
        op = P.ops[o]
        if o in P.previous:  # what stability charges: the shift, and D_o on another machine
            m0, s0, d0 = P.previous[o]
            options = [(m, d, slot(o, m, d, lo)) for m, d in op.modes]
            m, d, s = min(
                options, key=lambda x: (x[2] - s0 + (d0 if x[0] != m0 else 0), x[0] != m0)
            )
        else:
            options = [(m, d, slot(o, m, d, lo)) for m, d in op.modes]
            m, d, s = min(options, key=lambda x: (x[2] + x[1], x[2]))
        machine[o], start[o], end[o], done[o] = m, s, s + d, True
        while fixed[m] and fixed[m][0][0] < s + d:  # fixed operations it went after
            _, pe, pf = fixed[m].pop(0)
            free[m], last[m] = max(free[m], pe), pf
        free[m] = max(free[m], s + d)
        if d > 0:
            last[m] = op.family
        for q in op.succs:
            waiting[q] -= 1
            if waiting[q] == 0 and not done[q]:
                heapq.heappush(ready, (earliest(q), q))
    return StartPlan(machine, start, end)


def stability(P: Prepared, plan: StartPlan) -> int:
    """Sum over the previous plan's operations that are not frozen of |start - previous start|
    plus, on another machine, the duration on the previous machine."""
    return sum(
        abs(plan.start[o] - s0) + (d0 if plan.machine[o] != m0 else 0)
        for o, (m0, s0, d0) in P.previous.items()
    )


def previous_from_result(
    doc: Any, instance: Any, where: str
) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """The rows of a former result (a SolveResult document: `solution.operations`) to put into
    an instance (a request's raw `instance`) as its previous plan.

    Rows naming an operation the instance no longer has (a finished or cancelled order) are
    left out. Answers the rows kept, each one's position in the result (to name it in later
    problems) and notes for the planner. Raises InvalidInput, naming `where`, when the
    document holds no such plan.
    """

    def fail(path: str, msg: str) -> InvalidInput:
        return InvalidInput([Problem(where=f"{where}: {path}" if path else where, message=msg)])

    if not isinstance(doc, dict):
        raise fail("", "expected a former result (JSON object), as `opsplan solve -o` writes it")
    if doc.get("model", "scheduling") != "scheduling":
        raise fail("model", f"is a result of model {doc.get('model')!r}, not scheduling")
    solution = doc.get("solution")
    rows = solution.get("operations") if isinstance(solution, dict) else None
    if not isinstance(rows, list):
        raise fail(
            "solution.operations",
            "no plan here: expected a former result with solution.operations "
            "(`opsplan solve ... -o result.json` writes one)",
        )
    problems = [
        Problem(
            where=f"{where}: solution.operations[{i}]",
            message="expected an object with job, operation, machine and start",
        )
        for i, r in enumerate(rows)
        if not isinstance(r, dict) or "job" not in r or "operation" not in r
    ]
    if problems:
        raise InvalidInput(problems)
    known: set[tuple[str, str]] | None = None
    try:
        known = {(str(j["id"]), str(op["id"])) for j in instance["jobs"] for op in j["operations"]}
    except (KeyError, TypeError):
        known = None  # the instance itself is malformed: its own problems will be reported
    kept, positions, dropped = [], [], []
    for i, r in enumerate(rows):
        if known is not None and (str(r["job"]), str(r["operation"])) not in known:
            dropped.append(f"{r['job']}/{r['operation']}")
            continue
        kept.append(r)
        positions.append(i)
    notes = []
    if dropped:
        shown = ", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else "")
        notes.append(
            f"{len(dropped)} operation(s) of the previous plan are not in the instance "
            f"(finished or cancelled orders?) and are left out: {shown}"
        )
    return kept, positions, notes
