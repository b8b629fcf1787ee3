"""The replenishment / lot-sizing MILP (PuLP), one add_<rule>() per rule of
models/replenishment.md.

Index: item i, period t (0-based). x[i][t] is the quantity ordered (or produced) in period t;
it arrives in period t + lead_time. Only periods whose orders arrive inside the horizon get
an order variable. s, b: stock and backlog at the end of a period; l: sales lost in a period.

`strong=True` adds (l, S) inequalities, separated on the LP relaxation in a few rounds before
the MILP (the textbook formulation is the same model without them).
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
        P, inst = self.P, self.P.inst
        T = P.T
        self.prob = pulp.LpProblem("replenishment", pulp.LpMinimize)
        self.x, self.y, self.k, self.s, self.b, self.lost, self.u = [], [], [], [], [], [], []
        self.z, self.trucks = {}, {}
        joint = {g.id for g in inst.suppliers if g.joint_order_cost > 0}
        for i, it in enumerate(inst.items):
            orderable = range(0, max(0, T - it.lead_time))
            self.x.append({t: pulp.LpVariable(f"x_{i}_{t}", lowBound=0) for t in orderable})
            needs_y = (
                it.order_cost > 0
                or it.moq > 0
                or it.setup_time > 0
                or it.max_order is not None
                or (it.supplier in joint)
            )
            self.y.append(
                {t: pulp.LpVariable(f"y_{i}_{t}", cat="Binary") for t in orderable}
                if needs_y
                else {}
            )
            self.k.append(
                {t: pulp.LpVariable(f"k_{i}_{t}", lowBound=0, cat="Integer") for t in orderable}
                if it.pack_size
                else {}
            )
            self.s.append([pulp.LpVariable(f"s_{i}_{t}", lowBound=0) for t in range(T)])
            mode = it.shortage.mode
            self.b.append(
                [pulp.LpVariable(f"b_{i}_{t}", lowBound=0) for t in range(T)]
                if mode == "backorder"
                else None
            )
            self.lost.append(
                [
                    pulp.LpVariable(f"l_{i}_{t}", lowBound=0, upBound=P.demand[i][t])
                    for t in range(T)
                ]
                if mode == "lost_sales"
                else None
            )
            self.u.append(
                [pulp.LpVariable(f"u_{i}_{t}", lowBound=0) for t in range(T)]
                if P.safety[i] > 0
                else None
            )
        self.terms = {}
        self.add_balance()
        self.add_order_link()
        self.add_moq()
        self.add_pack_size()
        self.add_safety_stock()
        self.add_stock_or_backlog()
        if "max_stock" not in self.relax:
            self.add_max_stock()
        if "shelf_life" not in self.relax:
            self.add_shelf_life()
        if "warehouse_space" not in self.relax:
            self.add_warehouse_space()
        if "budget" not in self.relax:
            self.add_budget()
        if "capacity" not in self.relax:
            self.add_capacity()
        if "joint_order" not in self.relax:
            self.add_joint_order()
        if "trucks" not in self.relax:
            self.add_trucks()
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
    def add_balance(self) -> None:
        """Stock - backlog = previous stock - backlog + arrivals - demand + lost sales."""
        P, inst = self.P, self.P.inst
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
        """An order needs the order (setup) decision: x <= M y."""
        for i in range(len(self.P.inst.items)):
            for t, yv in self.y[i].items():
                self.prob += self.x[i][t] <= self.order_bound(i, t) * yv, f"link_{i}_{t}"

    def add_moq(self) -> None:
        for i, it in enumerate(self.P.inst.items):
            if it.moq > 0:
                for t, yv in self.y[i].items():
                    self.prob += self.x[i][t] >= it.moq * yv, f"moq_{i}_{t}"

    def add_pack_size(self) -> None:
        for i, it in enumerate(self.P.inst.items):
            if it.pack_size:
                for t, kv in self.k[i].items():
                    self.prob += self.x[i][t] == it.pack_size * kv, f"pack_{i}_{t}"

    def add_safety_stock(self) -> None:
        """Shortfall below safety stock: u >= ss - s (soft, penalised per unit and period)."""
        for i in range(len(self.P.inst.items)):
            u = self.u[i]
            if u is not None:
                for t in range(self.P.T):
                    self.prob += u[t] >= self.P.safety[i] - self.s[i][t], f"safety_{i}_{t}"

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
        P = self.P
        if P.space_cap is None:
            return
        for t in range(P.T):
            used = pulp.lpSum(
                it.space * self.s[i][t] for i, it in enumerate(P.inst.items) if it.space > 0
            )
            self.prob += used <= P.space_cap[t], f"space_{t}"

    def add_budget(self) -> None:
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

    # ------------------------------------------------------------------ plan
    def extract(self) -> dict[str, Any]:
        """The plan from the solver's values (see build_plan)."""
        qty = [{t: backend.value(xv) for t, xv in self.x[i].items()} for i in range(len(self.x))]
        lost = [[backend.value(v) for v in lv] if lv is not None else None for lv in self.lost]
        return build_plan(self.P, qty, lost)


