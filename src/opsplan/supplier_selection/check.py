"""Solver-independent checker for supplier awards.

Written apart from prepare.py, milp.py and solver.py (it imports none of them): it re-reads the
instance, prices every order through the tiers itself, recomputes every limit and the
objective, and compares the costs the plan reports with its own.
"""

from __future__ import annotations

from typing import Any

from ..core.registry import CheckReport
from ..core.result import Finding
from .schema import Offer, SupplierInstance

EPS = 1e-6


def order_cost(offer: Offer, q: float) -> float:
    """What an order of q units costs on this offer, by its price-break type."""
    if q <= 0:
        return 0.0
    tiers = sorted(offer.tiers, key=lambda tr: tr.min_quantity)
    if offer.break_type == "all_units":
        price = tiers[0].price
        for tr in tiers:
            if q >= tr.min_quantity:
                price = tr.price
        return price * q
    total = 0.0
    for k, tr in enumerate(tiers):
        upper = tiers[k + 1].min_quantity if k + 1 < len(tiers) else float("inf")
        part = min(q, upper) - tr.min_quantity
        if part > 0:
            total += part * tr.price
    return total


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


class Evaluation:
    """Everything the checker and the KPIs need about one award table."""

    def __init__(self, inst: SupplierInstance, awards: list[dict[str, Any]], where: str = ""):
        self.inst = inst
        self.v: list[Finding] = []
        pre = f"{where}: " if where else ""
        items = {it.id: it for it in inst.items}
        sups = {s.id: s for s in inst.suppliers}
        offers = {(o.item, o.supplier): o for o in inst.offers}
        need_default = inst.need_days or []
        T = inst.periods
        self.qty: dict[tuple[str, str, int], int] = {}
        reported_cost: dict[tuple[str, str, int], float] = {}
        for r in awards:
            i, s, t, q = r.get("item"), r.get("supplier"), r.get("period"), r.get("quantity")
            key = (str(i), str(s), t if isinstance(t, int) else -1)
            if (i, s) not in offers:
                self._bad(
                    "offer", f"{pre}award of item {i} to supplier {s}, who has no offer", i, s
                )
                continue
            if not isinstance(t, int) or not 0 <= t < T:
                self._bad("period", f"{pre}award of item {i} to {s} in unknown period {t}", i, s)
                continue
            if not isinstance(q, int) or q < 0:
                self._bad("quantity", f"{pre}{i} from {s} in period {t}: quantity {q!r}", i, s)
                continue
            if key in self.qty:
                self._bad("award", f"{pre}{i} from {s} in period {t} appears twice", i, s)
            self.qty[key] = self.qty.get(key, 0) + q
            if "cost" in r:
                reported_cost[key] = float(r["cost"])
        self.qty = {k: q for k, q in self.qty.items() if q > 0}
        basis = inst.policies.order_basis
        # --- per line: lead time, multiple, max quantity
        for (i, s, t), q in self.qty.items():
            off, sup, it = offers[(i, s)], sups[s], items[i]
            lead = off.lead_time_days if off.lead_time_days is not None else sup.lead_time_days
            need = (it.need_days or need_default)[t]
            if lead > need:
                self._bad(
                    "lead_time",
                    f"{pre}{s} needs {lead} days to deliver {i}, but period {t} needs it by "
                    f"day {need}",
                    i,
                    s,
                )
            if q % off.multiple:
                self._bad(
                    "order_multiple",
                    f"{pre}{q} units of {i} from {s} in period {t} are not a "
                    f"multiple of {off.multiple}",
                    i,
                    s,
                )
            if off.max_quantity is not None and q > off.max_quantity:
                self._bad(
                    "max_quantity",
                    f"{pre}{q} units of {i} from {s} in period {t}, above the offer's maximum "
                    f"{off.max_quantity}",
                    i,
                    s,
                )
        # --- orders: MOQ and purchase cost through the tiers
        orders: dict[tuple[str, str, int], int] = {}
        members: dict[tuple[str, str, int], list[tuple[str, str, int]]] = {}
        for (i, s, t), q in self.qty.items():
            k = (i, s, t if basis == "period" else -1)
            orders[k] = orders.get(k, 0) + q
            members.setdefault(k, []).append((i, s, t))
        self.purchase_by: dict[tuple[str, str], float] = {}
        self.line_cost: dict[tuple[str, str, int], float] = {}
        for (i, s, t), q in orders.items():
            off = offers[(i, s)]
            if q < off.moq:
                when = f" in period {t}" if t >= 0 else " over the horizon"
                self._bad(
                    "moq", f"{pre}order of {q} {i} from {s}{when} is below the MOQ {off.moq}", i, s
                )
            c = order_cost(off, q)
            self.purchase_by[(i, s)] = self.purchase_by.get((i, s), 0.0) + c
            for line in members[(i, s, t)]:
                self.line_cost[line] = c * self.qty[line] / q
        for k, c in reported_cost.items():
            tiers_cost = self.line_cost.get(k, 0.0)
            if not _close(c, tiers_cost):
                self._bad(
                    "price",
                    f"{pre}{k[0]} from {k[1]} in period {k[2]} is reported to cost {c:.2f}, "
                    f"the price tiers give {tiers_cost:.2f}",
                    k[0],
                    k[1],
                )
        self.purchase = sum(self.purchase_by.values())
        self.used = sorted({s for (_, s, _) in self.qty})
        self.fixed = sum(sups[s].fixed_cost for s in self.used)
        self.base = self.purchase + self.fixed
        # --- demand, capacity
        got: dict[tuple[str, int], int] = {}
        for (i, _s, t), q in self.qty.items():
            got[(i, t)] = got.get((i, t), 0) + q
        for it in inst.items:
            for t, d in enumerate(it.demand):
                if got.get((it.id, t), 0) < d:
                    self._bad(
                        "demand",
                        f"{pre}item {it.id} needs {d} in period {t} but gets "
                        f"{got.get((it.id, t), 0)}",
                        it.id,
                    )
        self.load: dict[tuple[str, int], int] = {}
        for (_i, s, t), q in self.qty.items():
            self.load[(s, t)] = self.load.get((s, t), 0) + q
        for sp in inst.suppliers:
            if sp.capacity is None:
                continue
            for t, c in enumerate(sp.capacity):
                if self.load.get((sp.id, t), 0) > c:
                    self.v.append(
                        Finding(
                            rule="capacity",
                            entities={"supplier": sp.id},
                            message=f"{pre}{sp.id} delivers {self.load[(sp.id, t)]} units "
                            f"in period {t}, above its capacity {c}",
                        )
                    )
        # --- per item: supplier count, shares, defect rate
        pol = inst.policies
        self.item_total: dict[tuple[str, str], int] = {}
        for (i, s, _t), q in self.qty.items():
            self.item_total[(i, s)] = self.item_total.get((i, s), 0) + q
        by_item: dict[str, dict[str, int]] = {}
        for (i, s), q in self.item_total.items():
            by_item.setdefault(i, {})[s] = q
        for it in inst.items:
            D = sum(it.demand)
            mine: dict[str, int] = by_item.get(it.id, {})
            lo = it.min_suppliers if it.min_suppliers is not None else pol.min_suppliers
            hi = it.max_suppliers if it.max_suppliers is not None else pol.max_suppliers
            if lo is not None and D > 0 and len(mine) < lo:
                self._bad(
                    "supplier_count",
                    f"{pre}item {it.id} has {len(mine)} suppliers, fewer than {lo}",
                    it.id,
                )
            if hi is not None and len(mine) > hi:
                self._bad(
                    "supplier_count",
                    f"{pre}item {it.id} has {len(mine)} suppliers, more than {hi}",
                    it.id,
                )
            if pol.max_share_supplier is not None:
                for s, q in mine.items():
                    if q > pol.max_share_supplier * D + EPS:
                        self._bad(
                            "max_share_supplier",
                            f"{pre}{s} gets {q} of {D} units of "
                            f"{it.id}, above the {pol.max_share_supplier:.0%} share",
                            it.id,
                            s,
                        )
            if pol.max_share_region is not None:
                reg: dict[str, int] = {}
                for s, q in mine.items():
                    reg[sups[s].region] = reg.get(sups[s].region, 0) + q
                for rg, q in reg.items():
                    if q > pol.max_share_region * D + EPS:
                        self._bad(
                            "max_share_region",
                            f"{pre}region {rg or '(none)'} gets {q} of "
                            f"{D} units of {it.id}, above the {pol.max_share_region:.0%} "
                            "share",
                            it.id,
                        )
            rate = it.max_defect_rate if it.max_defect_rate is not None else pol.max_defect_rate
            if rate is not None:
                bad_units = sum(sups[s].defect_rate * q for s, q in mine.items())
                if bad_units > rate * D + 1e-6 * max(1.0, D):
                    self._bad(
                        "defect_rate",
                        f"{pre}item {it.id} expects {bad_units:.2f} "
                        f"defective units, above {rate:.2%} of its demand {D}",
                        it.id,
                    )
        for cm in pol.commitments:
            q = sum(
                qq
                for (i, s), qq in self.item_total.items()
                if s == cm.supplier and (cm.item is None or i == cm.item)
            )
            if q < cm.min_quantity:
                what = f" of {cm.item}" if cm.item else ""
                self._bad(
                    "commitments",
                    f"{pre}{cm.supplier} is committed {cm.min_quantity} units{what} but gets {q}",
                    cm.item or "",
                    cm.supplier,
                )
        if pol.budget is not None and self.base > pol.budget + 1e-6 * max(1.0, pol.budget):
            self.v.append(
                Finding(
                    rule="budget",
                    message=f"{pre}purchase and fixed cost "
                    f"{self.base:,.2f} exceed the budget {pol.budget:,.2f}",
                )
            )
        # --- scenarios: shortfall bought at spot
        self.spot: list[float] = []
        self.shortfall: list[float] = []
        lines_of: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for (i, s, t), q in self.qty.items():
            lines_of.setdefault((i, t), []).append((s, q))
        for w in inst.scenarios:
            lost = {s: 1.0 for s in w.failing}
            for s, f in w.capacity_loss.items():
                lost.setdefault(s, f)
            cost = units = 0.0
            for it in inst.items:
                for t, d in enumerate(it.demand):
                    arrive = sum(
                        (1 - lost.get(s, 0.0)) * q for s, q in lines_of.get((it.id, t), [])
                    )
                    miss = max(0.0, d - arrive)
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
            if self.cvar_value > inst.cvar.max_cost + 1e-6 * max(1.0, inst.cvar.max_cost):
                self.v.append(
                    Finding(
                        rule="cvar",
                        message=f"{pre}the worst {1 - a:.0%} of "
                        f"scenarios cost {self.cvar_value:,.2f} on average, above "
                        f"{inst.cvar.max_cost:,.2f}",
                    )
                )
        self.terms = {
            "cost": self.expected,
            "defects": sum(sups[s].defect_rate * q for (_, s), q in self.item_total.items()),
            "late_units": sum(
                (1 - sups[s].on_time_rate) * q for (_, s), q in self.item_total.items()
            ),
            "risk": sum(sups[s].risk_score * q for (_, s), q in self.item_total.items()),
        }

    def _bad(self, rule: str, msg: str, item: Any = None, supplier: Any = None) -> None:
        ent: dict[str, str | int | float | list[str]] = {}
        if item:
            ent["item"] = str(item)
        if supplier:
            ent["supplier"] = str(supplier)
        self.v.append(Finding(rule=rule, message=msg, entities=ent))


