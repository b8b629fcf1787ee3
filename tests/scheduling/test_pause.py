"""Operations that pause over unavailable time (models/scheduling.md, rule 5): they start in
working time, hold the machine through the breaks they span, and end when their work is done,
stretched by exactly those breaks. Expected times are computed by hand in the comments."""

from __future__ import annotations

import copy
import time

import pytest
from ortools.sat.python import cp_model

import opsplan
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.scheduling import heuristic, lns
from opsplan.scheduling.check import check
from opsplan.scheduling.cpsat import Formulation
from opsplan.scheduling.generate import make_plant
from opsplan.scheduling.heuristic import respects_hard_rules, term_values
from opsplan.scheduling.prepare import Prepared
from opsplan.scheduling.schema import SchedulingInstance
from opsplan.scheduling.solution import build_solution
from opsplan.scheduling.views import charts, results

from .helpers import job, op, rows, sched, solved

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
# two shifts, 06:00-14:00 and 14:00-22:00 on weekdays: closed 22:00-06:00 and at weekends
SHIFTS = [
    {
        "id": "two-shifts",
        "working": [
            {"days": WEEKDAYS, "start": "06:00", "end": "14:00"},
            {"days": WEEKDAYS, "start": "14:00", "end": "22:00"},
        ],
    }
]
MONDAY = "2026-11-30T06:00:00"  # time 0: Monday 06:00, the nights are [960, 1440), ...
FRIDAY = "2026-11-27T14:00:00"  # time 0: Friday 14:00, the weekend is [480, 3840)
NIGHT_1, NIGHT_2 = [960, 1440], [2400, 2880]


def plant(jobs, machines=None, start=MONDAY, **extra):
    machines = machines or [{"id": "M", "calendar": "two-shifts"}]
    req = sched(jobs, machines, calendars=SHIFTS, start=start, **extra)
    req["options"] = {"time_limit_s": 5, "workers": 2}
    return req


def test_an_operation_longer_than_a_shift_completes_when_it_may_pause():
    # 1200 minutes from Friday 14:00: 480 on Friday, the weekend (3360), 720 on Monday
    res = solved(plant([job("J", op("a", ("M", 1200), may_pause=True))], start=FRIDAY))
    assert res.status == opsplan.SolveStatus.OPTIMAL
    r = rows(res)[("J", "a")]
    assert (r["start"], r["end"]) == (0, 480 + 3360 + 720)
    assert r["end_time"] == "2026-11-30T18:00:00"
    assert r["paused"] == 3360 and r["pauses"] == [[480, 3840]]
    # the same operation may not pause: longer than every window, diagnosed before solving
    res = opsplan.solve(plant([job("J", op("a", ("M", 1200)))], start=FRIDAY))
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    assert [(f.rule, f.entities.get("operation")) for f in res.diagnosis] == [
        ("capacity_and_calendar", "a")
    ]


def test_end_is_stretched_by_exactly_the_breaks_it_spans():
    # 2000 minutes from Monday 06:00 with maintenance on Tuesday 07:00-08:00: 960 on Monday,
    # the night, 60 on Tuesday, the maintenance, 840 on Tuesday, the night, 140 on Wednesday
    m = [{"id": "M", "calendar": "two-shifts", "unavailable": [{"start": 1500, "end": 1560}]}]
    req = plant([job("J", op("a", ("M", 2000), may_pause=True))], m)
    res = solved(req)
    r = rows(res)[("J", "a")]
    assert r["pauses"] == [NIGHT_1, [1500, 1560], NIGHT_2]
    assert (r["start"], r["end"], r["paused"]) == (0, 2880 + 140, 480 + 60 + 480)
    assert r["end"] - r["start"] == 2000 + r["paused"]
    # one minute more or less is not the end the checker recomputes
    inst = SchedulingInstance.model_validate(req["instance"])
    for end in (r["end"] - 1, r["end"] + 1):
        bad = copy.deepcopy(res.solution)
        bad["operations"][0]["end"] = end
        found = [v.rule for v in check(inst, bad).violations]
        # (the plan's tables, computed from the right end, disagree with it too)
        assert found[0] == "capacity_and_calendar" and set(found[1:]) == {"solution"}


