"""Column generation over individual schedules (models/rostering.md, "Column generation").

Coverage is the only thing linking employees: every other rule is per employee. The master LP
chooses one schedule (column) per employee, a convex combination in the LP, to minimise the
schedules' own penalties plus the coverage penalties (slack variables per cover row); it lives in
HiGHS (core.backends.highs_lp) and is re-solved after each round of new columns.

Pricing: per employee, a CP-SAT model of that employee alone, built by the same Formulation
(the instance restricted to the employee, coverage weights 0, no fairness), minimising
  own penalty - sum of coverage duals over the cover rows the schedule counts in,
with the duals scaled to integers. The scaling error is bounded and subtracted, and CP-SAT's own
bound is used, so the pricing minimum is a proven lower bound and
  master LP value + sum over employees of min(0, least reduced cost)
is a proven lower bound on every roster's objective (fairness terms, never negative, are left out).

The integer plan: the restricted master with integral choices (HiGHS MIP), else each employee's
heaviest column; it keeps every hard rule (each column does) as long as coverage is soft.
"""

from __future__ import annotations

import math
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from ..core.backends import cpsat as backend
from ..core.backends.highs_lp import INF, HighsModel
from ..core.options import SolveOptions
from ..core.run import RunContext
from ..core.status import SolveStatus
from .cpsat import Formulation
from .schema import RULE_NAMES, Fairness, RosteringInstance, Rule

COVER_RULES = ("coverage_min", "coverage_preferred", "coverage_excess")
# largest integer coefficient handed to CP-SAT in a pricing objective
MAX_COEF = 10**9
# one pricing solve: at most this many seconds
PRICE_S = 5.0
# dual smoothing: weight of the multipliers of the best bound so far (Wentges)
SMOOTH = 0.5
# share of the time left that the first schedules may take (a roster matters most)
FIRST_SHARE = 0.8
# CP-SAT parameters of a first-schedule solve (one worker each, employees in parallel): quick
# restarts without the LP. With CP-SAT's default single-worker search no schedule was found in
# 20 s for one employee of Curtois Instance22 (364 days, 232-234 shifts to place in runs of 2-5);
# with these, 0.2-0.8 s (Instance24: 1-1.6 s)
FIRST_PARAMS: dict[str, Any] = {
    "search_branching": cp_model.PORTFOLIO_WITH_QUICK_RESTART_SEARCH,
    "linearization_level": 0,
}


def applicable(inst: RosteringInstance) -> bool:
    """Column generation needs soft coverage (a hard cover row has no slack in the master)."""
    return all(not inst.rule(r).hard for r in COVER_RULES)


@dataclass
class Column:
    employee: int
    cost: int  # the employee's own penalty
    cells: list[tuple[int, str, str | None]]  # (day, shift id, skill)
    covers: list[int]  # indexes into inst.coverage this schedule counts in


@dataclass
class CgResult:
    status: SolveStatus  # INFEASIBLE: some employee has no schedule keeping the hard rules
    bound: float | None = None  # proven lower bound (not rounded)
    lp_value: float | None = None
    plan: list[dict[str, Any]] | None = None  # assignments of the integer plan
    plan_cost: float | None = None  # restricted master MIP objective (no fairness)
    iterations: int = 0
    columns: int = 0
    converged: bool = False
    infeasible_employee: str | None = None
    messages: list[str] = field(default_factory=list)


