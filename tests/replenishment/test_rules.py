"""One test per rule of models/replenishment.md: at the rule's boundary the plan respects it,
past it the plan pays for it or the instance is infeasible. solved() asserts that the
independent checker found nothing wrong.
"""

from __future__ import annotations

import pytest

import opsplan
from opsplan import SolveStatus

from .helpers import item, orders, req, solved, stock


def test_rule_balance_meets_demand_and_orders_just_enough():
    res = solved(req([item("A", [10, 20, 30], unit_cost=2, holding_cost=1)]))
    assert sum(orders(res).values()) == pytest.approx(60)
    assert [r["stock"] for r in stock(res, "A")] == [0, 0, 0]
    assert res.objective == pytest.approx(120)


def test_rule_balance_uses_initial_stock_first():
    res = solved(req([item("A", [10, 20, 30], unit_cost=1, initial_stock=25)]))
    assert sum(orders(res).values()) == pytest.approx(35)


def test_rule_lead_time_orders_ahead():
    res = solved(req([item("A", [0, 0, 15, 5], lead_time=2, unit_cost=1)]))
    got = orders(res)
    assert set(got) <= {0, 1} and sum(got.values()) == pytest.approx(20)
    assert all(o["arrival_period"] == o["order_period"] + 2 for o in res.solution["orders"])


def test_rule_lead_time_too_long_is_infeasible_with_a_diagnosis():
    res = opsplan.solve(req([item("A", [5, 0, 0], lead_time=1)]))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "lead_time"
    assert "item A" in res.diagnosis[0].message


def test_rule_balance_counts_open_orders():
    r = req([item("A", [10, 10], lead_time=1, on_order=[{"period": 0, "quantity": 10}])])
    res = solved(r)
    assert orders(res) == {0: 10}


def test_rule_order_link_pays_each_order_so_orders_batch():
    cheap = solved(req([item("A", [10, 10, 10], order_cost=1, holding_cost=5)]))
    assert len(orders(cheap)) == 3
    dear = solved(req([item("A", [10, 10, 10], order_cost=100, holding_cost=1)]))
    assert orders(dear) == {0: 30}
    assert dear.objective == pytest.approx(100 + 20 + 10)


def test_rule_moq_raises_small_orders():
    res = solved(req([item("A", [5, 0, 0], moq=12, holding_cost=1)]))
    assert orders(res) == {0: 12}
    assert res.objective == pytest.approx(7 * 3)


def test_rule_pack_size_rounds_up_to_whole_packs():
    res = solved(req([item("A", [7, 0], pack_size=5, holding_cost=1, unit_cost=1)]))
    assert orders(res) == {0: 10}
    assert res.solution["orders"][0]["packs"] == 2


def test_rule_max_order_splits_orders():
    # no order cost: the cap is a bound on x alone; the 10 units above it are bought a period
    # early and held once
    res = solved(req([item("A", [0, 30], max_order=20, holding_cost=1)]))
    assert orders(res) == {0: 10, 1: 20}
    assert res.objective == pytest.approx(10)


def test_rule_stock_or_backlog_never_both_in_one_period():
    # period 0 must end 10 short (lead time 1); keeping the safety stock on top of that
    # backlog would dodge its penalty (50), so the rule makes the period end with stock 0
    it = item(
        "A",
        [10, 0],
        lead_time=1,
        unit_cost=1,
        shortage={"mode": "backorder", "penalty": 1},
        safety_stock={"kind": "fixed", "quantity": 5, "penalty": 10},
    )
    res = solved(req([it]))
    assert [(r["stock"], r["backorder"]) for r in stock(res, "A")] == [(0, 10), (5, 0)]
    assert res.penalties == {
        "purchase": pytest.approx(15),
        "backorder": pytest.approx(10),
        "below_safety": pytest.approx(50),
    }


def test_rule_max_stock_forces_later_orders():
    r = req([item("A", [10, 10, 10, 10], order_cost=100, holding_cost=1, max_stock=10)])
    res = solved(r)
    assert all(row["stock"] <= 10 + 1e-6 for row in stock(res, "A"))
    assert len(orders(res)) >= 2


def test_rule_max_stock_exceeded_by_stock_on_hand_is_infeasible():
    res = opsplan.solve(req([item("A", [1, 1], initial_stock=20, max_stock=10)]))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "max_stock"


def test_rule_shelf_life_limits_how_far_ahead_one_buys():
    base = item("A", [10, 10, 10, 10], order_cost=100, holding_cost=0.1)
    free = solved(req([base]))
    assert len(orders(free)) == 1
    fresh = solved(req([{**base, "shelf_life": 2}]))
    got = orders(fresh)
    assert len(got) == 2 and all(q == pytest.approx(20) for q in got.values())


def test_rule_safety_stock_fixed_keeps_a_buffer():
    ss = {"kind": "fixed", "quantity": 5, "penalty": 2}  # 5 units cost 5, missing them 3 x 10
    it = item("A", [10, 10, 10], unit_cost=1, safety_stock=ss)
    res = solved(req([it]))
    assert all(r["stock"] >= 5 - 1e-6 for r in stock(res, "A"))
    assert res.kpis["periods_below_safety_stock"] == 0


def test_rule_safety_stock_is_soft_and_its_shortfall_is_paid():
    ss = {"kind": "fixed", "quantity": 5, "penalty": 0.5}
    res = solved(req([item("A", [10, 10], unit_cost=1, holding_cost=1, safety_stock=ss)]))
    # keeping 5 costs 1 (buy) + 1 per period held; missing it costs 0.5 per period: skip it
    assert res.kpis["periods_below_safety_stock"] == 2
    assert res.penalties["below_safety"] == pytest.approx(5)