def test_the_machine_is_held_through_the_pause_and_the_setup_comes_after_it():
    # a (family x) pauses over the night; b (family y, released at 1000, during the night)
    # cannot use Tuesday morning before a resumes: it follows a's end 1480 and the setup 60
    jobs = [
        job("A", op("a", ("M", 1000), family="x", may_pause=True)),
        job("B", op("b", ("M", 100), family="y"), release=1000),
    ]
    res = solved(plant(jobs, setups=[{"from_family": "x", "to_family": "y", "time": 60}]))
    a, b = rows(res)[("A", "a")], rows(res)[("B", "b")]
    assert (a["start"], a["end"], a["pauses"]) == (0, 1480, [NIGHT_1])
    assert (b["start"], b["setup_before"], res.objective) == (1540, 60, 1640)
    busy = [(r["start"], r["end"]) for r in res.solution["operations"] if r["machine"] == "M"]
    busy.sort()
    assert all(busy[i][1] <= busy[i + 1][0] for i in range(len(busy) - 1))


def test_the_whole_model_alone_stretches_the_end_and_holds_the_machine():
    # the instance above, solved by CP-SAT without a start plan or hint
    jobs = [
        job("A", op("a", ("M", 1000), family="x", may_pause=True)),
        job("B", op("b", ("M", 100), family="y"), release=1000),
        job("C", op("c", ("M", 500), ("N", 700), may_pause=True)),
    ]
    m = [{"id": "M", "calendar": "two-shifts"}, {"id": "N", "calendar": "two-shifts"}]
    req = plant(jobs, m, setups=[{"from_family": "x", "to_family": "y", "time": 60}])
    inst = SchedulingInstance.model_validate(req["instance"])
    P = Prepared(inst)
    F = Formulation(P)
    F.m.minimize(F.term("makespan"))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 5
    solver.parameters.num_workers = 1
    assert solver.status_name(solver.solve(F.m)) == "OPTIMAL"
    solution = build_solution(P, F.extract(solver.value)).model_dump(mode="json")
    assert check(inst, solution).violations == []
    r = {row["job"]: row for row in solution["operations"]}
    # c on N (700 on Monday) keeps M for a and b as before; on M it would delay a or b
    assert (r["A"]["end"], r["B"]["start"], r["C"]["machine"]) == (1480, 1540, "N")
    assert max(row["end"] for row in solution["operations"]) == 1640


def test_the_machine_flag_applies_to_its_operations_and_an_operation_false_overrides_it():
    m = [{"id": "M", "calendar": "two-shifts", "may_pause": True}]
    jobs = [job("A", op("a", ("M", 1000))), job("B", op("b", ("M", 900), may_pause=False))]
    res = solved(plant(jobs, m))
    a, b = rows(res)[("A", "a")], rows(res)[("B", "b")]
    assert a["paused"] == 480 and a["end"] - a["start"] == 1480
    assert b["paused"] == 0 and b["end"] - b["start"] == 900 and "pauses" not in b
    assert res.objective == 2380  # in either order: 1000 + 900 minutes of work and one night
    # b longer than any window and not allowed to pause: diagnosed, a is not
    jobs[1] = job("B", op("b", ("M", 1000), may_pause=False))
    res = opsplan.solve(plant(jobs, m))
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    assert [(f.rule, f.entities.get("operation")) for f in res.diagnosis] == [
        ("capacity_and_calendar", "b")
    ]


def test_a_deadline_the_pause_makes_impossible_is_diagnosed_with_the_calendar():
    # 600 minutes from Friday 14:00 end on Monday at 480 + 3360 + 120 = 3960, after 1000
    req = plant([job("J", op("a", ("M", 600), may_pause=True), deadline=1000)], start=FRIDAY)
    res = opsplan.solve(req)
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    assert {"deadline", "capacity_and_calendar"} <= {f.rule for f in res.diagnosis}
    req["instance"]["jobs"][0]["deadline"] = 3960  # at the boundary it fits
    assert solved(req).objective == 3960


