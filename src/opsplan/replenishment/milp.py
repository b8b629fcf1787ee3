"""The replenishment / lot-sizing MILP (PuLP), one add_<rule>() per rule of
models/replenishment.md, each making the variables it introduces.

Index: item i, period t (0-based). x[i][t] is the quantity ordered (or produced) in period t;
it arrives in period t + lead_time. Only periods whose orders arrive inside the horizon get
an order variable. s, b: stock and backlog at the end of a period; l: sales lost in a period.

`strengthen` adds (l, S) inequalities, separated on the LP relaxation in a few rounds before
the MILP (the textbook formulation is the same model without them). `complete_start` takes a
starting plan (heuristic.py, relax_fix.py, or the model without its shared limits); `values`
hands the decisions to solution.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import RunContext
from .prepare import Prepared, safety_penalty

Var = Any  # a pulp.LpVariable (typed loosely: PuLP's arithmetic is not typed)
EPS = 1e-6
# rules the diagnosis may leave out (`relax`), in the order of the model page
DROPPABLE = (
    "max_stock",
    "shelf_life",
    "warehouse_space",
    "budget",
    "capacity",
    "joint_order",
    "trucks",
)


@dataclass
class Formulation:
    P: Prepared
    relax: frozenset[str] = frozenset()  # rules left out (the diagnosis, the coupling-free start)
    prob: pulp.LpProblem = field(init=False)
    x: list[dict[int, Var]] = field(init=False)
    y: list[dict[int, Var]] = field(init=False)
    k: list[dict[int, Var]] = field(init=False)
    s: list[list[Var]] = field(init=False)
    b: list[list[Var] | None] = field(init=False)
    lost: list[list[Var] | None] = field(init=False)
    u: list[list[Var] | None] = field(init=False)
    z: dict[tuple[str, int], Var] = field(init=False)
    trucks: dict[tuple[str, int], Var] = field(init=False)
    terms: dict[str, Any] = field(init=False)
    cuts: int = 0

    def __post_init__(self) -> None:
        self.prob = pulp.LpProblem("replenishment", pulp.LpMinimize)
        self.z, self.trucks, self.terms = {}, {}, {}
        # the order of models/replenishment.md; a rule's variables are made by its add_<rule>
        self.add_lead_time()
        self.add_shortage()
        self.add_balance()
        self.add_order_link()
        self.add_moq()
        self.add_pack_size()
        self.add_max_order()
        self.add_safety_stock()
        self.add_stock_or_backlog()
        for rule in DROPPABLE:
            if rule not in self.relax:
                getattr(self, f"add_{rule}")()
        self.add_objective()

    # ------------------------------------------------------------------ helpers
    def arrival_var(self, i: int, t: int) -> Var | None:
        """The order variable whose quantity arrives in period t, if any."""
        return self.x[i].get(t - self.P.inst.items[i].lead_time)

    def order_bound(self, i: int, t: int) -> float:
        """A valid upper bound on one order: what is still needed, the capacity, max_order."""
        P, it = self.P, self.P.inst.items[i]
        a = t + it.lead_time
        # with backorders an order may also clear the backlog of earlier periods
        first = 0 if it.shortage.mode == "backorder" else a
        need = sum(P.demand[i][first:]) + P.safety[i] + it.initial_backorder
        bound = max(need, it.moq) + (it.pack_size or 0.0)
        if it.max_order is not None:
            bound = min(bound, it.max_order)
        if it.resource is not None and it.time_per_unit > 0 and "capacity" not in self.relax:
            cap = P.capacity[it.resource][t]
            bound = min(bound, max(0.0, cap - it.setup_time) / it.time_per_unit)
        return max(0.0, bound)

    # ------------------------------------------------------------------ rules
    def add_lead_time(self) -> None:
        """Orders x_it >= 0 only in periods t whose arrival t + L_i falls inside the horizon."""
        T = self.P.T
        self.x = [
            {t: pulp.LpVariable(f"x_{i}_{t}", lowBound=0) for t in range(max(0, T - it.lead_time))}
            for i, it in enumerate(self.P.inst.items)
        ]

    def add_shortage(self) -> None:
        """Backlog b >= 0 only for backorder items; lost sales 0 <= l <= d only for lost-sales
        items (shortage mode none: neither, demand is met on time)."""
        P = self.P
        self.b, self.lost = [], []
        for i, it in enumerate(P.inst.items):
            mode = it.shortage.mode
            self.b.append(
                [pulp.LpVariable(f"b_{i}_{t}", lowBound=0) for t in range(P.T)]
                if mode == "backorder"
                else None
            )
            self.lost.append(
                [
                    pulp.LpVariable(f"l_{i}_{t}", lowBound=0, upBound=P.demand[i][t])
                    for t in range(P.T)
                ]
                if mode == "lost_sales"
                else None
            )

    def add_balance(self) -> None:
        """Stock - backlog = previous stock - backlog + arrivals - demand + lost sales."""
        P, inst = self.P, self.P.inst
        self.s = [
            [pulp.LpVariable(f"s_{i}_{t}", lowBound=0) for t in range(P.T)]
            for i in range(len(inst.items))
        ]
        for i, it in enumerate(inst.items):
            prev: Any = it.initial_stock - (it.initial_backorder if self.b[i] is not None else 0)
            b, lost = self.b[i], self.lost[i]
            for t in range(P.T):
                net: Any = self.s[i][t] - (b[t] if b is not None else 0)
                inflow: Any = P.arriving[i][t] - P.demand[i][t]
                xv = self.arrival_var(i, t)
                if xv is not None:
                    inflow = inflow + xv
                if lost is not None:
                    inflow = inflow + lost[t]
                self.prob += net == prev + inflow, f"balance_{i}_{t}"
                prev = net

    def add_order_link(self) -> None:
        """An order needs the order (setup) decision y: x <= M y. Only items whose orders
        cost, have a minimum, take setup time or share a joint cost get a y."""
        joint = {g.id for g in self.P.inst.suppliers if g.joint_order_cost > 0}
        self.y = []
        for i, it in enumerate(self.P.inst.items):
            needs_y = it.order_cost > 0 or it.moq > 0 or it.setup_time > 0 or it.supplier in joint
            ys = (
                {t: pulp.LpVariable(f"y_{i}_{t}", cat="Binary") for t in self.x[i]}
                if needs_y
                else {}
            )
            self.y.append(ys)
            for t, yv in ys.items():
                self.prob += self.x[i][t] <= self.order_bound(i, t) * yv, f"link_{i}_{t}"

    def add_moq(self) -> None:
        """An order is at least the MOQ: x >= q_min y."""
        for i, it in enumerate(self.P.inst.items):
            if it.moq > 0:
                for t, yv in self.y[i].items():
                    self.prob += self.x[i][t] >= it.moq * yv, f"moq_{i}_{t}"

    def add_pack_size(self) -> None:
        """Whole packs: x = p k, k integer."""
        self.k = []
        for i, it in enumerate(self.P.inst.items):
            ks: dict[int, Var] = {}
            if it.pack_size:
                for t, xv in self.x[i].items():
                    ks[t] = pulp.LpVariable(f"k_{i}_{t}", lowBound=0, cat="Integer")
                    self.prob += xv == it.pack_size * ks[t], f"pack_{i}_{t}"
            self.k.append(ks)

    def add_max_order(self) -> None:
        """x <= the maximum order (a bound; it also tightens M in the order link)."""
        for i, it in enumerate(self.P.inst.items):
            if it.max_order is not None:
                for xv in self.x[i].values():
                    xv.upBound = it.max_order

    def add_safety_stock(self) -> None:
        """Shortfall below safety stock: u >= ss - s (soft, penalised per unit and period)."""
        P = self.P
        self.u = []
        for i in range(len(P.inst.items)):
            if P.safety[i] <= 0:
                self.u.append(None)
                continue
            u = [pulp.LpVariable(f"u_{i}_{t}", lowBound=0) for t in range(P.T)]
            self.u.append(u)
            for t in range(P.T):
                self.prob += u[t] >= P.safety[i] - self.s[i][t], f"safety_{i}_{t}"

    def add_stock_or_backlog(self) -> None:
        """A period ends with stock or with a backlog, not both (s <= M (1 - w), b <= M w,
        w binary). Only needed where both could pay: backorder items with a safety stock,
        whose shortfall below it is penalised on the stock s."""
        P = self.P
        for i, it in enumerate(P.inst.items):
            b = self.b[i]
            if b is None or self.u[i] is None:
                continue
            m_back = sum(P.demand[i]) + it.initial_backorder
            m_stock = (
                it.initial_stock
                + sum(P.arriving[i])
                + sum(self.order_bound(i, t) for t in self.x[i])
            )
            for t in range(P.T):
                w = pulp.LpVariable(f"w_{i}_{t}", cat="Binary")
                self.prob += b[t] <= m_back * w, f"backlog_{i}_{t}"
                self.prob += self.s[i][t] <= m_stock * (1 - w), f"stocked_{i}_{t}"

    def add_max_stock(self) -> None:
        """s <= the maximum stock (a bound)."""
        for i, it in enumerate(self.P.inst.items):
            if it.max_stock is not None:
                for t in range(self.P.T):
                    self.s[i][t].upBound = it.max_stock

    def add_shelf_life(self) -> None:
        """Stock at a period end must have arrived recently enough to be usable next period."""
        P = self.P
        for i, it in enumerate(P.inst.items):
            sl = it.shelf_life
            if sl is None:
                continue
            for t in range(P.T):
                first = t - sl + 2
                fresh: Any = 0.0
                for a in range(max(0, first), t + 1):
                    fresh = fresh + P.arriving[i][a]
                    xv = self.arrival_var(i, a)
                    if xv is not None:
                        fresh = fresh + xv
                if first <= 0:
                    fresh = fresh + it.initial_stock
                self.prob += self.s[i][t] <= fresh, f"shelf_{i}_{t}"

    def add_warehouse_space(self) -> None:
        """Space of the stock at each period end fits the warehouse."""
        P = self.P
        if P.space_cap is None:
            return
        for t in range(P.T):
            used = pulp.lpSum(
                it.space * self.s[i][t] for i, it in enumerate(P.inst.items) if it.space > 0
            )
            self.prob += used <= P.space_cap[t], f"space_{t}"

    def add_budget(self) -> None:
        """Unit cost of the orders placed in a period fits its budget."""
        P = self.P
        if P.budget is None:
            return
        for t in range(P.T):
            spent = pulp.lpSum(
                it.unit_cost * self.x[i][t]
                for i, it in enumerate(P.inst.items)
                if it.unit_cost > 0 and t in self.x[i]
            )
            self.prob += spent <= P.budget[t], f"budget_{t}"

    def add_capacity(self) -> None:
        """Production variant: run time plus setup time of the lots of a period fit the resource."""
        P = self.P
        for r, cap in P.capacity.items():
            members = [i for i, it in enumerate(P.inst.items) if it.resource == r]
            for t in range(P.T):
                use = pulp.lpSum(
                    P.inst.items[i].time_per_unit * self.x[i][t]
                    + (P.inst.items[i].setup_time * self.y[i][t] if self.y[i] else 0)
                    for i in members
                    if t in self.x[i]
                )
                self.prob += use <= cap[t], f"capacity_{r}_{t}"

    def add_joint_order(self) -> None:
        """A delivery from a supplier in period t (any item arriving then) pays its joint cost."""
        P = self.P
        for g in P.inst.suppliers:
            if g.joint_order_cost <= 0:
                continue
            for i, it in enumerate(P.inst.items):
                if it.supplier != g.id:
                    continue
                for t, yv in self.y[i].items():
                    a = t + it.lead_time
                    if (g.id, a) not in self.z:
                        self.z[(g.id, a)] = pulp.LpVariable(f"z_{g.id}_{a}", cat="Binary")
                    self.prob += yv <= self.z[(g.id, a)], f"joint_{i}_{t}"

    def add_trucks(self) -> None:
        """Volume arriving from a supplier in a period fits its trucks (whole trucks, paid each)."""
        P = self.P
        for g in P.inst.suppliers:
            if g.truck_capacity is None:
                continue
            for a in range(P.T):
                vol = pulp.lpSum(
                    it.space * self.x[i][a - it.lead_time]
                    for i, it in enumerate(P.inst.items)
                    if it.supplier == g.id and it.space > 0 and (a - it.lead_time) in self.x[i]
                )
                if isinstance(vol, pulp.LpAffineExpression) and len(vol) == 0:
                    continue
                n = pulp.LpVariable(
                    f"n_{g.id}_{a}", lowBound=0, upBound=g.max_trucks, cat="Integer"
                )
                self.trucks[(g.id, a)] = n
                self.prob += vol <= g.truck_capacity * n, f"trucks_{g.id}_{a}"

    def add_objective(self) -> None:
        inst = self.P.inst
        items = inst.items
        t_ = self.terms
        t_["purchase"] = pulp.lpSum(
            it.unit_cost * xv for i, it in enumerate(items) for xv in self.x[i].values()
        )
        t_["ordering"] = pulp.lpSum(
            it.order_cost * yv for i, it in enumerate(items) for yv in self.y[i].values()
        )
        t_["holding"] = pulp.lpSum(
            it.holding_cost * sv for i, it in enumerate(items) for sv in self.s[i]
        )
        t_["backorder"] = pulp.lpSum(
            it.shortage.penalty * bv
            for i, it in enumerate(items)
            if self.b[i] is not None
            for bv in self.b[i] or []
        )
        t_["lost_sales"] = pulp.lpSum(
            it.shortage.penalty * lv
            for i, it in enumerate(items)
            if self.lost[i] is not None
            for lv in self.lost[i] or []
        )
        t_["below_safety"] = pulp.lpSum(
            safety_penalty(it) * uv
            for i, it in enumerate(items)
            if self.u[i] is not None
            for uv in self.u[i] or []
        )
        cost = {g.id: g.joint_order_cost for g in inst.suppliers}
        t_["joint_order"] = pulp.lpSum(cost[g] * zv for (g, _), zv in self.z.items())
        tc = {g.id: g.truck_cost for g in inst.suppliers}
        t_["trucks"] = pulp.lpSum(tc[g] * nv for (g, _), nv in self.trucks.items())
        self.prob += pulp.lpSum(t_.values())

    def complete_start(self, values: dict[str, float]) -> None:
        """Set every variable from `values` (a plan of the model without joint order costs),
        deriving deliveries z and trucks n, so that the plan is a starting solution here."""
        for v in self.prob.variables():
            v.varValue = values.get(v.name, 0.0)
        inst = self.P.inst
        for (g, a), zv in self.z.items():
            zv.varValue = float(
                any(
                    values.get(f"y_{i}_{a - it.lead_time}", 0.0) > 0.5
                    for i, it in enumerate(inst.items)
                    if it.supplier == g
                )
            )
        cap = {g.id: g.truck_capacity for g in inst.suppliers}
        for (g, a), nv in self.trucks.items():
            vol = sum(
                it.space * values.get(f"x_{i}_{a - it.lead_time}", 0.0)
                for i, it in enumerate(inst.items)
                if it.supplier == g
            )
            nv.varValue = float(math.ceil(vol / (cap[g] or 1.0) - 1e-6))

    def shared_limits_hold(self) -> bool:
        """Do the variables' current values respect space and budget (for a starting plan)?"""
        P = self.P
        for t in range(P.T):
            if P.space_cap is not None:
                used = sum(
                    it.space * (self.s[i][t].varValue or 0.0) for i, it in enumerate(P.inst.items)
                )
                if used > P.space_cap[t] + 1e-6:
                    return False
            if P.budget is not None:
                spent = sum(
                    it.unit_cost * (self.x[i][t].varValue or 0.0)
                    for i, it in enumerate(P.inst.items)
                    if t in self.x[i]
                )
                if spent > P.budget[t] + 1e-6:
                    return False
        return True

    # ------------------------------------------------------------------ (l, S) cuts
    def ls_candidates(self) -> list[int]:
        """Items where (l, S) inequalities are valid and useful: setups, no shortage allowed."""
        return [
            i for i, it in enumerate(self.P.inst.items) if self.y[i] and it.shortage.mode == "none"
        ]

    def separate_ls(self, items: list[int], max_per_item: int = 100) -> int:
        """Add the most violated (l, S) inequality for each item and period l; return how many.

        sum_{a in S} X_a <= sum_{a in S} D(a, l) Y_a + s_l, with X_a, Y_a the order and setup
        arriving in a, D(a, l) the demand of a..l net of open orders (never below 0).
        """
        P = self.P
        added = 0
        for i in items:
            it = P.inst.items[i]
            L = it.lead_time
            d, o = P.demand[i], P.arriving[i]
            xs = {t + L: backend.value(v) for t, v in self.x[i].items()}
            ys = {t + L: backend.value(v) for t, v in self.y[i].items()}
            sv = [backend.value(v) for v in self.s[i]]
            found: list[tuple[float, int, list[int]]] = []
            for last in range(P.T):
                S, lhs = [], 0.0
                net = 0.0
                dnet: dict[int, float] = {}
                for a in range(last, -1, -1):
                    net += d[a] - o[a]
                    dnet[a] = max(0.0, net)
                    if a in xs:
                        diff = xs[a] - dnet[a] * ys[a]
                        if diff > EPS:
                            S.append(a)
                            lhs += diff
                viol = lhs - sv[last]
                if viol > 1e-4 * max(1.0, sum(d) / P.T):
                    found.append((viol, last, S))
            found.sort(reverse=True)
            for _, last, S in found[:max_per_item]:
                net_to: dict[int, float] = {}
                acc = 0.0
                for a in range(last, -1, -1):
                    acc += d[a] - o[a]
                    net_to[a] = max(0.0, acc)
                lhs_e = pulp.lpSum(self.x[i][a - L] for a in S)
                rhs_e = pulp.lpSum(net_to[a] * self.y[i][a - L] for a in S) + self.s[i][last]
                self.prob += lhs_e <= rhs_e, f"ls_{i}_{last}_{self.cuts}"
                self.cuts += 1
                added += 1
        return added

    def drop_slack_cuts(self) -> int:
        """Keep only the (l, S) cuts tight at the last LP solution (a smaller LP for the MILP)."""
        kept = 0
        for name in [n for n in self.prob.constraints if n.startswith("ls_")]:
            c = self.prob.constraints[name]
            slack = -backend.value(c)  # constraint stored as expr <= 0
            if slack > 1e-6 * max(1.0, abs(c.constant)):
                del self.prob.constraints[name]
            else:
                kept += 1
        return kept

    def strengthen(
        self, options: SolveOptions, ctx: RunContext, share: float = 0.25, rounds: int = 50
    ) -> list[str]:
        """Separate (l, S) inequalities on the LP relaxation, round after round, until none
        is violated or `share` of the time limit is spent."""
        items = self.ls_candidates()
        if not items:
            return []
        start = ctx.elapsed()
        budget = min(options.time_limit_s * share, 0.5 * (options.time_limit_s - start))
        ints = [v for v in self.prob.variables() if v.cat != pulp.LpContinuous]
        log: list[str] = []
        bound: float | None = None
        done = 0
        for v in ints:
            v.cat = pulp.LpContinuous
        try:
            for _ in range(rounds):
                left = budget - (ctx.elapsed() - start)
                if left <= 0.2 or ctx.stop_requested():
                    break
                run = backend.run(self.prob, options, ctx, time_limit_s=left)
                if not run.has_solution:
                    break
                done, bound = done + 1, run.objective
                if self.separate_ls(items) == 0:
                    break
            kept = self.drop_slack_cuts()
            log.append(
                f"(l,S): {self.cuts} cuts in {done} LP rounds, last LP bound {bound}; "
                f"{kept} tight at the last LP kept"
            )
        finally:
            for v in ints:
                v.cat = pulp.LpInteger
        return log

    # ------------------------------------------------------------------ values
    def values(self) -> tuple[list[dict[int, float]], list[list[float] | None]]:
        """The solver's raw decisions: order quantities (item, order period) and lost sales
        per item and period (None for items without lost sales); solution.py makes the plan."""
        qty = [{t: backend.value(xv) for t, xv in xs.items()} for xs in self.x]
        lost = [[backend.value(v) for v in lv] if lv is not None else None for lv in self.lost]
        return qty, lost