def objective_value(inst: SupplierInstance, terms: dict[str, float]) -> float:
    ob = inst.objective
    if ob.mode == "weighted":
        return sum(t.weight * terms[t.term] for t in ob.terms)
    if ob.mode == "lexicographic":
        return terms[ob.terms[0].term]
    return terms["cost"]


def check(inst: SupplierInstance, solution: dict[str, Any]) -> CheckReport:
    ev = Evaluation(inst, list(solution.get("awards", [])))
    violations = list(ev.v)
    other = inst.objective.pareto_term
    for k, pt in enumerate(solution.get("pareto", []) or []):
        if pt.get("awards") is None:
            continue
        pe = Evaluation(inst, pt["awards"], where=f"pareto plan {k}")
        violations += pe.v
        for name in ("cost", other):
            if name in pt and not _close(float(pt[name]), pe.terms[name]):
                violations.append(
                    Finding(
                        rule="objective",
                        message=f"pareto plan {k} reports "
                        f"{name} {pt[name]} but the checker recomputes "
                        f"{pe.terms[name]}",
                    )
                )
        eps = pt.get("epsilon")
        if eps is not None and pe.terms[other] > eps + 1e-6 * max(1.0, abs(eps)):
            violations.append(
                Finding(
                    rule="pareto",
                    message=f"pareto plan {k} has {other} {pe.terms[other]} above its limit {eps}",
                )
            )
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
    return CheckReport(violations, objective_value(inst, ev.terms), penalties)
