"""The greedy start and fix-and-optimise over items (decompose.py): every plan they return is
accepted by the independent checker, never beats the MILP's proven bound, and never gets
worse."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import opsplan
from opsplan.core.backends import pulp as backend
from opsplan.core.run import RunContext
from opsplan.supplier_selection import solution
from opsplan.supplier_selection.check import check
from opsplan.supplier_selection.decompose import Decomposer, greedy, repass
from opsplan.supplier_selection.prepare import Prepared
from opsplan.supplier_selection.schema import SupplierInstance

from .helpers import offer, request

ROOT = Path(__file__).resolve().parents[2]


def _generated(**kw: Any) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tools"))
    from make_supplier_instances import generate

    return generate(**kw)


def _cost(P: Prepared, plan: dict[tuple[int, int], int]) -> float:
    return solution.evaluate(P, plan)["cost"]


def _complete_greedy(P: Prepared) -> dict[tuple[int, int], int]:
    found = greedy(P, _cost, budget_s=5.0)
    assert found is not None
    plan, unplaced = found
    assert unplaced == []
    return plan


def _checked(inst: SupplierInstance, P: Prepared, plan: dict[tuple[int, int], int]) -> float:
    report = check(inst, solution.build_solution(P, plan).model_dump(mode="json"))
    assert report.violations == [], [f.message for f in report.violations]
    assert report.objective is not None
    assert abs(report.objective - _cost(P, plan)) <= 1e-6 * max(1.0, report.objective)
    return report.objective


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_greedy_plan_is_checked_and_not_below_the_proven_bound(seed):
    data = _generated(items=5, suppliers=4, periods=1, seed=seed)
    inst = SupplierInstance.model_validate(data)
    P = Prepared(inst)
    plan = _complete_greedy(P)
    value = _checked(inst, P, plan)
    res = opsplan.solve(
        {"model": "supplier_selection", "instance": data},
        {"time_limit_s": 5, "relative_gap": 1e-4, "workers": 1},
    )
    assert res.violations == [] and res.bound is not None
    assert value >= res.bound - 1e-6 * res.bound  # the MILP's proven bound


def test_greedy_meets_a_commitment_it_would_not_choose_on_price():
    # T is dearer for both items; the contract asks 12 units of T over all items
    items = [{"id": "A", "demand": [10]}, {"id": "B", "demand": [10]}]
    offers = [offer("A", "S", (0, 1)), offer("A", "T", (0, 2))]
    offers += [offer("B", "S", (0, 1)), offer("B", "T", (0, 3))]
    req = request(
        items,
        ["S", "T"],
        offers,
        policies={"commitments": [{"supplier": "T", "min_quantity": 12}]},
    )
    inst = SupplierInstance.model_validate(req["instance"])
    P = Prepared(inst)
    plan = _complete_greedy(P)
    _checked(inst, P, plan)
    assert sum(q for (o, _t), q in plan.items() if P.o_sup[o] == P.sup_ix["T"]) >= 12


def test_greedy_declines_period_order_basis():
    data = _generated(items=4, suppliers=4, periods=2, seed=1)
    data["policies"]["order_basis"] = "period"
    assert greedy(Prepared(SupplierInstance.model_validate(data)), _cost) is None


def test_fix_and_optimise_over_items_keeps_checked_plans_and_never_worsens():
    # tight capacities, a supplier-wide commitment and a budget link the items
    data = _generated(items=14, suppliers=5, periods=2, seed=4)
    for s in data["suppliers"]:
        s["capacity"] = [max(1, int(c * 0.8)) for c in s["capacity"]]
    inst = SupplierInstance.model_validate(data)
    P = Prepared(inst)
    plan = _complete_greedy(P)
    before = _checked(inst, P, plan)
    data["policies"]["budget"] = before * 1.001
    inst = SupplierInstance.model_validate(data)
    P = Prepared(inst)
    ctx = RunContext()
    opts = opsplan.SolveOptions(backend="highs", time_limit_s=20, workers=1)
    for k in (1, 3):
        dec = Decomposer(P, inst.objective, opts, ctx, [])
        better, _found = dec.improve(dict(plan), _cost, ctx.elapsed() + 2.0, k=k)
        after = _checked(inst, P, better)
        assert after <= before + 1e-6 * before


def test_sub_instance_prices_the_fixed_part_exactly():
    """Freeing one item: the joined plan's exact cost equals the fixed items' purchase and
    fixed costs plus the small instance's own objective of its part."""
    data = _generated(items=8, suppliers=4, periods=2, seed=5, scenarios=False)
    inst = SupplierInstance.model_validate(data)
    P = Prepared(inst)
    plan = _complete_greedy(P)
    ctx = RunContext()
    opts = opsplan.SolveOptions(backend="highs", time_limit_s=20, workers=1)
    dec = Decomposer(P, inst.objective, opts, ctx, [])
    free = {0}
    rest = {key: q for key, q in plan.items() if P.o_item[key[0]] not in free}
    sub, offers = dec._sub(sorted(free), rest, dec._commit_left(rest, free))
    Q = Prepared(sub)
    back = {o: k for k, o in enumerate(offers)}
    part = {(back[o], t): q for (o, t), q in plan.items() if P.o_item[o] in free}
    assert abs(_cost(P, rest) + _cost(Q, part) - _cost(P, plan)) <= 1e-6 * _cost(P, plan)


@pytest.mark.parametrize("basis", ["horizon", "period"])
def test_load_sets_every_variable_consistently(basis):
    """Formulation.load: the plan's implied values meet every row of the model, and the
    model's objective at them is the plan's exact cost (so the warm start is the plan)."""
    from opsplan.supplier_selection.milp import Formulation

    data = _generated(items=6, suppliers=4, periods=2, seed=6, incremental_share=0.5)
    data["policies"]["order_basis"] = "horizon"
    inst = SupplierInstance.model_validate(data)
    plan = _complete_greedy(Prepared(inst))
    data["policies"]["order_basis"] = basis
    inst = SupplierInstance.model_validate(data)
    P = Prepared(inst)
    F = Formulation(P)
    F.set_objective(F.terms["cost"])
    assert F.load(plan)
    assert F.prob.valid(eps=1e-6)
    cost = _cost(P, plan)
    assert abs(backend.value(F.prob.objective) - cost) <= 1e-6 * cost
    assert F.extract() == plan


def test_repass_keeps_a_checked_plan_commitments_met_and_never_costs_more():
    data = _generated(items=14, suppliers=5, periods=2, seed=4)
    for s in data["suppliers"]:
        s["capacity"] = [max(1, int(c * 0.8)) for c in s["capacity"]]
    inst = SupplierInstance.model_validate(data)
    assert inst.policies.commitments  # the generator's two contracts
    P = Prepared(inst)
    plan = _complete_greedy(P)
    before = _checked(inst, P, plan)
    again, _changed = repass(P, plan)
    assert _checked(inst, P, again) <= before + 1e-6 * before
