"""Supplier selection as a MILP on PuLP: one add_<rule>() per rule of models/supplier_selection.md.

Variables
- n[o,t] integer: multiples ordered on line (o, t); the quantity is x[o,t] = multiple_o * n[o,t]
- per price group g: all-units tier binaries z[g,k] with tier quantities q[g,k], or incremental
  segment quantities q[g,k] with fill binaries d[g,k] (none beyond the first when the tiers'
  prices never fall: the cost is then convex and the LP fills cheaper segments first)
- u[o] binary: the offer gets an award; v[s] binary: the supplier is used (pays its fixed cost)
- short[w,i,t] >= 0: shortfall bought at the spot price in scenario w
- eta, xi[w]: the CVaR tail bound
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulp

from ..core.run import RunContext
from .prepare import Group, Prepared

Expr = Any  # a PuLP affine expression

# the policy rules the diagnosis may leave out (`relax`); the others are always built
OPTIONAL = (
    "capacity",
    "supplier_count",
    "max_share_supplier",
    "max_share_region",
    "defect_rate",
    "commitments",
)


BUILDING = "building the model"  # the phase named when the deadline or a cancel stops it
CHECK_EVERY = 256  # constraints added between two checks of the deadline and the cancel flag


class Formulation:
    def __init__(
        self,
        P: Prepared,
        relax: frozenset[str] = frozenset(),
        flat_prices: bool = False,
        ctx: RunContext | None = None,
    ):
        """relax: rules left out (the diagnosis; `moq` leaves a floor of one unit).
        flat_prices: every order priced at its offer's highest tier price (no tier
        binaries). Its plans are plans of the real model, costed too high: a quick start.
        ctx: the building stops at its deadline or a cancel (`Interrupted`, phase "building
        the model"), checked between rules and every CHECK_EVERY constraints: at 1000 items x
        50 suppliers the model takes seconds to build."""
        self.P = P
        self.relax = relax
        self.flat = flat_prices
        self.ctx = ctx
        self.prob = pulp.LpProblem("supplier_selection", pulp.LpMinimize)
        self._names = 0
        rules = [
            "lead_time",
            "order_multiple",
            "max_quantity",
            "price_all_units",
            "price_incremental",
            "moq",
            "order_links",
            "fixed_cost",
            "demand",
            *(r for r in OPTIONAL if r not in relax),
            "scenarios",
            *(r for r in ("budget", "cvar") if r not in relax),
        ]
        for rule in rules:
            self._checkpoint()
            getattr(self, f"add_{rule}")()
        self._checkpoint()
        self.terms = self.term_expressions()

    def _checkpoint(self) -> None:
        if self.ctx is not None:
            self.ctx.checkpoint(BUILDING)

    # ------------------------------------------------------------------ helpers
    def _add(self, c: Any, name: str | None = None) -> str:
        self._names += 1
        if self._names % CHECK_EVERY == 0:
            self._checkpoint()
        nm = name or f"c{self._names}"
        self.prob.addConstraint(c, nm)
        return nm

    def qty(self, o: int, t: int) -> Expr:
        return self.P.offers[o].multiple * self.n[(o, t)]

    def offer_total(self, o: int) -> Expr:
        return pulp.lpSum(self.qty(o, t) for t in range(self.P.T) if (o, t) in self.n)

    def order_quantity(self, grp: Group) -> Expr:
        """Q_g: the units of one order (what tiers and the MOQ apply to)."""
        return pulp.lpSum(self.qty(o, t) for o, t in grp.lines)

    def floor(self, o: int) -> int:
        """Fewest units of a placed order of offer o: its MOQ (1 when `moq` is relaxed)."""
        return max(1, self.P.offers[o].moq if "moq" not in self.relax else 1)

    def _groups(self, break_type: str) -> Iterator[tuple[int, Group]]:
        for g, grp in enumerate(self.P.groups):
            if self.P.offers[grp.o].break_type == break_type:
                yield g, grp

    # ------------------------------------------------------------------ rules
    def add_lead_time(self) -> None:
        """Rule `lead_time`: a line (o, t) exists only when the offer's lead time reaches the
        need date; late lines get no variable (Prepared.line_ub holds only timely lines)."""
        P = self.P
        self.lines = [ln for ln in P.line_ub if P.lead_ok(*ln)]

    def add_order_multiple(self) -> None:
        """Rule `order_multiple`: integer packs n[o,t] on each line; the quantity is m_o n[o,t],
        at most the line bound u[o,t] (a multiple of m_o)."""
        P = self.P
        self.n = {}
        for o, t in self.lines:
            m = P.offers[o].multiple
            self.n[(o, t)] = pulp.LpVariable(f"n_{o}_{t}", 0, P.line_ub[(o, t)] // m, cat="Integer")

    def add_max_quantity(self) -> None:
        """Rule `max_quantity`: at most the offer's maximum per period, as the packs' bound
        (the line bound u[o,t] already respects it; stated here as the rule)."""
        for (o, _t), var in self.n.items():
            off = self.P.offers[o]
            if off.max_quantity is not None:
                var.upBound = min(var.upBound, off.max_quantity // off.multiple)

    def _priced(self, g: int, cost: Expr, used: Expr) -> None:
        self.purchase_g[g] = cost
        self.used_g[g] = used

    def add_price_all_units(self) -> None:
        """Rule `price_all_units`: one tier binary per reachable tier; the whole order at the
        price of the tier it reaches (the flat start: at the highest tier price)."""
        self.purchase_g: dict[int, Expr] = {}
        self.used_g: dict[int, Expr] = {}
        # per group, for add_moq() and load(): ("all_units", [(z, q, lo, hi)]) or
        # ("incremental", used, [(q, start, width, fill or None)]) or ("flat", used)
        self.group_vars: dict[int, tuple[Any, ...]] = {}
        for g, grp in self._groups("all_units"):
            self._priced(g, *(self._flat(g, grp) if self.flat else self._all_units(g, grp)))

    def add_price_incremental(self) -> None:
        """Rule `price_incremental`: segment quantities, filled in order (fill binaries only
        where a later segment is cheaper)."""
        for g, grp in self._groups("incremental"):
            self._priced(g, *(self._flat(g, grp) if self.flat else self._incremental(g, grp)))

    def _flat(self, g: int, grp: Group) -> tuple[Expr, Expr]:
        off = self.P.offers[grp.o]
        used = pulp.LpVariable(f"use_{g}", cat="Binary")
        self._add(self.order_quantity(grp) <= grp.bound * used)
        self.group_vars[g] = ("flat", used)
        return max(t.price for t in off.tiers) * self.order_quantity(grp), used

    def _all_units(self, g: int, grp: Group) -> tuple[Expr, Expr]:
        tiers = self.P.offers[grp.o].tiers
        zs, qs, cost = [], [], []
        rec: list[tuple[Any, Any, int, int]] = []
        self.group_vars[g] = ("all_units", rec)
        floor = self.floor(grp.o)  # rule `moq`: lambda_k, the lower end of each tier
        for k, tier in enumerate(tiers):
            lo = max(tier.min_quantity, floor)
            hi = tiers[k + 1].min_quantity - 1 if k + 1 < len(tiers) else grp.bound
            hi = min(hi, grp.bound)
            if lo > hi:
                continue
            z = pulp.LpVariable(f"z_{g}_{k}", cat="Binary")
            qk = pulp.LpVariable(f"q_{g}_{k}", 0, hi)
            self._add(qk >= lo * z)
            self._add(qk <= hi * z)
            zs.append(z)
            qs.append(qk)
            rec.append((z, qk, lo, hi))
            cost.append(tier.price * qk)
        q = self.order_quantity(grp)
        if not zs:
            self._add(q == 0)
            return pulp.LpAffineExpression(), pulp.LpAffineExpression()
        self._add(pulp.lpSum(zs) <= 1)
        self._add(q == pulp.lpSum(qs))
        return pulp.lpSum(cost), pulp.lpSum(zs)

    def _segments(self, g: int, grp: Group) -> list[tuple[Any, int, int, float]]:
        """The incremental segments below the order bound: (q, start, width, price)."""
        tiers = self.P.offers[grp.o].tiers
        out = []
        for k, tier in enumerate(tiers):
            start = tier.min_quantity
            end = tiers[k + 1].min_quantity if k + 1 < len(tiers) else grp.bound
            end = min(end, grp.bound)
            if end <= start:
                break
            out.append(
                (pulp.LpVariable(f"q_{g}_{k}", 0, end - start), start, end - start, tier.price)
            )
        return out

    def _incremental(self, g: int, grp: Group) -> tuple[Expr, Expr]:
        tiers = self.P.offers[grp.o].tiers
        used = pulp.LpVariable(f"use_{g}", cat="Binary")
        convex = all(tiers[k + 1].price >= tiers[k].price for k in range(len(tiers) - 1))
        segs = self._segments(g, grp)
        q = self.order_quantity(grp)
        if not segs:
            self._add(q == 0)
            self.group_vars[g] = ("incremental", used, [])
            return pulp.LpAffineExpression(), pulp.LpAffineExpression()
        fills: list[Any] = []
        if convex:
            for qk, _, w, _ in segs:
                self._add(qk <= w * used)
        else:
            fills = [used] + [
                pulp.LpVariable(f"d_{g}_{k}", cat="Binary") for k in range(1, len(segs))
            ]
            for k, (qk, _, w, _) in enumerate(segs):
                self._add(qk <= w * fills[k])
                if k + 1 < len(segs):
                    self._add(qk >= w * fills[k + 1])  # the next segment only once this one is full
                    self._add(fills[k + 1] <= fills[k])
        self._add(q == pulp.lpSum(qk for qk, *_ in segs))
        self.group_vars[g] = (
            "incremental",
            used,
            [
                (qk, s, w, fills[k] if fills and k > 0 else None)
                for k, (qk, s, w, _) in enumerate(segs)
            ],
        )
        return pulp.lpSum(p * qk for qk, _, _, p in segs), used

    def add_moq(self) -> None:
        """Rule `moq`: a placed order has at least max(moq, 1) units (all-units orders:
        through the lower end of each tier, in add_price_all_units)."""
        for g, grp in enumerate(self.P.groups):
            kind = self.group_vars[g]
            if kind[0] == "flat" or (kind[0] == "incremental" and kind[2]):
                self._add(self.order_quantity(grp) >= self.floor(grp.o) * kind[1])

    def add_order_links(self) -> None:
        """Rule `order_links`: each line of a multi-period order is 0 unless the order is
        placed (disaggregated; implied by the price rules, tightens the relaxation)."""
        for g, grp in enumerate(self.P.groups):
            if len(grp.lines) > 1:
                for o, t in grp.lines:
                    self._add(self.qty(o, t) <= self.P.line_ub[(o, t)] * self.used_g[g])

    def add_fixed_cost(self) -> None:
        """Rule `fixed_cost`: an offer with an award opens its supplier (disaggregated links)."""
        P = self.P
        self.u: dict[int, Any] = {}
        self.u_vars: dict[int, Any] = {}  # offers with several orders: their own binary
        groups_of: dict[int, list[int]] = {}
        for g, grp in enumerate(P.groups):
            groups_of.setdefault(grp.o, []).append(g)
        for o, gs in groups_of.items():
            if len(gs) == 1:
                self.u[o] = self.used_g[gs[0]]
            else:
                u = pulp.LpVariable(f"u_{o}", cat="Binary")
                self.u_vars[o] = u
                for g in gs:
                    self._add(self.used_g[g] <= u)
                self._add(u <= pulp.lpSum(self.used_g[g] for g in gs))
                self.u[o] = u
        self.v = {}
        for s, offers in enumerate(P.by_sup):
            us = [self.u[o] for o in offers if o in self.u]
            if not us:
                continue
            v = pulp.LpVariable(f"v_{s}", cat="Binary")
            for u in us:
                self._add(u <= v)
            self._add(v <= pulp.lpSum(us))
            self.v[s] = v
        self.fixed = pulp.lpSum(P.inst.suppliers[s].fixed_cost * v for s, v in self.v.items())

    def add_demand(self) -> None:
        """Rule `demand`: each period's demand arrives in full (more is allowed)."""
        P = self.P
        for i, offers in enumerate(P.by_item):
            for t in range(P.T):
                d = P.demand[i][t]
                if d > 0:
                    self._add(pulp.lpSum(self.qty(o, t) for o in offers if (o, t) in self.n) >= d)

    def add_capacity(self) -> None:
        """Rule `capacity`: a supplier's deliveries per period over all items."""
        P = self.P
        for s, offers in enumerate(P.by_sup):
            for t in range(P.T):
                c = P.cap[s][t]
                lines = [self.qty(o, t) for o in offers if (o, t) in self.n]
                if c is not None and lines:
                    self._add(pulp.lpSum(lines) <= c)

    def add_supplier_count(self) -> None:
        """Rule `supplier_count`: at least / at most k suppliers per item."""
        P = self.P
        for i, offers in enumerate(P.by_item):
            lo, hi = P.supplier_limits(i)
            us = [self.u[o] for o in offers if o in self.u]
            if lo is not None and sum(P.demand[i]) > 0:
                self._add(pulp.lpSum(us) >= lo)
            if hi is not None and us:
                self._add(pulp.lpSum(us) <= hi)

    def add_max_share_supplier(self) -> None:
        """Rule `max_share_supplier`: one supplier's part of an item's total demand."""
        P = self.P
        share = P.inst.policies.max_share_supplier
        if share is None:
            return
        for i, offers in enumerate(P.by_item):
            D = sum(P.demand[i])
            for o in offers:
                if o in self.u:
                    self._add(self.offer_total(o) <= share * D)

    def add_max_share_region(self) -> None:
        """Rule `max_share_region`: one region's part of an item's total demand."""
        P = self.P
        share = P.inst.policies.max_share_region
        if share is None:
            return
        for i, offers in enumerate(P.by_item):
            D = sum(P.demand[i])
            regions: dict[str, list[int]] = {}
            for o in offers:
                if o in self.u:
                    regions.setdefault(P.inst.suppliers[P.o_sup[o]].region, []).append(o)
            for os_ in regions.values():
                self._add(pulp.lpSum(self.offer_total(o) for o in os_) <= share * D)

    def add_defect_rate(self) -> None:
        """Rule `defect_rate`: expected defective units at most rate x demand, per item."""
        P = self.P
        for i, offers in enumerate(P.by_item):
            r = P.max_defect_rate(i)
            if r is None:
                continue
            expr = pulp.lpSum(
                P.inst.suppliers[P.o_sup[o]].defect_rate * self.offer_total(o)
                for o in offers
                if o in self.u
            )
            self._add(expr <= r * sum(P.demand[i]))

    def add_commitments(self) -> None:
        """Rule `commitments`: committed volumes from existing contracts are awarded."""
        P = self.P
        for c in P.inst.policies.commitments:
            s = P.sup_ix[c.supplier]
            offers = [o for o in P.by_sup[s] if c.item is None or P.o_item[o] == P.item_ix[c.item]]
            self._add(pulp.lpSum(self.offer_total(o) for o in offers) >= c.min_quantity)

    def add_scenarios(self) -> None:
        """Rule `scenarios`: shortfall when suppliers fail or lose capacity, bought at spot."""
        P = self.P
        self.spot: list[Expr] = []
        self.short: dict[tuple[int, int, int], Any] = {}
        for w, row in enumerate(P.loss):
            terms = []
            for i, offers in enumerate(P.by_item):
                price = P.inst.items[i].spot_price or 0.0
                for t in range(P.T):
                    d = P.demand[i][t]
                    if d <= 0:
                        continue
                    delivered = [
                        (1 - row[P.o_sup[o]]) * self.qty(o, t)
                        for o in offers
                        if (o, t) in self.n and row[P.o_sup[o]] < 1
                    ]
                    if all(row[P.o_sup[o]] == 0 for o in offers if (o, t) in self.n):
                        continue  # nobody this item relies on is hit: no shortfall possible
                    sh = pulp.LpVariable(f"short_{w}_{i}_{t}", 0, d)
                    self.short[(w, i, t)] = sh
                    self._add(sh + pulp.lpSum(delivered) >= d)
                    terms.append(price * sh)
            self.spot.append(pulp.lpSum(terms))
        self.purchase = pulp.lpSum(self.purchase_g[g] for g in sorted(self.purchase_g))
        self.base_cost = self.purchase + self.fixed
        probs = [w.probability for w in P.inst.scenarios]
        self.expected = self.base_cost + pulp.lpSum(
            p * e for p, e in zip(probs, self.spot, strict=True)
        )

    def add_budget(self) -> None:
        """Rule `budget`: purchase plus fixed cost."""
        b = self.P.inst.policies.budget
        if b is not None:
            self._add(self.base_cost <= b)

    def add_cvar(self) -> None:
        """Rule `cvar`: the mean cost of the worst (1 - alpha) tail of scenarios is bounded."""
        cv = self.P.inst.cvar
        if cv is None:
            return
        probs = [w.probability for w in self.P.inst.scenarios]
        p0 = max(0.0, 1.0 - sum(probs))
        eta = pulp.LpVariable("cvar_eta")
        xs = []
        costs = [self.base_cost] + [self.base_cost + e for e in self.spot]
        for w, (p, c) in enumerate(zip([p0, *probs], costs, strict=True)):
            if p <= 0:
                continue
            xi = pulp.LpVariable(f"cvar_xi_{w}", 0)
            self._add(xi >= c - eta)
            xs.append(p * xi)
        self._add(eta + (1 / (1 - cv.alpha)) * pulp.lpSum(xs) <= cv.max_cost)

    def term_expressions(self) -> dict[str, Expr]:
        P = self.P
        defects, late, risk = [], [], []
        for o in self.u:
            s = P.inst.suppliers[P.o_sup[o]]
            tot = self.offer_total(o)
            defects.append(s.defect_rate * tot)
            late.append((1 - s.on_time_rate) * tot)
            risk.append(s.risk_score * tot)
        return {
            "cost": self.expected,
            "defects": pulp.lpSum(defects),
            "late_units": pulp.lpSum(late),
            "risk": pulp.lpSum(risk),
        }

    # ------------------------------------------------------------------ solve helpers
    def set_objective(self, expr: Expr) -> None:
        self.prob.setObjective(expr)

    def limit(self, name: str, expr: Expr, rhs: float) -> None:
        """Add or replace the named constraint expr <= rhs."""
        if name in self.prob.constraints:
            del self.prob.constraints[name]
        self.prob.addConstraint(expr <= rhs, name)

    def load(self, plan: dict[tuple[int, int], int]) -> bool:
        """Set every variable to the values that the plan's quantities imply (a start for
        the solver without solving for them). False (nothing changed that matters) when the
        model has a CVaR bound or a line of the plan does not exist."""
        P = self.P
        if P.inst.cvar is not None or any(key not in self.n for key in plan):
            return False
        for key, var in self.n.items():
            var.varValue = plan.get(key, 0) // P.offers[key[0]].multiple
        placed: set[int] = set()
        for g, grp in enumerate(P.groups):
            Q = sum(plan.get(ln, 0) for ln in grp.lines)
            kind = self.group_vars[g]
            if Q > 0:
                placed.add(grp.o)
            if kind[0] == "flat":
                kind[1].varValue = 1 if Q > 0 else 0
            elif kind[0] == "all_units":
                for z, qk, lo, hi in kind[1]:
                    inside = Q > 0 and lo <= Q <= hi
                    z.varValue = 1 if inside else 0
                    qk.varValue = Q if inside else 0
            else:
                kind[1].varValue = 1 if Q > 0 else 0
                for qk, start, width, fill in kind[2]:
                    part = min(width, max(0, Q - start))
                    qk.varValue = part
                    if fill is not None:
                        fill.varValue = 1 if part > 0 else 0
        for o, u in self.u_vars.items():
            u.varValue = 1 if o in placed else 0
        used = {P.o_sup[o] for o in placed}
        for s, v in self.v.items():
            v.varValue = 1 if s in used else 0
        got: dict[tuple[int, int, int], float] = {}
        for w, row in enumerate(P.loss):
            for (o, t), q in plan.items():
                wit = (w, P.o_item[o], t)
                got[wit] = got.get(wit, 0.0) + (1 - row[P.o_sup[o]]) * q
        for (w, i, t), sh in self.short.items():
            sh.varValue = max(0.0, P.demand[i][t] - got.get((w, i, t), 0.0))
        return True

    def extract(self) -> dict[tuple[int, int], int]:
        out = {}
        for (o, t), var in self.n.items():
            v = var.varValue
            if v is not None and round(v) > 0:
                out[(o, t)] = round(v) * self.P.offers[o].multiple
        return out
