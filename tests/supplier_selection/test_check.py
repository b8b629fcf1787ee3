"""The checker on hand-made bad award tables: each broken rule is named, costs are repriced."""

from __future__ import annotations

import importlib

import pytest

import opsplan
from opsplan.core.registry import get
from opsplan.supplier_selection.check import check, order_cost
from opsplan.supplier_selection.schema import RULES, Offer, SupplierInstance, SupplierSolution

from .helpers import offer, request


def inst(**extra) -> SupplierInstance:
    sups = [
        {
            "id": "S",
            "region": "EU",
            "capacity": [20, 20],
            "lead_time_days": 0,
            "defect_rate": 0.1,
            "fixed_cost": 5,
        },
        {"id": "T", "region": "EU", "lead_time_days": 10},
    ]
    offers = [
        offer("A", "S", (0, 10), (10, 8), moq=4, multiple=2, max_quantity=12),
        offer("A", "T", (0, 9), (10, 7), break_type="incremental"),
    ]
    req = request([{"id": "A", "demand": [10, 10], "spot_price": 30}], sups, offers, **extra)
    return SupplierInstance.model_validate(req["instance"])


def award(s: str, t: int, q: int, **kw) -> dict:
    return {"item": "A", "supplier": s, "period": t, "quantity": q, **kw}


def rules(rep) -> list[str]:
    return sorted(f.rule for f in rep.violations)


def test_a_valid_plan_passes_and_is_priced_through_the_tiers():
    # S: 10 + 10 = 20 over the horizon, all-units tier 2 at 8 = 160, plus fixed 5
    rep = check(inst(), {"awards": [award("S", 0, 10), award("S", 1, 10)]})
    assert rep.violations == [] and rep.objective == 165


def test_order_cost_all_units_and_incremental():
    au = Offer.model_validate(offer("A", "S", (0, 10), (10, 8)))
    inc = Offer.model_validate(offer("A", "S", (0, 10), (10, 8), break_type="incremental"))
    assert [order_cost(au, q) for q in (0, 9, 10, 15)] == [0, 90, 80, 120]
    assert [order_cost(inc, q) for q in (0, 9, 10, 15)] == [0, 90, 100, 140]


@pytest.mark.parametrize(
    "awards, rule",
    [
        ([award("S", 0, 10), award("S", 1, 8)], "demand"),
        ([award("S", 0, 10), award("S", 1, 10), award("T", 0, 2)], "lead_time"),
        ([award("S", 0, 11), award("S", 1, 10)], "order_multiple"),
        ([award("S", 0, 14), award("S", 1, 10)], "max_quantity"),
        # rows that are no decision of the model, and derived fields that are not the plan's
        ([award("S", 0, 10), award("S", 1, 10), award("X", 1, 1)], "solution"),
        ([award("S", 0, 10), award("S", 1, 10), award("S", 5, 2)], "solution"),
        ([award("S", 0, 10), award("S", 1, 10), award("S", 1, 2)], "solution"),
        ([award("S", 0, 10), award("S", 1, 10.5)], "solution"),
        ([award("S", 0, 10), award("S", 1, 10, cost=100.0)], "solution"),
    ],
)
def test_each_broken_rule_is_named(awards, rule):
    assert rule in rules(check(inst(), {"awards": awards}))


def test_moq_capacity_and_policies():
    i = inst(
        policies={
            "order_basis": "period",
            "max_share_supplier": 0.5,
            "max_defect_rate": 0.01,
            "max_suppliers": 1,
            "budget": 50,
            "commitments": [{"supplier": "T", "min_quantity": 9}],
        },
        need_days=[20, 20],
    )
    awards = [award("S", 0, 2), award("T", 0, 8), award("S", 1, 10)]
    got = set(rules(check(i, {"awards": awards})))
    assert {"moq", "supplier_count", "defect_rate", "budget", "commitments"} <= got
    i2 = inst(policies={"max_share_region": 0.5}, need_days=[20, 20])
    assert "max_share_region" in rules(
        check(i2, {"awards": [award("S", 0, 10), award("T", 1, 10)]})
    )
    i3 = inst(need_days=[20, 20])
    i3.suppliers[0].capacity = [8, 8]
    assert "capacity" in rules(check(i3, {"awards": [award("S", 0, 10), award("T", 1, 10)]}))