def build_plan(
    P: Prepared, qty: list[dict[int, float]], lost_in: list[list[float] | None]
) -> dict[str, Any]:
    """The plan from order quantities (item, order period) and lost sales, rounded; stock
    recomputed from the balance."""
    inst = P.inst
    orders: list[dict[str, Any]] = []
    stock: list[dict[str, Any]] = []
    for i, it in enumerate(inst.items):
        got: dict[int, float] = {}
        for t, q in qty[i].items():
            if it.pack_size:
                q = round(q / it.pack_size) * it.pack_size  # whole packs
            q = round(q, 6)
            if q > EPS:
                got[t] = q
                row: dict[str, Any] = {
                    "item": it.id,
                    "order_period": t,
                    "arrival_period": t + it.lead_time,
                    "quantity": q,
                }
                if it.pack_size:
                    row["packs"] = round(q / it.pack_size)
                orders.append(row)
        net = it.initial_stock - (it.initial_backorder if it.shortage.mode == "backorder" else 0.0)
        lost_v = lost_in[i]
        for t in range(P.T):
            lost = 0.0
            if lost_v is not None:
                lost = min(P.demand[i][t], max(0.0, round(lost_v[t], 6)))
            arr = got.get(t - it.lead_time, 0.0) + P.arriving[i][t]
            net = net + arr - P.demand[i][t] + lost
            if it.shortage.mode != "backorder" and -1e-6 < net < 0:
                net = 0.0
            stock.append(
                {
                    "item": it.id,
                    "period": t,
                    "demand": round(P.demand[i][t], 6),
                    "arrivals": round(arr, 6),
                    "stock": round(max(0.0, net), 6),
                    "backorder": round(max(0.0, -net), 6),
                    "lost": lost,
                    "safety_stock": round(P.safety[i], 6),
                }
            )
    orders.sort(key=lambda r: (r["order_period"], r["item"]))
    forecasts = [
        {
            "item": it.id,
            "method": P.method[i],
            "forecast_error": round(P.error[i], 6),
            "safety_stock": round(P.safety[i], 6),
        }
        for i, it in enumerate(inst.items)
    ]
    return {"orders": orders, "stock": stock, "forecasts": forecasts}


