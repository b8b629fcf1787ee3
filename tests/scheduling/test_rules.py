"""One test per rule of models/scheduling.md: feasible at the rule's boundary, infeasible or
penalised past it. Every plan is also verified by the checker (solved() asserts no violations).
"""

from __future__ import annotations

from opsplan import SolveStatus

from .helpers import job, op, rows, sched, solved


def test_rule_eligibility_and_duration_picks_the_faster_machine():
    res = solved(sched([job("J", op("a", ("M1", 10), ("M2", 4)))]))
    r = rows(res)[("J", "a")]
    assert (r["machine"], r["end"] - r["start"], res.objective) == ("M2", 4, 4)
    assert res.status == SolveStatus.OPTIMAL


def test_rule_precedence_chain_in_list_order():
    res = solved(sched([job("J", op("a", ("M1", 3)), op("b", ("M2", 2)))]))
    r = rows(res)
    assert r[("J", "b")]["start"] >= r[("J", "a")]["end"]
    assert res.objective == 5


def test_rule_precedence_dag_lets_branches_run_in_parallel():
    # assembly: a and b feed c; with a DAG a and b may overlap, as a chain they could not
    dag = job(
        "J",
        op("a", ("M1", 3), predecessors=[]),
        op("b", ("M2", 3), predecessors=[]),
        op("c", ("M3", 1), predecessors=["a", "b"]),
    )
    res = solved(sched([dag]))
    assert res.objective == 4
    chain = job("J", op("a", ("M1", 3)), op("b", ("M2", 3)), op("c", ("M3", 1)))
    assert solved(sched([chain])).objective == 7


def test_rule_machine_capacity_one_operation_at_a_time():
    res = solved(sched([job("A", op("a", ("M1", 5))), job("B", op("b", ("M1", 5)))]))
    assert res.objective == 10


def test_rule_release():
    res = solved(sched([job("J", op("a", ("M1", 2)), release=7)]))
    assert rows(res)[("J", "a")]["start"] == 7 and res.objective == 9


def test_rule_unavailable_period_is_not_overlapped():
    m = [{"id": "M1", "unavailable": [{"start": 3, "end": 10, "reason": "maintenance"}]}]
    # 3 units fit before the window exactly (boundary); 4 do not and wait until 10
    assert solved(sched([job("J", op("a", ("M1", 3)))], m)).objective == 3
    res = solved(sched([job("J", op("a", ("M1", 4)))], m))
    assert rows(res)[("J", "a")]["start"] == 10


