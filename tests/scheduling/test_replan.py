"""Replanning against a published plan: `previous`, `freeze_until`, the `stability` term, the
moved-operation KPIs and `opsplan solve --previous`."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core.backends import cpsat as backend
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.scheduling.check import check
from opsplan.scheduling.cpsat import Formulation, StartPlan
from opsplan.scheduling.heuristic import dispatch, evaluate, plan_rows
from opsplan.scheduling.prepare import Prepared
from opsplan.scheduling.replan import previous_plan, repaired_plan, stability
from opsplan.scheduling.schema import SchedulingInstance

from .helpers import job, op, rows, sched, solved

runner = CliRunner()
FAST = {"time_limit_s": 3, "workers": 2}


def shop() -> dict[str, Any]:
    """Five jobs of three operations over three machines, with machine choices and due dates
    every job can meet (many plans are optimal for weighted tardiness)."""
    jobs = [
        job(
            f"J{i}",
            op("a", ("M1", 3 + i), ("M2", 4)),
            op("b", ("M2", 2), ("M3", 3 + i % 2)),
            op("c", ("M1", 2), ("M3", 2)),
            due=10 + 2 * i,
            weight=1 + i % 2,
        )
        for i in range(5)
    ]
    req = sched(jobs, objective={"terms": [{"kind": "weighted_tardiness"}]})
    req["options"] = dict(FAST)
    return req


def with_previous(
    req: dict[str, Any], plan: list[dict[str, Any]], freeze: int | None = None, **objective: Any
) -> dict[str, Any]:
    new = copy.deepcopy(req)
    new["instance"]["previous"] = {"operations": copy.deepcopy(plan), "freeze_until": freeze}
    if objective:
        new["instance"]["objective"] = objective
    return new


def moves_from_rows(previous: list[dict[str, Any]], plan: list[dict[str, Any]]) -> tuple[int, int]:
    """(operations whose start or machine changed, total start shift), counted here."""
    now = {(r["job"], r["operation"]): r for r in plan}
    moved = shift = 0
    for p in previous:
        r = now[(p["job"], p["operation"])]
        moved += r["start"] != p["start"] or r["machine"] != p["machine"]
        shift += abs(r["start"] - p["start"])
    return moved, shift


@pytest.fixture(scope="module")
def published() -> list[dict[str, Any]]:
    """The shop's plan as a former result has it (every field of its rows)."""
    res = solved(shop())
    assert res.solution is not None and res.objective == 0
    return res.solution["operations"]


# ---------------------------------------------------------------------------- invalid input


def _problems(req: dict[str, Any]) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.solve(req)
    return [str(p) for p in e.value.problems]


