"""The checker on hand-made bad schedules: each breaks one rule and must be named."""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path

import pytest

from opsplan.core import registry
from opsplan.scheduling.check import check
from opsplan.scheduling.cpsat import Formulation
from opsplan.scheduling.schema import SchedulingInstance

INST = SchedulingInstance.model_validate(
    {
        "machines": [{"id": "M1", "unavailable": [{"start": 20, "end": 25}]}, {"id": "M2"}],
        "setups": [{"from_family": "x", "to_family": "y", "time": 3}],
        "jobs": [
            {
                "id": "A",
                "release": 1,
                "due": 8,
                "deadline": 30,
                "operations": [
                    {"id": "a1", "family": "x", "machines": [{"machine": "M1", "duration": 4}]},
                    {"id": "a2", "machines": [{"machine": "M2", "duration": 2}]},
                ],
            },
            {
                "id": "B",
                "operations": [
                    {
                        "id": "b1",
                        "family": "y",
                        "pin": {"machine": "M1", "start": 8},
                        "machines": [
                            {"machine": "M1", "duration": 5},
                            {"machine": "M2", "duration": 9},
                        ],
                    }
                ],
            },
        ],
        "objective": {"terms": [{"kind": "makespan"}]},
    }
)
GOOD = {
    "operations": [
        {"job": "A", "index": 0, "operation": "a1", "machine": "M1", "start": 1, "end": 5},
        {"job": "A", "index": 1, "operation": "a2", "machine": "M2", "start": 5, "end": 7},
        {"job": "B", "index": 0, "operation": "b1", "machine": "M1", "start": 8, "end": 13},
    ]
}


def with_change(i: int, **kw):
    sol = copy.deepcopy(GOOD)
    sol["operations"][i].update(kw)
    return sol


def test_good_schedule_passes_and_objective_is_recomputed():
    rep = check(INST, GOOD)
    assert rep.violations == [] and rep.objective == 13


@pytest.mark.parametrize(
    "sol, rule",
    [
        (with_change(0, machine="M2", start=1, end=5), "operations"),
        (with_change(0, end=6), "operations"),
        (with_change(1, start=4, end=6), "precedence"),
        (with_change(0, start=0, end=4), "release"),
        (with_change(2, start=7, end=12), "pin"),
        (with_change(2, machine="M2", start=8, end=17), "pin"),
        (with_change(2, start=6, end=11), "setup"),
        (with_change(1, start=26, end=31), "deadline"),
    ],
)
def test_each_broken_rule_is_named(sol, rule):
    rules = {v.rule for v in check(INST, sol).violations}
    assert rule in rules, rules


def test_overlap_on_a_machine_is_a_capacity_violation():
    inst = INST.model_copy(update={"setups": []})
    sol = with_change(2, start=3, end=8)
    inst.jobs[1].operations[0].pin = None
    assert "capacity_and_calendar" in {v.rule for v in check(inst, sol).violations}


def test_unavailable_period_violation_names_machine_and_period():
    inst = INST.model_copy(deep=True)
    inst.jobs[1].operations[0].pin = None
    sol = with_change(2, start=18, end=23)
    v = [x for x in check(inst, sol).violations if x.rule == "capacity_and_calendar"]
    assert v and "20-25" in v[0].message and v[0].entities["machine"] == "M1"


def test_calendar_violation_outside_working_hours():
    inst = SchedulingInstance.model_validate(
        {
            "start": "2026-11-30T06:00:00",
            "calendars": [
                {"id": "c", "working": [{"days": ["mon"], "start": "06:00", "end": "07:00"}]}
            ],
            "machines": [{"id": "M1", "calendar": "c"}],
            "jobs": [
                {
                    "id": "A",
                    "operations": [{"id": "a", "machines": [{"machine": "M1", "duration": 61}]}],
                }
            ],
        }
    )
    sol = {
        "operations": [
            {"job": "A", "index": 0, "operation": "a", "machine": "M1", "start": 0, "end": 61}
        ]
    }
    v = check(inst, sol).violations
    assert [x.rule for x in v] == ["capacity_and_calendar"]
    assert "runs on Mon 2026-11-30 07:00, outside the working time of M1" in v[0].message


