"""Replanning against a published plan (`previous`): the plan itself in dense indices, and how
far a plan moves from it (the `stability` objective term).

The frozen part of the previous plan becomes pins in Prepared; the checker (check.py)
recomputes the stability term on its own from the instance.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import InvalidInput, Problem
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