PREV = [
    {"job": "A", "operation": "a", "machine": "M1", "start": 0},
    {"job": "A", "operation": "b", "machine": "M1", "start": 2},
]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda p, i: p["operations"][0].update(job="Z"),
            "instance.previous.operations[0].job: unknown job 'Z'",
        ),
        (
            lambda p, i: p["operations"][1].update(operation="zz"),
            "instance.previous.operations[1].operation: unknown operation 'zz' in job 'A'",
        ),
        (
            lambda p, i: p["operations"].append(dict(PREV[0], start=5)),
            "instance.previous.operations[2]: operation 'a' of job 'A' is given twice",
        ),
        (
            lambda p, i: p["operations"][0].update(machine="M9"),
            "instance.previous.operations[0].machine: unknown machine 'M9'",
        ),
        (
            lambda p, i: p["operations"][1].update(machine="M2"),
            "instance.previous.operations[1].machine: operation 'b' of job 'A' cannot run on "
            "'M2' (eligible: M1)",
        ),
        (
            lambda p, i: p["operations"][0].update(start=-1),
            "instance.previous.operations[0].start: Input should be greater than or equal to 0",
        ),
        (
            lambda p, i: p["operations"][0].update(strat=3),
            "instance.previous.operations[0].strat: unknown field",
        ),
        (
            lambda p, i: p.update(freeze_until=-5),
            "instance.previous.freeze_until: Input should be greater than or equal to 0",
        ),
        (
            lambda p, i: (
                p.update(freeze_until=1),
                i["jobs"][0]["operations"][0].update(pin={"start": 4}),
            ),
            "instance.jobs[0].operations[0].pin.start: operation 'a' of job 'A' is pinned to "
            "start at 4, but the previous plan freezes it (previous.operations[0]: M1 at 0, "
            "before freeze_until 1)",
        ),
        (
            lambda p, i: (
                p.update(freeze_until=1),
                i["jobs"][0]["operations"][0].update(pin={"machine": "M2"}),
            ),
            "instance.jobs[0].operations[0].pin.machine: operation 'a' of job 'A' is pinned to "
            "'M2', but the previous plan freezes it",
        ),
        (
            lambda p, i: i.pop("previous"),
            "instance.objective.terms[1].kind: 'stability' counts what moves from a previous "
            "plan, and no `previous` is given",
        ),
    ],
)
def test_each_invalid_previous_plan_is_named(mutate, expected):
    req = sched([job("A", op("a", ("M1", 2), ("M2", 2)), op("b", ("M1", 2)))])
    inst = req["instance"]
    inst["previous"] = {"operations": copy.deepcopy(PREV)}
    inst["objective"] = {"terms": [{"kind": "makespan"}, {"kind": "stability"}]}
    mutate(inst["previous"], inst)
    found = _problems(req)
    assert any(p.startswith(expected) for p in found), found


def test_a_pin_agreeing_with_the_freeze_is_fine():
    req = sched([job("A", op("a", ("M1", 2), ("M2", 2), pin={"machine": "M2"}))])
    req["instance"]["previous"] = {
        "operations": [{"job": "A", "operation": "a", "machine": "M2", "start": 3}],
        "freeze_until": 5,
    }
    assert rows(solved(req))[("A", "a")]["start"] == 3


def test_every_problem_of_a_previous_plan_is_reported_at_once():
    req = sched([job("A", op("a", ("M1", 2)))])
    req["instance"]["previous"] = {
        "operations": [
            {"job": "Z", "operation": "a", "machine": "M1", "start": 0},
            {"job": "A", "operation": "a", "machine": "M7", "start": 0},
        ]
    }
    found = _problems(req)
    assert {p.split(":")[0] for p in found} == {
        "instance.previous.operations[0].job",
        "instance.previous.operations[1].machine",
    }


# ---------------------------------------------------------------------------- freeze


def test_result_rows_are_a_previous_plan_as_they_are(published):
    assert {"index", "end", "setup_before"} <= set(published[0])  # a result's own rows
    inst = SchedulingInstance.model_validate(with_previous(shop(), published)["instance"])
    assert inst.previous is not None and len(inst.previous.operations) == 15


def test_frozen_operations_keep_machine_and_start():
    # alone, b would start at 0 on M2; the previous plan had it late on the slower M1
    req = sched([job("A", op("a", ("M1", 2))), job("B", op("b", ("M1", 5), ("M2", 3)))])
    req["options"] = dict(FAST)
    prev = [
        {"job": "A", "operation": "a", "machine": "M1", "start": 0},
        {"job": "B", "operation": "b", "machine": "M1", "start": 4},
    ]
    free = solved(req)
    assert rows(free)[("B", "b")]["machine"] == "M2" and free.objective == 3
    res = solved(with_previous(req, prev, freeze=5))  # b starts at 4 < 5: frozen
    r = rows(res)[("B", "b")]
    assert (r["machine"], r["start"], res.objective) == ("M1", 4, 9)
    # the boundary: an operation starting at the freeze time is not frozen
    res = solved(with_previous(req, prev, freeze=4))
    assert rows(res)[("B", "b")]["machine"] == "M2" and res.objective == 3


