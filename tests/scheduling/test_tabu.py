"""The tabu search that improves the start plan: plans it returns pass the checker, it never
answers worse than its start, and it reaches known optima on tiny classics."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import opsplan
from opsplan.scheduling import tabu
from opsplan.scheduling.formats import read_jssp
from opsplan.scheduling.heuristic import best_start, respects_hard_rules
from opsplan.scheduling.prepare import Prepared
from opsplan.scheduling.schema import SchedulingInstance

from .helpers import FT06, job, op, sched


def prepared(instance: dict) -> Prepared:
    return Prepared(SchedulingInstance.model_validate(instance))


def ft06() -> Prepared:
    return prepared(read_jssp(FT06, Path("ft06.txt")))


def test_tabu_search_reaches_the_ft06_optimum_from_the_dispatching_plan():
    P = ft06()
    start = best_start(P)
    found: list[int] = []
    plan = tabu.improve(
        P,
        start,
        time.monotonic() + 20,
        stop=lambda: bool(found) and found[-1] <= 55,
        on_improve=found.append,
    )
    assert max(start.end) > 55  # the dispatching rule alone does not find it
    assert max(plan.end) == 55 and respects_hard_rules(P, plan)
    assert found == sorted(found, reverse=True)  # every report is a new best


def test_lower_bound_is_the_longest_job_or_the_heaviest_machine():
    P = prepared(
        sched(
            [
                job("A", op("a", ("M1", 3)), op("b", ("M2", 9))),
                job("B", op("c", ("M2", 4)), op("d", ("M1", 1))),
                job("C", op("e", ("M1", 2), ("M2", 50))),  # flexible: not in the machine loads
            ]
        )["instance"]
    )
    assert tabu.lower_bound(P) == 13  # M2 carries 9 + 4; job A is 12 long


def random_flexible(seed: int, jobs: int = 8, machines: int = 4, ops: int = 5) -> dict:
    """Consecutive operations of a job may share a machine: a swap of such a pair on the
    critical path would close a cycle, so the search must not propose it."""
    rng = random.Random(seed)
    return sched(
        [
            job(
                f"J{j}",
                *(
                    op(
                        f"o{k}",
                        *(
                            (f"M{m}", rng.randint(1, 9))
                            for m in rng.sample(range(machines), rng.randint(1, 3))
                        ),
                    )
                    for k in range(ops)
                ),
                release=rng.choice([0, 0, 5]),
            )
            for j in range(jobs)
        ]
    )["instance"]


def test_flexible_plans_pass_the_checker_and_never_get_worse():
    for seed in range(6):
        P = prepared(random_flexible(seed))
        start = best_start(P)
        plan = tabu.improve(P, start, time.monotonic() + 0.3, seed=seed)
        assert respects_hard_rules(P, plan), seed
        assert max(plan.end) <= max(start.end)
        assert max(plan.end) >= tabu.lower_bound(P)


def test_not_applicable_beyond_makespan_on_a_free_shop():
    base = sched([job("A", op("a", ("M1", 3))), job("B", op("b", ("M1", 2)))])["instance"]
    assert tabu.applicable(prepared(base))
    tardy = {**base, "objective": {"terms": [{"kind": "weighted_tardiness"}]}}
    assert not tabu.applicable(prepared(tardy))
    setups = {**base, "setups": [{"from_family": "x", "to_family": "y", "time": 1}]}
    assert not tabu.applicable(prepared(setups))
    pinned = sched(
        [
            job("A", op("a", ("M1", 3), pin={"machine": "M1", "start": 4})),
            job("B", op("b", ("M1", 2))),
        ]
    )["instance"]
    assert not tabu.applicable(prepared(pinned))


def test_solve_on_one_worker_uses_the_search_and_proves_ft06(ft06_path):
    events: list[float] = []
    res = opsplan.solve(
        opsplan.load_request(ft06_path, "jssp"),
        {"time_limit_s": 30, "workers": 1},
        on_progress=lambda p: events.append(p.objective),
    )
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.objective == 55
    assert res.violations == []
    assert events and events == sorted(events, reverse=True)


def test_progress_beside_the_search_only_ever_improves():
    # two workers: the tabu search and CP-SAT report side by side; the listener sees a
    # non-increasing incumbent
    events: list[float] = []
    res = opsplan.solve(
        {"model": "scheduling", "instance": random_flexible(3, jobs=10, machines=5, ops=6)},
        {"time_limit_s": 4, "workers": 2},
        on_progress=lambda p: events.append(p.objective),
    )
    assert res.violations == [] and res.objective is not None
    assert events and events == sorted(events, reverse=True)
    assert len(set(events)) == len(events)  # improvements only, even where two searches meet
    assert res.objective <= events[-1]


def test_a_plan_at_the_lower_bound_is_optimal_without_cp_sat(monkeypatch):
    from opsplan.scheduling import solver

    def no_cpsat(*args, **kw):
        raise AssertionError("CP-SAT was not needed")

    monkeypatch.setattr(solver.backend, "run", no_cpsat)
    req = sched(
        [
            job("A", op("a", ("M1", 2)), op("b", ("M2", 2)), op("c", ("M0", 6))),
            job("B", op("d", ("M0", 5)), op("e", ("M1", 1)), op("f", ("M2", 3))),
            job("C", op("g", ("M2", 2)), op("h", ("M0", 6)), op("i", ("M1", 4))),
        ]
    )
    P = prepared(req["instance"])
    assert tabu.lower_bound(P) == 17  # M0 carries 6 + 5 + 6
    events: list[float] = []
    res = opsplan.solve(req, {"workers": 1}, on_progress=lambda p: events.append(p.objective))
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.objective == res.bound == 17
    # the starting plan is the first incumbent reported, the optimum the last
    assert events[0] == max(best_start(P).end) and events[-1] == 17
    assert res.violations == []


def test_a_cancel_during_the_search_answers_its_plan_at_once(monkeypatch):
    """The user cancels when the tabu search finds its first better plan: the search ends at its
    first look at the flag, no model is built after it, and the best plan is the answer."""
    from opsplan.scheduling import solver

    rng = random.Random(5)
    jobs = [
        job(f"J{j}", *(op(f"o{k}", (f"M{m}", rng.randint(1, 99))) for k, m in enumerate(order)))
        for j in range(20)
        for order in [rng.sample(range(15), 15)]
    ]
    cancel = threading.Event()
    seen = {"stop_true": 0, "returned": False, "models": 0}
    real_improve, real_formulation = tabu.improve, solver.Formulation

    def spy_improve(P, plan, deadline, *, stop, on_improve, **kw):
        def stop_spy() -> bool:
            said = stop()
            seen["stop_true"] += said
            return said

        def improved(v: int) -> None:
            on_improve(v)
            cancel.set()  # the user cancels while the search runs

        out = real_improve(P, plan, deadline, stop=stop_spy, on_improve=improved, **kw)
        seen["returned"] = True
        return out

    def spy_formulation(*a, **kw):
        seen["models"] += 1
        return real_formulation(*a, **kw)

    monkeypatch.setattr(solver.tabu, "improve", spy_improve)
    monkeypatch.setattr(solver, "Formulation", spy_formulation)
    events: list[float] = []
    res = opsplan.solve(
        sched(jobs),
        {"time_limit_s": 60, "workers": 2},
        should_stop=cancel.is_set,
        on_progress=lambda p: events.append(p.objective),
    )
    assert cancel.is_set() and seen["returned"]
    assert seen["stop_true"] == 1  # the search ended at its first look after the cancel
    assert seen["models"] == 1  # the tabu phase's CP-SAT model only: nothing built after it
    assert res.status == opsplan.SolveStatus.FEASIBLE and res.violations == []
    assert res.objective == min(events)  # the best plan found is the answer
    assert any("cancel" in m for m in res.messages)