def test_rule_weekly_calendar():
    cal = [
        {
            "id": "day",
            "working": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    # t=0 is Friday 14:00: 120 minutes left on Friday, then Monday 08:00
    m = [{"id": "M1", "calendar": "day"}]
    fits = solved(
        sched([job("J", op("a", ("M1", 120)))], m, calendars=cal, start="2026-11-27T14:00:00")
    )
    assert fits.objective == 120
    res = solved(
        sched([job("J", op("a", ("M1", 121)))], m, calendars=cal, start="2026-11-27T14:00:00")
    )
    r = rows(res)[("J", "a")]
    assert r["start_time"] == "2026-11-30T08:00:00"


def test_rule_calendar_window_crossing_midnight():
    cal = [{"id": "night", "working": [{"days": ["mon"], "start": "22:00", "end": "06:00"}]}]
    m = [{"id": "M1", "calendar": "night"}]
    res = solved(
        sched([job("J", op("a", ("M1", 480)))], m, calendars=cal, start="2026-11-30T00:00:00")
    )
    assert rows(res)[("J", "a")]["start_time"] == "2026-11-30T22:00:00"


def test_rule_sequence_dependent_setup():
    setups = [
        {"from_family": "red", "to_family": "blue", "time": 5},
        {"from_family": "blue", "to_family": "red", "time": 20},
    ]
    jobs = [job("A", op("a", ("M1", 3), family="red")), job("B", op("b", ("M1", 3), family="blue"))]
    res = solved(sched(jobs, setups=setups))
    r = rows(res)
    assert res.objective == 11  # red, setup 5, blue (not blue, 20, red = 26)
    assert r[("B", "b")]["setup_before"] == 5 and r[("B", "b")]["start"] == 8


def test_rule_machine_specific_setup_wins_over_generic():
    setups = [
        {"from_family": "x", "to_family": "y", "time": 50},
        {"machine": "M1", "from_family": "x", "to_family": "y", "time": 1},
        {"from_family": "y", "to_family": "x", "time": 50},
    ]
    jobs = [job("A", op("a", ("M1", 2), family="x")), job("B", op("b", ("M1", 2), family="y"))]
    assert solved(sched(jobs, setups=setups)).objective == 5


def test_rule_initial_setup():
    setups = [{"from_family": "x", "to_family": "y", "time": 4}]
    m = [{"id": "M1", "initial_family": "x"}]
    res = solved(sched([job("A", op("a", ("M1", 2), family="y"))], m, setups=setups))
    assert rows(res)[("A", "a")]["start"] == 4


def test_rule_pin_machine_and_start():
    jobs = [job("J", op("a", ("M1", 2), ("M2", 5), pin={"machine": "M2", "start": 3}))]
    r = rows(solved(sched(jobs)))[("J", "a")]
    assert (r["machine"], r["start"]) == ("M2", 3)


def test_rule_pins_that_collide_are_infeasible_with_diagnosis():
    jobs = [
        job("A", op("a", ("M1", 5), pin={"start": 0})),
        job("B", op("b", ("M1", 5), pin={"start": 3})),
    ]
    res = solved(sched(jobs))
    assert res.status == SolveStatus.INFEASIBLE
    assert any(f.rule == "pin" and "collide" in f.message for f in res.diagnosis)


def test_rule_deadline_boundary_and_past_it():
    ok = solved(sched([job("J", op("a", ("M1", 3)), op("b", ("M1", 4)), deadline=7)]))
    assert ok.status == SolveStatus.OPTIMAL
    res = solved(sched([job("J", op("a", ("M1", 3)), op("b", ("M1", 4)), release=1, deadline=7)]))
    assert res.status == SolveStatus.INFEASIBLE
    f = res.diagnosis[0]
    assert f.rule == "deadline" and f.entities["job"] == "J" and "8" in f.message


def test_rule_operation_longer_than_every_window_is_diagnosed():
    m = [{"id": "M1", "unavailable": [{"start": 5, "end": 6}]}]
    res = solved(sched([job("J", op("a", ("M1", 10)))], m, horizon=12))
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "capacity_and_calendar" and "M1" in res.diagnosis[0].message


def test_infeasible_without_precheck_names_conflicting_rules_via_assumptions():
    # each deadline alone is fine; together they need 10 units of M1 by time 6
    jobs = [job("A", op("a", ("M1", 5)), deadline=6), job("B", op("b", ("M1", 5)), deadline=6)]
    res = solved(sched(jobs))
    assert res.status == SolveStatus.INFEASIBLE
    named = {f.entities.get("job") for f in res.diagnosis if f.rule == "deadline"}
    assert named == {"A", "B"}


def test_rule_horizon():
    res = solved(sched([job("A", op("a", ("M1", 5))), job("B", op("b", ("M1", 5)))], horizon=9))
    assert res.status == SolveStatus.INFEASIBLE
    assert (
        solved(
            sched([job("A", op("a", ("M1", 5))), job("B", op("b", ("M1", 5)))], horizon=10)
        ).status
        == SolveStatus.OPTIMAL
    )


def test_objective_weighted_tardiness_orders_by_weight():
    jobs = [
        job("A", op("a", ("M1", 4)), due=4, weight=1),
        job("B", op("b", ("M1", 4)), due=4, weight=3),
    ]
    res = solved(sched(jobs, objective={"terms": [{"kind": "weighted_tardiness"}]}))
    assert res.objective == 4 and rows(res)[("B", "b")]["start"] == 0
    assert res.kpis["late_job_ids"] == ["A"]


def test_objective_weighted_completion():
    jobs = [job("A", op("a", ("M1", 1)), weight=1), job("B", op("b", ("M1", 5)), weight=1)]
    res = solved(sched(jobs, objective={"terms": [{"kind": "weighted_completion"}]}))
    assert res.objective == 1 + 6  # shortest first


def test_objective_late_jobs_counts_not_amount():
    # one long late job beats two slightly late ones
    jobs = [
        job("L", op("l", ("M1", 10)), due=10),
        job("S1", op("s1", ("M1", 2)), due=2),
        job("S2", op("s2", ("M1", 2)), due=4),
    ]
    res = solved(sched(jobs, objective={"terms": [{"kind": "late_jobs"}]}))
    assert res.objective == 1


def test_objective_weighted_sum():
    jobs = [job("A", op("a", ("M1", 4)), due=4), job("B", op("b", ("M1", 4)), due=4)]
    obj = {
        "mode": "weighted",
        "terms": [{"kind": "makespan", "weight": 2}, {"kind": "weighted_tardiness", "weight": 5}],
    }
    assert solved(sched(jobs, objective=obj)).objective == 2 * 8 + 5 * 4


def test_objective_lexicographic_keeps_first_level_optimum():
    # tardiness first: B (due 2) must go first even though A first gives less completion time
    jobs = [job("A", op("a", ("M1", 1)), due=100), job("B", op("b", ("M1", 2)), due=2)]
    obj = {
        "mode": "lexicographic",
        "terms": [{"kind": "weighted_tardiness"}, {"kind": "weighted_completion"}],
    }
    res = solved(sched(jobs, objective=obj))
    assert res.objective == 0 and res.status == SolveStatus.OPTIMAL
    levels = res.kpis["objective_levels"]
    assert [lv["value"] for lv in levels] == [0, 2 + 3]


def test_kpis_name_the_bottleneck_and_utilisation():
    res = solved(sched([job("A", op("a", ("M1", 6)), op("b", ("M2", 2)))]))
    assert res.kpis["bottleneck"] == ["M1"]
    mach = {m["machine"]: m for m in res.solution["machines"]}
    assert mach["M1"]["utilisation"] == 0.75 and mach["M2"]["idle"] == 6


def test_rule_setup_zero_length_operation_does_not_reset_the_machine():
    # found by the property test: a zero-length family-less operation between a and b must not
    # let b skip its setup
    setups = [{"from_family": "a", "to_family": "b", "time": 1}]
    jobs = [
        job("J0", op("o0", ("M0", 1), family="a"), op("o1", ("M0", 1), family="b")),
        job("J1", op("o0", ("M0", 0), family="a")),
        job("J2", op("o0", ("M0", 0))),
    ]
    res = solved(sched(jobs, setups=setups))
    assert res.objective == 3 and rows(res)[("J0", "o1")]["setup_before"] == 1


def test_rule_setup_operation_without_family_needs_and_causes_none():
    setups = [{"from_family": "a", "to_family": "b", "time": 9}]
    jobs = [
        job("A", op("a", ("M0", 1), family="a")),
        job("N", op("n", ("M0", 1))),
        job("B", op("b", ("M0", 1), family="b")),
    ]
    assert solved(sched(jobs, setups=setups)).objective == 3


def test_when_cpsat_finds_nothing_in_time_the_feasible_start_plan_is_answered(monkeypatch):
    from opsplan.scheduling import solver

    real = solver.backend.run

    def nothing_found(model, options, ctx, **kw):
        run = real(model, options, ctx, **kw)
        run.status = SolveStatus.NO_SOLUTION  # as if the time limit struck before any plan
        return run

    monkeypatch.setattr(solver.backend, "run", nothing_found)
    res = solved(
        sched(
            [
                job("A", op("a", ("M1", 3)), op("b", ("M2", 2))),
                job("B", op("c", ("M2", 4)), op("d", ("M1", 1))),
            ],
            # not the makespan: the tabu search (which could prove this one) stays out of it
            objective={"terms": [{"kind": "weighted_completion"}]},
        )
    )
    # the start plan is the answer (proven optimal here by the bound of bounds.py: job B
    # cannot end before 5 nor A before 6, and 5 + 6 is what the plan reaches... or feasible)
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL) and res.objective >= 6
    assert any("starting heuristic's plan" in m for m in res.messages)


def test_start_plan_keeps_setups_around_a_pinned_operation():
    from opsplan.scheduling.heuristic import dispatch, respects_hard_rules
    from opsplan.scheduling.prepare import Prepared
    from opsplan.scheduling.schema import SchedulingInstance

    req = sched(
        [
            job("P", op("p", ("M1", 5), family="x", pin={"start": 0})),
            job("A", op("a", ("M1", 2), family="y")),
            job("B", op("b", ("M1", 2), family="x")),
        ],
        [{"id": "M1", "initial_family": "x"}],
        setups=[
            {"from_family": "x", "to_family": "y", "time": 3},
            {"from_family": "y", "to_family": "x", "time": 3},
        ],
    )
    P = Prepared(SchedulingInstance.model_validate(req["instance"]))
    for rule in ("mwkr", "slack"):
        assert respects_hard_rules(P, dispatch(P, rule)), rule
    assert solved(req).objective == 5 + 2 + 3 + 2  # p, b (no setup), y after setup 3


def test_complete_hint_on_optional_operations_with_setups_is_a_valid_model():
    # found by the property test: hinting a circuit's self-loop literal (the negation of a
    # hinted presence literal) made CP-SAT reject the model
    jobs = [
        job("J0", op("o0", ("M0", 1), ("M1", 0), ("M2", 0), family="a")),
        job("J1", op("o0", ("M0", 0), family="a")),
        job("J2", op("o0", ("M0", 0), family="b")),
    ]
    obj = {"terms": [{"kind": "makespan"}, {"kind": "weighted_tardiness"}]}
    jobs_due = [dict(j, due=0) for j in jobs]
    res = solved(
        sched(jobs_due, setups=[{"from_family": "a", "to_family": "b", "time": 1}], objective=obj)
    )
    assert res.status == SolveStatus.OPTIMAL and res.objective == 0