def test_the_checker_rejects_a_plan_that_moves_a_frozen_operation():
    req = sched([job("A", op("a", ("M1", 2), ("M2", 2)))])
    req["instance"]["previous"] = {
        "operations": [{"job": "A", "operation": "a", "machine": "M1", "start": 3}],
        "freeze_until": 10,
    }
    inst = SchedulingInstance.model_validate(req["instance"])
    row = {"job": "A", "index": 0, "operation": "a", "machine": "M2", "start": 3, "end": 5}
    assert [v.rule for v in check(inst, {"operations": [row]}).violations] == ["freeze"]
    row.update(machine="M1", start=0, end=2)
    assert [v.rule for v in check(inst, {"operations": [row]}).violations] == ["freeze"]
    row.update(start=3, end=5)
    assert check(inst, {"operations": [row]}).violations == []


def test_a_frozen_operation_the_new_instance_cannot_keep_is_diagnosed():
    req = sched(
        [job("A", op("a", ("M1", 4)))], [{"id": "M1", "unavailable": [{"start": 2, "end": 6}]}]
    )
    req["instance"]["previous"] = {
        "operations": [{"job": "A", "operation": "a", "machine": "M1", "start": 0}],
        "freeze_until": 1,
    }
    res = opsplan.solve(req)
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    assert [f.rule for f in res.diagnosis] == ["freeze"]
    assert "frozen by the previous plan" in res.diagnosis[0].message


# ---------------------------------------------------------------------------- stability


def test_the_same_instance_with_its_own_plan_moves_nothing(published):
    # the published plan is optimal (no job late): the stability level keeps it as it is
    lex = [{"kind": "weighted_tardiness"}, {"kind": "stability"}]
    req = with_previous(shop(), published, mode="lexicographic", terms=lex)
    res = solved(req)
    assert res.solution is not None
    assert res.penalties["stability"] == 0
    assert moves_from_rows(published, res.solution["operations"]) == (0, 0)
    k = res.kpis
    assert (k["moved_operations"], k["moved_machine"], k["total_shift"], k["max_shift"]) == (
        0,
        0,
        0,
        0,
    )
    assert [lv["term"] for lv in k["objective_levels"]] == ["weighted_tardiness", "stability"]
    assert res.status == opsplan.SolveStatus.OPTIMAL


def test_stability_keeps_the_published_order_after_a_breakdown():
    # one machine, unit jobs; weighted completion alone wants the heaviest first (D C B A),
    # the published plan runs A B C D; the machine is down in [3, 4)
    req = sched(
        [job(x, op("o", ("M1", 1)), weight=w) for x, w in zip("ABCD", (1, 2, 3, 4), strict=True)],
        [{"id": "M1", "unavailable": [{"start": 3, "end": 4, "reason": "breakdown"}]}],
        objective={"terms": [{"kind": "weighted_completion"}]},
    )
    req["options"] = dict(FAST)
    prev = [{"job": x, "operation": "o", "machine": "M1", "start": t} for t, x in enumerate("ABCD")]
    alone = solved(req)
    assert alone.solution is not None
    assert [r["job"] for r in alone.solution["operations"]] == list("DCBA")
    replanned = solved(
        with_previous(
            req,
            prev,
            terms=[{"kind": "weighted_completion"}, {"kind": "stability", "weight": 10}],
        )
    )
    assert replanned.solution is not None
    assert moves_from_rows(prev, replanned.solution["operations"]) == (1, 1)  # D waits 1
    assert moves_from_rows(prev, alone.solution["operations"]) == (4, 4 + 1 + 1 + 3)
    assert replanned.kpis["moved_operations"] == 1 and replanned.kpis["total_shift"] == 1
    assert replanned.objective == 1 * 1 + 2 * 2 + 3 * 3 + 4 * 5 + 10 * 1


def _stability_of(instance: dict[str, Any], plan: list[dict[str, Any]]) -> int:
    """The checker's stability value of a plan, whatever the instance's own objective."""
    inst = SchedulingInstance.model_validate(
        {**instance, "objective": {"terms": [{"kind": "stability"}]}}
    )
    return int(check(inst, {"operations": plan}).penalties["stability"])


def _rush(inst: dict[str, Any]) -> None:
    inst["jobs"].append(job("RUSH", op("r", ("M1", 3), ("M2", 3)), due=3, weight=5))


