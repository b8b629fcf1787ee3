"""The instance turned into plain per-item, per-period numbers: demand (given or forecast),
safety-stock targets, arrivals already on the way, capacities per period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from ..core.run import RunContext
from .forecast import forecast
from .schema import Item, ReplenishmentInstance


def per_period(value: float | list[float] | None, T: int) -> list[float] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [float(v) for v in value]
    return [float(value)] * T


def safety_target(item: Item, demand: list[float], error: float, period_days: float) -> float:
    """Safety stock in units for one item (the same in every period)."""
    ss = item.safety_stock
    if ss is None:
        return 0.0
    if ss.kind == "fixed":
        return float(ss.quantity or 0.0)
    if ss.kind == "days_of_cover":
        avg = sum(demand) / len(demand) if demand else 0.0
        return float(ss.days or 0.0) / period_days * avg
    z = NormalDist().inv_cdf(float(ss.level or 0.5))
    return max(0.0, z * error * math.sqrt(item.lead_time + 1))


def safety_penalty(item: Item) -> float:
    ss = item.safety_stock
    if ss is None:
        return 0.0
    if ss.penalty is not None:
        return ss.penalty
    return item.unit_cost if item.unit_cost > 0 else 1.0


@dataclass
class Prepared:
    """Per item (index i, the instance's order) and period t: what the pre-check, the
    formulations, the constructions and the plan builder read. Built once per solve."""

    inst: ReplenishmentInstance
    T: int
    demand: list[list[float]]  # given, else forecast from the history
    error: list[float]  # standard deviation of one period's forecast error
    method: list[str]  # how the demand was obtained: given, or the forecast method
    safety: list[float]  # safety stock in units (the same every period)
    arriving: list[list[float]]  # open orders arriving per period
    space_cap: list[float] | None  # warehouse space per period
    budget: list[float] | None  # purchasing budget per period
    capacity: dict[str, list[float]] = field(default_factory=dict)  # resource -> per period


def item_demand(item: Item, T: int) -> tuple[list[float], float, str]:
    """An item's demand per period, its forecast error and how the demand was obtained
    (statsmodels runs here, once per item with a history)."""
    if item.demand is not None:
        err = item.forecast_error
        if err is None and item.history:
            err = forecast(item.history, T, item.season_length).error
        return [float(v) for v in item.demand], float(err or 0.0), "given"
    f = forecast(item.history or [], T, item.season_length)
    err = f.error if item.forecast_error is None else item.forecast_error
    return list(f.values), float(err), f.method


def prepare(inst: ReplenishmentInstance, ctx: RunContext | None = None) -> Prepared:
    """The instance as plain numbers (`ModelSpec.prepare`): forecasts run once per solve."""
    T = inst.periods
    P = Prepared(
        inst=inst,
        T=T,
        demand=[],
        error=[],
        method=[],
        safety=[],
        arriving=[],
        space_cap=per_period(inst.warehouse_space, T),
        budget=per_period(inst.budget, T),
    )
    for it in inst.items:
        if ctx is not None:  # a forecast takes milliseconds; thousands of them take seconds
            ctx.checkpoint("forecasting demand")
        d, err, method = item_demand(it, T)
        P.demand.append(d)
        P.error.append(err)
        P.method.append(method)
        P.safety.append(safety_target(it, d, err, inst.period_days))
        arr = [0.0] * T
        for o in it.on_order:
            arr[o.period] += o.quantity
        P.arriving.append(arr)
    for r in inst.resources:
        cap = per_period(r.capacity, T)
        assert cap is not None
        P.capacity[r.id] = cap
    return P
