"""Solver-independent checker for supplier awards: one check_<rule>() per rule of
models/supplier_selection.md, in its order.

Written apart from prepare.py, milp.py, solver.py and solution.py (it imports none of them): it
re-reads the instance, prices every order through the tiers itself (`Evaluation`), recomputes
every limit and the objective, and compares what the plan reports with its own numbers: each
award's tier, unit price and cost (rule `solution` when they differ), and each pareto plan's
cost, traded term and gap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.check import Findings
from ..core.registry import CheckReport
from ..core.result import relative_gap
from .schema import RULES, Offer, SupplierInstance

EPS = 1e-6
Line = tuple[str, str, int]  # (item, supplier, period)
Order = tuple[str, str, int]  # (item, supplier, period or -1 for an order over the horizon)


def order_cost(offer: Offer, q: float) -> float:
    """What an order of q units costs on this offer, by its price-break type."""
    if q <= 0:
        return 0.0
    tiers = sorted(offer.tiers, key=lambda tr: tr.min_quantity)
    if offer.break_type == "all_units":
        return tiers[order_tier(offer, q)].price * q
    total = 0.0
    for k, tr in enumerate(tiers):
        upper = tiers[k + 1].min_quantity if k + 1 < len(tiers) else float("inf")
        part = min(q, upper) - tr.min_quantity
        if part > 0:
            total += part * tr.price
    return total


def order_tier(offer: Offer, q: float) -> int:
    """The highest tier an order of q units reaches (0: the first)."""
    tiers = sorted(offer.tiers, key=lambda tr: tr.min_quantity)
    return max(k for k, tr in enumerate(tiers) if q >= tr.min_quantity or k == 0)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _above(value: float, limit: float) -> bool:
    return value > limit + 1e-6 * max(1.0, abs(limit))


def _add(found: Findings | None, rule: str, message: str, **ids: Any) -> None:
    if found is not None:
        found.add(rule, message, **{k: v for k, v in ids.items() if v not in (None, "")})


class Evaluation:
    """One award table read and priced: quantities per line, orders with their tier and cost,
    loads, totals, scenario costs and the objective terms (the checker's and the KPIs' numbers).

    Rows that are no decision of this model (no offer for the pair, a period outside the
    horizon, a quantity that is not a whole number >= 0, a line given twice) are reported as
    `solution` to `found` (when given); the first three are left out.
    """

    def __init__(
        self,
        inst: SupplierInstance,
        awards: list[dict[str, Any]],
        found: Findings | None = None,
        where: str = "",
    ):
        self.inst = inst
        self.pre = f"{where}: " if where else ""
        self.items = {it.id: it for it in inst.items}
        self.sups = {s.id: s for s in inst.suppliers}
        self.offers = {(o.item, o.supplier): o for o in inst.offers}
        self.reported: dict[Line, dict[str, Any]] = {}  # the row as given, per line
        self.qty = self._read(awards, found)
        self._price()
        self._totals()
        self._scenarios()
        self.terms = {
            "cost": self.expected,
            "defects": self._per_unit(lambda s: s.defect_rate),
            "late_units": self._per_unit(lambda s: 1 - s.on_time_rate),
            "risk": self._per_unit(lambda s: s.risk_score),
        }

    def _read(self, awards: list[dict[str, Any]], found: Findings | None) -> dict[Line, int]:
        pre, T = self.pre, self.inst.periods
        qty: dict[Line, int] = {}
        for r in awards:
            i, s, t, q = r.get("item"), r.get("supplier"), r.get("period"), r.get("quantity")
            if (i, s) not in self.offers:
                msg = f"{pre}award of item {i} to supplier {s}, who has no offer"
                _add(found, "solution", msg, item=i, supplier=s)
            elif not isinstance(t, int) or not 0 <= t < T:
                msg = f"{pre}award of item {i} to {s} in unknown period {t}"
                _add(found, "solution", msg, item=i, supplier=s)
            elif not isinstance(q, int) or q < 0:
                msg = f"{pre}{i} from {s} in period {t}: quantity {q!r} is not a whole number >= 0"
                _add(found, "solution", msg, item=i, supplier=s)
            else:
                key = (str(i), str(s), t)
                if key in qty:
                    msg = f"{pre}{i} from {s} in period {t} appears twice"
                    _add(found, "solution", msg, item=i, supplier=s)
                qty[key] = qty.get(key, 0) + q
                self.reported[key] = r
        return {k: q for k, q in qty.items() if q > 0}

    def order_of(self, line: Line) -> Order:
        i, s, t = line
        return (i, s, t if self.inst.policies.order_basis == "period" else -1)

    def _price(self) -> None:
        """Orders (what tiers and MOQ apply to) and their cost, shared by their lines."""
        self.orders: dict[Order, int] = {}
        for line, q in self.qty.items():
            k = self.order_of(line)
            self.orders[k] = self.orders.get(k, 0) + q
        self.order_cost = {k: order_cost(self.offers[k[:2]], q) for k, q in self.orders.items()}
        self.line_cost = {
            line: self.order_cost[self.order_of(line)] * q / self.orders[self.order_of(line)]
            for line, q in self.qty.items()
        }
        self.purchase_by: dict[tuple[str, str], float] = {}
        for (i, s, _), c in self.order_cost.items():
            self.purchase_by[(i, s)] = self.purchase_by.get((i, s), 0.0) + c
        self.purchase = sum(self.purchase_by.values())

    def _totals(self) -> None:
        self.used = sorted({s for (_, s, _) in self.qty})
        self.fixed = sum(self.sups[s].fixed_cost for s in self.used)
        self.base = self.purchase + self.fixed
        self.got: dict[tuple[str, int], int] = {}  # (item, period) -> units
        self.load: dict[tuple[str, int], int] = {}  # (supplier, period) -> units
        self.item_total: dict[tuple[str, str], int] = {}  # (item, supplier) -> units
        for (i, s, t), q in self.qty.items():
            self.got[(i, t)] = self.got.get((i, t), 0) + q
            self.load[(s, t)] = self.load.get((s, t), 0) + q
            self.item_total[(i, s)] = self.item_total.get((i, s), 0) + q

    def _scenarios(self) -> None:
        """Shortfall bought at spot per scenario; the expected cost and the CVaR value."""
        inst = self.inst
        self.spot: list[float] = []
        self.shortfall: list[float] = []
        for w in inst.scenarios:
            lost = {s: 1.0 for s in w.failing}
            for s, share in w.capacity_loss.items():
                lost.setdefault(s, share)
            arrive: dict[tuple[str, int], float] = {}
            for (i, s, t), q in self.qty.items():
                arrive[(i, t)] = arrive.get((i, t), 0.0) + (1 - lost.get(s, 0.0)) * q
            cost = units = 0.0
            for it in inst.items:
                for t, d in enumerate(it.demand):
                    miss = max(0.0, d - arrive.get((it.id, t), 0.0))
                    units += miss
                    cost += miss * (it.spot_price or 0.0)
            self.spot.append(cost)
            self.shortfall.append(units)
        probs = [w.probability for w in inst.scenarios]
        self.expected = self.base + sum(p * c for p, c in zip(probs, self.spot, strict=True))
        self.cvar_value: float | None = None
        if inst.cvar is not None:
            scen = [(max(0.0, 1 - sum(probs)), self.base)] + [
                (p, self.base + c) for p, c in zip(probs, self.spot, strict=True)
            ]
            a = inst.cvar.alpha
            self.cvar_value = min(
                eta + sum(p * max(0.0, c - eta) for p, c in scen) / (1 - a) for _, eta in scen
            )

    def _per_unit(self, rate: Callable[[Any], float]) -> float:
        return sum(rate(self.sups[s]) * q for (_, s), q in self.item_total.items())

    def by_item(self, item: str) -> dict[str, int]:
        """Supplier -> units of the item over the horizon."""
        return {s: q for (i, s), q in self.item_total.items() if i == item}


# ------------------------------------------------------------------ one check per rule


def check_lead_time(ev: Evaluation, found: Findings) -> None:
    need_default = ev.inst.need_days or []
    for i, s, t in ev.qty:
        off = ev.offers[(i, s)]
        lead = off.lead_time_days if off.lead_time_days is not None else ev.sups[s].lead_time_days
        need = (ev.items[i].need_days or need_default)[t]
        if lead > need:
            msg = (
                f"{ev.pre}{s} needs {lead} days to deliver {i}, but period {t} needs it by day "
                f"{need}"
            )
            found.add("lead_time", msg, item=i, supplier=s)


def check_order_multiple(ev: Evaluation, found: Findings) -> None:
    for (i, s, t), q in ev.qty.items():
        m = ev.offers[(i, s)].multiple
        if q % m:
            msg = f"{ev.pre}{q} units of {i} from {s} in period {t} are not a multiple of {m}"
            found.add("order_multiple", msg, item=i, supplier=s)


def check_max_quantity(ev: Evaluation, found: Findings) -> None:
    for (i, s, t), q in ev.qty.items():
        top = ev.offers[(i, s)].max_quantity
        if top is not None and q > top:
            msg = (
                f"{ev.pre}{q} units of {i} from {s} in period {t}, above the offer's maximum {top}"
            )
            found.add("max_quantity", msg, item=i, supplier=s)


def _check_prices(ev: Evaluation, found: Findings, break_type: str) -> None:
    """The tier, unit price and cost each award of these offers reports are the tiers' own
    (rule `solution` otherwise)."""
    for line, row in ev.reported.items():
        i, s, t = line
        off = ev.offers[(i, s)]
        if off.break_type != break_type:
            continue
        q = ev.orders.get(ev.order_of(line), 0)
        own: dict[str, float] = {"cost": ev.line_cost.get(line, 0.0)}
        if q > 0:
            own["tier"] = order_tier(off, q)
            own["unit_price"] = round(ev.order_cost[ev.order_of(line)] / q, 6)
        for field, value in own.items():
            given = row.get(field)
            if isinstance(given, int | float) and not _close(float(given), value):
                msg = (
                    f"{ev.pre}{i} from {s} in period {t} reports {field} {given}, the price "
                    f"tiers give {value:.6g}"
                )
                found.add("solution", msg, item=i, supplier=s)


def check_price_all_units(ev: Evaluation, found: Findings) -> None:
    _check_prices(ev, found, "all_units")


def check_price_incremental(ev: Evaluation, found: Findings) -> None:
    _check_prices(ev, found, "incremental")


def check_moq(ev: Evaluation, found: Findings) -> None:
    for (i, s, t), q in ev.orders.items():
        moq = ev.offers[(i, s)].moq
        if q < moq:
            when = f" in period {t}" if t >= 0 else " over the horizon"
            msg = f"{ev.pre}order of {q} {i} from {s}{when} is below the MOQ {moq}"
            found.add("moq", msg, item=i, supplier=s)


def check_order_links(ev: Evaluation, found: Findings) -> None:
    """Nothing a plan can break: a line with units is part of its order, which is then placed
    (the rule only tightens the MILP's relaxation)."""


def check_fixed_cost(ev: Evaluation, found: Findings) -> None:
    """Nothing a plan can break: every supplier with units pays its fixed cost, which the
    Evaluation adds to the recomputed cost (`fixed`)."""


def check_demand(ev: Evaluation, found: Findings) -> None:
    for it in ev.inst.items:
        for t, d in enumerate(it.demand):
            got = ev.got.get((it.id, t), 0)
            if got < d:
                msg = f"{ev.pre}item {it.id} needs {d} in period {t} but gets {got}"
                found.add("demand", msg, item=it.id)


def check_capacity(ev: Evaluation, found: Findings) -> None:
    for sp in ev.inst.suppliers:
        for t, c in enumerate(sp.capacity or []):
            load = ev.load.get((sp.id, t), 0)
            if load > c:
                msg = f"{ev.pre}{sp.id} delivers {load} units in period {t}, above its capacity {c}"
                found.add("capacity", msg, supplier=sp.id)


def check_supplier_count(ev: Evaluation, found: Findings) -> None:
    pol = ev.inst.policies
    for it in ev.inst.items:
        n = len(ev.by_item(it.id))
        lo = it.min_suppliers if it.min_suppliers is not None else pol.min_suppliers
        hi = it.max_suppliers if it.max_suppliers is not None else pol.max_suppliers
        if lo is not None and sum(it.demand) > 0 and n < lo:
            msg = f"{ev.pre}item {it.id} has {n} suppliers, fewer than {lo}"
            found.add("supplier_count", msg, item=it.id)
        if hi is not None and n > hi:
            msg = f"{ev.pre}item {it.id} has {n} suppliers, more than {hi}"
            found.add("supplier_count", msg, item=it.id)


def check_max_share_supplier(ev: Evaluation, found: Findings) -> None:
    share = ev.inst.policies.max_share_supplier
    if share is None:
        return
    for it in ev.inst.items:
        D = sum(it.demand)
        for s, q in ev.by_item(it.id).items():
            if q > share * D + EPS:
                msg = f"{ev.pre}{s} gets {q} of {D} units of {it.id}, above the {share:.0%} share"
                found.add("max_share_supplier", msg, item=it.id, supplier=s)


def check_max_share_region(ev: Evaluation, found: Findings) -> None:
    share = ev.inst.policies.max_share_region
    if share is None:
        return
    for it in ev.inst.items:
        D = sum(it.demand)
        reg: dict[str, int] = {}
        for s, q in ev.by_item(it.id).items():
            reg[ev.sups[s].region] = reg.get(ev.sups[s].region, 0) + q
        for rg, q in reg.items():
            if q > share * D + EPS:
                msg = (
                    f"{ev.pre}region {rg or '(none)'} gets {q} of {D} units of {it.id}, above "
                    f"the {share:.0%} share"
                )
                found.add("max_share_region", msg, item=it.id)


def check_defect_rate(ev: Evaluation, found: Findings) -> None:
    pol = ev.inst.policies
    for it in ev.inst.items:
        rate = it.max_defect_rate if it.max_defect_rate is not None else pol.max_defect_rate
        if rate is None:
            continue
        D = sum(it.demand)
        bad = sum(ev.sups[s].defect_rate * q for s, q in ev.by_item(it.id).items())
        if bad > rate * D + 1e-6 * max(1.0, D):
            msg = (
                f"{ev.pre}item {it.id} expects {bad:.2f} defective units, above {rate:.2%} of "
                f"its demand {D}"
            )
            found.add("defect_rate", msg, item=it.id)


def check_commitments(ev: Evaluation, found: Findings) -> None:
    for cm in ev.inst.policies.commitments:
        q = sum(
            qq
            for (i, s), qq in ev.item_total.items()
            if s == cm.supplier and (cm.item is None or i == cm.item)
        )
        if q < cm.min_quantity:
            what = f" of {cm.item}" if cm.item else ""
            msg = f"{ev.pre}{cm.supplier} is committed {cm.min_quantity} units{what} but gets {q}"
            _add(found, "commitments", msg, item=cm.item, supplier=cm.supplier)


def check_budget(ev: Evaluation, found: Findings) -> None:
    budget = ev.inst.policies.budget
    if budget is not None and _above(ev.base, budget):
        msg = f"{ev.pre}purchase and fixed cost {ev.base:,.2f} exceed the budget {budget:,.2f}"
        found.add("budget", msg)


def check_scenarios(ev: Evaluation, found: Findings) -> None:
    """Nothing a plan can break: the shortfall in each scenario is bought at the spot price,
    which the Evaluation adds to the expected cost (`spot`)."""


def check_cvar(ev: Evaluation, found: Findings) -> None:
    cv = ev.inst.cvar
    if cv is not None and ev.cvar_value is not None and _above(ev.cvar_value, cv.max_cost):
        msg = (
            f"{ev.pre}the worst {1 - cv.alpha:.0%} of scenarios cost {ev.cvar_value:,.2f} on "
            f"average, above {cv.max_cost:,.2f}"
        )
        found.add("cvar", msg)


CHECKS: dict[str, Callable[[Evaluation, Findings], None]] = {
    "lead_time": check_lead_time,
    "order_multiple": check_order_multiple,
    "max_quantity": check_max_quantity,
    "price_all_units": check_price_all_units,
    "price_incremental": check_price_incremental,
    "moq": check_moq,
    "order_links": check_order_links,
    "fixed_cost": check_fixed_cost,
    "demand": check_demand,
    "capacity": check_capacity,
    "supplier_count": check_supplier_count,
    "max_share_supplier": check_max_share_supplier,
    "max_share_region": check_max_share_region,
    "defect_rate": check_defect_rate,
    "commitments": check_commitments,
    "budget": check_budget,
    "scenarios": check_scenarios,
    "cvar": check_cvar,
}


# ------------------------------------------------------------------ the whole plan


def objective_value(inst: SupplierInstance, terms: dict[str, float]) -> float:
    ob = inst.objective
    if ob.mode == "weighted":
        return sum(t.weight * terms[t.term] for t in ob.terms)
    if ob.mode == "lexicographic":
        return terms[ob.terms[0].term]
    return terms["cost"]


def checked(
    inst: SupplierInstance, awards: list[dict[str, Any]], found: Findings, where: str = ""
) -> Evaluation:
    """One award table read, priced and checked against every rule."""
    ev = Evaluation(inst, awards, found, where)
    for rule in RULES:
        CHECKS[rule](ev, found)
    return ev


def check_pareto_point(inst: SupplierInstance, k: int, pt: dict[str, Any], found: Findings) -> None:
    """A pareto plan meets every rule, and its cost, traded term, epsilon and gap are its own."""
    if pt.get("awards") is None:
        return
    pe = checked(inst, pt["awards"], found, where=f"pareto plan {k}")
    other = inst.objective.pareto_term
    for name in ("cost", other):
        if name in pt and not _close(float(pt[name]), pe.terms[name]):
            msg = (
                f"pareto plan {k} reports {name} {pt[name]} but the checker recomputes "
                f"{pe.terms[name]}"
            )
            found.add("objective", msg)
    eps = pt.get("epsilon")
    if eps is not None and _above(pe.terms[other], eps):
        found.add(
            "objective", f"pareto plan {k} has {other} {pe.terms[other]} above its limit {eps}"
        )
    gap = relative_gap(pt.get("cost"), pt.get("bound"))
    if pt.get("gap") is not None and gap is not None and not _close(pt["gap"], gap):
        msg = f"pareto plan {k} reports gap {pt['gap']}, its cost and bound give {gap}"
        found.add("solution", msg)


def check(inst: SupplierInstance, solution: dict[str, Any]) -> CheckReport:
    found = Findings(RULES)
    ev = checked(inst, list(solution.get("awards", [])), found)
    for k, pt in enumerate(solution.get("pareto", []) or []):
        check_pareto_point(inst, k, pt, found)
    penalties: dict[str, Any] = {}
    if inst.scenarios:
        penalties = {
            "expected_spot_cost": sum(
                w.probability * c for w, c in zip(inst.scenarios, ev.spot, strict=True)
            ),
            "spot_cost_by_scenario": {
                w.id: c for w, c in zip(inst.scenarios, ev.spot, strict=True)
            },
        }
    return CheckReport(found.items, objective_value(inst, ev.terms), penalties)