class Pricer:
    """The CP-SAT model of one employee's schedules, with their own penalties."""

    def __init__(self, inst: RosteringInstance, e: int) -> None:
        emp = inst.employees[e]
        rules = {r: inst.rule(r) for r in RULE_NAMES}
        for r in COVER_RULES:
            rules[r] = Rule(hard=False, weight=0)
        sub = inst.model_copy(
            update={
                "employees": [emp],
                "pins": [p for p in inst.pins if p.employee == emp.id],
                # skill rows only: they make the skill choice variables; weights are 0
                "coverage": [c for c in inst.coverage if c.skill is not None],
                "fairness": Fairness(),
                "rules": rules,
            }
        )
        self.e = e
        self.F = Formulation(sub)
        self.own = self.F.objective
        F = self.F
        # the literal that makes this employee count in each cover row
        self.lit: dict[int, Any] = {}
        for k, c in enumerate(inst.coverage):
            s = F.s_index[c.shift]
            if c.skill is None:
                self.lit[k] = F.x[0][c.day][s]
            else:
                ys = F.y.get((0, c.day, s), {})
                if c.skill in ys:
                    self.lit[k] = ys[c.skill]
        # most cover rows one schedule can count in (one shift a day)
        per: dict[tuple[int, int], int] = defaultdict(int)
        for k in self.lit:
            c = inst.coverage[k]
            per[(c.day, F.s_index[c.shift])] += 1
        best: dict[int, int] = defaultdict(int)
        for (d, _), n in per.items():
            best[d] = max(best[d], n)
        self.max_rows = sum(best.values())
        self.last: list[tuple[int, str, str | None]] | None = None

    def price(
        self,
        duals: dict[int, float],
        opts: SolveOptions,
        ctx: RunContext,
        limit: float,
        params: dict[str, Any] | None = None,
    ) -> tuple[SolveStatus, Column | None, float | None]:
        """(status, best column, lower bound on own - sum of duals over its rows)."""
        F = self.F
        big = max([1.0] + [abs(v) for v in duals.values()])
        scale = max(1, min(10**4, int(MAX_COEF / (big * max(1, self.max_rows) + 1))))
        coefs = {k: round(scale * v) for k, v in duals.items() if k in self.lit}
        expr = scale * self.own - sum(c * self.lit[k] for k, c in coefs.items() if c)
        F.m.minimize(expr)
        if self.last is not None:
            F.hint([{"employee": F.E[0], "day": d, "shift": s} for d, s, _ in self.last])
        run = backend.run(F.m, opts, ctx, time_limit_s=limit, workers=1, params=params)
        if not run.has_solution:
            return run.status, None, None
        cells = [(a["day"], a["shift"], a["skill"]) for a in F.extract(run.solver.value)]
        self.last = cells
        cost = int(run.solver.value(self.own)) if not isinstance(self.own, int) else 0
        covers = [k for k, lit in self.lit.items() if run.solver.boolean_value(lit)]
        # the scaled objective is within 0.5 * max_rows of the exact one for every schedule
        err = 0.5 * self.max_rows
        lb = None if run.bound is None else (run.bound - err) / scale
        return run.status, Column(self.e, cost, cells, covers), lb


def _cover_duals(cover_rows: dict[int, list[int]], pi: dict[int, float]) -> dict[int, float]:
    """Cover index -> sum of the multipliers of its master rows (what one person there earns)."""
    out = {}
    for k, rows in cover_rows.items():
        v = sum(pi[r] for r in rows)
        if abs(v) > 1e-9:
            out[k] = v
    return out


def _lagrangian(
    pi: dict[int, float],
    rhs: dict[int, float],
    slacks: list[tuple[float, float, list[int], list[float]]],
    pricing: list[float | None],
) -> float | None:
    """The Lagrangian bound with cover rows relaxed by multipliers pi (>= 0 on >= rows, <= 0 on
    <= rows): sum pi * rhs + each slack at its best bound + each employee's least priced cost.
    None when a pricing gave no bound or pi makes an unbounded slack profitable."""
    if any(v is None for v in pricing):
        return None
    total = sum(pi[r] * v for r, v in rhs.items()) + sum(v for v in pricing if v is not None)
    for cost, upper, rows, coefs in slacks:
        rc = cost - sum(pi[r] * a for r, a in zip(rows, coefs, strict=True))
        if rc < -1e-9:
            if upper == INF:
                return None
            total += rc * upper
    return total


