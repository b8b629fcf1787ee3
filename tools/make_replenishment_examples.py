"""Writes the replenishment examples (seeded: the same files every time).

- instances/replenishment/distributor_200x12.json: a distributor with 200 items from 8
  suppliers over 12 weeks: forecasts for most items, demand history for 40 (some intermittent),
  lead times 0-3 weeks, open orders, MOQs and pack sizes, safety stock as fixed units, days of
  cover or a service level, backorders or lost sales for some items, shared warehouse space and a
  weekly purchasing budget, joint delivery costs and trucks per supplier.
- instances/replenishment/plant_8_items.json: a small plant making 8 items on one line over 10
  weeks: run time per unit, setup times and costs, holding costs, a few items with safety stock.

`distributor(n_items, n_periods, seed, trucks=...)` also builds the 2,000 x 52 benchmark instance
(benchmarks/bench_replenishment.py), which is generated on the fly, never stored.

Run: python tools/make_replenishment_examples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "instances" / "replenishment"


def distributor(
    n_items: int = 200,
    n_periods: int = 12,
    seed: int = 7,
    *,
    trucks: bool = True,
    histories: bool = True,
) -> dict[str, Any]:
    rng = random.Random(seed)
    n_sup = 8
    suppliers = []
    for g in range(n_sup):
        s: dict[str, Any] = {"id": f"SUP-{g + 1}", "joint_order_cost": rng.choice([40, 60, 80])}
        if trucks:
            s |= {"truck_capacity": 30.0, "truck_cost": rng.choice([50, 80, 120])}
        suppliers.append(s)
    items = []
    total_space = 0.0
    total_spend = 0.0
    for i in range(n_items):
        mean = rng.choice([5, 10, 20, 40, 80, 150])
        unit = round(rng.uniform(2, 60), 2)
        space = round(rng.uniform(0.01, 0.08), 3)
        lead = rng.choice([0, 1, 1, 2, 2, 3])
        it: dict[str, Any] = {
            "id": f"SKU-{i + 1:04d}",
            "supplier": suppliers[i % n_sup]["id"],
            "lead_time": lead,
            "unit_cost": unit,
            "holding_cost": round(unit * 0.004, 4),  # about 20% a year, weekly
            "order_cost": rng.choice([10, 20, 30, 50]),
            "space": space,
        }
        season = [1 + 0.25 * ((t % 4) - 1.5) / 1.5 for t in range(n_periods)]
        demand = [
            max(0.0, round(mean * season[t] + rng.gauss(0, mean * 0.15))) for t in range(n_periods)
        ]
        if histories and i % 5 == 0:
            if i % 10 == 0:  # intermittent
                hist = [float(rng.choice([0, 0, 0, mean * 3])) for _ in range(40)]
            else:
                hist = [max(0.0, round(mean + rng.gauss(0, mean * 0.2))) for _ in range(40)]
            it["history"] = hist
            demand_for_stock = [sum(hist) / len(hist)] * n_periods
        else:
            it["demand"] = demand
            demand_for_stock = demand
        avg = sum(demand_for_stock) / n_periods
        it["initial_stock"] = round(avg * (lead + 1) * rng.uniform(1.0, 1.3))
        if lead > 0 and rng.random() < 0.3:
            it["on_order"] = [{"period": rng.randint(0, lead - 1), "quantity": round(avg * 2)}]
        if rng.random() < 0.4:
            it["moq"] = round(avg * 2)
        if rng.random() < 0.4:
            it["pack_size"] = rng.choice([6, 12, 24])
        kind = rng.random()
        if kind < 0.3:
            it["safety_stock"] = {"kind": "fixed", "quantity": round(avg * 0.5)}
        elif kind < 0.5:
            it["safety_stock"] = {"kind": "days_of_cover", "days": 5}
        elif kind < 0.6 and histories and "history" in it:
            it["safety_stock"] = {"kind": "service_level", "level": 0.95}
        mode = rng.random()
        if mode < 0.15:
            it["shortage"] = {"mode": "backorder", "penalty": round(unit * 0.2, 2)}
        elif mode < 0.25:
            it["shortage"] = {"mode": "lost_sales", "penalty": round(unit * 1.5, 2)}
        total_space += space * max(avg * 2.5, it["initial_stock"] * 1.3)
        total_spend += unit * avg
        items.append(it)
    return {
        "periods": n_periods,
        "period_days": 7,
        "items": items,
        "suppliers": suppliers,
        "warehouse_space": round(total_space * 1.0, 1),
        "budget": round(total_spend * 2.5, 0),
    }


def plant(seed: int = 3) -> dict[str, Any]:
    rng = random.Random(seed)
    T = 10
    items = []
    load = 0.0
    for i in range(8):
        mean = rng.choice([40, 60, 80, 100])
        tpu = rng.choice([0.5, 1.0, 1.5])
        demand = [max(0.0, round(mean + rng.gauss(0, mean * 0.3))) for _ in range(T)]
        load += tpu * mean
        it: dict[str, Any] = {
            "id": f"P{i + 1}",
            "resource": "LINE-1",
            "time_per_unit": tpu,
            "setup_time": rng.choice([10, 20, 30]),
            "order_cost": rng.choice([200, 400, 600]),
            "holding_cost": rng.choice([1, 2, 3]),
            "demand": demand,
        }
        if i < 3:
            it["safety_stock"] = {"kind": "fixed", "quantity": round(mean * 0.2), "penalty": 5}
        items.append(it)
    return {
        "periods": T,
        "items": items,
        "resources": [{"id": "LINE-1", "capacity": round(load * 1.35)}],
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, inst, limit in (
        ("distributor_200x12", distributor(), 60),
        ("plant_8_items", plant(), 20),
    ):
        doc = {
            "model": "replenishment",
            "instance": inst,
            "options": {"time_limit_s": limit, "workers": 2, "relative_gap": 0.005},
        }
        (OUT / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
