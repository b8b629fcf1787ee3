"""Column generation over individual schedules (rostering/cg.py) on tiny random instances: its
bound never exceeds the optimum CP-SAT proves on the full model, and its roster passes the
checker. Plus the HiGHS model kept between solves (core/backends/highs_lp.py)."""

from __future__ import annotations

import math
import random

import pytest
from ortools.sat.python import cp_model

from opsplan.core.backends.highs_lp import INF, HighsModel
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.core.status import SolveStatus
from opsplan.rostering.cg import solve_cg
from opsplan.rostering.check import check
from opsplan.rostering.cpsat import Formulation
from opsplan.rostering.schema import RosteringInstance

from .helpers import inst, solved


def random_instance(seed: int, skills: bool = False) -> RosteringInstance:
    rnd = random.Random(seed)
    days, n = 7, 4
    shifts = [
        {"id": "E", "start": "06:00", "length_minutes": 480},
        {"id": "L", "start": "14:00", "length_minutes": 480, "forbidden_next": ["E"]},
    ]
    emps = []
    for i in range(n):
        emps.append(
            {
                "id": f"P{i}",
                "contract": "C",
                "skills": (["a", "b"] if i % 2 else ["a"]) if skills else [],
                "unavailable_days": rnd.sample(range(days), 1),
                "shift_off_requests": [
                    {"day": rnd.randrange(days), "shift": "E", "weight": rnd.randint(1, 3)}
                ],
                "shift_on_requests": [
                    {"day": rnd.randrange(days), "shift": "L", "weight": rnd.randint(1, 3)}
                ],
            }
        )
    coverage = []
    for d in range(days):
        for s in ("E", "L"):
            c = {
                "day": d,
                "shift": s,
                "min": rnd.randint(0, 2),
                "under_weight": rnd.choice([5, 20]),
                "over_weight": rnd.choice([1, 3]),
                "preferred_weight": 0,
            }
            if skills:
                c["skill"] = rnd.choice(["a", "b"])
            coverage.append(c)
    raw = inst(
        days=days,
        employees=emps,
        contract={
            "max_consecutive_work": 4,
            "min_consecutive_off": 2,
            "max_total_minutes": 5 * 480,
            "min_total_minutes": 2 * 480,
        },
        shifts=shifts,
        coverage=coverage,
        skills=["a", "b"] if skills else [],
        rules={"coverage_min": {"hard": False, "weight": 1}},
    )
    return RosteringInstance.model_validate(raw)


def optimum(ri: RosteringInstance) -> float:
    F = Formulation(ri)
    s = cp_model.CpSolver()
    s.parameters.num_workers = 2
    s.parameters.max_time_in_seconds = 20
    assert s.solve(F.m) == cp_model.OPTIMAL
    return float(s.objective_value)


@pytest.mark.parametrize("seed, skills", [(1, False), (2, False), (3, True), (4, True)])
def test_bound_never_exceeds_the_optimum_and_the_roster_passes_the_checker(seed, skills):
    ri = random_instance(seed, skills)
    opts = SolveOptions(time_limit_s=20, workers=2)
    res = solve_cg(ri, opts, RunContext(), time_limit_s=10, mip_s=2)
    assert res.status == SolveStatus.FEASIBLE
    assert res.bound is not None and res.plan is not None
    best = optimum(ri)
    assert res.bound <= best + 1e-6
    report = check(ri, {"assignments": res.plan})
    assert report.violations == []
    assert report.objective is not None and report.objective >= best
    # on these tiny instances the generation ends with the bound proved up to integrality
    assert res.lp_value is not None
    assert math.ceil(res.bound - 1e-6) >= math.ceil(res.lp_value - 1e-6)


def test_an_employee_without_any_schedule_makes_the_instance_infeasible():
    ri = RosteringInstance.model_validate(
        inst(
            days=7,
            employees=[{"id": "A", "contract": "C", "unavailable_days": [0, 1, 2, 3, 4, 5]}],
            contract={"min_total_minutes": 3 * 480},
            coverage=[{"day": 0, "shift": "D", "min": 1}],
        )
    )
    res = solve_cg(ri, SolveOptions(time_limit_s=5), RunContext(), time_limit_s=2, mip_s=1)
    assert res.status == SolveStatus.INFEASIBLE
    assert res.infeasible_employee == "A"


def test_solve_proves_a_tiny_roster_optimal_with_the_cg_bound():
    ri = random_instance(5)
    res = solved(ri.model_dump(mode="json"), time_limit_s=15)
    assert res.status == SolveStatus.OPTIMAL
    assert res.objective == optimum(ri)
    assert res.bound == res.objective
    assert any("column generation" in m for m in res.messages)


def test_ward_example_gets_a_roster_in_five_seconds():
    import json
    from pathlib import Path

    import opsplan

    path = Path(__file__).resolve().parents[2] / "instances" / "rostering" / "ward_4_weeks.json"
    request = json.loads(path.read_text())
    res = opsplan.solve(request, {"time_limit_s": 5, "workers": 2})
    assert res.status.has_solution
    assert res.violations == []
    # that the 5 s limit holds is tested by events, not seconds, for every family in
    # tests/core/test_limits_every_family.py (this ward is rostering's instance there)


def test_highs_model_duals_and_integer_solve():
    # min x + 2y  s.t.  x + y >= 1.5 ;  y <= 1 (x, y >= 0)
    M = HighsModel(SolveOptions(time_limit_s=5, workers=1))
    r = M.add_row(1.5, INF)
    x = M.add_col(1.0, 0, INF, [r], [1])
    y = M.add_col(2.0, 0, 1, [r], [1])
    lp = M.solve_lp(RunContext())
    assert lp.status == SolveStatus.OPTIMAL
    assert lp.objective == pytest.approx(1.5)
    assert lp.duals[r] == pytest.approx(1.0)  # reduced cost = cost - dual * coefficient
    # a column added later is priced by the same duals, and the LP re-solves with it
    z = M.add_col(0.5, 0, INF, [r], [1])
    lp = M.solve_lp(RunContext())
    assert lp.objective == pytest.approx(0.75)
    assert lp.values[z] == pytest.approx(1.5)
    mip = M.solve_mip(RunContext(), [x, y, z])
    assert mip.status == SolveStatus.OPTIMAL
    assert mip.objective == pytest.approx(1.0)  # z = 2
    # the LP stays continuous
    assert M.solve_lp(RunContext()).objective == pytest.approx(0.75)


def test_request_with_hard_coverage_does_not_use_column_generation():
    raw = inst(days=3, employees=2, coverage=[{"day": 0, "shift": "D", "min": 1}])
    raw["rules"] = {"coverage_min": {"hard": True}}
    res = solved(raw)
    assert res.status == SolveStatus.OPTIMAL
    assert not any("column generation" in m for m in res.messages)
