"""The deadline and a cancel stop every scheduling phase (issue 14, item 3), tested by events:
stop flags that flip after a number of calls, deadlines already past, reserves larger than
the limit. No wall-clock assertions."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import opsplan
from opsplan.core.options import SolveOptions
from opsplan.core.run import Interrupted, RunContext
from opsplan.scheduling import diagnose, heuristic, solver
from opsplan.scheduling.cpsat import Formulation
from opsplan.scheduling.generate import make_plant
from opsplan.scheduling.prepare import Prepared
from opsplan.scheduling.schema import SchedulingInstance


def _plant(n: int = 60, calendars: bool = True) -> dict[str, Any]:
    return make_plant(n, seed=3, calendars=calendars)


def _prepared(n: int = 60, calendars: bool = True, ctx: RunContext | None = None) -> Prepared:
    inst = SchedulingInstance.model_validate(_plant(n, calendars)["instance"])
    return Prepared(inst, ctx)


class _FlipsAfter:
    """A stop flag that turns true at its n-th call and counts its calls."""

    def __init__(self, n: int):
        self.n, self.calls = n, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls >= self.n


def test_a_construction_stops_within_a_few_hundred_operations() -> None:
    P = _prepared()
    assert len(P.ops) > 256
    for make in (heuristic.dispatch, heuristic.active):
        stop = _FlipsAfter(1)
        assert make(P, "slack", stop=stop) is None
        assert stop.calls == 1  # it stopped at the first check, not at the end
        assert make(P, "slack") is not None  # and without a stop it builds the plan


def test_a_stop_after_the_first_plan_keeps_it_and_starts_no_other_construction() -> None:
    P = _prepared()
    plans: list[int] = []
    made: list[str] = []
    real_active = heuristic.active

    def active(*a: Any, **k: Any) -> Any:
        made.append(a[1])
        return real_active(*a, **k)

    stopped = threading.Event()
    heuristic_active, heuristic.active = heuristic.active, active
    try:
        plan = heuristic.best_start(
            P, stop=stopped.is_set, on_plan=lambda p, v: (plans.append(v), stopped.set())
        )
    finally:
        heuristic.active = heuristic_active
    assert plan is not None and len(plans) == 1
    assert made == []


def test_no_construction_starts_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    P = _prepared()
    made: list[str] = []
    monkeypatch.setattr(heuristic, "dispatch", lambda P, rule, *a: made.append(rule))
    monkeypatch.setattr(heuristic, "active", lambda P, rule, *a: made.append(rule))
    checks: list[float] = []
    assert heuristic.best_start(P, deadline=0.0, on_check=checks.append) is None
    assert made == [] and checks == []  # nothing built, nothing checked


def test_calendars_are_not_expanded_past_the_deadline_or_a_cancel() -> None:
    ctx = RunContext(time_limit_s=0.0)
    with pytest.raises(Interrupted, match="time limit stopped the solve while expanding"):
        _prepared(ctx=ctx)
    ctx = RunContext(should_stop=lambda: True)
    with pytest.raises(Interrupted, match="cancel request stopped the solve while expanding"):
        _prepared(ctx=ctx)


def test_set_horizon_interrupted_keeps_the_old_horizon() -> None:
    stop = _FlipsAfter(10**9)
    P = _prepared(ctx=RunContext(should_stop=stop))
    horizon, unavailable = P.horizon, list(P.unavailable)
    stop.n = 0  # a cancel from now on
    with pytest.raises(Interrupted):
        P.set_horizon(horizon // 2)
    assert P.horizon == horizon and P.unavailable == unavailable


def test_calendars_expanded_once_per_calendar_give_the_same_periods() -> None:
    P = _prepared()
    # machines of the same calendar without their own periods share the calendar's periods
    shared = [
        P.unavailable[i]
        for i, m in enumerate(P.inst.machines)
        if m.calendar == "two-shifts" and not m.unavailable
    ]
    assert len(shared) > 1 and all(u == shared[0] for u in shared)
    assert shared[0] and all(s < e for s, e in shared[0])
    # a weekday off-shift: 22:00 to 06:00 the next day (start Monday 06:00, minutes)
    assert (16 * 60, 24 * 60) in shared[0]


def test_the_model_building_stops_at_its_checkpoint() -> None:
    P = _prepared()
    calls = _FlipsAfter(3)

    def checkpoint() -> None:
        if calls():
            raise Interrupted("building the model", cancelled=False)

    with pytest.raises(Interrupted, match="building the model"):
        Formulation(P, checkpoint=checkpoint)
    assert calls.calls == 3
    Formulation(P)  # without it the model is built


def test_the_diagnosis_names_the_stop_instead_of_building_past_it() -> None:
    P = _prepared()
    ctx = RunContext(should_stop=lambda: True)
    found = diagnose.explain(P, SolveOptions(time_limit_s=5), ctx)
    assert len(found) == 1 and found[0].rule == "conflict"
    assert "cancel request stopped the solve while explaining" in found[0].message


def test_the_prechecks_are_skipped_after_the_deadline_and_the_pipeline_names_it() -> None:
    P = _prepared(ctx=RunContext(should_stop=_FlipsAfter(10**9)))
    P.ctx = RunContext(time_limit_s=0.0)
    assert diagnose.precheck(P, SolveOptions()) == []


def test_no_time_left_after_the_start_plan_answers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # a reserve for the final check larger than the limit: the search, the bound and the
    # model are skipped, the start plan is the answer and the checker accepts it
    monkeypatch.setattr(solver, "TAIL_CHECKS", 1e9)
    built: list[int] = []
    real = Formulation.__init__

    def init(self: Formulation, *a: Any, **k: Any) -> None:
        built.append(1)
        real(self, *a, **k)

    monkeypatch.setattr(Formulation, "__init__", init)
    res = opsplan.solve(_plant(), {"time_limit_s": 30, "workers": 1})
    assert res.status.value == "feasible" and res.solution is not None
    assert not res.violations
    assert any("no time was left for a search" in m for m in res.messages)
    assert any("skipped for want of time: the lower bound" in m for m in res.messages)
    assert built == []


def test_a_cancel_after_the_start_plan_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    flag = threading.Event()
    real = heuristic.best_start

    def best_start(*a: Any, **k: Any) -> Any:
        plan = real(*a, **k)
        flag.set()  # the cancel arrives once the start plan is found
        return plan

    monkeypatch.setattr(heuristic, "best_start", best_start)
    res = opsplan.solve(_plant(), {"time_limit_s": 30, "workers": 1}, should_stop=flag.is_set)
    assert res.status.value == "feasible" and res.solution is not None and not res.violations
    assert any("cancel" in m for m in res.messages)


def test_a_cancel_during_the_first_construction_answers_no_solution() -> None:
    stop = _FlipsAfter(10**9)
    real = heuristic.dispatch

    def dispatch(*a: Any, **k: Any) -> Any:
        stop.n = stop.calls + 1  # cancel from the construction's first check on
        return real(*a, **k)

    heuristic.dispatch = dispatch
    try:
        res = opsplan.solve(_plant(), {"time_limit_s": 30, "workers": 1}, should_stop=stop)
    finally:
        heuristic.dispatch = real
    assert res.status.value == "no_solution" and res.solution is None
    assert "a cancel request came before a first plan was built" in res.messages
