"""Solver-independent checker for replenishment plans: one check_<rule>() per rule of
models/replenishment.md, and checks of the plan's derived tables (rule `solution`).

Written apart from prepare.py, milp.py and solution.py: it re-reads the instance, rebuilds
every stock balance from the orders, open orders and lost sales, checks every rule,
recomputes each cost and every table the plan derives from its orders (stock, forecasts,
policies). The only shared pieces are the forecast of items given as history (the input
itself, not the formulation: the checker asks forecast.py on its own, which remembers the
solve's fits) and the names of the rules and cost terms (schema.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from ..core.check import Findings
from ..core.registry import CheckReport
from .forecast import forecast
from .schema import COST_TERMS, RULES, Item, ReplenishmentInstance

TOL = 1e-5


def _near(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(scale), abs(a), abs(b))


def _series(v: float | list[float] | None, T: int) -> list[float] | None:
    if v is None:
        return None
    return [float(x) for x in v] if isinstance(v, list) else [float(v)] * T


# ------------------------------------------------------------------ what the checker derives


def item_demand(inst: ReplenishmentInstance, it: Item) -> tuple[list[float], float, str]:
    """Demand per period, forecast error and how the demand was obtained."""
    if it.demand is not None:
        err = it.forecast_error
        if err is None and it.history:
            err = forecast(it.history, inst.periods, it.season_length).error
        return [float(v) for v in it.demand], float(err or 0.0), "given"
    f = forecast(it.history or [], inst.periods, it.season_length)
    err = it.forecast_error if it.forecast_error is not None else f.error
    return list(f.values), float(err), f.method


def safety_units(inst: ReplenishmentInstance, it: Item, d: list[float], err: float) -> float:
    ss = it.safety_stock
    if ss is None:
        return 0.0
    if ss.kind == "fixed":
        return float(ss.quantity or 0)
    if ss.kind == "days_of_cover":
        return (ss.days or 0) / inst.period_days * (sum(d) / len(d))
    return max(0.0, NormalDist().inv_cdf(ss.level or 0.5) * err * math.sqrt(it.lead_time + 1))


@dataclass
class ItemView:
    """One item as the checker sees it: the instance's numbers and the plan's decisions, with
    the balance rebuilt from them."""

    item: Item
    demand: list[float]
    error: float
    method: str
    safety: float
    orders: dict[int, float] = field(default_factory=dict)  # order period -> quantity
    lots: list[tuple[int, float]] = field(default_factory=list)  # each order row: period, qty
    lost: list[float] = field(default_factory=list)  # sales lost per period (stock rows)
    arrivals: list[float] = field(default_factory=list)  # open and planned, per period
    net: list[float] = field(default_factory=list)  # stock - backlog at each period end
    arrived_by: list[float] = field(default_factory=list)  # initial stock + arrivals to t

    def stock(self, t: int) -> float:
        return max(0.0, self.net[t])

    def owed(self, t: int) -> float:
        return max(0.0, -self.net[t])

    def rebuild(self, T: int) -> None:
        """Arrivals and the stock balance from the orders, open orders and lost sales."""
        it = self.item
        self.arrivals = [0.0] * T
        for o in it.on_order:
            self.arrivals[o.period] += o.quantity
        for t, q in self.orders.items():
            if 0 <= t + it.lead_time < T:
                self.arrivals[t + it.lead_time] += q
        level = it.initial_stock - (
            it.initial_backorder if it.shortage.mode == "backorder" else 0.0
        )
        cum = it.initial_stock
        for t in range(T):
            level += self.arrivals[t] - self.demand[t] + self.lost[t]
            cum += self.arrivals[t]
            self.net.append(level)
            self.arrived_by.append(cum)


@dataclass
class Reading:
    """The plan read against the instance: per item views, the reported stock rows."""

    inst: ReplenishmentInstance
    plan: dict[str, Any]
    items: dict[str, ItemView]  # in the instance's order
    rows: dict[tuple[str, int], dict[str, Any]]  # reported stock rows by (item, period)

    @property
    def T(self) -> int:
        return self.inst.periods


def read(inst: ReplenishmentInstance, plan: dict[str, Any], f: Findings) -> Reading:
    """Views of every item with the plan's orders and lost sales, the balance rebuilt."""
    views: dict[str, ItemView] = {}
    for it in inst.items:
        d, err, method = item_demand(inst, it)
        views[it.id] = ItemView(it, d, err, method, safety_units(inst, it, d, err))
    read_orders(views, plan.get("orders") or [], f)
    rows = read_stock_rows(views, plan.get("stock") or [], inst.periods, f)
    for iid, v in views.items():
        v.lost = [float(rows.get((iid, t), {}).get("lost", 0.0)) for t in range(inst.periods)]
        v.rebuild(inst.periods)
    return Reading(inst, plan, views, rows)


