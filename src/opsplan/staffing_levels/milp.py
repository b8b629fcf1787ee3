"""Staffing levels as a MILP (PuLP; CBC or HiGHS): one add_<rule>() per rule.

min  k * (sum_p cost_p n_p + under_penalty * sum_t u_t)     (k: objective_scale)
s.t. sum_p a_pt n_p + u_t >= demand_t          (add_coverage)
     sum_{p part-time} n_p <= share * sum_p n_p (add_part_time_share)
     n_p integer, 0 <= n_p <= max_p             (add_headcount); u_t integer >= 0

Patterns dominated by another (same covered slots, no dearer, no more part-time, no cap) get no
variable: `kept_patterns`. For HiGHS the objective is scaled to whole numbers when the costs allow
it, and its gap set below one step of the objective, so it proves the optimum exactly.
"""

from __future__ import annotations

import math
from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from .prepare import Prepared
from .schema import Pattern

MAX_SCALE = 1000  # costs with finer fractions than 1/1000 are left unscaled


def objective_scale(values: list[float]) -> tuple[int, int | None]:
    """The smallest whole k <= MAX_SCALE that makes every value a whole number, and the
    greatest common divisor of those whole numbers (the step between two objective values,
    scaled); (1, None) when there is no such k (or every value is zero)."""
    for k in range(1, MAX_SCALE + 1):
        if all(abs(k * v - round(k * v)) <= 1e-9 * max(1.0, abs(k * v)) for v in values):
            g = 0
            for v in values:
                g = math.gcd(g, round(k * v))
            return k, (g or None)
    return 1, None


def kept_patterns(prep: Prepared) -> list[Pattern]:
    """The patterns that get a variable. A pattern q is left out (headcount 0) when another
    pattern p covers exactly the same slots, has no headcount cap, costs no more, and is not
    part-time while q is full-time: moving q's people to p keeps every slot's coverage, does not
    raise the cost and does not raise the part-time count, so the optimum is unchanged. Among
    equals (same cost and kind) the first in input order stays."""
    inst = prep.inst
    groups: dict[tuple[int, ...], list[tuple[int, Pattern]]] = {}
    for k, p in enumerate(inst.patterns):
        groups.setdefault(tuple(sorted(prep.covers[p.id])), []).append((k, p))
    dropped: set[int] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        # cheapest first, full-time before part-time at equal cost, then input order: q is
        # dominated by an uncapped pattern earlier in this order, of any kind when q is
        # part-time, full-time when q is full-time
        seen_any = seen_full = False
        for k, q in sorted(members, key=lambda kp: (kp[1].cost, kp[1].part_time, kp[0])):
            if seen_any if q.part_time else seen_full:
                dropped.add(k)
            elif q.max_headcount is None:
                seen_any = True
                seen_full = seen_full or not q.part_time
    return [p for k, p in enumerate(inst.patterns) if k not in dropped]


class Formulation:
    """The model on the prepared data. `reduce`: leave dominated patterns out (`kept_patterns`);
    `scale`: hand the solver the objective in whole numbers when the costs allow it."""

    def __init__(self, prep: Prepared, *, reduce: bool = True, scale: bool = True) -> None:
        self.prep = prep
        self.inst = prep.inst
        self.prob = pulp.LpProblem("staffing_levels", pulp.LpMinimize)
        self.T = prep.T
        self.patterns = kept_patterns(prep) if reduce else list(self.inst.patterns)
        # domains are set by add_headcount
        self.n = {p.id: pulp.LpVariable(f"n_{k}") for k, p in enumerate(self.patterns)}
        # whole people short: with integer demand this is exact, and it lets the solvers see
        # that the objective moves in whole steps (which closes the last gap quickly)
        self.u = [pulp.LpVariable(f"u_{t}", 0, cat="Integer") for t in range(self.T)]
        self.add_coverage()
        self.add_part_time_share()
        self.add_headcount()
        self.set_objective(scale)

    def add_coverage(self) -> None:
        cover: list[list[Any]] = [[] for _ in range(self.T)]
        for p in self.patterns:
            for t in self.prep.covers[p.id]:
                cover[t].append(self.n[p.id])
        for t, need in enumerate(self.inst.demand):
            if need > 0:
                self.prob += pulp.lpSum(cover[t]) + self.u[t] >= need, f"cover_{t}"

    def add_part_time_share(self) -> None:
        share = self.inst.max_part_time_share
        if share is None:
            return
        pt = [self.n[p.id] for p in self.patterns if p.part_time]
        if pt:
            self.prob += pulp.lpSum(pt) <= share * pulp.lpSum(self.n.values()), "part_time"

    def add_headcount(self) -> None:
        """Variable domains: whole people, 0..max_headcount (dominated patterns have none)."""
        for p in self.patterns:
            v = self.n[p.id]
            v.cat = pulp.LpInteger
            v.lowBound, v.upBound = 0, p.max_headcount

    def set_objective(self, scale: bool) -> None:
        k, g = objective_scale([p.cost for p in self.patterns] + [self.inst.under_penalty])
        # every objective value is a multiple of `unit` (user's units); the solver sees the
        # objective times `scale`: whole numbers when scaled
        self.unit = g / k if g is not None else None
        self.scale = k if scale and g is not None else 1
        if scale and g is not None:  # the whole numbers k * cost
            cost = {p.id: float(round(k * p.cost)) for p in self.patterns}
            pen = float(round(k * self.inst.under_penalty))
        else:
            cost = {p.id: p.cost for p in self.patterns}
            pen = self.inst.under_penalty
        self.prob += pulp.lpSum(cost[p.id] * self.n[p.id] for p in self.patterns) + (
            pen * pulp.lpSum(self.u)
        )

    def headcounts(self) -> dict[str, int]:
        """People per pattern after a solve, every pattern of the instance (dropped ones 0)."""
        counts = {p.id: 0 for p in self.inst.patterns}
        counts.update({pid: round(backend.value(v)) for pid, v in self.n.items()})
        return counts

    def highs_params(self, opts: SolveOptions) -> dict[str, Any]:
        """Exact optimality for HiGHS: its default relative gap (1e-4) stops one step short of
        a proof on costs like these; with whole-number steps, an absolute gap below one step
        proves the optimum. A relative gap the user asked for is left alone."""
        if self.unit is None or opts.relative_gap > 0:
            return {}
        return {"mip_rel_gap": 0.0, "mip_abs_gap": 0.5 * self.unit * self.scale}

    def round_bound(self, bound: float | None) -> float | None:
        """A lower bound (user's units) raised to the next objective step: every objective
        value is a whole number of steps, so no plan costs less (a solver's bound a hair below
        the optimum, from its tolerances, becomes the optimum itself)."""
        if bound is None or self.unit is None:
            return bound
        return math.ceil(bound / self.unit - 1e-6) * self.unit
