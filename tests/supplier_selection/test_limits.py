"""The deadline and the cancel flag stop every phase of supplier_selection (issue 14, item 3):
the greedy start, building the model, the runs and the diagnosis. Tested by events (a
`should_stop` that turns true after N calls, a deadline already past), never by the clock."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

import opsplan
from opsplan.core.options import SolveOptions
from opsplan.core.run import Interrupted, RunContext
from opsplan.supplier_selection import diagnose, solution, solver
from opsplan.supplier_selection.check import check
from opsplan.supplier_selection.decompose import STOP_EVERY, greedy
from opsplan.supplier_selection.milp import BUILDING, Formulation
from opsplan.supplier_selection.prepare import Prepared
from opsplan.supplier_selection.schema import Objective, SupplierInstance

from .helpers import offer, request

ROOT = Path(__file__).resolve().parents[2]
ITEMS = 3 * STOP_EVERY  # enough items for the greedy to ask `stop` within a pass


def _generated() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tools"))
    from make_supplier_instances import generate

    return generate(items=ITEMS, suppliers=6, periods=2, seed=3)


def _prepared() -> Prepared:
    return Prepared(SupplierInstance.model_validate(_generated()))


def _cost(P: Prepared, plan: dict[tuple[int, int], int]) -> float:
    return solution.evaluate(P, plan)["cost"]


class After:
    """A `should_stop` that turns true from its n-th call on, counting its calls."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls >= self.n


def _past() -> RunContext:
    """A context whose deadline has already passed (started 60 s ago, a 1 s limit)."""
    return RunContext(started=time.monotonic() - 60.0, time_limit_s=1.0)


def test_a_stop_within_the_first_greedy_pass_leaves_no_plan():
    P = _prepared()
    stop = After(2)
    assert greedy(P, _cost, budget_s=600.0, stop=stop) is None
    assert stop.calls == 2  # asked within the pass (every STOP_EVERY items), not after it


def test_a_stop_within_a_later_greedy_pass_keeps_the_passes_done():
    P = _prepared()
    one_pass = After(10**9)
    first = greedy(P, _cost, budget_s=600.0, rounds=1, stop=one_pass)
    assert first is not None
    stop = After(one_pass.calls + 2)  # the second pass is cut short
    got = greedy(P, _cost, budget_s=600.0, rounds=12, stop=stop)
    assert got == first
    assert stop.calls == one_pass.calls + 2


@pytest.mark.parametrize("n", [1, 2, 3, 6, 12, 40, 200])
def test_a_cancel_at_any_point_answers_a_checked_plan_or_no_solution_with_a_message(n):
    data = _generated()
    res = opsplan.solve(
        {"model": "supplier_selection", "instance": data},
        {"time_limit_s": 60, "workers": 1},
        should_stop=After(n),
    )
    assert any("cancel request" in m for m in res.messages), res.messages
    if res.status == opsplan.SolveStatus.NO_SOLUTION:
        assert res.solution is None
        assert any("no plan was found" in m for m in res.messages), res.messages
    else:
        assert res.status == opsplan.SolveStatus.FEASIBLE, (res.status, res.messages)
        assert res.solution is not None and res.violations == []


def test_a_deadline_already_past_skips_the_greedy_start_and_the_model():
    P = _prepared()
    messages: list[str] = []
    opts = SolveOptions(time_limit_s=1.0, workers=1)
    assert solver._decomposed_start(P, Objective(), opts, _past(), 1.0, messages) is None
    assert messages == ["greedy start skipped: no time left"]
    with pytest.raises(Interrupted) as e:
        Formulation(P, ctx=_past())
    assert e.value.phase == BUILDING and not e.value.cancelled
    out = solver.solve(P, opts, _past())
    assert out.status == opsplan.SolveStatus.NO_SOLUTION and out.solution is None
    assert out.messages[-1] == (
        "the time limit stopped the solve while building the model; no plan was found before it"
    )


def test_a_cancel_after_the_greedy_start_answers_the_greedy_plan(monkeypatch):
    data = _generated()
    cancel = {"now": False}
    real = solver._decomposed_start

    def then_cancel(*a: Any, **kw: Any) -> Any:
        plan = real(*a, **kw)
        cancel["now"] = True
        return plan

    monkeypatch.setattr(solver, "_decomposed_start", then_cancel)
    res = opsplan.solve(
        {"model": "supplier_selection", "instance": data},
        {"time_limit_s": 60, "workers": 1},
        should_stop=lambda: cancel["now"],
    )
    assert res.status == opsplan.SolveStatus.FEASIBLE, res.messages
    assert res.solution is not None and res.violations == []
    assert any(
        "stopped the solve while building the model: the plan is the greedy start" in m
        for m in res.messages
    ), res.messages
    # the plan answered is the one the checker accepts on its own, at the objective reported
    report = check(SupplierInstance.model_validate(data), res.solution)
    assert report.violations == [] and report.objective == pytest.approx(res.objective)


def test_a_cancel_while_building_a_model_of_the_diagnosis_ends_it_with_a_message():
    # more than the budget allows: no plan (the diagnosis drops the budget)
    req = request(
        [{"id": "A", "demand": [10]}],
        ["S"],
        [offer("A", "S", (0, 5.0))],
        policies={"budget": 10.0},
    )
    P = Prepared(SupplierInstance.model_validate(req["instance"]))
    opts = SolveOptions(time_limit_s=60, workers=1)
    ctx = RunContext(should_stop=After(2), time_limit_s=60)  # the 1st check passes, not the 2nd
    found = diagnose.explain(P, opts, ctx)
    assert len(found) == 1 and found[0].rule == "conflict"
    assert "a cancel request stopped the search for the rules to blame" in found[0].message
    # without the cancel, the budget is named
    found = diagnose.explain(P, opts, RunContext(time_limit_s=60))
    assert [f.rule for f in found] == ["budget"]