def read_orders(views: dict[str, ItemView], orders: list[dict[str, Any]], f: Findings) -> None:
    """Each order into its item's view; an unknown item is `solution`, a second order of an
    item in one period `order_link` (one order decision per item and period)."""
    for o in orders:
        iid, t, q = str(o["item"]), int(o["order_period"]), float(o["quantity"])
        v = views.get(iid)
        if v is None:
            f.add("solution", f"an order for unknown item {iid}", item=iid)
            continue
        if t in v.orders:
            f.add("order_link", f"item {iid}: two orders in period {t}", item=iid, period=t)
        v.orders[t] = v.orders.get(t, 0.0) + q
        v.lots.append((t, q))


def read_stock_rows(
    views: dict[str, ItemView], stock: list[dict[str, Any]], T: int, f: Findings
) -> dict[tuple[str, int], dict[str, Any]]:
    """The stock rows by (item, period); a row outside the items and periods, or a second
    row of one, is `solution`."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for r in stock:
        iid, t = str(r["item"]), int(r["period"])
        if iid not in views or not 0 <= t < T:
            f.add(
                "solution",
                f"a stock row for item {iid}, period {t}: not in the plan",
                item=iid,
                period=t,
            )
        elif (iid, t) in rows:
            f.add("solution", f"two stock rows for item {iid}, period {t}", item=iid, period=t)
        rows[(iid, t)] = r
    return rows


# ------------------------------------------------------------------ one check per rule


def check_lead_time(r: Reading, f: Findings) -> None:
    """Orders only in periods whose arrival (t + lead time) falls inside the horizon."""
    for iid, v in r.items.items():
        L = v.item.lead_time
        for t in v.orders:
            if t < 0 or t + L >= r.T:
                f.add(
                    "lead_time",
                    f"item {iid}: an order in period {t} arrives in period {t + L}, outside "
                    f"the plan's {r.T} periods",
                    item=iid,
                    period=t,
                )


def check_shortage(r: Reading, f: Findings) -> None:
    """Lost sales only for lost-sales items, never more than the period's demand."""
    for iid, v in r.items.items():
        for t, lost in enumerate(v.lost):
            if lost > TOL and v.item.shortage.mode != "lost_sales":
                f.add(
                    "shortage",
                    f"item {iid}: sales lost in period {t} are not allowed",
                    item=iid,
                    period=t,
                )
            if lost > v.demand[t] + TOL * max(1.0, v.demand[t]):
                f.add(
                    "shortage",
                    f"item {iid}: lost {lost} in period {t} exceeds demand",
                    item=iid,
                    period=t,
                )


def check_balance(r: Reading, f: Findings) -> None:
    """The balance of stock on hand, arrivals, demand and lost sales leaves no backlog for an
    item that allows no backorders (its demand is met on time)."""
    for iid, v in r.items.items():
        if v.item.shortage.mode == "backorder":
            continue
        for t in range(r.T):
            if v.owed(t) > TOL * max(1.0, v.demand[t]):
                f.add(
                    "balance",
                    f"item {iid}: demand of period {t} is not met ({v.owed(t):.6g} short) and "
                    "the item allows no backorders",
                    item=iid,
                    period=t,
                )


def check_order_link(r: Reading, f: Findings) -> None:
    """An order is one order decision: a positive quantity (two orders of an item in one
    period are found while reading the plan)."""
    for iid, v in r.items.items():
        for t, q in v.lots:
            if q <= 0:
                f.add(
                    "order_link",
                    f"item {iid}: order quantity {q} in period {t} is not positive",
                    item=iid,
                    period=t,
                )


