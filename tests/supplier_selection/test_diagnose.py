"""Infeasible input is an answer with a diagnosis in the buyer's words, never an exception."""

from __future__ import annotations

import pytest

import opsplan
from opsplan import SolveStatus
from opsplan.supplier_selection.schema import RULES

from .helpers import offer, request


def diagnosis(req) -> list[tuple[str, str]]:
    res = opsplan.solve(req)
    assert res.status == SolveStatus.INFEASIBLE, res.status
    assert res.solution is None
    assert {f.rule for f in res.diagnosis} <= set(RULES)  # the model page's names only
    return [(f.rule, f.message) for f in res.diagnosis]


def two_suppliers(**extra) -> dict:
    sups = [
        {"id": "S", "capacity": [500], "lead_time_days": 3, "region": "EU"},
        {"id": "T", "capacity": [400], "lead_time_days": 5, "region": "EU"},
    ]
    offers = [offer("X", "S", (0, 2)), offer("X", "T", (0, 3))]
    return request([{"id": "X", "demand": [800]}], sups, offers, **extra)


def test_demand_beyond_what_eligible_suppliers_deliver_before_the_need_date():
    req = two_suppliers()
    req["instance"]["items"][0]["demand"] = [1200]
    req["instance"]["suppliers"][1]["lead_time_days"] = 10  # T cannot make day 7
    got = diagnosis(req)
    assert got == [
        (
            "demand",
            "item X needs 1,200 units in period 0 but the eligible suppliers "
            "can deliver 500 before its need date (day 7) (T cannot deliver in time)",
        )
    ]


def test_item_without_offers():
    req = two_suppliers()
    req["instance"]["items"].append({"id": "Y", "demand": [5]})
    assert ("demand", "item Y needs 5 units but no supplier offers it") in diagnosis(req)


@pytest.mark.parametrize(
    "policies, rule, words",
    [
        ({"min_suppliers": 3}, "supplier_count", "at least 3 suppliers but only 2 can deliver"),
        ({"max_share_supplier": 0.4}, "max_share_supplier", "together at most 80%"),
        ({"max_share_region": 0.9}, "max_share_region", "in 1 region(s): together at most 90%"),
        ({"max_defect_rate": 0.0}, "defect_rate", None),
        (
            {"commitments": [{"supplier": "T", "min_quantity": 450}]},
            "commitments",
            "T is committed 450 units but can deliver at most 400",
        ),
        ({"budget": 1000}, "budget", "the demand costs at least 1,600.00"),
    ],
)
def test_prechecks_name_the_rule(policies, rule, words):
    req = two_suppliers(policies=policies)
    if rule == "defect_rate":
        for s in req["instance"]["suppliers"]:
            s["defect_rate"] = 0.01
        words = "best supplier has a defect rate of 1.00%"
    got = diagnosis(req)
    assert any(r == rule and words in m for r, m in got), got


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_conflict_found_by_the_solver_names_the_rule_to_relax(backend):
    # enough capacity in total, but single sourcing cannot reach 800 with 500 or 400
    req = two_suppliers(policies={"max_suppliers": 1})
    req["options"]["backend"] = backend
    got = diagnosis(req)
    assert (
        "supplier_count",
        "no plan meets every rule; without the number of suppliers per item there is one",
    ) in got
    assert ("capacity", "no plan meets every rule; without supplier capacities there is one") in got