def test_rule_safety_stock_days_of_cover():
    ss = {"kind": "days_of_cover", "days": 14}
    res = solved(req([item("A", [10, 10, 10], unit_cost=1, safety_stock=ss)], period_days=7))
    assert res.solution["forecasts"][0]["safety_stock"] == pytest.approx(20)


def test_rule_safety_stock_service_level_from_forecast_error():
    ss = {"kind": "service_level", "level": 0.95}
    it = item("A", [10, 10], unit_cost=1, lead_time=0, forecast_error=2, safety_stock=ss)
    res = solved(req([{**it, "initial_stock": 20}]))
    assert res.solution["forecasts"][0]["safety_stock"] == pytest.approx(1.644854 * 2, abs=1e-4)


def test_rule_shortage_backorder_waits_and_pays_per_period():
    it = item("A", [10, 0, 0], lead_time=2, shortage={"mode": "backorder", "penalty": 3})
    res = solved(req([it]))
    assert [r["backorder"] for r in stock(res, "A")] == [10, 10, 0]
    assert res.penalties["backorder"] == pytest.approx(60)
    assert res.kpis["fill_rate"] == 0.0


def test_rule_shortage_lost_sales_when_cheaper_than_buying():
    it = item("A", [10, 10], unit_cost=5, shortage={"mode": "lost_sales", "penalty": 4})
    res = solved(req([it]))
    assert orders(res) == {}
    assert res.penalties["lost_sales"] == pytest.approx(80)
    it2 = item("A", [10, 10], unit_cost=5, shortage={"mode": "lost_sales", "penalty": 6})
    assert sum(orders(solved(req([it2]))).values()) == pytest.approx(20)


def test_rule_warehouse_space_spreads_orders():
    items = [
        item("A", [10, 10, 10], order_cost=50, holding_cost=1, space=1),
        item("B", [10, 10, 10], order_cost=50, holding_cost=1, space=1),
    ]
    free = solved(req(items))
    assert "space_used_per_period" not in free.kpis  # no limit: not reported
    tight = solved(req(items, warehouse_space=25))
    assert max(tight.kpis["space_used_per_period"]) <= 25 + 1e-6
    assert tight.objective > free.objective


def test_rule_budget_limits_spend_per_period():
    it = item("A", [10, 10, 10], unit_cost=2, order_cost=100, holding_cost=0.1)
    res = solved(req([it], budget=40))
    assert max(res.kpis["spend_per_period"]) <= 40 + 1e-6
    assert len(orders(res)) == 2


def test_rule_joint_order_cost_brings_items_together():
    items = [
        item("A", [10, 10], holding_cost=1, supplier="S"),
        item("B", [0, 10], holding_cost=1, supplier="S"),
    ]
    res = solved(req(items, suppliers=[{"id": "S", "joint_order_cost": 50}]))
    assert {o["order_period"] for o in res.solution["orders"]} == {0}
    assert res.penalties["joint_order"] == pytest.approx(50)


def test_rule_trucks_paid_per_truck_and_limited():
    items = [item("A", [30], space=1, supplier="S")]
    sup = [{"id": "S", "truck_capacity": 20, "truck_cost": 7, "max_trucks": 2}]
    res = solved(req(items, suppliers=sup))
    assert res.penalties["trucks"] == pytest.approx(14)
    sup[0]["max_trucks"] = 1
    res = opsplan.solve(req(items, suppliers=sup))
    assert res.status == SolveStatus.INFEASIBLE
    assert any(f.rule == "trucks" for f in res.diagnosis)


def test_rule_capacity_with_setup_times_builds_ahead():
    items = [
        item("A", [0, 10], resource="L", time_per_unit=1, setup_time=2, order_cost=1),
        item("B", [0, 10], resource="L", time_per_unit=1, setup_time=2, order_cost=1),
    ]
    res = solved(req(items, resources=[{"id": "L", "capacity": 14}]))
    assert len(orders(res)) == 2 and 0 in orders(res)


def test_rule_capacity_too_small_is_infeasible_with_a_diagnosis():
    items = [item("A", [0, 20], resource="L", time_per_unit=1, setup_time=2)]
    res = opsplan.solve(req(items, resources=[{"id": "L", "capacity": 10}]))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "capacity"
    assert "resource L" in res.diagnosis[0].message


def test_rule_budget_too_small_is_infeasible_with_a_diagnosis():
    res = opsplan.solve(req([item("A", [10, 10], unit_cost=5)], budget=20))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "budget"


def test_rule_space_taken_by_stock_on_hand_is_infeasible_with_a_diagnosis():
    res = opsplan.solve(req([item("A", [1, 1], initial_stock=50, space=1)], warehouse_space=10))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "warehouse_space" and "period 0" in res.diagnosis[0].message


def test_rule_limits_that_conflict_only_together_are_named_after_solving():
    # each item alone fits the space; with MOQs both must carry stock at once
    items = [
        item("A", [5, 5], moq=10, space=1, holding_cost=1),
        item("B", [5, 5], moq=10, space=1, holding_cost=1),
    ]
    res = opsplan.solve(req(items, warehouse_space=9))
    assert res.status == SolveStatus.INFEASIBLE
    assert [f.rule for f in res.diagnosis] == ["warehouse_space"]


def test_the_diagnosis_names_rules_of_the_model():
    from opsplan.replenishment.diagnose import GROUPS
    from opsplan.replenishment.milp import DROPPABLE
    from opsplan.replenishment.schema import RULES

    assert set(GROUPS) <= set(DROPPABLE) <= set(RULES)
