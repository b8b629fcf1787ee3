"""Property test: random small flexible job shops with calendars, setups, releases and due
dates; every plan the solver returns must pass the checker, and must be no worse than the
dispatching heuristic's plan."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import opsplan
from opsplan.scheduling.heuristic import (
    best_start,
    dispatch,
    evaluate,
    respects_hard_rules,
    scalar,
)
from opsplan.scheduling.prepare import Prepared
from opsplan.scheduling.schema import SchedulingInstance


@st.composite
def instances(draw):
    nm = draw(st.integers(1, 3))
    machines = []
    for i in range(nm):
        m = {"id": f"M{i}"}
        if draw(st.booleans()):
            s = draw(st.integers(0, 20))
            m["unavailable"] = [{"start": s, "end": s + draw(st.integers(1, 6))}]
        machines.append(m)
    jobs = []
    for j in range(draw(st.integers(1, 4))):
        ops = []
        for k in range(draw(st.integers(1, 3))):
            ms = draw(st.lists(st.integers(0, nm - 1), min_size=1, max_size=nm, unique=True))
            ops.append(
                {
                    "id": f"o{k}",
                    "family": draw(st.sampled_from(["a", "b", None])),
                    "machines": [
                        {"machine": f"M{x}", "duration": draw(st.integers(0, 6))} for x in ms
                    ],
                }
            )
        jobs.append(
            {
                "id": f"J{j}",
                "release": draw(st.integers(0, 5)),
                "due": draw(st.integers(0, 25)),
                "weight": draw(st.integers(1, 3)),
                "operations": ops,
            }
        )
    kinds = draw(
        st.lists(
            st.sampled_from(["makespan", "weighted_tardiness", "weighted_completion", "late_jobs"]),
            min_size=1,
            max_size=2,
            unique=True,
        )
    )
    mode = draw(st.sampled_from(["weighted", "lexicographic"]))
    return {
        "machines": machines,
        "jobs": jobs,
        "setups": [{"from_family": "a", "to_family": "b", "time": draw(st.integers(0, 4))}],
        "objective": {"mode": mode, "terms": [{"kind": k} for k in kinds]},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_passes_the_checker_and_beats_the_heuristic(inst):
    res = opsplan.solve(
        {"model": "scheduling", "instance": inst}, {"time_limit_s": 5, "workers": 1}
    )
    assert res.status == opsplan.SolveStatus.OPTIMAL, (res.status, res.messages)
    assert res.violations == []
    P = Prepared(SchedulingInstance.model_validate(inst))
    for rule in ("mwkr", "slack"):  # with no deadline or horizon, every start plan is valid
        assert respects_hard_rules(P, dispatch(P, rule)), rule
    plan = best_start(P)
    obj = P.inst.objective
    if respects_hard_rules(P, plan):
        heur = scalar(obj, evaluate(P, plan, obj))
        assert res.objective <= heur[0]