def _m2_down(inst: dict[str, Any]) -> None:
    inst["machines"][1]["unavailable"] = [{"start": 4, "end": 9, "reason": "breakdown"}]


def _replan_both_ways(published, disrupt) -> tuple[dict[str, Any], Any, Any]:
    """Solve the disrupted shop lexicographically on weighted tardiness, from scratch and then
    with stability as a second level (freeze until 2 in both; one worker: reproducible)."""
    req = shop()
    req["options"] = {"time_limit_s": 3, "workers": 1, "seed": 1}
    disrupt(req["instance"])
    lex: dict[str, Any] = {"mode": "lexicographic", "terms": [{"kind": "weighted_tardiness"}]}
    scratch = solved(with_previous(req, published, freeze=2, **lex))
    lex["terms"] = [*lex["terms"], {"kind": "stability"}]
    req = with_previous(req, published, freeze=2, **lex)
    return req, scratch, solved(req)


@pytest.mark.parametrize("disrupt", [_m2_down, _rush])
def test_after_a_disruption_stability_is_minimal_among_the_optimal_plans(published, disrupt):
    req, scratch, replanned = _replan_both_ways(published, disrupt)
    assert replanned.status == scratch.status == opsplan.SolveStatus.OPTIMAL
    assert scratch.solution is not None and replanned.solution is not None
    # level 1 is the same optimum; level 2 then moves as little as any such plan can
    assert replanned.objective == scratch.objective
    stab = replanned.penalties["stability"]
    assert stab == _stability_of(req["instance"], replanned.solution["operations"])
    assert stab <= _stability_of(req["instance"], scratch.solution["operations"])
    assert replanned.kpis["moved_operations"] <= scratch.kpis["moved_operations"]
    assert moves_from_rows(published, replanned.solution["operations"]) == (
        replanned.kpis["moved_operations"],
        replanned.kpis["total_shift"],
    )


def test_a_rush_order_moves_fewer_operations_with_stability(published):
    _, scratch, replanned = _replan_both_ways(published, _rush)
    assert replanned.kpis["moved_operations"] < scratch.kpis["moved_operations"]
    assert replanned.kpis["total_shift"] < scratch.kpis["total_shift"]


def test_a_rush_order_in_a_weighted_objective_checker_agrees(published):
    req = shop()
    _rush(req["instance"])
    terms = [
        {"kind": "weighted_tardiness", "weight": 3},
        {"kind": "makespan", "weight": 1},
        {"kind": "stability", "weight": 2},
    ]
    res = solved(with_previous(req, published, terms=terms))
    assert res.status.has_solution and res.solution is not None
    # the pipeline compares the solver's objective with the checker's (a mismatch is a
    # violation, which solved() refuses); here it is recomputed once more from the rows
    plan = res.solution["operations"]
    inst = SchedulingInstance.model_validate(with_previous(req, published, terms=terms)["instance"])
    report = check(inst, {"operations": plan})
    assert report.objective == res.objective
    durations = {
        (j["id"], o["id"], md["machine"]): md["duration"]
        for j in req["instance"]["jobs"]
        for o in j["operations"]
        for md in o["machines"]
    }
    now = {(r["job"], r["operation"]): r for r in plan}
    stab = sum(
        abs(now[(p["job"], p["operation"])]["start"] - p["start"])
        + (
            durations[(p["job"], p["operation"], p["machine"])]
            if now[(p["job"], p["operation"])]["machine"] != p["machine"]
            else 0
        )
        for p in published
    )
    assert res.penalties["stability"] == stab
    assert res.kpis["new_operations"] == 1
    assert rows(res)[("RUSH", "r")]["end"] <= 3 + 3  # the weight 5 pulls it forward


def test_stability_may_keep_an_operation_later_than_a_regular_horizon():
    # stability alone: keeping the published start 100 costs 0, far past the default horizon
    req = sched([job("A", op("a", ("M1", 2)))], objective={"terms": [{"kind": "stability"}]})
    req["instance"]["previous"] = {
        "operations": [{"job": "A", "operation": "a", "machine": "M1", "start": 100}]
    }
    res = solved(req)
    assert rows(res)[("A", "a")]["start"] == 100 and res.objective == 0


