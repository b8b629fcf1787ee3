"""Optimality checked independently: every award table on tiny random instances is enumerated,
judged and priced by the checker (which shares no code with the MILP), and the cheapest valid
one must cost what the MILP reports, for both price-break types and both backends."""

from __future__ import annotations

import itertools
import random

import pytest

import opsplan
from opsplan.supplier_selection.check import check
from opsplan.supplier_selection.schema import SupplierInstance

from .helpers import request

RANGE = 10  # quantities 0..RANGE per line; every instance below keeps optima far inside it


def tiny(seed: int, break_type: str) -> dict:
    rnd = random.Random(seed)
    T = rnd.choice([1, 2])
    n_items = 1 if T == 2 else rnd.choice([1, 2])
    n_sup = rnd.choice([2, 3])
    sups = [
        {
            "id": f"S{k}",
            "region": rnd.choice(["EU", "AS"]),
            "fixed_cost": rnd.choice([0, 3, 8]),
            "lead_time_days": rnd.choice([0, 0, 0, 0, 10]),
            "defect_rate": rnd.choice([0.0, 0.02, 0.1]),
            "capacity": [rnd.choice([5, 8, 12]) for _ in range(T)] if rnd.random() < 0.4 else None,
        }
        for k in range(n_sup)
    ]
    items = [
        {"id": f"I{i}", "demand": [rnd.randint(1, 6 // T) for _ in range(T)], "spot_price": 9.0}
        for i in range(n_items)
    ]
    offers = []
    for it in items:
        for s in sups:
            if rnd.random() < 0.85:
                p0 = rnd.choice([3.0, 4.0, 5.0])
                tiers = [(0, p0)]
                if rnd.random() < 0.7:
                    tiers.append((rnd.choice([2, 3, 4]), p0 - 1))
                    if rnd.random() < 0.5:
                        tiers.append((tiers[-1][0] + rnd.choice([1, 2]), p0 - 1.5))
                offers.append(
                    {
                        "item": it["id"],
                        "supplier": s["id"],
                        "tiers": [{"min_quantity": q, "price": p} for q, p in tiers],
                        "break_type": break_type,
                        "moq": rnd.choice([0, 0, 2, 3]),
                        "multiple": rnd.choice([1, 1, 2]),
                        "max_quantity": rnd.choice([None, None, 5]),
                    }
                )
    if not offers:
        offers.append({"item": "I0", "supplier": "S0", "tiers": [{"min_quantity": 0, "price": 4}]})
    policies: dict = {"order_basis": rnd.choice(["horizon", "period"])}
    if rnd.random() < 0.3:
        policies["max_share_supplier"] = 0.7
    if rnd.random() < 0.3:
        policies["max_defect_rate"] = 0.05
    if rnd.random() < 0.3:
        policies["max_suppliers"] = 1
    elif rnd.random() < 0.3:
        policies["min_suppliers"] = 2
    extra: dict = {"policies": policies, "need_days": [5 + 10 * t for t in range(T)]}
    if rnd.random() < 0.4:
        extra["scenarios"] = [
            {"id": "down", "probability": 0.2, "failing": [sups[0]["id"]]},
            {"id": "slow", "probability": 0.1, "capacity_loss": {sups[-1]["id"]: 0.3}},
        ]
    return request(items, sups, offers, **extra)


def brute_force(req: dict) -> float | None:
    inst = SupplierInstance.model_validate(req["instance"])
    offers = inst.offers
    lines = [(o.item, o.supplier, t) for o in offers for t in range(inst.periods)]
    # each line's own domain: multiples of the pack size up to the offer's maximum
    domains = [
        range(
            0, min(RANGE, o.max_quantity if o.max_quantity is not None else RANGE) + 1, o.multiple
        )
        for o in offers
        for _ in range(inst.periods)
    ]
    demand = {(it.id, t): d for it in inst.items for t, d in enumerate(it.demand)}
    best = None
    for qs in itertools.product(*domains):
        got: dict = {}
        for (i, _s, t), q in zip(lines, qs, strict=True):
            got[(i, t)] = got.get((i, t), 0) + q
        if any(got.get(k, 0) < d for k, d in demand.items()):
            continue  # cheap filter; the checker judges everything else
        awards = [
            {"item": i, "supplier": s, "period": t, "quantity": q}
            for (i, s, t), q in zip(lines, qs, strict=True)
            if q
        ]
        report = check(inst, {"awards": awards})
        if report.violations:
            continue
        cost = report.objective
        assert cost is not None
        if best is None or cost < best - 1e-9:
            best = cost
    return best


def small_enough(req: dict) -> bool:
    inst = req["instance"]
    return len(inst["offers"]) * inst["periods"] <= 4


CASES = [s for s in range(60) if small_enough(tiny(s, "all_units"))][:11]


@pytest.mark.parametrize("break_type", ["all_units", "incremental"])
@pytest.mark.parametrize("seed", CASES)
def test_milp_optimum_equals_brute_force(seed: int, break_type: str):
    req = tiny(seed, break_type)
    best = brute_force(req)
    for backend in ("highs", "cbc"):
        req["options"]["backend"] = backend
        res = opsplan.solve(req)
        assert res.violations == [], res.violations
        if best is None:
            assert res.status == opsplan.SolveStatus.INFEASIBLE, (backend, res.messages)
            assert res.diagnosis
        else:
            assert res.status == opsplan.SolveStatus.OPTIMAL, (backend, res.status, res.messages)
            assert res.objective == pytest.approx(best, abs=1e-6), backend
