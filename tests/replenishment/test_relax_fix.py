"""The relax-and-fix / fix-and-optimise starting plan for production (relax_fix.py): a valid
plan (the checker finds nothing) that never costs less than the MILP's proven optimum."""

from __future__ import annotations

import random

import pytest

from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.core.status import SolveStatus
from opsplan.replenishment import relax_fix
from opsplan.replenishment.check import check
from opsplan.replenishment.milp import Formulation
from opsplan.replenishment.prepare import prepare
from opsplan.replenishment.schema import ReplenishmentInstance
from opsplan.replenishment.solver import solve_prepared

from .helpers import plan_of


def small_clsp(seed: int, items: int = 4, periods: int = 8) -> ReplenishmentInstance:
    """A random capacitated lot sizing instance in the Trigeiro style, about 70% loaded."""
    rng = random.Random(seed)
    rows = []
    load = 0.0
    for i in range(items):
        demand = [float(rng.choice([0, rng.randint(20, 80)])) for _ in range(periods)]
        demand[-1] += 10.0
        rows.append(
            {
                "id": str(i),
                "demand": demand,
                "holding_cost": float(rng.randint(1, 5)),
                "order_cost": float(rng.randint(100, 600)),
                "resource": "L",
                "time_per_unit": 1.0,
                "setup_time": float(rng.randint(5, 20)),
            }
        )
        load += sum(demand) + 20.0 * periods / 3
    cap = round(load / periods / 0.7)
    return ReplenishmentInstance.model_validate(
        {"periods": periods, "items": rows, "resources": [{"id": "L", "capacity": cap}]}
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_starting_plan_is_valid_and_never_below_the_optimum(seed):
    inst = small_clsp(seed)
    opts = SolveOptions(time_limit_s=20, workers=1, backend="highs")
    best, _ = solve_prepared(prepare(inst), opts, RunContext(), strong=False)
    assert best.status == SolveStatus.OPTIMAL and best.objective is not None

    F = Formulation(prepare(inst))
    vals, obj, log = relax_fix.starting_plan(F, opts, RunContext(), budget_s=6.0)
    assert vals is not None and obj is not None, log
    F.complete_start(vals)
    rep = check(inst, plan_of(F))
    assert rep.violations == []
    assert rep.objective == pytest.approx(obj, rel=1e-6, abs=1e-6)
    assert obj >= best.objective * (1 - 1e-4) - 1e-6
    # the problem is left as it was: every setup binary again
    setups = [v for ys in F.y for v in ys.values()]
    assert all(v.cat == "Integer" and (v.lowBound, v.upBound) == (0, 1) for v in setups)


def test_milp_with_the_starting_plan_proves_the_same_optimum():
    inst = small_clsp(4)
    opts = SolveOptions(time_limit_s=20, workers=1, backend="highs")
    plain, _ = solve_prepared(prepare(inst), opts, RunContext(), strong=False)
    warm, _ = solve_prepared(prepare(inst), opts, RunContext(), strong=False, heuristic_share=0.05)
    assert plain.status == warm.status == SolveStatus.OPTIMAL
    assert warm.objective == pytest.approx(plain.objective, rel=2e-4)
    assert any("relax and fix" in m for m in warm.messages)
