"""Plant-sized schedules (generated plants with flexible routings, setups, calendars and pins):
the objective a user sees is the plan's own, every phase stops on a cancel, and the bound
holds. Limits are tested by events and results, never by the clock."""

from __future__ import annotations

import pytest

import opsplan
from opsplan.scheduling.check import check
from opsplan.scheduling.generate import make_plant
from opsplan.scheduling.schema import SchedulingInstance


def plant(orders: int, *, calendars: bool = True, **objective: object) -> dict:
    req = make_plant(orders, seed=3, calendars=calendars)
    if objective:
        req["instance"]["objective"] = objective
    return req


KINDS = ["weighted_tardiness", "late_jobs", "weighted_completion", "makespan"]


@pytest.mark.parametrize(
    "objective",
    [{"terms": [{"kind": k}]} for k in KINDS]
    + [
        {"terms": [{"kind": "weighted_tardiness", "weight": 10}, {"kind": "makespan"}]},
        {"mode": "lexicographic", "terms": [{"kind": "late_jobs"}, {"kind": "makespan"}]},
    ],
    ids=[*KINDS, "weighted", "lexicographic"],
)
def test_reported_objective_is_the_checkers_on_a_plant_of_several_hundred_operations(objective):
    req = plant(60, **objective)  # about 310 operations
    seen: list[float] = []
    res = opsplan.solve(
        req, {"time_limit_s": 3, "workers": 2}, on_progress=lambda p: seen.append(p.objective)
    )
    assert res.status in (opsplan.SolveStatus.FEASIBLE, opsplan.SolveStatus.OPTIMAL)
    assert res.violations == []
    inst = SchedulingInstance.model_validate(req["instance"])
    report = check(inst, res.solution)
    assert res.objective == report.objective
    # progress shows the plans' own objectives, improving, ending at the answer
    assert seen and seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert seen[-1] == res.objective
    assert res.bound is not None and res.bound <= res.objective


def test_a_cancel_at_the_first_plan_answers_it_on_a_plant_of_thousands_of_operations():
    req = plant(400)  # about 2,100 operations, two-shift calendar, setups, pins
    seen: list[float] = []
    res = opsplan.solve(
        req,
        {"time_limit_s": 600, "workers": 2},
        on_progress=lambda p: seen.append(p.objective),
        should_stop=lambda: bool(seen),
    )
    assert res.status == opsplan.SolveStatus.FEASIBLE and res.violations == []
    assert res.objective == seen[0]  # the first checked plan is the answer, not a later one
    assert any("cancel" in m for m in res.messages)


def test_bound_from_routes_and_machine_classes_is_positive_and_below_the_plan():
    req = plant(60, terms=[{"kind": "weighted_completion"}])
    res = opsplan.solve(req, {"time_limit_s": 2, "workers": 2})
    assert res.violations == [] and res.bound is not None
    assert 0 < res.bound <= res.objective