def test_a_pinned_operation_that_pauses_must_start_in_working_time():
    pinned = op("a", ("M", 600), may_pause=True, pin={"start": 500})  # Friday 22:20
    res = opsplan.solve(plant([job("J", pinned)], start=FRIDAY))
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    assert [f.rule for f in res.diagnosis] == ["pin"]
    pinned["pin"] = {"start": 470}  # 10 minutes on Friday, 590 on Monday: 3840 + 590
    assert rows(solved(plant([job("J", pinned)], start=FRIDAY)))[("J", "a")]["end"] == 4430


# ------------------------------------------------------------------ the checker

INST = SchedulingInstance.model_validate(
    {
        "start": FRIDAY,
        "calendars": SHIFTS,
        "machines": [{"id": "M", "calendar": "two-shifts", "may_pause": True}, {"id": "N"}],
        "jobs": [
            job("J", op("a", ("M", 1200))),
            job("K", op("k", ("M", 100), ("N", 100), may_pause=False)),
        ],
    }
)


def plan(a: tuple[int, int], k: tuple[str, int, int] = ("N", 0, 100), **row):
    return {
        "operations": [
            {"job": "J", "index": 0, "operation": "a", "machine": "M", "start": a[0], "end": a[1]}
            | row,
            {"job": "K", "index": 0, "operation": "k", "machine": k[0], "start": k[1], "end": k[2]},
        ]
    }


def rules(solution) -> list[str]:
    return [v.rule for v in check(INST, solution).violations]


def test_checker_accepts_the_stretched_end_and_its_reported_pauses():
    assert rules(plan((0, 4560), paused=3360, pauses=[[480, 3840]])) == []
    assert rules(plan((0, 4560))) == []  # paused and pauses are optional in a plan
    # starting at Monday 21:00: 60 minutes, the night, 960 on Tuesday, the night, 180
    assert rules(plan((3840 + 900, 3840 + 2880 + 180), paused=960)) == []


@pytest.mark.parametrize(
    ("a", "expected"),
    [
        ((0, 4559), ["capacity_and_calendar"]),  # one minute short of its work
        ((0, 4561), ["capacity_and_calendar"]),  # one minute too many
        ((0, 1200), ["capacity_and_calendar"]),  # not stretched at all
        ((500, 5060), ["capacity_and_calendar"]),  # starts in the weekend (Friday 22:20)
        # from Monday 18:00: 240, the night, 960 on Tuesday, done at 22:00; then "paused" on
        # to Wednesday 06:00 (end - start is its work plus the pauses, but it ends in a pause)
        ((4560, 6720), ["capacity_and_calendar"]),
    ],
    ids=["short", "long", "not-stretched", "starts-in-a-break", "ends-after-a-pause"],
)
def test_checker_rejects_a_pausing_operation_with_a_wrong_end_or_start(a, expected):
    assert rules(plan(a)) == expected


def test_checker_rejects_wrong_reported_pauses_and_a_pause_where_none_is_allowed():
    assert rules(plan((0, 4560), paused=3000)) == ["solution"]
    assert rules(plan((0, 4560), pauses=[[480, 3841]])) == ["solution"]
    # k may not pause, even on M: into the weekend it breaks the calendar (a: Monday 06:00,
    # 960, the night, 240)
    assert rules(plan((3840, 3840 + 1440 + 240), k=("M", 470, 570))) == ["capacity_and_calendar"]
    bad = plan((0, 4560))
    bad["operations"][1]["paused"] = 5
    assert rules(bad) == ["solution"]
    # nothing else runs on M between a's start and its end, pause included
    assert rules(plan((0, 4560), k=("M", 3840, 3940))) == ["capacity_and_calendar"]


