"""The checker on hand-made rosters: every broken hard rule is named, every soft penalty counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsplan.core.registry import get
from opsplan.rostering.formats import read_nrp
from opsplan.rostering.schema import RosteringInstance
from opsplan.rostering.solution import build_solution

from .helpers import check, inst, need, rules

D = {"id": "D", "start": "08:00", "length_minutes": 480}


def test_two_shifts_on_one_day_and_an_unknown_employee_day_or_shift():
    spec = get("rostering")
    model = spec.instance_type.model_validate(inst(days=2))
    rep = spec.check(
        model,
        {
            "assignments": [
                {"employee": "E0", "day": 0, "shift": "D"},
                {"employee": "E0", "day": 0, "shift": "D"},
                {"employee": "X", "day": 1, "shift": "D"},
                {"employee": "E0", "day": 2, "shift": "D"},
                {"employee": "E0", "day": 1, "shift": "Z"},
            ]
        },
    )
    # an assignment outside the instance's employees, days and shift types breaks rule 1 too
    assert [(v.rule, v.entities) for v in rep.violations] == [
        ("one_shift_per_day", {"assignment": 2}),
        ("one_shift_per_day", {"assignment": 3}),
        ("one_shift_per_day", {"assignment": 4}),
        ("one_shift_per_day", {"employee": "E0", "day": 0}),
    ]


def test_hard_contract_rules_broken_are_violations():
    c = {
        "max_total_minutes": 960,
        "max_consecutive_work": 2,
        "min_consecutive_off": 2,
        "max_shifts_per_type": {"D": 2},
        "max_weekends": 0,
    }
    rep = check(inst(days=7, contract=c), {"E0": "DDD.D.D"})
    assert {
        "max_total_minutes",
        "max_consecutive_work",
        "min_consecutive_off",
        "max_shifts_per_type",
        "max_weekends",
    } <= rules(rep)


def test_min_consecutive_work_judged_only_for_finished_runs():
    i = inst(days=7, contract={"min_consecutive_work": 3})
    assert rules(check(i, {"E0": "D...DD."})) == {"min_consecutive_work"}  # the inner run
    assert rules(check(i, {"E0": "D.....D"})) == set()  # runs touching either end
    i["employees"][0]["history"] = {"consecutive_days_worked": 1}
    assert rules(check(i, {"E0": "D.....D"})) == {"min_consecutive_work"}  # 1 + 1 days


def test_unavailable_forbidden_succession_rest_overlap_and_pins():
    shifts = [{"id": "N", "start": "20:00", "length_minutes": 750, "forbidden_next": ["D"]}, D]
    i = inst(
        days=3,
        shifts=shifts,
        contract={"min_rest_minutes": 1000},
        pins=[{"employee": "E0", "day": 2, "shift": None}],
    )
    i["employees"][0]["unavailable_days"] = [0]
    rep = check(i, {"E0": "NDD"})
    assert {"unavailable", "forbidden_succession", "no_overlap", "min_rest", "pins"} <= rules(rep)


def test_soft_penalties_are_counted_by_rule_and_by_employee():
    i = inst(days=3, employees=2, coverage=[need(0, 2, under_weight=100), need(1, 0)])
    i["employees"][0]["shift_on_requests"] = [{"day": 2, "weight": 7}]
    i["employees"][1]["shift_off_requests"] = [{"day": 1, "shift": "D", "weight": 2}]
    rep = check(i, {"E0": "D..", "E1": ".D."})
    assert rep.violations == []
    assert rep.penalties["by_rule"] == {
        "coverage_min": 100,
        "coverage_excess": 1,
        "shift_on_request": 7,
        "shift_off_request": 2,
    }
    assert rep.penalties["by_employee"] == {
        "E0": {"shift_on_request": 7},
        "E1": {"shift_off_request": 2},
    }
    assert rep.objective == 110


INSTANCE1 = """SECTION_HORIZON
14

SECTION_SHIFTS
D,480,

SECTION_STAFF
A,D=14,4320,3360,5,2,2,1
B,D=14,4320,3360,5,2,2,1
C,D=14,4320,3360,5,2,2,1
D,D=14,4320,3360,5,2,2,1
E,D=14,4320,3360,5,2,2,1
F,D=14,4320,3360,5,2,2,1
G,D=14,4320,3360,5,2,2,1
H,D=14,4320,3360,5,2,2,1

SECTION_DAYS_OFF
A,0
B,5
C,8
D,2
E,9
F,5
G,1
H,7

SECTION_SHIFT_ON_REQUESTS
A,2,D,2
A,3,D,2
B,0,D,3
B,1,D,3
B,2,D,3
B,3,D,3
B,4,D,3
C,0,D,1
C,1,D,1
C,2,D,1
C,3,D,1
C,4,D,1
D,8,D,2
D,9,D,2
F,0,D,2
F,1,D,2
H,9,D,1
H,10,D,1
H,11,D,1
H,12,D,1
H,13,D,1