def check_moq(r: Reading, f: Findings) -> None:
    for iid, v in r.items.items():
        moq = v.item.moq
        for t, q in v.lots:
            if q < moq - TOL * max(1.0, moq):
                f.add(
                    "moq",
                    f"item {iid}: order of {q} in period {t} is below the MOQ {moq}",
                    item=iid,
                    period=t,
                )


def check_pack_size(r: Reading, f: Findings) -> None:
    for iid, v in r.items.items():
        p = v.item.pack_size
        for t, q in v.lots:
            if p and abs(q / p - round(q / p)) > 1e-6:
                f.add(
                    "pack_size",
                    f"item {iid}: order of {q} in period {t} is not a whole number of packs of {p}",
                    item=iid,
                    period=t,
                )


def check_max_order(r: Reading, f: Findings) -> None:
    for iid, v in r.items.items():
        top = v.item.max_order
        for t, q in v.lots:
            if top is not None and q > top * (1 + TOL):
                f.add(
                    "max_order",
                    f"item {iid}: order of {q} in period {t} exceeds the maximum order {top}",
                    item=iid,
                    period=t,
                )


def check_safety_stock(r: Reading, f: Findings) -> None:
    """A soft rule: every plan meets it, and pays for stock below it (cost term
    `below_safety`, in plan_costs). The reported safety stock is checked with the stock
    table (check_stock_table)."""


def check_stock_or_backlog(r: Reading, f: Findings) -> None:
    """A period ends with stock or with a backlog, never both."""
    for (iid, t), row in r.rows.items():
        if float(row["stock"]) > TOL and float(row["backorder"]) > TOL:
            f.add(
                "stock_or_backlog",
                f"item {iid}: period {t} ends with both stock {row['stock']} and a backlog "
                f"{row['backorder']}",
                item=iid,
                period=t,
            )


def check_max_stock(r: Reading, f: Findings) -> None:
    for iid, v in r.items.items():
        top = v.item.max_stock
        for t in range(r.T):
            if top is not None and v.stock(t) > top * (1 + TOL) + TOL:
                f.add(
                    "max_stock",
                    f"item {iid}: stock {v.stock(t):.6g} at the end of period {t} exceeds the "
                    f"maximum {top}",
                    item=iid,
                    period=t,
                )


def check_shelf_life(r: Reading, f: Findings) -> None:
    """Stock at a period end arrived recently enough to be usable in the next period
    (first in, first out; initial stock counts as arriving in period 0)."""
    for iid, v in r.items.items():
        sl = v.item.shelf_life
        if sl is None:
            continue
        for t in range(r.T):
            # units arrived at or before period t - shelf_life + 1 have expired by t + 1
            old = t - sl + 1
            fresh = v.arrived_by[t] - (v.arrived_by[old] if old >= 0 else 0.0)
            if v.stock(t) > fresh + TOL * max(1.0, fresh):
                f.add(
                    "shelf_life",
                    f"item {iid}: {v.stock(t):.6g} units in stock at the end of period {t}, but "
                    f"only {fresh:.6g} arrived recently enough to still be usable",
                    item=iid,
                    period=t,
                )


def check_warehouse_space(r: Reading, f: Findings) -> None:
    space = _series(r.inst.warehouse_space, r.T)
    for t in range(r.T if space is not None else 0):
        assert space is not None
        used = sum(v.item.space * v.stock(t) for v in r.items.values())
        if used > space[t] * (1 + TOL) + TOL:
            f.add(
                "warehouse_space",
                f"period {t}: stock needs {used:.6g} space, the warehouse has {space[t]:.6g}",
                period=t,
            )


def check_budget(r: Reading, f: Findings) -> None:
    budget = _series(r.inst.budget, r.T)
    for t in range(r.T if budget is not None else 0):
        assert budget is not None
        spent = sum(v.item.unit_cost * v.orders.get(t, 0.0) for v in r.items.values())
        if spent > budget[t] * (1 + TOL) + TOL:
            f.add(
                "budget",
                f"period {t}: orders cost {spent:.6g}, the budget is {budget[t]:.6g}",
                period=t,
            )


