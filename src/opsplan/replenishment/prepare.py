"""The instance turned into plain per-item, per-period numbers: demand (given or forecast),
safety-stock targets, arrivals already on the way, capacities per period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

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
    inst: ReplenishmentInstance
    T: int = 0
    demand: list[list[float]] = field(default_factory=list)
    error: list[float] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    safety: list[float] = field(default_factory=list)
    arriving: list[list[float]] = field(default_factory=list)  # open orders per period
    space_cap: list[float] | None = None
    budget: list[float] | None = None
    capacity: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inst = self.inst
        T = self.T = inst.periods
        for it in inst.items:
            if it.demand is not None:
                d = [float(v) for v in it.demand]
                err = it.forecast_error
                if err is None and it.history:
                    err = forecast(it.history, T, it.season_length).error
                method = "given"
            else:
                f = forecast(it.history or [], T, it.season_length)
                d, err, method = list(f.values), f.error, f.method
                if it.forecast_error is not None:
                    err = it.forecast_error
            self.demand.append(d)
            self.error.append(float(err or 0.0))
            self.method.append(method)
            self.safety.append(safety_target(it, d, float(err or 0.0), inst.period_days))
            arr = [0.0] * T
            for o in it.on_order:
                arr[o.period] += o.quantity
            self.arriving.append(arr)
        self.space_cap = per_period(inst.warehouse_space, T)
        self.budget = per_period(inst.budget, T)
        for r in inst.resources:
            cap = per_period(r.capacity, T)
            assert cap is not None
            self.capacity[r.id] = cap
