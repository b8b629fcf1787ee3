"""Wagner-Whitin dynamic programming on single-item uncapacitated cases equals the MILP."""

from __future__ import annotations

import random

import pytest

from opsplan import SolveStatus

from .helpers import item, req, solved, wagner_whitin


@pytest.mark.parametrize("seed", range(8))
def test_milp_equals_wagner_whitin(seed):
    rng = random.Random(seed)
    T = rng.randint(4, 12)
    demand = [
        float(rng.choice([0, 0, rng.randint(1, 60)]) if seed % 2 else rng.randint(0, 60))
        for _ in range(T)
    ]
    K = float(rng.randint(10, 300))
    h = float(rng.randint(1, 5))
    res = solved(req([item("A", demand, order_cost=K, holding_cost=h)]))
    assert res.status == SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(wagner_whitin(demand, K, h), abs=1e-6)


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_both_backends_agree_with_wagner_whitin(backend):
    demand = [20.0, 50, 10, 0, 80, 30, 5, 40]
    r = req([item("A", demand, order_cost=100, holding_cost=2)], options={"backend": backend})
    res = solved(r)
    assert res.status == SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(wagner_whitin(demand, 100, 2), abs=1e-6)
    assert res.solver.name == backend