def test_machine_change_counts_the_duration_on_the_previous_machine():
    # M1 is down; a moves to M2 at its old start: stability = its duration on M1 (7), not M2's
    req = sched(
        [job("A", op("a", ("M1", 7), ("M2", 4)))],
        [{"id": "M1", "unavailable": [{"start": 0, "end": 50}]}, {"id": "M2"}],
        objective={"terms": [{"kind": "stability"}]},
    )
    req["instance"]["previous"] = {
        "operations": [{"job": "A", "operation": "a", "machine": "M1", "start": 5}]
    }
    res = solved(req)
    r = rows(res)[("A", "a")]
    assert (r["machine"], r["start"], res.objective) == ("M2", 5, 7)
    assert res.kpis["moved_machine"] == 1 and res.kpis["total_shift"] == 0


def test_everything_frozen_leaves_stability_zero_in_a_lexicographic_level(published):
    req = with_previous(
        shop(),
        published,
        freeze=10**6,
        mode="lexicographic",
        terms=[{"kind": "makespan"}, {"kind": "stability"}],
    )
    res = solved(req)
    assert res.penalties["stability"] == 0 and res.kpis["moved_operations"] == 0


def test_a_complete_hint_fixes_every_term_to_the_plans_own_value(published):
    """CP-SAT with every variable fixed to its hint: feasible, and the objective it reports is
    the plan's value as evaluate() computes it, for every term (no loose auxiliary variable)."""
    req = shop()
    req["instance"]["jobs"].append(
        job(
            "DAG",
            op("x", ("M1", 1), ("M3", 2), predecessors=[]),
            op("y", ("M2", 2), predecessors=[]),
            due=4,
        )
    )
    kinds = ["makespan", "weighted_tardiness", "weighted_completion", "late_jobs", "stability"]
    inst = SchedulingInstance.model_validate(
        with_previous(req, published, terms=[{"kind": k} for k in kinds])["instance"]
    )
    P = Prepared(inst)
    # a plan that moves things: the published one, shifted 3 later, plus the new job after it
    base = {(r["job"], r["operation"]): r for r in published}
    after = max(r["end"] for r in published) + 3
    mach, start, end = [], [], []
    for o, opd in enumerate(P.ops):
        key = (inst.jobs[opd.job].id, opd.id)
        if key in base:
            mi, s = P.m_index[base[key]["machine"]], base[key]["start"] + 3
        else:
            mi, s = P.ops[o].modes[0][0], after + 2 * opd.k
        d = dict(P.ops[o].modes)[mi]
        mach.append(mi)
        start.append(s)
        end.append(s + d)
    plan = StartPlan(mach, start, end)
    assert not check(inst, {"operations": _rows(P, plan)}).violations
    values = evaluate(P, plan, inst.objective)
    assert values[kinds.index("stability")] == 3 * 15
    for k, kind in enumerate(kinds):
        F = Formulation(P)
        F.m.minimize(F.term(kind))
        F.hint(plan)
        run = backend.run(
            F.m,
            SolveOptions(time_limit_s=2, workers=1),
            RunContext(),
            params={"fix_variables_to_their_hinted_value": True},
        )
        assert run.has_solution, kind
        assert run.objective == values[k], kind