SECTION_SHIFT_OFF_REQUESTS
C,12,D,1
C,13,D,1
F,8,D,3
H,2,D,3
H,3,D,3

SECTION_COVER
0,D,5,100,1
1,D,7,100,1
2,D,6,100,1
3,D,4,100,1
4,D,5,100,1
5,D,5,100,1
6,D,5,100,1
7,D,6,100,1
8,D,7,100,1
9,D,4,100,1
10,D,2,100,1
11,D,5,100,1
12,D,6,100,1
13,D,4,100,1
"""

# A roster of Curtois & Qu Instance1 (a 607 plan), checked here against a hand computation.
ROSTER1 = {
    "A": ".DDDD..DDD..DD",
    "B": "DDDDD..DD...DD",
    "C": "DDD..DD..DDD..",
    "D": "DD...DDDDD....",
    "E": ".DD....DD..DDD",
    "F": "DDDDD..DD..DD.",
    "G": "..DDD..DD..DDD",
    "H": "DD..DD..DDDD..",
}


def test_instance1_penalty_matches_a_hand_computation():
    i = read_nrp(INSTANCE1, Path("Instance1.txt"))
    rep = check(i, ROSTER1)
    assert rep.violations == []
    # by hand: cover short on day 5 (3 of 5), day 6 (2 of 5), day 12 (5 of 6): 6 x 100;
    # on-requests not granted: C days 3, 4 (1 each), H days 12, 13 (1 each): 4;
    # off-request not granted: F works day 8 (3): 3; no cover is exceeded.
    assert rep.penalties["by_rule"] == {
        "coverage_min": 600,
        "shift_on_request": 4,
        "shift_off_request": 3,
    }
    assert rep.objective == 607


def test_instance1_roster_breaking_the_benchmark_rules_is_rejected():
    i = read_nrp(INSTANCE1, Path("Instance1.txt"))
    bad = dict(ROSTER1)
    bad["A"] = "DDDDDD.DDD..DD"  # works its day off (0), 6 days in a row, 3 weekends... no: 2
    names = rules(check(i, bad))
    assert {"unavailable", "max_consecutive_work", "max_total_minutes"} <= names


def _solved_plan() -> tuple[Any, dict[str, Any]]:
    """A valid plan of a 7-day instance, as the pipeline hands it to the checker."""
    i = inst(days=7, employees=2, coverage=[need(0, 1), need(5, 1)])
    i["employees"][0]["cost_per_hour"] = 30.0
    i["employees"][1]["shift_on_requests"] = [{"day": 5}]
    model = RosteringInstance.model_validate(i)
    raw = [
        {"employee": "E0", "day": 0, "shift": "D", "skill": None},
        {"employee": "E1", "day": 5, "shift": "D", "skill": None},
    ]
    return model, build_solution(model, raw).model_dump(mode="json")


def test_the_plans_own_tables_pass_the_checker():
    model, plan = _solved_plan()
    assert plan["employees"][0]["cost"] == 240.0 and plan["employees"][1]["weekends"] == 1
    rep = get("rostering").check(model, plan)
    assert rep.violations == [] and rep.objective == 0


@pytest.mark.parametrize(
    ("table", "row", "key", "value"),
    [
        ("assignments", 0, "date", "2024-01-02"),
        ("grid", 1, "days", ["", "", "", "", "", "", "D"]),
        ("coverage", 0, "assigned", 2),
        ("coverage", 1, "shortfall", 1),
        ("employees", 0, "worked_minutes", 960),
        ("employees", 0, "cost", 240.5),
        ("employees", 1, "weekends", 0),
        ("employees", 1, "requests_granted", 0),
    ],
)
def test_a_derived_field_that_disagrees_with_the_assignments_is_rule_solution(
    table, row, key, value
):
    model, plan = _solved_plan()
    plan[table][row][key] = value
    rep = get("rostering").check(model, plan)
    assert [v.rule for v in rep.violations] == ["solution"], rep.violations
    assert key in rep.violations[0].message


def test_a_table_with_a_row_missing_is_rule_solution():
    model, plan = _solved_plan()
    plan["coverage"].pop()
    rep = get("rostering").check(model, plan)
    assert [(v.rule, v.message) for v in rep.violations] == [
        ("solution", "table coverage has 1 rows, the plan gives 2")
    ]


def test_fairness_penalties_are_named_per_metric():
    night = {"id": "N", "start": "22:00", "length_minutes": 480, "night": True}
    i = inst(days=7, employees=2, shifts=[D, night])
    i["fairness"] = {"weekends": 2, "nights": 3, "minutes": 1}
    rep = check(i, {"E0": "DN...DD", "E1": "......."})
    assert rep.penalties["by_rule"] == {
        "fairness_weekends": 2,  # 1 weekend against 0
        "fairness_nights": 3,  # 1 night against 0
        "fairness_minutes": 1920,  # 4 shifts of 480 minutes against none
    }
    assert rep.penalties["by_contract"] == {"C": rep.penalties["by_rule"]}