def check_capacity(r: Reading, f: Findings) -> None:
    """Run time plus setup time of the lots of a period fit the resource."""
    for res in r.inst.resources:
        cap = _series(res.capacity, r.T)
        assert cap is not None
        members = [v for v in r.items.values() if v.item.resource == res.id]
        for t in range(r.T):
            use = sum(
                v.item.time_per_unit * v.orders[t] + v.item.setup_time
                for v in members
                if t in v.orders
            )
            if use > cap[t] * (1 + TOL) + TOL:
                f.add(
                    "capacity",
                    f"resource {res.id}, period {t}: lots need {use:.6g} time, "
                    f"{cap[t]:.6g} is available",
                    resource=res.id,
                    period=t,
                )


def check_joint_order(r: Reading, f: Findings) -> None:
    """A cost, not a limit: every plan meets it, and pays one joint cost per supplier and
    arrival period with a delivery (cost term `joint_order`, in plan_costs)."""


def deliveries(r: Reading) -> dict[tuple[str, int], float]:
    """Volume arriving from each supplier in each period with a delivery."""
    out: dict[tuple[str, int], float] = {}
    for v in r.items.values():
        it = v.item
        if it.supplier is None:
            continue
        for t, q in v.orders.items():
            key = (it.supplier, t + it.lead_time)
            out[key] = out.get(key, 0.0) + it.space * q
    return out


def trucks_needed(volume: float, capacity: float) -> int:
    return math.ceil(volume / capacity - 1e-9)


def check_trucks(r: Reading, f: Findings) -> None:
    sup = {g.id: g for g in r.inst.suppliers}
    for (g, a), vol in sorted(deliveries(r).items()):
        cap, top = sup[g].truck_capacity, sup[g].max_trucks
        if cap is None or top is None or not 0 <= a < r.T:
            continue
        n = trucks_needed(vol, cap)
        if n > top:
            f.add(
                "trucks",
                f"supplier {g}, period {a}: deliveries need {n} trucks, {top} are available",
                supplier=g,
                period=a,
            )


# every rule's check, in the order of the model page (a rule without one fails at import)
CHECKS: dict[str, Callable[[Reading, Findings], None]] = {
    rule: globals()[f"check_{rule}"] for rule in RULES
}


# ------------------------------------------------------------------ the plan's derived tables


def check_orders_table(r: Reading, f: Findings) -> None:
    """Each order's arrival period and packs follow from its order period and quantity."""
    for o in r.plan.get("orders") or []:
        v = r.items.get(str(o["item"]))
        if v is None:
            continue
        it, t, q = v.item, int(o["order_period"]), float(o["quantity"])
        ent = {"item": it.id, "period": t}
        if int(o.get("arrival_period", t + it.lead_time)) != t + it.lead_time:
            f.add(
                "solution",
                f"item {it.id}: an order placed in period {t} arrives in period "
                f"{t + it.lead_time} (lead time {it.lead_time}), not {o['arrival_period']}",
                **ent,
            )
        packs = o.get("packs")
        want = round(q / it.pack_size) if it.pack_size else None
        if packs != want:
            f.add(
                "solution",
                f"item {it.id}: the order of {q} in period {t} reports {packs} packs, not {want}",
                **ent,
            )


def check_stock_table(r: Reading, f: Findings) -> None:
    """One stock row per item and period, each the balance of the plan's orders."""
    for iid, v in r.items.items():
        for t in range(r.T):
            row = r.rows.get((iid, t))
            if row is None:
                f.add(
                    "solution", f"item {iid}: no stock reported for period {t}", item=iid, period=t
                )
                continue
            want = {
                "demand": v.demand[t],
                "arrivals": v.arrivals[t],
                "stock": v.stock(t),
                "backorder": v.owed(t),
                "safety_stock": v.safety,
            }
            wrong = [k for k, x in want.items() if not _near(float(row[k]), x, v.demand[t])]
            if wrong:
                f.add(
                    "solution",
                    f"item {iid}, period {t}: the plan reports "
                    + ", ".join(f"{k} {row[k]}" for k in wrong)
                    + "; its orders give "
                    + ", ".join(f"{k} {want[k]:.6g}" for k in wrong),
                    item=iid,
                    period=t,
                )