def test_scenarios_and_cvar_are_recomputed():
    scen = [{"id": "S down", "probability": 0.2, "failing": ["S"]}]
    i = inst(scenarios=scen, cvar={"alpha": 0.8, "max_cost": 100})
    rep = check(i, {"awards": [award("S", 0, 10), award("S", 1, 10)]})
    # base 165; S down: 20 units at spot 30 = 600; expected 165 + 0.2 x 600 = 285
    assert rep.objective == pytest.approx(285)
    assert rep.penalties["expected_spot_cost"] == pytest.approx(120)
    assert rules(rep) == ["cvar"]


def test_pareto_plans_are_checked_too():
    i = inst()
    good = [award("S", 0, 10), award("S", 1, 10)]
    sol = {
        "awards": good,
        "pareto": [
            {"epsilon": None, "cost": 165, "risk": 0, "awards": good},
            {"epsilon": 1, "cost": 999, "risk": 0, "awards": good[:1]},
        ],
    }
    got = check(i, sol).violations
    assert any(f.rule == "demand" and "pareto plan 1" in f.message for f in got)
    assert any(f.rule == "objective" and "pareto plan 1" in f.message for f in got)


def test_every_rule_has_its_check_and_no_other_names():
    checker = importlib.import_module("opsplan.supplier_selection.check")
    assert get("supplier_selection").rules == RULES
    assert list(checker.CHECKS) == list(RULES)
    for rule in RULES:
        assert checker.CHECKS[rule] is getattr(checker, f"check_{rule}")


def _priced(i: SupplierInstance) -> list[dict]:
    """The award rows as the solver reports them (tier, unit price, cost), from a solve."""
    req = {"model": "supplier_selection", "instance": i.model_dump(mode="json")}
    res = opsplan.solve(req, {"time_limit_s": 10, "workers": 1})
    assert res.violations == [] and res.solution is not None
    SupplierSolution.model_validate(res.solution)
    return res.solution["awards"]


@pytest.mark.parametrize("field, wrong", [("tier", 0), ("unit_price", 9.5), ("cost", 1.0)])
@pytest.mark.parametrize("supplier", ["S", "T"])  # S: all-units tiers, T: incremental
def test_a_derived_field_that_is_not_the_plans_own_is_named_solution(field, wrong, supplier):
    i = inst(need_days=[20, 20])
    i.offers = [o for o in i.offers if o.supplier == supplier]  # one offer: the plan is forced
    i.suppliers[0].capacity = None
    rows = _priced(i)
    assert {r["supplier"] for r in rows} == {supplier}
    assert check(i, {"awards": rows}).violations == []
    # 20 units over the horizon reach the second tier (from 10) on both offers
    assert all(r["tier"] == 1 for r in rows)
    bad = [dict(rows[0], **{field: wrong}), *rows[1:]]
    got = check(i, {"awards": bad}).violations
    assert [f.rule for f in got] == ["solution"] and field in got[0].message


def test_a_pareto_plan_with_a_wrong_gap_or_epsilon_is_named():
    i = inst()
    good = [award("S", 0, 10), award("S", 1, 10)]
    sol = {
        "awards": good,
        "pareto": [
            {"epsilon": None, "status": "optimal", "cost": 165, "bound": 150, "gap": 0.0},
            {"epsilon": -1, "status": "optimal", "cost": 165, "risk": 0, "awards": good},
        ],
    }
    sol["pareto"][0]["awards"] = good
    got = check(i, sol).violations
    assert [(f.rule, f.message[:13]) for f in got] == [
        ("solution", "pareto plan 0"),
        ("objective", "pareto plan 1"),
    ]