@pytest.mark.parametrize("shift", [0, 3])
@pytest.mark.parametrize(
    "kind", ["makespan", "weighted_tardiness", "weighted_completion", "late_jobs", "stability"]
)
def test_the_term_is_tight_no_solver_value_above_the_plans(published, kind, shift):
    """Starts and machines fixed to a plan, CP-SAT *maximising* the term still finds the plan's
    own value: the auxiliary variables are equalities, so any solution CP-SAT reports (an
    incumbent before the optimum too) carries its true objective."""
    inst = SchedulingInstance.model_validate(
        with_previous(shop(), published, terms=[{"kind": kind}])["instance"]
    )
    P = Prepared(inst)
    plan = previous_plan(P)
    assert plan is not None
    # as published (every job just on time), or everything 3 later (every job late)
    plan = StartPlan(plan.machine, [s + shift for s in plan.start], [e + shift for e in plan.end])
    F = Formulation(P)
    F.m.maximize(F.term(kind))
    for o in range(len(P.ops)):
        F.m.add(F.start[o] == plan.start[o])
        for mi, lit in F.mode_presence[o].items():
            if lit is not True:
                F.m.add(lit == int(mi == plan.machine[o]))
    F.m.clear_hints()
    run = backend.run(F.m, SolveOptions(time_limit_s=2, workers=1), RunContext())
    if run.status != opsplan.SolveStatus.OPTIMAL:
        pytest.fail(f"{kind}: {run.status}")
    assert run.objective == evaluate(P, plan, inst.objective)[0]


@pytest.mark.parametrize("mode", ["weighted", "lexicographic"])
def test_the_answer_is_the_plans_own_value_whatever_cp_sat_reports(monkeypatch, published, mode):
    """CP-SAT's objective_value can differ from the value of the solution it returns (seen
    with LNS solutions): here it is made 30 too high; the answer is the plan's own value."""
    import dataclasses

    from opsplan.scheduling import solver

    real = solver.backend.run

    def off(model, options, ctx, **kw):
        run = real(model, options, ctx, **kw)
        if run.objective is None:
            return run
        return dataclasses.replace(run, objective=run.objective + 30, bound=run.objective + 30)

    monkeypatch.setattr(solver.backend, "run", off)
    terms = [{"kind": "weighted_tardiness"}, {"kind": "stability"}]
    req = with_previous(shop(), published, mode=mode, terms=terms)
    _m2_down(req["instance"])
    res = solved(req)  # the pipeline's checker agrees with the answer (else a violation)
    # the objective is always the plan's own (solved() asserts the checker agrees), and no
    # bound above it is answered
    assert res.bound is not None and res.objective is not None and res.bound <= res.objective
    if mode == "lexicographic":
        levels = res.kpis["objective_levels"]
        assert [lv["value"] for lv in levels] == [
            res.penalties["weighted_tardiness"],
            res.penalties["stability"],
        ]


def _rows(P: Prepared, plan: StartPlan) -> list[dict[str, Any]]:
    return plan_rows(P, plan)


def test_previous_plan_in_dense_indices_only_when_complete(published):
    inst = SchedulingInstance.model_validate(with_previous(shop(), published)["instance"])
    P = Prepared(inst)
    plan = previous_plan(P)
    assert plan is not None
    assert _rows(P, plan) == [
        {k: r[k] for k in ("job", "index", "operation", "machine", "start", "end")}
        for r in sorted(published, key=lambda r: (r["job"], r["index"]))
    ]
    inst = SchedulingInstance.model_validate(with_previous(shop(), published[1:])["instance"])
    assert previous_plan(Prepared(inst)) is None


@pytest.mark.parametrize("disrupt", [_m2_down, _rush])
def test_the_repaired_previous_plan_only_pushes_later_and_moves_less(published, disrupt):
    req = with_previous(shop(), published, freeze=2)
    disrupt(req["instance"])
    inst = SchedulingInstance.model_validate(req["instance"])
    P = Prepared(inst)
    old = previous_plan(P)
    assert old is None or check(inst, {"operations": _rows(P, old)}).violations
    plan = repaired_plan(P)
    assert plan is not None
    now = {(r["job"], r["operation"]): r for r in _rows(P, plan)}
    assert check(inst, {"operations": list(now.values())}).violations == []
    for p in published:
        r = now[(p["job"], p["operation"])]
        assert r["start"] >= p["start"]
        if p["start"] < 2:
            assert (r["machine"], r["start"]) == (p["machine"], p["start"])  # frozen
    # something had to move, and far less than in a plan made without the previous one
    assert 0 < stability(P, plan) < min(stability(P, dispatch(P, r)) for r in ("mwkr", "slack"))


