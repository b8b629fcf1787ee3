"""HiGHS from arrays (core/backends/highs_arrays.py): status folding, warm start, cuts."""

from __future__ import annotations

import numpy as np
import pytest

from opsplan.core.backends import highs_arrays as hx
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.core.status import SolveStatus


def knapsack(integer: bool = True) -> hx.ArrayModel:
    """max 5a + 4b + 3c st 2a + 3b + c <= 5, binaries, written as min of the negation."""
    return hx.ArrayModel(
        cost=np.array([-5.0, -4.0, -3.0]),
        lower=np.zeros(3),
        upper=np.ones(3),
        integer=np.array([integer] * 3),
        rows=np.array([0, 0, 0]),
        cols=np.array([0, 1, 2]),
        vals=np.array([2.0, 3.0, 1.0]),
        row_lower=np.array([-np.inf]),
        row_upper=np.array([5.0]),
    )


def opts() -> SolveOptions:
    return SolveOptions(time_limit_s=10, workers=1, backend="highs")


def test_mip_optimum_and_bound():
    r = hx.run(knapsack(), opts(), RunContext())
    assert r.status == SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(-9.0)  # a and b (all three do not fit)
    assert r.bound == pytest.approx(-9.0, abs=1e-3)
    assert r.x is not None and list(np.round(r.x)) == [1.0, 1.0, 0.0]


def test_infeasible_is_a_status():
    m = knapsack()
    m.row_lower = np.array([7.0])  # 2a + 3b + c >= 7 is impossible with binaries
    r = hx.run(m, opts(), RunContext())
    assert r.status == SolveStatus.INFEASIBLE
    assert r.x is None


def test_warm_start_is_accepted():
    r = hx.run(knapsack(), opts(), RunContext(), start=np.array([1.0, 0.0, 1.0]))
    assert r.status == SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(-9.0)


def test_cut_rounds_raise_the_lp_bound():
    calls = []

    def cover_cut(x: np.ndarray):
        # a + b + c <= 2 (all three do not fit): valid for the binaries
        calls.append(x.copy())
        if x.sum() > 2 + 1e-9:
            return (np.zeros(3, dtype=int), np.arange(3), np.ones(3), np.array([2.0]))
        return None

    plain, n0 = hx.lp_with_cuts(knapsack(), opts(), RunContext(), lambda x: None, rounds=1)
    cut, n1 = hx.lp_with_cuts(knapsack(), opts(), RunContext(), cover_cut, rounds=5)
    assert n0 == 0 and n1 == 1 and len(calls) == 2
    assert plain is not None and cut is not None
    assert plain == pytest.approx(-5 - 3 - 4 * 2 / 3)  # c, a, then 2/3 of b
    assert cut == pytest.approx(-9.0)  # the cut closes the gap here