def _table_rows(r: Reading, f: Findings, name: str) -> list[tuple[ItemView, dict[str, Any]]]:
    """A per-item table: one row per item, in the instance's order."""
    rows = list(r.plan.get(name) or [])
    ids = [str(x.get("item")) for x in rows]
    if ids != list(r.items):
        f.add("solution", f"table {name} lists items {ids[:5]}..., not the instance's items")
        return []
    return [(r.items[i], x) for i, x in zip(ids, rows, strict=True)]


def _compare(f: Findings, name: str, iid: str, row: dict[str, Any], want: dict[str, Any]) -> None:
    for k, x in want.items():
        got = row.get(k)
        if isinstance(x, str):
            ok = got == x
        else:
            ok = isinstance(got, (int, float)) and _near(float(got), x)
        if not ok:
            f.add(
                "solution",
                f"table {name}, item {iid}: {k} is {row.get(k)}, the instance gives {x}",
                item=iid,
            )


def check_forecasts_table(r: Reading, f: Findings) -> None:
    for v, row in _table_rows(r, f, "forecasts"):
        want = {"method": v.method, "forecast_error": v.error, "safety_stock": v.safety}
        _compare(f, "forecasts", v.item.id, row, want)


def check_policies_table(r: Reading, f: Findings) -> None:
    """EOQ (raised to the MOQ, whole packs), reorder point and order-up-to level per item."""
    for v, row in _table_rows(r, f, "policies"):
        it = v.item
        mu = sum(v.demand) / len(v.demand) if v.demand else 0.0
        q = 0.0
        if mu > 0:
            q = mu
            if it.order_cost > 0 and it.holding_cost > 0:
                q = math.sqrt(2.0 * mu * it.order_cost / it.holding_cost)
            q = max(q, it.moq)
            if it.pack_size:
                q = math.ceil(q / it.pack_size - 1e-9) * it.pack_size
        reorder = mu * (it.lead_time + 1) + v.safety
        want = {
            "mean_demand": mu,
            "forecast_error": v.error,
            "forecast_method": v.method,
            "safety_stock": v.safety,
            "eoq": q,
            "reorder_point": reorder,
            "order_up_to": reorder + q,
        }
        _compare(f, "policies", it.id, row, want)


TABLE_CHECKS = (check_orders_table, check_stock_table, check_forecasts_table, check_policies_table)


# ------------------------------------------------------------------ the objective


def plan_costs(r: Reading) -> dict[str, float]:
    """The plan's cost by objective term, from the rebuilt balance."""
    costs = dict.fromkeys(COST_TERMS, 0.0)
    for v in r.items.values():
        it = v.item
        pen_ss = 0.0
        if it.safety_stock is not None:
            given = it.safety_stock.penalty
            pen_ss = given if given is not None else (it.unit_cost if it.unit_cost > 0 else 1.0)
        costs["purchase"] += it.unit_cost * sum(v.orders.values())
        costs["ordering"] += it.order_cost * len(v.orders)
        for t in range(r.T):
            costs["holding"] += it.holding_cost * v.stock(t)
            if it.shortage.mode == "backorder":
                costs["backorder"] += it.shortage.penalty * v.owed(t)
            if it.shortage.mode == "lost_sales":
                costs["lost_sales"] += it.shortage.penalty * v.lost[t]
            if v.safety > 0:
                costs["below_safety"] += pen_ss * max(0.0, v.safety - v.stock(t))
    sup = {g.id: g for g in r.inst.suppliers}
    for (g, a), vol in deliveries(r).items():
        if not 0 <= a < r.T:
            continue
        costs["joint_order"] += sup[g].joint_order_cost
        cap = sup[g].truck_capacity
        if cap is not None:
            costs["trucks"] += sup[g].truck_cost * trucks_needed(vol, cap)
    return costs


def check(inst: ReplenishmentInstance, solution: dict[str, Any]) -> CheckReport:
    f = Findings(RULES)
    r = read(inst, solution, f)
    for rule_check in CHECKS.values():
        rule_check(r, f)
    for table_check in TABLE_CHECKS:
        table_check(r, f)
    costs = plan_costs(r)
    return CheckReport(
        violations=f.items,
        objective=sum(costs.values()),
        penalties={k: round(c, 6) for k, c in costs.items() if c},
    )
