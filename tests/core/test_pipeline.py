"""The pipeline's promises (core/solve.py), on a faked family: a plan the checker rejects, a
wrong objective or a plan of the wrong shape becomes an `error` result; a failing stage is an
answer with a message, never a traceback; the prepared data is built once."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

import opsplan
from opsplan.core.result import Finding
from opsplan.core.run import Outcome
from opsplan.core.status import SolveStatus

from .helpers import fake_spec, plan, registered, request


def answer(solution: Any, objective: float | None = None) -> Any:
    """A solve that returns `solution` (and `objective`, by default the plan's own total)."""

    def solve(inst: Any, opts: Any, ctx: Any) -> Outcome:
        if objective is None:
            total = solution["total"] if isinstance(solution, dict) else solution.total
        return Outcome(
            status=SolveStatus.OPTIMAL,
            objective=float(total) if objective is None else objective,
            solution=solution,
        )

    return solve


def test_a_plan_the_checker_accepts_is_kept_with_its_kpis():
    with registered(fake_spec()):
        res = opsplan.solve(request([3, -2, -5]))
    assert res.status == SolveStatus.OPTIMAL and res.violations == []
    assert res.solution == {"picked": [{"item": -2}, {"item": -5}], "total": -7}
    assert res.objective == -7 and res.kpis == {"picks": 2}


def test_a_checker_violation_makes_the_result_an_error_naming_the_rule():
    with registered(fake_spec(solve=answer(plan(7)))):  # 7 is not an item
        res = opsplan.solve(request([1, 2]))
    assert res.status == SolveStatus.ERROR
    assert [(f.rule, f.entities) for f in res.violations] == [("known", {"pick": 0})]
    assert "the checker rejected the plan: see violations" in res.messages
    assert res.solution is not None  # the rejected plan is shown, to see what is wrong


def test_an_objective_the_checker_does_not_recompute_is_an_error():
    with registered(fake_spec(solve=answer(plan(1, 2), objective=2.0))):
        res = opsplan.solve(request([1, 2]))
    assert res.status == SolveStatus.ERROR
    assert [f.rule for f in res.violations] == ["objective"]
    assert "reported objective 2.0 but the checker recomputed 3.0" in res.violations[0].message


def test_a_derived_field_that_disagrees_with_the_plan_is_a_solution_finding():
    with registered(fake_spec(solve=answer({"picked": [{"item": 1}], "total": 5}, 1.0))):
        res = opsplan.solve(request([1, 2]))
    assert res.status == SolveStatus.ERROR
    assert [f.rule for f in res.violations] == ["solution"]


def test_verify_false_skips_the_checker():
    calls: list[Any] = []

    def check(inst: Any, sol: Any) -> Any:
        calls.append(sol)
        raise AssertionError("the checker ran")

    with registered(fake_spec(solve=answer(plan(7)), check=check)):
        res = opsplan.solve(request([1, 2], verify=False))
    assert calls == []
    assert res.status == SolveStatus.OPTIMAL and res.violations == []
    assert res.solution == {"picked": [{"item": 7}], "total": 7}


INCIDENT = re.compile(r"\(incident ([0-9a-f]{12}); the log has the details\)")


def incident_of(message: str, caplog: pytest.LogCaptureFixture, text: str) -> logging.LogRecord:
    """The incident named in `message`: it carries none of the exception's text, and the log
    has one ERROR record with its id and the traceback."""
    m = INCIDENT.search(message)
    assert m is not None, message
    assert text not in message and "Traceback" not in message
    iid = m.group(1)
    found = [r for r in caplog.records if getattr(r, "incident", None) == iid]
    assert len(found) == 1
    rec = found[0]
    assert rec.levelno == logging.ERROR and iid in rec.getMessage()
    assert rec.exc_info is not None and text in str(rec.exc_info[1])
    assert text in caplog.text and "Traceback" in caplog.text  # the formatted record
    return rec


def test_a_kpi_failure_is_a_message_and_the_plan_is_kept(caplog):
    def kpis(inst: Any, sol: Any) -> dict[str, Any]:
        raise ZeroDivisionError("no picks")

    with registered(fake_spec(kpis=kpis)):
        res = opsplan.solve(request([-1]))
    assert res.status == SolveStatus.OPTIMAL and res.kpis == {}
    assert res.solution == {"picked": [{"item": -1}], "total": -1}
    (msg,) = [m for m in res.messages if m.startswith("KPIs could not be computed")]
    incident_of(msg, caplog, "no picks")


LONG = "ortools.sat.python.cp_model_helper.LinearExpr cov_under_0/E(0..1) " * 40


def test_a_solve_exception_is_a_short_message_with_an_incident_id(caplog):
    def solve(inst: Any, opts: Any, ctx: Any) -> Outcome:
        raise TypeError(LONG)

    with registered(fake_spec(solve=solve)):
        res = opsplan.solve(request([1]))
    assert res.status == SolveStatus.ERROR and res.solution is None
    (msg,) = res.messages
    assert msg.startswith("internal error while solving (incident ") and len(msg) < 100
    assert "TypeError" not in res.to_json() and "cov_under" not in res.to_json()
    incident_of(msg, caplog, LONG)


def test_each_failure_has_its_own_incident(caplog):
    def solve(inst: Any, opts: Any, ctx: Any) -> Outcome:
        raise KeyError("machine 7")

    with registered(fake_spec(solve=solve)):
        a, b = opsplan.solve(request([1])), opsplan.solve(request([1]))
    assert INCIDENT.search(a.messages[0]).group(1) != INCIDENT.search(b.messages[0]).group(1)  # type: ignore[union-attr]


def test_a_prepare_exception_is_an_error_and_nothing_is_solved(caplog):
    solved: list[Any] = []

    def prepare(inst: Any, ctx: Any) -> Any:
        raise ValueError("calendar overflow")

    def solve(inst: Any, opts: Any, ctx: Any) -> Outcome:
        solved.append(inst)
        return Outcome(status=SolveStatus.OPTIMAL)

    with registered(fake_spec(prepare=prepare, solve=solve)):
        res = opsplan.solve(request([1]))
    assert res.status == SolveStatus.ERROR and solved == []
    (msg,) = res.messages
    assert msg.startswith("internal error while preparing the data (incident ")
    incident_of(msg, caplog, "calendar overflow")


@pytest.mark.parametrize("part", ["precheck", "check"])
def test_a_precheck_or_checker_exception_is_an_error_with_an_incident(caplog, part):
    def boom(*args: Any) -> Any:
        raise OverflowError("int too large to convert")

    with registered(fake_spec(**{part: boom})):
        res = opsplan.solve(request([1, -2]))
    assert res.status == SolveStatus.ERROR
    (msg,) = res.messages
    stage = "checking the data before solving" if part == "precheck" else "checking the plan"
    assert msg.startswith(f"internal error while {stage} (incident ")
    incident_of(msg, caplog, "int too large to convert")


@pytest.mark.parametrize(
    "solution, where",
    [
        ({"picked": [{"item": "seven"}], "total": 7}, "solution.picked[0].item"),
        ({"picked": [], "total": 0, "cost": 1}, "solution.cost"),
        ({"picked": []}, "solution.total"),
    ],
)
def test_a_plan_not_of_the_solution_type_is_an_error_naming_the_path(solution, where):
    checked: list[Any] = []

    def check(inst: Any, sol: Any) -> Any:
        checked.append(sol)
        raise AssertionError("a plan of the wrong shape reached the checker")

    with registered(fake_spec(solve=answer(solution, objective=0.0), check=check)):
        res = opsplan.solve(request([1]))
    assert res.status == SolveStatus.ERROR and checked == [] and res.solution is None
    assert [f.rule for f in res.violations] == ["solution"]
    assert where in res.violations[0].message


def test_prepare_runs_once_and_precheck_and_solve_get_its_result():
    built: list[object] = []
    seen: dict[str, object] = {}

    def prepare(inst: Any, ctx: Any) -> object:
        built.append(object())
        return built[-1]

    def precheck(prepared: Any, opts: Any) -> list[Finding]:
        seen["precheck"] = prepared
        return []

    def solve(prepared: Any, opts: Any, ctx: Any) -> Outcome:
        seen["solve"] = prepared
        return Outcome(status=SolveStatus.OPTIMAL, objective=0.0, solution=plan())

    with registered(fake_spec(prepare=prepare, precheck=precheck, solve=solve)):
        res = opsplan.solve(request([1]))
    assert res.status == SolveStatus.OPTIMAL
    assert len(built) == 1 and seen == {"precheck": built[0], "solve": built[0]}


def test_precheck_findings_answer_infeasible_without_solving():
    def precheck(prepared: Any, opts: Any) -> list[Finding]:
        return [Finding(rule="budget", message="the budget is negative")]

    def solve(prepared: Any, opts: Any, ctx: Any) -> Outcome:
        raise AssertionError("solved after a failed pre-check")

    with registered(fake_spec(precheck=precheck, solve=solve)):
        res = opsplan.solve(request([1], budget=-1))
    assert res.status == SolveStatus.INFEASIBLE and res.solution is None
    assert [f.rule for f in res.diagnosis] == ["budget"]