def solve_cg(
    inst: RosteringInstance,
    opts: SolveOptions,
    ctx: RunContext,
    time_limit_s: float,
    mip_s: float,
) -> CgResult:
    """Column generation for `time_limit_s` seconds, then the restricted master MIP."""
    t_end = ctx.elapsed() + time_limit_s
    sub_ctx = RunContext(should_stop=ctx.stop_requested, started=ctx.started)
    nE = len(inst.employees)
    # master rows: one convexity row per employee; cover rows with their slacks
    M = HighsModel(opts)
    conv = [M.add_row(1.0, 1.0) for _ in range(nE)]
    cover_rows: dict[int, list[int]] = defaultdict(list)
    rhs: dict[int, float] = {}  # cover row -> its finite side
    slacks: list[tuple[float, float, list[int], list[float]]] = []  # cost, upper, rows, coefs

    def row(lower: float, upper: float) -> int:
        r = M.add_row(lower, upper)
        rhs[r] = lower if upper == INF else upper
        return r

    def slack(cost: float, upper: float, rows: list[int], coefs: list[float]) -> None:
        M.add_col(cost, 0, upper, rows, coefs)
        slacks.append((cost, upper, rows, coefs))

    w = {r: inst.rule(r).weight for r in COVER_RULES}
    for k, c in enumerate(inst.coverage):
        pref = c.pref()
        cu, cp, co = (
            w["coverage_min"] * c.under_weight,
            w["coverage_preferred"] * c.preferred_weight,
            w["coverage_excess"] * c.over_weight,
        )
        if c.min > 0 and (cu > 0 or (pref > c.min and cp > 0)):
            r = row(c.min, INF)  # count + u >= min
            cover_rows[k].append(r)
            rows_u = [r]
            if pref > c.min and cp > 0:
                r2 = row(pref, INF)  # count + u + p >= pref, p <= pref - min
                cover_rows[k].append(r2)
                rows_u.append(r2)
                slack(cp, pref - c.min, [r2], [1])
            slack(cu, INF, rows_u, [1] * len(rows_u))
        elif pref > c.min and cp > 0:
            r2 = row(pref, INF)  # min = 0 or no weight below min: count + p >= pref
            cover_rows[k].append(r2)
            slack(cp, INF if c.min == 0 else pref - c.min, [r2], [1])
            if c.min > 0:
                slack(0, INF, [r2], [1])  # below min costs nothing more
        if co > 0:
            r3 = row(-INF, pref)  # count - o <= pref
            cover_rows[k].append(r3)
            slack(co, INF, [r3], [-1])
    pricers: list[Pricer | None] = [None] * nE
    columns: list[Column] = []
    col_index: list[int] = []
    seen: set[tuple[int, tuple[Any, ...]]] = set()
    res = CgResult(status=SolveStatus.FEASIBLE)

    def add(col: Column) -> bool:
        key = (col.employee, tuple(col.cells))
        if key in seen:
            return False
        seen.add(key)
        rows = [conv[col.employee]]
        for k in col.covers:
            rows += cover_rows.get(k, [])
        columns.append(col)
        col_index.append(M.add_col(col.cost, 0, INF, rows, [1] * len(rows)))
        return True

    workers = max(1, opts.workers)

    def first_one(e: int, n: int, cap: float) -> tuple[int, Any]:
        """The employee's best own schedule (duals 0): needed whatever the clock says; n
        employees share FIRST_SHARE of the time left."""
        if ctx.elapsed() >= opts.time_limit_s - 0.2 or ctx.stop_requested():
            return e, (SolveStatus.NO_SOLUTION, None, None)  # not even building the model
        p = pricers[e]
        if p is None:
            p = pricers[e] = Pricer(inst, e)
        limit = max(0.2, FIRST_SHARE * (opts.time_limit_s - ctx.elapsed()) * workers / n)
        return e, p.price({}, opts, sub_ctx, min(cap, limit), params=FIRST_PARAMS)

    def price_one(e: int, duals: dict[int, float]) -> tuple[int, Any]:
        p = pricers[e]
        assert p is not None
        left = t_end - ctx.elapsed()
        if left <= 0.05:
            return e, (SolveStatus.NO_SOLUTION, None, None)
        return e, p.price(duals, opts, sub_ctx, min(PRICE_S, left))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        # 1. each employee's best own schedule (duals 0): the first columns
        # employees without one in their share of the time try again with the time left
        todo = list(range(nE))
        for cap in (PRICE_S, math.inf):
            late = []
            for e, (st, col, _) in pool.map(
                first_one, todo, [len(todo)] * len(todo), [cap] * len(todo)
            ):
                if st == SolveStatus.INFEASIBLE:
                    res.status = SolveStatus.INFEASIBLE
                    res.infeasible_employee = inst.employees[e].id
                    return res
                if col is None:
                    late.append(e)
                else:
                    add(col)
            todo = late
            if not todo or ctx.stop_requested():
                break
        if todo:
            res.status = SolveStatus.NO_SOLUTION
            res.messages.append(
                f"column generation: no schedule in time for {len(todo)} employees, such as "
                f"{inst.employees[todo[0]].id}"
            )
            return res
        # 2. master LP <-> pricing, with the duals smoothed towards those of the best bound
        lp = None
        best_pi: dict[int, float] | None = None
        smooth = True
        while ctx.elapsed() < t_end and not ctx.stop_requested():
            lp = M.solve_lp(ctx, time_limit_s=t_end - ctx.elapsed())
            if lp.status != SolveStatus.OPTIMAL or lp.objective is None:
                lp = None
                break
            res.iterations += 1
            res.lp_value = lp.objective
            pi_lp = {r: lp.duals[r] for r in rhs}
            if best_pi is not None and smooth:
                pi = {r: SMOOTH * best_pi[r] + (1 - SMOOTH) * pi_lp[r] for r in rhs}
            else:
                pi = pi_lp
            duals = _cover_duals(cover_rows, pi)
            duals_lp = _cover_duals(cover_rows, pi_lp)
            mu = [lp.duals[r] for r in conv]
            found = list(pool.map(price_one, range(nE), [duals] * nE))
            lag = _lagrangian(pi, rhs, slacks, [lb for _, (_s, _c, lb) in found])
            if lag is not None and (res.bound is None or lag > res.bound):
                res.bound = lag
                best_pi = pi
            added = 0
            for e, (_st, col, _lb) in found:
                if col is not None:
                    rc = col.cost - sum(duals_lp.get(k, 0.0) for k in col.covers) - mu[e]
                    if rc < -1e-6 and add(col):
                        added += 1
            if added == 0:
                if pi is not pi_lp:
                    smooth = False  # mispriced: price at the master's own duals next
                    continue
                res.converged = lag is not None and abs(lag - lp.objective) < 1e-6 * max(
                    1, abs(lp.objective)
                )
                if res.converged:
                    res.bound = max(res.bound or lp.objective, lp.objective)
                break
            smooth = True
            if res.bound is not None and math.ceil(res.bound - 1e-6) >= math.ceil(
                lp.objective - 1e-6
            ):
                break  # an integral objective cannot be proved any higher
    res.columns = len(columns)
    res.messages.append(
        f"column generation: {res.iterations} master LPs, {len(columns)} columns, LP value "
        f"{res.lp_value}, bound {res.bound}, {'converged' if res.converged else 'stopped'}"
    )
    # 3. an integer plan over the generated columns
    by_emp: dict[int, list[int]] = defaultdict(list)
    for i, col in enumerate(columns):
        by_emp[col.employee].append(i)
    choice: dict[int, int] = {}
    lp = M.solve_lp(ctx, time_limit_s=max(1.0, mip_s))  # with the last columns (warm start)
    if lp.status == SolveStatus.OPTIMAL:
        for e, idx in by_emp.items():
            choice[e] = max(idx, key=lambda i: lp.values[col_index[i]])
    else:
        for e, idx in by_emp.items():
            choice[e] = min(idx, key=lambda i: columns[i].cost)
    start = [0.0] * M.n_cols
    if lp.status == SolveStatus.OPTIMAL:
        start = list(lp.values)
    for i in range(len(columns)):
        start[col_index[i]] = 1.0 if choice.get(columns[i].employee) == i else 0.0
    mip = M.solve_mip(ctx, [col_index[i] for i in range(len(columns))], mip_s, start=start)
    if mip.status.has_solution:
        for e, idx in by_emp.items():
            choice[e] = max(idx, key=lambda i: mip.values[col_index[i]])
        res.plan_cost = mip.objective
        res.messages.append(f"restricted master MIP (HiGHS): {mip.status.value}, {mip.objective}")
    plan = []
    for e, i in choice.items():
        eid = inst.employees[e].id
        for d, s, skill in columns[i].cells:
            plan.append({"employee": eid, "day": d, "shift": s, "skill": skill})
    res.plan = plan
    return res