@pytest.mark.parametrize(
    "disruption, starts, objective",
    [
        # M1 down in [3, 4): only C waits
        ("breakdown", {"B": 0, "D": 1, "A": 2, "C": 4}, 2 * 1 + 4 * 2 + 1 * 3 + 3 * 5 + 10 * 1),
        # a new order N (not in the published plan) goes in first after B and pushes the rest
        (
            "new order",
            {"B": 0, "N": 1, "D": 2, "A": 3, "C": 4},
            2 * 1 + 1 * 2 + 4 * 3 + 1 * 4 + 3 * 5 + 10 * 3,
        ),
    ],
)
def test_the_solver_starts_from_the_repaired_plan_when_it_is_better(
    monkeypatch, disruption, starts, objective
):
    """CP-SAT patched to find nothing: the answer is the start plan, and that is the
    repaired previous plan, not the dispatching plan."""
    from opsplan.scheduling import solver

    def nothing(model, options, ctx, **kw):
        return backend.CpsatRun(opsplan.SolveStatus.NO_SOLUTION, None, None, None, 0.0)  # type: ignore[arg-type]

    monkeypatch.setattr(solver.backend, "run", nothing)
    jobs = [job(x, op("o", ("M1", 1)), weight=w) for x, w in zip("ABCD", (1, 2, 3, 4), strict=True)]
    machine: dict[str, Any] = {"id": "M1"}
    if disruption == "breakdown":
        machine["unavailable"] = [{"start": 3, "end": 4}]
    else:
        jobs.append(job("N", op("o", ("M1", 1))))
    req = sched(
        jobs,
        [machine],
        objective={"terms": [{"kind": "weighted_completion"}, {"kind": "stability", "weight": 10}]},
    )
    # published: B D A C; the dispatching rules give A B C D or D C B A (moving far more)
    prev = [{"job": x, "operation": "o", "machine": "M1", "start": t} for t, x in enumerate("BDAC")]
    res = solved(with_previous(req, prev))
    assert res.status == opsplan.SolveStatus.FEASIBLE
    assert "starting heuristic's plan" in " ".join(res.messages)
    assert {k: r["start"] for (k, _), r in rows(res).items()} == starts
    assert res.objective == objective


def test_the_example_replans_the_cell_after_the_breakdown():
    from pathlib import Path

    import jsonschema

    p = Path(__file__).resolve().parents[2] / "instances" / "scheduling" / "replan_previous.json"
    doc = json.loads(p.read_text())
    jsonschema.validate(doc, json.loads(runner.invoke(app, ["schema", "scheduling"]).output))
    res = solved(opsplan.load_request(p))
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.objective == 0  # nobody late
    now = rows(res)
    assert now[("WO-7", "turn")]["start"] == 0 and now[("WO-9", "mill")]["start"] == 0  # frozen
    assert all(r["start"] >= 360 for r in now.values() if r["machine"] == "LATHE-2")
    previous = doc["instance"]["previous"]["operations"]
    assert moves_from_rows(previous, list(now.values())) == (
        res.kpis["moved_operations"],
        res.kpis["total_shift"],
    )
    # the least moving plan without a late job (proven by the second level)
    assert res.penalties["stability"] == 820
    assert res.kpis["objective_levels"][1]["status"] == "optimal"


# ---------------------------------------------------------------------------- CLI


@pytest.fixture
def files(tmp_path, published):
    """new.json: the shop with M2 down and a stability term; result.json: its former result."""
    new = shop()
    new["instance"]["machines"][1]["unavailable"] = [{"start": 4, "end": 9}]
    new["instance"]["objective"] = {
        "mode": "lexicographic",
        "terms": [{"kind": "weighted_tardiness"}, {"kind": "stability"}],
    }
    p_new, p_old = tmp_path / "new.json", tmp_path / "result.json"
    p_new.write_text(json.dumps(new))
    old = {"model": "scheduling", "status": "optimal", "solution": {"operations": published}}
    p_old.write_text(json.dumps(old))
    return p_new, p_old, tmp_path


