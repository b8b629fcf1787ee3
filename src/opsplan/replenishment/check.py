"""Solver-independent checker for replenishment plans.

Written apart from prepare.py and milp.py: it re-reads the instance, rebuilds every stock
balance from the orders, open orders and lost sales, checks every rule and recomputes each
cost. The only shared piece is the forecast of items given as history (that is the input
itself, not the formulation).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from ..core.registry import CheckReport
from ..core.result import Finding
from .forecast import forecast
from .schema import Item, ReplenishmentInstance

TOL = 1e-5


def _demand(inst: ReplenishmentInstance, it: Item) -> tuple[list[float], float]:
    if it.demand is not None:
        err = it.forecast_error
        if err is None and it.history:
            err = forecast(it.history, inst.periods, it.season_length).error
        return [float(v) for v in it.demand], float(err or 0.0)
    f = forecast(it.history or [], inst.periods, it.season_length)
    err = it.forecast_error if it.forecast_error is not None else f.error
    return list(f.values), float(err)


def _safety(inst: ReplenishmentInstance, it: Item, d: list[float], err: float) -> float:
    ss = it.safety_stock
    if ss is None:
        return 0.0
    if ss.kind == "fixed":
        return float(ss.quantity or 0)
    if ss.kind == "days_of_cover":
        return (ss.days or 0) / inst.period_days * (sum(d) / len(d))
    return max(0.0, NormalDist().inv_cdf(ss.level or 0.5) * err * math.sqrt(it.lead_time + 1))


def _series(v: float | list[float] | None, T: int) -> list[float] | None:
    if v is None:
        return None
    return [float(x) for x in v] if isinstance(v, list) else [float(v)] * T


def _near(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(scale), abs(a), abs(b))


def check(inst: ReplenishmentInstance, solution: dict[str, Any]) -> CheckReport:
    v: list[Finding] = []
    T = inst.periods

    def bad(rule: str, msg: str, **ent: Any) -> None:
        v.append(Finding(rule=rule, message=msg, entities=ent))

    items = {it.id: it for it in inst.items}
    qty: dict[str, dict[int, float]] = {it.id: {} for it in inst.items}
    for r in solution.get("orders") or []:
        iid, t, q = str(r["item"]), int(r["order_period"]), float(r["quantity"])
        it = items.get(iid)
        if it is None:
            bad("orders", f"an order for unknown item {iid}", item=iid)
            continue
        ent = {"item": iid, "period": t}
        if t < 0 or t + it.lead_time >= T:
            bad(
                "lead_time",
                f"item {iid}: an order in period {t} arrives in period {t + it.lead_time}, "
                f"outside the plan's {T} periods",
                **ent,
            )
        if int(r.get("arrival_period", t + it.lead_time)) != t + it.lead_time:
            bad(
                "lead_time",
                f"item {iid}: an order placed in period {t} must arrive in period "
                f"{t + it.lead_time} (lead time {it.lead_time}), not {r['arrival_period']}",
                **ent,
            )
        if q <= 0:
            bad("orders", f"item {iid}: order quantity {q} in period {t} is not positive", **ent)
        if t in qty[iid]:
            bad("orders", f"item {iid}: two orders in period {t}", **ent)
        qty[iid][t] = qty[iid].get(t, 0.0) + q
        if q < it.moq - TOL * max(1.0, it.moq):
            bad("moq", f"item {iid}: order of {q} in period {t} is below the MOQ {it.moq}", **ent)
        if it.pack_size:
            packs = q / it.pack_size
            if abs(packs - round(packs)) > 1e-6:
                bad(
                    "pack_size",
                    f"item {iid}: order of {q} in period {t} is not a whole number of packs "
                    f"of {it.pack_size}",
                    **ent,
                )
        if it.max_order is not None and q > it.max_order * (1 + TOL):
            bad(
                "max_order",
                f"item {iid}: order of {q} in period {t} exceeds the maximum order {it.max_order}",
                **ent,
            )
    lost_in: dict[tuple[str, int], float] = {}
    reported: dict[tuple[str, int], dict[str, Any]] = {}
    for r in solution.get("stock") or []:
        key = (str(r["item"]), int(r["period"]))
        reported[key] = r
        lost_in[key] = float(r.get("lost", 0.0))

    costs = dict.fromkeys(
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
    stock_end: dict[tuple[str, int], float] = {}
    for it in inst.items:
        d, err = _demand(inst, it)
        ss = _safety(inst, it, d, err)
        pen_ss = 0.0
        if it.safety_stock is not None:
            given = it.safety_stock.penalty
            pen_ss = given if given is not None else (it.unit_cost if it.unit_cost > 0 else 1.0)
        arriving = [0.0] * T
        for o in it.on_order:
            arriving[o.period] += o.quantity
        for t, q in qty[it.id].items():
            if 0 <= t + it.lead_time < T:
                arriving[t + it.lead_time] += q
            costs["purchase"] += it.unit_cost * q
            costs["ordering"] += it.order_cost
        mode = it.shortage.mode
        level = it.initial_stock - (it.initial_backorder if mode == "backorder" else 0.0)
        arrived_by: list[float] = []  # cumulative arrivals including initial stock
        cum = it.initial_stock
        for t in range(T):
            ent = {"item": it.id, "period": t}
            lost = lost_in.get((it.id, t), 0.0)
            if lost > TOL and mode != "lost_sales":
                bad("shortage", f"item {it.id}: sales lost in period {t} are not allowed", **ent)
            if lost > d[t] + TOL * max(1.0, d[t]):
                bad("shortage", f"item {it.id}: lost {lost} in period {t} exceeds demand", **ent)
            level = level + arriving[t] - d[t] + lost
            cum += arriving[t]
            arrived_by.append(cum)
            on_hand, owed = max(0.0, level), max(0.0, -level)
            if owed > TOL * max(1.0, d[t]) and mode != "backorder":
                bad(
                    "balance",
                    f"item {it.id}: demand of period {t} is not met ({owed:.6g} short) and "
                    "the item allows no backorders",
                    **ent,
                )
            rep = reported.get((it.id, t))
            if rep is None:
                bad("balance", f"item {it.id}: no stock reported for period {t}", **ent)
            elif not (
                _near(float(rep["stock"]), on_hand, d[t]) and _near(float(rep["backorder"]), owed)
            ):
                bad(
                    "balance",
                    f"item {it.id}: reported stock {rep['stock']} / backorder "
                    f"{rep['backorder']} in period {t}, the balance gives {on_hand:.6g} / "
                    f"{owed:.6g}",
                    **ent,
                )
            stock_end[(it.id, t)] = on_hand
            if it.max_stock is not None and on_hand > it.max_stock * (1 + TOL) + TOL:
                bad(
                    "max_stock",
                    f"item {it.id}: stock {on_hand:.6g} at the end of period {t} exceeds the "
                    f"maximum {it.max_stock}",
                    **ent,
                )
            if it.shelf_life is not None:
                # units arrived at or before period t - shelf_life + 1 have expired by t + 1
                old = t - it.shelf_life + 1
                fresh = cum - (arrived_by[old] if old >= 0 else 0.0)
                if on_hand > fresh + TOL * max(1.0, fresh):
                    bad(
                        "shelf_life",
                        f"item {it.id}: {on_hand:.6g} units in stock at the end of period {t}, "
                        f"but only {fresh:.6g} arrived recently enough to still be usable",
                        **ent,
                    )
            costs["holding"] += it.holding_cost * on_hand
            if mode == "backorder":
                costs["backorder"] += it.shortage.penalty * owed
            if mode == "lost_sales":
                costs["lost_sales"] += it.shortage.penalty * lost
            if ss > 0:
                costs["below_safety"] += pen_ss * max(0.0, ss - on_hand)

    space = _series(inst.warehouse_space, T)
    if space is not None:
        for t in range(T):
            used = sum(it.space * stock_end[(it.id, t)] for it in inst.items)
            if used > space[t] * (1 + TOL) + TOL:
                bad(
                    "warehouse_space",
                    f"period {t}: stock needs {used:.6g} space, the warehouse has {space[t]:.6g}",
                    period=t,
                )
    budget = _series(inst.budget, T)
    if budget is not None:
        for t in range(T):
            spent = sum(it.unit_cost * qty[it.id].get(t, 0.0) for it in inst.items)
            if spent > budget[t] * (1 + TOL) + TOL:
                bad(
                    "budget",
                    f"period {t}: orders cost {spent:.6g}, the budget is {budget[t]:.6g}",
                    period=t,
                )
    for res in inst.resources:
        cap = _series(res.capacity, T)
        assert cap is not None
        for t in range(T):
            use = sum(
                it.time_per_unit * qty[it.id][t] + it.setup_time
                for it in inst.items
                if it.resource == res.id and t in qty[it.id]
            )
            if use > cap[t] * (1 + TOL) + TOL:
                bad(
                    "capacity",
                    f"resource {res.id}, period {t}: lots need {use:.6g} time, "
                    f"{cap[t]:.6g} is available",
                    resource=res.id,
                    period=t,
                )
    for g in inst.suppliers:
        for a in range(T):
            lots = [
                (it, qty[it.id][a - it.lead_time])
                for it in inst.items
                if it.supplier == g.id and (a - it.lead_time) in qty[it.id]
            ]
            if not lots:
                continue
            costs["joint_order"] += g.joint_order_cost
            if g.truck_capacity is not None:
                vol = sum(it.space * q for it, q in lots)
                n = math.ceil(vol / g.truck_capacity - 1e-9)
                costs["trucks"] += g.truck_cost * n
                if g.max_trucks is not None and n > g.max_trucks:
                    bad(
                        "trucks",
                        f"supplier {g.id}, period {a}: deliveries need {n} trucks, "
                        f"{g.max_trucks} are available",
                        supplier=g.id,
                        period=a,
                    )
    return CheckReport(
        violations=v,
        objective=sum(costs.values()),
        penalties={k: round(c, 6) for k, c in costs.items() if c},
    )
