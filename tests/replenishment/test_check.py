"""The independent checker on hand-made bad plans: each broken rule is named."""

from __future__ import annotations

import copy

import pytest

from opsplan.replenishment.check import check
from opsplan.replenishment.schema import ReplenishmentInstance

from .helpers import item, req, solved


def _plan(r):
    res = solved(r)
    inst = ReplenishmentInstance.model_validate(r["instance"])
    return inst, res.solution, res.objective


def rules(inst, plan):
    return {f.rule for f in check(inst, plan).violations}


BASE = req(
    [
        item(
            "A",
            [10, 10, 10],
            unit_cost=1,
            holding_cost=1,
            order_cost=5,
            moq=5,
            pack_size=5,
            space=1,
            max_stock=20,
            shelf_life=3,
        ),
    ],
    warehouse_space=20,
    budget=30,
)


def test_checker_accepts_the_solver_plan_and_recomputes_its_cost():
    inst, plan, obj = _plan(BASE)
    rep = check(inst, plan)
    assert rep.violations == [] and rep.objective == pytest.approx(obj)


def test_checker_finds_unmet_demand():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["orders"][0]["quantity"] -= 5
    assert "balance" in rules(inst, bad)


def test_checker_finds_moq_pack_and_lead_time_breaks():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["orders"].append({"item": "A", "order_period": 2, "arrival_period": 3, "quantity": 3})
    found = rules(inst, bad)
    assert {"moq", "pack_size", "lead_time"} <= found


def test_checker_finds_space_budget_max_stock_and_shelf_life_breaks():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["orders"] = [{"item": "A", "order_period": 0, "arrival_period": 0, "quantity": 40}]
    for r, s in zip(bad["stock"], [30, 20, 10], strict=True):
        r["stock"], r["arrivals"] = s, 40 if r["period"] == 0 else 0
    found = rules(inst, bad)
    assert {"warehouse_space", "budget", "max_stock"} <= found
    inst2 = ReplenishmentInstance.model_validate(
        {**BASE["instance"], "items": [{**BASE["instance"]["items"][0], "shelf_life": 1}]}
    )
    assert "shelf_life" in rules(inst2, bad)


def test_checker_finds_wrong_reported_stock():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["stock"][1]["stock"] += 1
    assert "balance" in rules(inst, bad)


def test_checker_finds_capacity_and_truck_breaks():
    r = req(
        [item("A", [0, 20], resource="L", time_per_unit=1, setup_time=2, space=1, supplier="S")],
        resources=[{"id": "L", "capacity": 30}],
        suppliers=[{"id": "S", "truck_capacity": 25, "max_trucks": 1}],
    )
    inst, plan, _ = _plan(r)
    bad = copy.deepcopy(plan)
    bad["orders"] = [{"item": "A", "order_period": 1, "arrival_period": 1, "quantity": 40}]
    found = rules(inst, bad)
    assert {"capacity", "trucks"} <= found


def test_checker_finds_lost_sales_where_none_are_allowed():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["stock"][0]["lost"] = 5
    assert "shortage" in rules(inst, bad)
