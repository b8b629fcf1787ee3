"""Staffing levels: the dominance reduction and the objective scaling never change the optimum."""

from __future__ import annotations

import random
from typing import Any

import pytest

import opsplan
from opsplan import SolveStatus
from opsplan.core.backends import pulp as milp_backend
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.staffing_levels.milp import Formulation, kept_patterns, objective_scale
from opsplan.staffing_levels.prepare import prepare
from opsplan.staffing_levels.schema import StaffingLevelsInstance


def test_objective_scale_finds_whole_number_steps():
    assert objective_scale([577.5, 200.0, 420.0]) == (2, 5)  # 1155, 400, 840: gcd 5
    assert objective_scale([10.0, 4.0]) == (1, 2)
    assert objective_scale([1 / 3, 1.0]) == (3, 1)
    assert objective_scale([0.1234567]) == (1, None)
    assert objective_scale([0.0, 0.0]) == (1, None)


def pat(pid: str, start: str, hours: int, cost: float, **kw: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "start": start,
        "length_minutes": 60 * hours,
        "days": [0],
        "cost": cost,
        **kw,
    }


def model(patterns: list[dict[str, Any]], **kw: Any) -> StaffingLevelsInstance:
    demand = [0] * 8 + [2] * 8 + [0] * 8
    return StaffingLevelsInstance.model_validate(
        {"slot_minutes": 60, "cyclic": False, "demand": demand, "patterns": patterns, **kw}
    )


def test_kept_patterns_drops_only_dominated_ones():
    inst = model(
        [
            pat("ft", "08:00", 8, 100),
            pat("ft_dear", "08:00", 8, 120),  # same slots, dearer: dropped
            pat("ft_same", "08:00", 8, 100),  # same slots and cost: the first stays
            pat("pt_cheap", "08:00", 8, 90, part_time=True),  # cheaper part-time: kept
            pat("pt_dear", "08:00", 8, 110, part_time=True),  # dearer part-time: dropped
            pat("capped", "08:00", 8, 50, max_headcount=1),  # cheaper but capped: kept
            pat("brk", "08:00", 8, 60, break_offset_minutes=240, break_minutes=60),  # other slots
        ]
    )
    assert [p.id for p in kept_patterns(prepare(inst))] == ["ft", "pt_cheap", "capped", "brk"]
    # a part-time tour never drops a full-time one (the part-time share could need it)
    inst = model([pat("pt", "08:00", 8, 90, part_time=True), pat("ft", "08:00", 8, 95)])
    assert [p.id for p in kept_patterns(prepare(inst))] == ["pt", "ft"]
    # every tour capped: nothing dominates
    inst = model(
        [pat("a", "08:00", 8, 90, max_headcount=1), pat("b", "08:00", 8, 95, max_headcount=1)]
    )
    assert [p.id for p in kept_patterns(prepare(inst))] == ["a", "b"]


