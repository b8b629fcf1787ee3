"""One test per rule of models/supplier_selection.md: the plan at the rule's boundary, and what
changes past it. Every plan is verified by the checker (solved() asserts no violations)."""

from __future__ import annotations

import pytest

import opsplan
from opsplan import SolveStatus

from .helpers import by_pair, offer, qty, request, solved

BACKENDS = ["highs", "cbc"]


def item(iid: str, *demand: int, **kw) -> dict:
    return {"id": iid, "demand": list(demand), **kw}


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_price_all_units_buys_up_to_a_break(backend):
    # 95 units at 10 = 950; 100 units at 9 = 900: all-units makes the larger order cheaper
    res = solved(request([item("A", 95)], ["S"], [offer("A", "S", (0, 10), (100, 9))], backend))
    assert qty(res) == {("A", "S", 0): 100} and res.objective == pytest.approx(900)
    row = res.solution["awards"][0]
    assert (row["tier"], row["unit_price"], row["cost"]) == (1, 9.0, 900.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_price_incremental_prices_each_tier_part(backend):
    # 150 units: 100 at 10 and 50 at 8 = 1400; buying more never pays
    o = offer("A", "S", (0, 10), (100, 8), break_type="incremental")
    res = solved(request([item("A", 150)], ["S"], [o], backend))
    assert qty(res) == {("A", "S", 0): 150} and res.objective == pytest.approx(1400)
    # 95 units: stays at 950, unlike all-units
    res = solved(request([item("A", 95)], ["S"], [o], backend))
    assert qty(res) == {("A", "S", 0): 95} and res.objective == pytest.approx(950)


def test_rule_price_incremental_rising_prices_use_the_convex_fill():
    # a tier that gets dearer (overtime or scarce stock): the cost is convex; split across two
    rising = offer("A", "S", (0, 5), (10, 12), break_type="incremental")
    flat = offer("A", "T", (0, 8))
    res = solved(request([item("A", 20)], ["S", "T"], [rising, flat]))
    assert by_pair(res) == {("A", "S"): 10, ("A", "T"): 10}
    assert res.objective == pytest.approx(50 + 80)


def test_rule_moq_either_zero_or_at_least_the_minimum():
    cheap = offer("A", "S", (0, 1), moq=50)
    dear = offer("A", "T", (0, 2))
    # 30 needed: 50 from S costs 50, 30 from T costs 60 -> S, at its MOQ
    assert by_pair(solved(request([item("A", 30)], ["S", "T"], [cheap, dear]))) == {("A", "S"): 50}
    # 20 needed: 50 from S costs 50, 20 from T costs 40 -> T
    assert by_pair(solved(request([item("A", 20)], ["S", "T"], [cheap, dear]))) == {("A", "T"): 20}


def test_rule_order_multiple_rounds_up_to_packs():
    res = solved(request([item("A", 10)], ["S"], [offer("A", "S", (0, 1), multiple=4)]))
    assert qty(res) == {("A", "S", 0): 12}


def test_rule_max_quantity_per_period():
    offers = [offer("A", "S", (0, 1), max_quantity=6), offer("A", "T", (0, 2))]
    res = solved(request([item("A", 10, 4)], ["S", "T"], offers))
    assert qty(res) == {("A", "S", 0): 6, ("A", "T", 0): 4, ("A", "S", 1): 4}


def test_rule_lead_time_before_the_need_date():
    # S is cheap but needs 10 days: it can serve period 1 (day 14), not period 0 (day 7)
    sups = [{"id": "S", "lead_time_days": 10}, {"id": "T", "lead_time_days": 7}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    res = solved(request([item("A", 5, 5)], sups, offers))
    assert qty(res) == {("A", "T", 0): 5, ("A", "S", 1): 5}
    # an offer's own lead time overrides the supplier's
    offers[0]["lead_time_days"] = 7
    assert qty(solved(request([item("A", 5, 5)], sups, offers))) == {
        ("A", "S", 0): 5,
        ("A", "S", 1): 5,
    }


def test_rule_capacity_per_period_over_all_items():
    sups = [{"id": "S", "capacity": [10]}, "T"]
    offers = [offer("A", "S", (0, 1)), offer("B", "S", (0, 1))]
    offers += [offer("A", "T", (0, 3)), offer("B", "T", (0, 2))]
    res = solved(request([item("A", 6), item("B", 6)], sups, offers))
    # S's 10 units go where they save most: all 6 of A (saves 2 each), 4 of B
    assert by_pair(res) == {("A", "S"): 6, ("B", "S"): 4, ("B", "T"): 2}


def test_rule_fixed_cost_consolidates():
    sups = [{"id": "S", "fixed_cost": 100}, {"id": "T", "fixed_cost": 100}]
    offers = [offer("A", "S", (0, 1)), offer("B", "S", (0, 3)), offer("B", "T", (0, 2))]
    offers.append(offer("A", "T", (0, 3)))
    res = solved(request([item("A", 50), item("B", 50)], sups, offers))
    # both from S: 50 + 150 + 100 = 300; splitting: 50 + 100 + 200 = 350; both from T: 350
    assert by_pair(res) == {("A", "S"): 50, ("B", "S"): 50}
    assert res.kpis["fixed_cost"] == 100 and res.kpis["suppliers_used"] == 1


def test_rule_supplier_count_dual_sourcing_and_single_sourcing():
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2)), offer("A", "U", (0, 3))]
    res = solved(request([item("A", 10)], ["S", "T", "U"], offers, policies={"min_suppliers": 2}))
    assert by_pair(res) == {("A", "S"): 9, ("A", "T"): 1}
    offers[0]["max_quantity"] = 6
    res = solved(request([item("A", 10)], ["S", "T", "U"], offers, policies={"max_suppliers": 1}))
    assert by_pair(res) == {("A", "T"): 10}