# ------------------------------------------------------------------ search on a plant


@pytest.fixture(scope="module")
def pausing_plant():
    """A generated plant (about 110 operations, two-shift calendars, setups, pins) on which
    every machine lets its operations pause."""
    req = make_plant(20, seed=1)
    for m in req["instance"]["machines"]:
        m["may_pause"] = True
    inst = SchedulingInstance.model_validate(req["instance"])
    P = Prepared(inst)
    start = heuristic.best_start(P)
    assert start is not None
    return inst, P, start


def fixed_to_hint(model: cp_model.CpModel) -> str:
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 5
    solver.parameters.num_workers = 1
    return solver.status_name(solver.solve(model))


def test_the_start_plan_pauses_and_is_a_complete_hint_of_the_whole_model(pausing_plant):
    inst, P, start = pausing_plant
    solution = build_solution(P, start).model_dump(mode="json")
    assert check(inst, solution).violations == []
    assert any(r["paused"] > 0 for r in solution["operations"])
    F = Formulation(P)
    F.m.minimize(F.term("makespan"))
    F.hint(start)
    assert F.pause_lits and fixed_to_hint(F.m) in ("OPTIMAL", "FEASIBLE")


def test_lns_steps_with_pausing_operations_keep_checked_plans(pausing_plant):
    inst, P, start = pausing_plant
    paused = next(o for o in range(len(P.ops)) if start.end[o] - start.start[o] > P.ops[o].max_dur)
    window = lns.Window.of(
        start, {start.machine[paused]: (start.start[paused], start.end[paused] + 1)}
    )
    step = lns.WindowModel(P, start, window, max(start.end) + 500)
    step.m.minimize(step.term("makespan"))
    step.hint(start)
    assert (paused, start.machine[paused]) in step.pause_lits
    assert fixed_to_hint(step.m) in ("OPTIMAL", "FEASIBLE")  # the plan is a solution of a step
    kinds, weights = ["weighted_tardiness", "makespan"], [10, 1]
    before = sum(w * v for w, v in zip(weights, term_values(P, start, kinds), strict=True))
    opts = SolveOptions(time_limit_s=2, workers=2)
    better = lns.improve(
        P, start, kinds, weights, [], opts, RunContext(), time.monotonic() + 2, workers=2
    )
    after = sum(w * v for w, v in zip(weights, term_values(P, better, kinds), strict=True))
    assert after <= before and respects_hard_rules(P, better)
    assert check(inst, build_solution(P, better).model_dump(mode="json")).violations == []


# ------------------------------------------------------------------ planner tables and chart


def test_planner_tables_carry_may_pause_and_show_the_pause():
    m = [{"id": "M", "calendar": "two-shifts", "may_pause": True}, {"id": "N"}]
    jobs = [job("J", op("a", ("M", 1200))), job("K", op("k", ("N", 10), may_pause=False))]
    req = plant(jobs, m, start=FRIDAY)
    # the flags survive the tables (machines: yes; operations: no, or empty for unset)
    again = opsplan.from_frames(
        "scheduling", opsplan.instance_frames("scheduling", req["instance"])
    )
    inst = SchedulingInstance.model_validate(again["instance"])
    assert [x.may_pause for x in inst.machines] == [True, False]
    assert [o.may_pause for j in inst.jobs for o in j.operations] == [None, False]
    res = solved(req | {"instance": again["instance"]})
    plan_rows = {r["operation"]: r for r in results(res, inst)["plan"]}
    assert (plan_rows["a"]["duration"], plan_rows["a"]["paused"]) == (1200, 3360)
    assert (plan_rows["k"]["duration"], plan_rows["k"]["paused"]) == (10, 0)
    busy = {r["machine"]: r["busy"] for r in res.solution["machines"]}
    assert busy == {"M": 1200, "N": 10}  # processing only, not the weekend it paused over
    gantt = charts(res, inst)[0]
    assert [(b.start, b.end) for b in gantt.bars if b.kind == "pause"] == [(480, 3840)]