def random_instance(rnd: random.Random) -> StaffingLevelsInstance:
    days = rnd.choice([1, 2])
    demand = [rnd.choice([0, 1, 2, 3]) if 6 <= h % 24 < 22 else 0 for h in range(24 * days)]
    patterns = []
    for k in range(rnd.randint(4, 9)):
        hours = rnd.choice([4, 6, 8])
        start = rnd.choice([6, 8, 10, 12, 14])
        brk = hours >= 6 and rnd.random() < 0.5
        p: dict[str, Any] = {
            "id": f"p{k}",
            "start": f"{start:02d}:00",
            "length_minutes": 60 * hours,
            "days": sorted(rnd.sample(range(days), rnd.randint(1, days))),
            "cost": rnd.choice([8.5, 10.0, 12.5, 15.0, 20.0]) * hours,
            "part_time": rnd.random() < 0.4,
        }
        if brk:
            p["break_offset_minutes"], p["break_minutes"] = 120, 60
        if rnd.random() < 0.2:
            p["max_headcount"] = rnd.randint(0, 2)
        patterns.append(p)
        for j in range(rnd.randint(0, 2)):  # twins: same slots, other cost, kind or cap
            twin = {**p, "id": f"p{k}_{j}", "cost": p["cost"] + rnd.choice([-5.0, 0.0, 5.0])}
            twin["part_time"] = rnd.random() < 0.5
            if rnd.random() < 0.3:
                twin["max_headcount"] = rnd.randint(0, 2)
            else:
                twin.pop("max_headcount", None)
            patterns.append(twin)
    return StaffingLevelsInstance.model_validate(
        {
            "slot_minutes": 60,
            "cyclic": rnd.random() < 0.5,
            "demand": demand,
            "patterns": patterns,
            "under_penalty": rnd.choice([15.5, 40.0, 100.0]),
            "max_part_time_share": rnd.choice([None, 0.0, 0.3, 0.5]),
        }
    )


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_reduction_and_scaling_never_change_the_optimum(backend):
    rnd = random.Random(11 if backend == "highs" else 12)
    opts = SolveOptions(time_limit_s=20, backend=backend, workers=1)
    n_dropped = 0
    for _ in range(8):
        inst = random_instance(rnd)
        plain = Formulation(prepare(inst), reduce=False, scale=False)
        run = milp_backend.run(plain.prob, opts, RunContext())
        assert run.status == SolveStatus.OPTIMAL
        res = opsplan.solve(
            {"model": "staffing_levels", "instance": inst.model_dump(mode="json")},
            opts.model_dump(),
        )
        assert res.status == SolveStatus.OPTIMAL and res.violations == []
        assert res.objective == pytest.approx(run.objective, abs=1e-6)
        # the bound is on the objective's grid: the optimum, proven exactly
        assert res.bound == pytest.approx(res.objective, abs=1e-9)
        dropped = {p.id for p in inst.patterns} - {p.id for p in kept_patterns(prepare(inst))}
        n_dropped += len(dropped)
        assert res.solution is not None
        assert all(h["count"] == 0 for h in res.solution["headcount"] if h["pattern"] in dropped)
    assert n_dropped > 0  # the instances did exercise the reduction


def test_highs_gets_an_exact_gap_unless_the_user_asks_for_one():
    inst = model([pat("a", "08:00", 8, 577.5), pat("b", "08:00", 4, 420.0)], under_penalty=200)
    F = Formulation(prepare(inst))  # 1155, 840, 400: step 5 in halves, 2.5 in the user's units
    assert (F.scale, F.unit) == (2, 2.5)
    assert F.highs_params(SolveOptions()) == {"mip_rel_gap": 0.0, "mip_abs_gap": 2.5}
    assert F.highs_params(SolveOptions(relative_gap=0.01)) == {}
    assert F.round_bound(1000.1) == 1002.5 and F.round_bound(1002.4999999) == 1002.5
    assert Formulation(prepare(inst), scale=False).scale == 1


def test_progress_objective_and_bound_are_in_the_users_units_on_highs():
    # half-unit costs: HiGHS solves the objective times 2, reports must divide it back
    demand = [0] * 8 + [2] * 4 + [3] * 4 + [0] * 8
    inst = {
        "slot_minutes": 60,
        "cyclic": False,
        "demand": demand,
        "under_penalty": 40.5,
        "patterns": [pat("a", "08:00", 8, 100.5), pat("b", "12:00", 4, 60.5)],
    }
    seen: list[opsplan.Progress] = []
    res = opsplan.solve(
        {"model": "staffing_levels", "instance": inst},
        {"backend": "highs", "time_limit_s": 20},
        on_progress=seen.append,
    )
    assert res.status == SolveStatus.OPTIMAL and res.violations == []
    assert res.objective == pytest.approx(2 * 100.5 + 60.5) and res.bound == res.objective
    assert seen and all(
        p.objective is not None and p.objective >= res.objective - 1e-6 for p in seen
    )
    assert seen[-1].objective == pytest.approx(res.objective)