def test_calendar_check_is_exact_at_window_edges_across_midnight():
    inst = SchedulingInstance.model_validate(
        {
            "start": "2026-11-30T20:00:00",
            "calendars": [
                {"id": "c", "working": [{"days": ["mon"], "start": "22:00", "end": "02:00"}]}
            ],
            "machines": [{"id": "M1", "calendar": "c"}],
            "jobs": [
                {
                    "id": "A",
                    "operations": [{"id": "a", "machines": [{"machine": "M1", "duration": 240}]}],
                }
            ],
        }
    )

    def at(start):
        sol = {
            "operations": [
                {
                    "job": "A",
                    "index": 0,
                    "operation": "a",
                    "machine": "M1",
                    "start": start,
                    "end": start + 240,
                }
            ]
        }
        return [x.rule for x in check(inst, sol).violations]

    assert at(120) == []  # 22:00-02:00 exactly
    assert at(119) == ["capacity_and_calendar"] and at(121) == ["capacity_and_calendar"]


def test_missing_duplicate_and_unknown_operations():
    ops = GOOD["operations"]
    assert {v.message for v in check(INST, {"operations": ops[:2]}).violations} == {
        "operation b1 of job B is not scheduled"
    }
    dup = {"operations": [*ops, ops[0]]}
    assert any("twice" in v.message for v in check(INST, dup).violations)
    unk = {"operations": [*ops, {**ops[0], "operation": "zz"}]}
    assert any("unknown operation zz" in v.message for v in check(INST, unk).violations)


# ------------------------------------------------------------------ derived fields and tables

FULL = {
    "operations": [
        {"job": "A", "index": 0, "operation": "a1", "machine": "M1", "start": 1, "end": 5,
         "setup_before": 0, "paused": 0},
        {"job": "A", "index": 1, "operation": "a2", "machine": "M2", "start": 5, "end": 7,
         "setup_before": 0, "paused": 0},
        {"job": "B", "index": 0, "operation": "b1", "machine": "M1", "start": 8, "end": 13,
         "setup_before": 3, "paused": 0},
    ],
    "jobs": [
        {"job": "A", "release": 1, "start": 1, "completion": 7, "due": 8, "deadline": 30,
         "weight": 1, "lateness": -1, "tardiness": 0, "late": False},
        {"job": "B", "release": 0, "start": 8, "completion": 13, "due": None, "deadline": None,
         "weight": 1, "lateness": None, "tardiness": 0, "late": False},
    ],
    "machines": [
        # up to the makespan 13, before M1's unavailable period: 13 available on each
        {"machine": "M1", "operations": 2, "busy": 9, "setup": 3, "available": 13, "idle": 1,
         "utilisation": 0.6923},
        {"machine": "M2", "operations": 1, "busy": 2, "setup": 0, "available": 13, "idle": 11,
         "utilisation": 0.1538},
    ],
}  # fmt: skip


def test_a_plan_with_right_tables_passes_and_has_the_typed_shape():
    from opsplan.scheduling.schema import SchedulingSolution

    SchedulingSolution.model_validate(FULL)
    assert check(INST, FULL).violations == []


def _broken(table: str, i: int, **kw):
    sol = copy.deepcopy(FULL)
    sol[table][i].update(kw)
    return sol


@pytest.mark.parametrize(
    "sol",
    [
        _broken("jobs", 0, late=True),
        _broken("jobs", 0, completion=8),
        _broken("jobs", 1, lateness=0),
        _broken("machines", 0, utilisation=0.7),
        _broken("machines", 1, idle=10),
        _broken("machines", 0, setup=0),
        _broken("operations", 2, setup_before=0),
        _broken("operations", 0, setup_before=3),
        _broken("operations", 1, paused=2),
        _broken("operations", 1, start_time="2026-11-30T06:05:00"),
        {**FULL, "jobs": FULL["jobs"][:1]},
    ],
    ids=[
        "late",
        "completion",
        "lateness",
        "utilisation",
        "idle",
        "machine-setup",
        "setup-missing",
        "setup-invented",
        "paused",
        "time-without-start",
        "job-row-missing",
    ],
)
def test_a_derived_field_or_table_that_disagrees_with_the_plan_is_named_solution(sol):
    assert [v.rule for v in check(INST, sol).violations] == ["solution"]


def test_the_rules_are_named_alike_on_the_page_in_the_spec_the_formulation_and_the_checker():
    module = importlib.import_module("opsplan.scheduling.check")
    page = (Path(__file__).parents[2] / "models" / "scheduling.md").read_text()
    section = page.split("## Rules")[1].split("\n## ")[0]
    named = re.findall(r"^\d+\. \*\*(\w+)\*\* \(`add_(\w+)`\)", section, re.M)
    assert [a for a, _ in named] == [b for _, b in named] == list(module.RULES)
    assert registry.get("scheduling").rules == module.RULES
    for rule in module.RULES:
        assert callable(getattr(module, f"check_{rule}"))
        assert callable(getattr(Formulation, f"add_{rule}"))
