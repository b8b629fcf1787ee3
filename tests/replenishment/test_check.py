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


def test_checker_finds_moq_pack_and_two_orders_in_one_period():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    t = bad["orders"][0]["order_period"]
    bad["orders"].append({"item": "A", "order_period": t, "arrival_period": t, "quantity": 3})
    found = rules(inst, bad)
    assert {"moq", "pack_size", "order_link"} <= found


def test_checker_finds_an_order_arriving_after_the_horizon():
    inst, plan, _ = _plan(BASE)
    bad = copy.deepcopy(plan)
    bad["orders"].append(
        {"item": "A", "order_period": 3, "arrival_period": 3, "quantity": 5, "packs": 1}
    )
    assert rules(inst, bad) >= {"lead_time"}
    assert "lead_time" not in rules(inst, plan)


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
    assert rules(inst, bad) == {"solution"}


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


def test_checker_finds_stock_and_backlog_in_one_period():
    r = req([item("A", [10, 10], unit_cost=1, shortage={"mode": "backorder", "penalty": 9})])
    inst, plan, _ = _plan(r)
    bad = copy.deepcopy(plan)
    bad["stock"][0]["stock"], bad["stock"][0]["backorder"] = 5, 2
    assert rules(inst, bad) == {"stock_or_backlog", "solution"}


# ------------------------------------------------------------------ the plan's derived tables


@pytest.mark.parametrize(
    ("table", "row", "key", "value"),
    [
        ("stock", 0, "arrivals", 99.0),
        ("stock", 2, "demand", 11.0),
        ("stock", 1, "safety_stock", 1.0),
        ("orders", 0, "arrival_period", 2),
        ("orders", 0, "packs", 7),
        ("forecasts", 0, "method", "croston"),
        ("forecasts", 0, "forecast_error", 0.5),
        ("policies", 0, "eoq", 3.0),
        ("policies", 0, "reorder_point", 1.0),
        ("policies", 0, "order_up_to", 1.0),
        ("policies", 0, "mean_demand", 9.0),
    ],
)
def test_checker_rejects_a_derived_table_that_disagrees_with_the_plan(table, row, key, value):
    inst, plan, _ = _plan(BASE)
    assert rules(inst, plan) == set()
    bad = copy.deepcopy(plan)
    bad[table][row][key] = value
    assert rules(inst, bad) == {"solution"}


def test_checker_rejects_missing_and_extra_rows():
    inst, plan, _ = _plan(BASE)
    no_row = copy.deepcopy(plan)
    del no_row["stock"][1]
    assert "solution" in rules(inst, no_row)
    no_item = copy.deepcopy(plan)
    no_item["forecasts"] = []
    assert rules(inst, no_item) == {"solution"}
    stranger = copy.deepcopy(plan)
    stranger["orders"].append(
        {"item": "B", "order_period": 0, "arrival_period": 0, "quantity": 5, "packs": None}
    )
    assert rules(inst, stranger) == {"solution"}


def test_checker_recomputes_the_forecast_of_an_item_given_as_history():
    r = req([{"id": "A", "history": [20.0] * 12, "unit_cost": 1, "holding_cost": 1}], periods=3)
    inst, plan, _ = _plan(r)
    assert rules(inst, plan) == set()
    bad = copy.deepcopy(plan)
    for row in bad["stock"]:
        row["demand"] = 0.0
    assert rules(inst, bad) == {"solution"}