def test_rule_max_share_supplier():
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    res = solved(request([item("A", 10)], ["S", "T"], offers, policies={"max_share_supplier": 0.7}))
    assert by_pair(res) == {("A", "S"): 7, ("A", "T"): 3}
    assert {"rule": "max_share_supplier", "item": "A", "supplier": "S", "limit": 0.7} in (
        res.kpis["binding"]
    )


def test_rule_max_share_region():
    sups = [{"id": "S", "region": "EU"}, {"id": "T", "region": "EU"}, {"id": "U", "region": "AS"}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 1)), offer("A", "U", (0, 3))]
    res = solved(request([item("A", 10)], sups, offers, policies={"max_share_region": 0.6}))
    eu = sum(q for (_, s), q in by_pair(res).items() if s in "ST")
    assert eu == 6 and by_pair(res)[("A", "U")] == 4


def test_rule_defect_rate_demand_weighted():
    sups = [{"id": "S", "defect_rate": 0.05}, {"id": "T", "defect_rate": 0.0}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    # at most 2% of 100 = 2 defective units: S can take 40 (40 x 5% = 2), exactly at the limit
    res = solved(request([item("A", 100)], sups, offers, policies={"max_defect_rate": 0.02}))
    assert by_pair(res) == {("A", "S"): 40, ("A", "T"): 60}
    assert res.kpis["weighted_defect_rate"] == pytest.approx(0.02)


def test_rule_commitments():
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    pol = {"commitments": [{"supplier": "T", "item": "A", "min_quantity": 4}]}
    res = solved(request([item("A", 10)], ["S", "T"], offers, policies=pol))
    assert by_pair(res) == {("A", "S"): 6, ("A", "T"): 4}
    # a supplier-wide commitment may push above demand when nothing else can absorb it
    pol = {"commitments": [{"supplier": "T", "min_quantity": 12}]}
    res = solved(request([item("A", 10)], ["S", "T"], offers, policies=pol))
    assert by_pair(res) == {("A", "T"): 12}


def test_rule_budget_boundary_and_diagnosis():
    offers = [offer("A", "S", (0, 1))]
    res = solved(
        request([item("A", 10)], [{"id": "S", "fixed_cost": 5}], offers, policies={"budget": 15})
    )
    assert res.objective == 15
    res = opsplan.solve(
        request([item("A", 10)], [{"id": "S", "fixed_cost": 5}], offers, policies={"budget": 14.5})
    )
    assert res.status == SolveStatus.INFEASIBLE
    assert [f.rule for f in res.diagnosis] == ["budget"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_scenarios_hedge_against_a_failing_supplier(backend):
    items = [item("A", 10, spot_price=20)]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    # nothing fails: all from S at 10
    base = solved(request(items, ["S", "T"], offers, backend))
    assert base.objective == 10
    # S fails with probability 0.1: each unit moved to T costs 1 more but saves 0.1 x 20 = 2
    scen = [{"id": "S down", "probability": 0.1, "failing": ["S"]}]
    res = solved(request(items, ["S", "T"], offers, backend, scenarios=scen))
    assert by_pair(res) == {("A", "T"): 10} and res.objective == pytest.approx(20)
    # at spot price 5 the hedge does not pay: 10 + 0.1 x 10 x 5 = 15
    items[0]["spot_price"] = 5
    res = solved(request(items, ["S", "T"], offers, backend, scenarios=scen))
    assert by_pair(res) == {("A", "S"): 10} and res.objective == pytest.approx(15)
    assert res.kpis["scenarios"][0]["shortfall_units"] == 10
    assert res.penalties["expected_spot_cost"] == pytest.approx(5)


def test_rule_scenarios_capacity_loss_is_proportional():
    items = [item("A", 10, spot_price=100)]
    scen = [{"id": "half", "probability": 0.5, "capacity_loss": {"S": 0.5}}]
    # ordering 20 from S covers the 50% loss (20 + 0) < 10 + 0.5 x 5 x 100
    res = solved(request(items, ["S"], [offer("A", "S", (0, 1))], scenarios=scen))
    assert by_pair(res) == {("A", "S"): 20} and res.objective == 20


def test_rule_cvar_bounds_the_bad_tail():
    items = [item("A", 10, spot_price=5)]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    scen = [{"id": "S down", "probability": 0.1, "failing": ["S"]}]
    # unbounded: all from S, expected 15, but the worst 10% costs 10 + 50 = 60
    res = solved(
        request(items, ["S", "T"], offers, scenarios=scen, cvar={"alpha": 0.9, "max_cost": 30})
    )
    # with x units from T: worst-case cost = (10 - x) + 2x + 5(10 - x) = 60 - 4x <= 30 -> x >= 7.5
    assert by_pair(res)[("A", "T")] == 8
    assert res.kpis["cvar"] <= 30


def test_objective_weighted_trades_cost_for_risk():
    sups = [{"id": "S", "risk_score": 1.0}, {"id": "T", "risk_score": 0.0}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    obj = {
        "mode": "weighted",
        "terms": [{"term": "cost", "weight": 1}, {"term": "risk", "weight": 2}],
    }
    res = solved(request([item("A", 10)], sups, offers, objective=obj))
    assert by_pair(res) == {("A", "T"): 10} and res.objective == 20
    obj["terms"][1]["weight"] = 0.5
    res = solved(request([item("A", 10)], sups, offers, objective=obj))
    assert by_pair(res) == {("A", "S"): 10} and res.objective == 15


def test_objective_lexicographic_defects_then_cost():
    sups = [{"id": "S", "defect_rate": 0.01}, {"id": "T"}, {"id": "U"}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 3)), offer("A", "U", (0, 2))]
    obj = {"mode": "lexicographic", "terms": [{"term": "defects"}, {"term": "cost"}]}
    res = solved(request([item("A", 10)], sups, offers, objective=obj))
    assert by_pair(res) == {("A", "U"): 10}
    assert res.objective == 0  # the first level's value
    assert [lv["term"] for lv in res.kpis["objective_levels"]] == ["defects", "cost"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_objective_pareto_returns_checked_plans_from_cheap_to_safe(backend):
    sups = [{"id": "S", "risk_score": 3.0}, {"id": "T", "risk_score": 1.0}, {"id": "U"}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2)), offer("A", "U", (0, 4))]
    obj = {"mode": "pareto", "pareto_term": "risk", "pareto_points": 4}
    res = solved(request([item("A", 12)], sups, offers, backend, objective=obj))
    plans = res.solution["pareto"]
    assert len(plans) == 4
    costs = [p["cost"] for p in plans]
    risks = [p["risk"] for p in plans]
    assert costs == sorted(costs) and risks == sorted(risks, reverse=True)
    assert (risks[0], risks[-1]) == (36, 0) and (costs[0], costs[-1]) == (12, 48)
    assert res.objective == costs[0]  # the cheapest plan is the main plan
    assert all(p["status"] == "optimal" for p in plans)


def test_order_basis_period_prices_each_period_alone():
    o = offer("A", "S", (0, 10), (100, 9))
    inst = request([item("A", 60, 60)], ["S"], [o])
    assert solved(inst).objective == 120 * 9  # horizon: 120 units reach the break
    inst["instance"]["policies"] = {"order_basis": "period"}
    assert solved(inst).objective == 120 * 10  # period: 60 at 10 (600) beats 100 at 9 (900)
