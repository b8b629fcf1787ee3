"""The item-by-item path (decompose.py): per-item plans, the per-item LP bound with (l, S)
inequalities, and the path through opsplan.solve when items share only space and budget."""

from __future__ import annotations

import random
from typing import Any

import pytest

import opsplan
from opsplan import SolveStatus
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.replenishment import decompose, solver
from opsplan.replenishment.check import check
from opsplan.replenishment.prepare import Prepared, prepare
from opsplan.replenishment.schema import ReplenishmentInstance
from opsplan.replenishment.solution import build_solution

from .helpers import item, req, solved, wagner_whitin


def mixed(seed: int, n: int = 4, T: int = 8, **extra: Any) -> dict[str, Any]:
    """Small items with every per-item rule the decomposition handles."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        mean = rng.choice([5, 10, 20])
        it = item(
            f"I{i}",
            [float(max(0, round(mean + rng.gauss(0, mean * 0.4)))) for _ in range(T)],
            unit_cost=float(rng.randint(2, 20)),
            holding_cost=round(rng.uniform(0.1, 1.5), 2),
            order_cost=float(rng.choice([10, 30, 60])),
            lead_time=rng.choice([0, 0, 1, 2]),
            initial_stock=float(rng.randint(mean, 3 * mean)),
            space=round(rng.uniform(0.5, 2), 2),
        )
        if rng.random() < 0.4:
            it["moq"] = float(2 * mean)
        if rng.random() < 0.4:
            it["pack_size"] = float(rng.choice([4, 6]))
        if rng.random() < 0.4:
            it["safety_stock"] = {"kind": "fixed", "quantity": float(mean // 2)}
        r = rng.random()
        if r < 0.25:
            it["shortage"] = {"mode": "backorder", "penalty": round(it["unit_cost"] * 0.3, 2)}
        elif r < 0.4:
            it["shortage"] = {"mode": "lost_sales", "penalty": round(it["unit_cost"] * 1.5, 2)}
        if it["lead_time"] > 0 and rng.random() < 0.5:
            it["on_order"] = [{"period": 0, "quantity": float(mean)}]
        items.append(it)
    return req(items, T, **extra)


def prepared(r: dict[str, Any]) -> tuple[ReplenishmentInstance, Prepared]:
    inst = ReplenishmentInstance.model_validate(r["instance"])
    return inst, prepare(inst)


@pytest.mark.parametrize("seed", range(6))
def test_item_plan_equals_wagner_whitin(seed):
    rng = random.Random(seed)
    T = rng.randint(4, 14)
    demand = [float(rng.choice([0, rng.randint(1, 60), rng.randint(1, 60)])) for _ in range(T)]
    K, h = float(rng.randint(10, 300)), float(rng.randint(1, 5))
    _, P = prepared(req([item("A", demand, order_cost=K, holding_cost=h)]))
    cost, _, _ = decompose.heuristic_plan(P, 0)
    assert cost == pytest.approx(wagner_whitin(demand, K, h), abs=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_bound_below_and_plan_above_the_milp_optimum(seed):
    r = mixed(seed)
    inst, P = prepared(r)
    opt = solved(r)  # the MILP (small: not decomposed)
    assert opt.status == SolveStatus.OPTIMAL
    opts = SolveOptions(time_limit_s=20, workers=1, backend="highs")
    ctx = RunContext()
    models = [decompose.item_model(P, i) for i in range(len(inst.items))]
    bound, _ = decompose.lp_bound(P, models, opts, ctx, 20.0, block=2, rounds=10)
    assert bound is not None
    assert bound <= opt.objective + 1e-6 * abs(opt.objective)
    plans = [decompose.heuristic_plan(P, i) for i in range(len(inst.items))]
    plan = build_solution(P, [p[1] for p in plans], [p[2] for p in plans])
    rep = check(inst, plan.model_dump(mode="json"))
    assert rep.violations == []
    assert rep.objective == pytest.approx(sum(p[0] for p in plans), rel=1e-9)
    assert rep.objective >= opt.objective - 1e-6 * abs(opt.objective)


def test_cuts_raise_the_bound():
    r = req([item("A", [10.0, 0, 30, 5, 0, 40, 20, 10], order_cost=200, holding_cost=1)])
    _, P = prepared(r)
    M = [decompose.item_model(P, 0)]
    opts = SolveOptions(time_limit_s=20, workers=1, backend="highs")
    plain, _ = decompose.lp_bound(P, M, opts, RunContext(), 20.0, rounds=1)
    cut, n = decompose.lp_bound(P, M, opts, RunContext(), 20.0, rounds=30)
    ww = wagner_whitin([10.0, 0, 30, 5, 0, 40, 20, 10], 200, 1)
    assert plain is not None and cut is not None and n > 0
    assert plain < cut <= ww + 1e-6
    assert cut == pytest.approx(ww, rel=1e-6)  # (l, S) describe the convex hull here


def test_large_plans_go_item_by_item(monkeypatch):
    monkeypatch.setattr(solver, "DECOMPOSE_FROM", 1)
    r = mixed(4, n=6, T=10, warehouse_space=1e6, budget=1e6)
    res = opsplan.solve(r)
    assert res.violations == []
    assert res.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert any("item by item" in m for m in res.messages)
    assert res.bound is not None and res.bound <= res.objective + 1e-6


def test_tight_shared_limits_fall_back_to_the_milp(monkeypatch):
    monkeypatch.setattr(solver, "DECOMPOSE_FROM", 1)
    demand = [10.0] * 6
    items = [
        item(f"I{i}", demand, order_cost=100, holding_cost=0.1, unit_cost=1, space=1)
        for i in range(3)
    ]
    # per item, ordering everything at once is best; together that breaks the space limit
    res = solved(req(items, warehouse_space=60.0))
    assert not any("item by item" in m for m in res.messages)
    assert res.status == SolveStatus.OPTIMAL


def test_joint_costs_are_not_decomposed():
    r = mixed(1, suppliers=[{"id": "S", "joint_order_cost": 50}])
    for it in r["instance"]["items"]:
        it["supplier"] = "S"
    _, P = prepared(r)
    assert not decompose.applicable(P)