def test_cli_previous_replans_and_reports_the_moves(files, published):
    p_new, p_old, tmp = files
    out = tmp / "r.json"
    r = runner.invoke(
        app,
        ["solve", str(p_new), "--previous", str(p_old), "--freeze-until", "2", "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    res = opsplan.SolveResult.from_json(out.read_text())
    assert res.violations == [] and res.solution is not None
    moved, shift = moves_from_rows(published, res.solution["operations"])
    assert (res.kpis["moved_operations"], res.kpis["total_shift"]) == (moved, shift)
    assert f"against the previous plan: {moved} operation(s) moved" in r.output
    frozen = [p for p in published if p["start"] < 2]
    now = rows(res)
    assert frozen and all(now[(p["job"], p["operation"])]["start"] == p["start"] for p in frozen)


def test_cli_previous_replaces_the_instances_own_and_leaves_out_finished_orders(files, published):
    p_new, p_old, _ = files
    new = json.loads(p_new.read_text())
    new["instance"]["previous"] = {"operations": published[:3]}
    new["instance"]["jobs"] = [j for j in new["instance"]["jobs"] if j["id"] != "J0"]  # done
    p_new.write_text(json.dumps(new))
    r = runner.invoke(app, ["solve", str(p_new), "--previous", str(p_old)])
    assert r.exit_code == 0, r.output
    assert "replaces the instance's own previous plan" in r.output
    assert "3 operation(s) of the previous plan are not in the instance" in r.output


@pytest.mark.parametrize(
    "content, needle",
    [
        ("{oops", "line 1 column 2: invalid JSON"),
        ('{"model": "scheduling", "status": "infeasible"}', "solution.operations: no plan here"),
        ('{"model": "rostering", "solution": {}}', "model: is a result of model 'rostering'"),
        (
            '{"solution": {"operations": [{"job": "J0"}]}}',
            "solution.operations[0]: expected an object with job, operation",
        ),
        (
            '{"solution": {"operations": [{"job": "J0", "operation": "a", "machine": "M3", '
            '"start": 0}, {"job": "J1", "operation": "a", "machine": "M9", "start": 0}]}}',
            "solution.operations[1].machine: unknown machine 'M9'",
        ),
    ],
)
def test_cli_bad_previous_file_is_exit_2_naming_it(files, content, needle):
    p_new, p_old, _ = files
    p_old.write_text(content)
    r = runner.invoke(app, ["solve", str(p_new), "--previous", str(p_old)])
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output
    assert "result.json" in r.output


def test_cli_freeze_until_needs_a_previous_plan(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps(sched([job("A", op("a", ("M1", 5)))])))
    r = runner.invoke(app, ["solve", str(p), "--freeze-until", "10"])
    assert r.exit_code == 2 and "--freeze-until: needs a previous plan" in r.output


def test_cli_previous_with_a_planner_workbook(files, published):
    p_new, p_old, tmp = files
    book = tmp / "new.xlsx"
    r = runner.invoke(app, ["template", "scheduling", "-o", str(book), "--from", str(p_new)])
    assert r.exit_code == 0, r.output
    # the workbook's objective sheet asks for stability: only --previous makes it valid
    r = runner.invoke(app, ["solve", str(book)])
    assert r.exit_code == 2 and "'stability' counts what moves" in r.output
    out = tmp / "r.json"
    r = runner.invoke(app, ["solve", str(book), "--previous", str(p_old), "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = opsplan.SolveResult.from_json(out.read_text())
    assert res.solution is not None and res.violations == []
    assert res.kpis["moved_operations"] == moves_from_rows(published, res.solution["operations"])[0]


def test_cli_says_when_the_objective_has_no_stability_term(files):
    p_new, p_old, _ = files
    new = json.loads(p_new.read_text())
    new["instance"]["objective"] = {"terms": [{"kind": "weighted_tardiness"}]}
    p_new.write_text(json.dumps(new))
    r = runner.invoke(app, ["solve", str(p_new), "--previous", str(p_old)])
    assert r.exit_code == 0, r.output
    assert "the objective has no `stability` term" in r.output