def plan_cost(P: Prepared, plan: dict[str, Any]) -> dict[str, float]:
    """The formulation's own cost of an extracted plan, by objective term."""
    inst = P.inst
    idx = {it.id: i for i, it in enumerate(inst.items)}
    out = dict.fromkeys(
        (
            "purchase",
            "ordering",
            "holding",
            "backorder",
            "lost_sales",
            "below_safety",
            "joint_order",
            "trucks",
        ),
        0.0,
    )
    deliveries: dict[tuple[str, int], float] = {}
    sup = {g.id: g for g in inst.suppliers}
    for r in plan["orders"]:
        it = inst.items[idx[r["item"]]]
        out["purchase"] += it.unit_cost * r["quantity"]
        out["ordering"] += it.order_cost
        if it.supplier is not None:
            key = (it.supplier, r["arrival_period"])
            deliveries[key] = deliveries.get(key, 0.0) + it.space * r["quantity"]
    for (g, _), vol in deliveries.items():
        out["joint_order"] += sup[g].joint_order_cost
        cap = sup[g].truck_capacity
        if cap is not None:
            out["trucks"] += sup[g].truck_cost * math.ceil(vol / cap - 1e-9)
    for r in plan["stock"]:
        i = idx[r["item"]]
        it = inst.items[i]
        out["holding"] += it.holding_cost * r["stock"]
        out["backorder"] += it.shortage.penalty * r["backorder"]
        out["lost_sales"] += it.shortage.penalty * r["lost"]
        out["below_safety"] += safety_penalty(it) * max(0.0, P.safety[i] - r["stock"])
    return out


def cover_periods(F: Formulation) -> list[int]:
    """Periods of demand one order covers in the starting plan: EOQ / mean demand, at least 1,
    at most the shelf life less one period."""
    out = []
    for i, it in enumerate(F.P.inst.items):
        d = F.P.demand[i]
        mean = sum(d) / len(d) if d else 0.0
        k = 1
        if mean > 0 and it.order_cost > 0 and it.holding_cost > 0:
            k = max(1, round(math.sqrt(2 * mean * it.order_cost / it.holding_cost) / mean))
        if it.shelf_life is not None:
            k = min(k, max(1, it.shelf_life - 1))
        out.append(k)
    return out


def lot_for_lot(F: Formulation, cover: list[int] | None = None) -> dict[str, float]:
    """A quick starting plan: when the projected stock falls short of a period's demand plus
    safety stock, order that shortfall plus the demand of the next cover[i] - 1 periods (1:
    lot for lot), raised to the MOQ, rounded up to packs, within the maximum order and
    stock, as late as the lead time allows. Limits shared by items are not looked at (the
    solver discards a start that breaks one)."""
    P = F.P
    vals: dict[str, float] = {}
    for i, it in enumerate(P.inst.items):
        L = it.lead_time
        k_i = cover[i] if cover else 1
        level = it.initial_stock - (it.initial_backorder if F.b[i] is not None else 0.0)
        for a in range(P.T):
            need = P.demand[i][a] + P.safety[i] - (level + P.arriving[i][a])
            t = a - L
            q = 0.0
            if need > EPS and t in F.x[i]:
                need += sum(P.demand[i][a + 1 : a + k_i])
                if it.max_stock is not None:
                    room = it.max_stock + P.demand[i][a] - level - P.arriving[i][a]
                    need = max(min(need, room), P.demand[i][a] - level - P.arriving[i][a])
                q = max(need, it.moq)
                if it.pack_size:
                    q = math.ceil(q / it.pack_size - 1e-9) * it.pack_size
                if it.max_order is not None:
                    q = min(q, it.max_order)
                vals[f"x_{i}_{t}"] = q
                if F.y[i]:
                    vals[f"y_{i}_{t}"] = 1.0
                if it.pack_size:
                    vals[f"k_{i}_{t}"] = round(q / it.pack_size)
            net = level + P.arriving[i][a] + q - P.demand[i][a]
            lost = 0.0
            if F.lost[i] is not None and net < 0:
                lost = min(-net, P.demand[i][a])
                vals[f"l_{i}_{a}"] = lost
                net += lost
            vals[f"s_{i}_{a}"] = max(0.0, net)
            if F.b[i] is not None:
                vals[f"b_{i}_{a}"] = max(0.0, -net)
                vals[f"w_{i}_{a}"] = 1.0 if net < 0 else 0.0
            if F.u[i] is not None:
                vals[f"u_{i}_{a}"] = max(0.0, P.safety[i] - max(0.0, net))
            level = net
    return vals
