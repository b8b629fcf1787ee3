"""Invalid input: every problem named at once, each with its field path and the id involved."""

from __future__ import annotations

import pytest

import opsplan
from opsplan import InvalidInput

from .helpers import inst, need, req


def problems(instance):
    with pytest.raises(InvalidInput) as e:
        opsplan.solve(req(instance))
    return {p.where: p.message for p in e.value.problems}


def test_every_cross_reference_problem_is_named_with_its_path():
    i = inst(
        days=7,
        coverage=[need(9, 1), need(1, 1, "X"), need(2, 1, skill="RN"), need(2, 2, preferred=1)],
    )
    i["shift_types"][0]["forbidden_next"] = ["Q"]
    i["contracts"][0].update(
        {"max_shifts_per_type": {"Z": 1}, "min_total_minutes": 10, "max_total_minutes": 5}
    )
    i["employees"] = [
        {
            "id": "A",
            "contract": "nope",
            "skills": ["RN"],
            "unavailable_days": [7],
            "shift_on_requests": [{"day": 8, "shift": "Y"}],
            "history": {"consecutive_days_worked": 1, "consecutive_days_off": 2, "last_shift": "K"},
        },
        {"id": "A", "contract": "C"},
    ]
    i["pins"] = [{"employee": "B", "day": 10, "shift": "W"}]
    p = problems(i)
    expected = {
        "instance.shift_types[0].forbidden_next[0]",
        "instance.contracts[0].max_shifts_per_type.Z",
        "instance.contracts[0].min_total_minutes",
        "instance.employees[0].contract",
        "instance.employees[0].skills[0]",
        "instance.employees[0].unavailable_days[0]",
        "instance.employees[0].shift_on_requests[0].day",
        "instance.employees[0].shift_on_requests[0].shift",
        "instance.employees[0].history",
        "instance.employees[0].history.last_shift",
        "instance.employees[1].id",
        "instance.coverage[0].day",
        "instance.coverage[1].shift",
        "instance.coverage[2].skill",
        "instance.coverage[3].preferred",
        "instance.pins[0].employee",
        "instance.pins[0].day",
        "instance.pins[0].shift",
    }
    assert expected <= set(p), expected - set(p)
    assert (
        "'A'" in p["instance.employees[1].id"] and "'nope'" in p["instance.employees[0].contract"]
    )


def test_field_errors_from_the_schema_name_their_paths():
    i = inst(days=0)
    i["shift_types"][0]["start"] = "25:00"
    i["shift_types"][0]["length_minutes"] = 0
    i["rules"] = {"no_such_rule": {"hard": True}, "min_rest": {"hard": True, "weight": -1}}
    i["employees"][0]["colour"] = "red"
    p = problems(i)
    assert {
        "instance.days",
        "instance.shift_types[0].start",
        "instance.shift_types[0].length_minutes",
        "instance.employees[0].colour",
        "instance.rules.min_rest.weight",
    } <= set(p)
    assert any(k.startswith("instance.rules") and "no_such_rule" in k for k in p)


def test_duplicates_are_named():
    i = inst(
        days=2,
        coverage=[need(0, 1), need(0, 2)],
        pins=[{"employee": "E0", "day": 0}, {"employee": "E0", "day": 0, "shift": "D"}],
    )
    i["shift_types"].append(dict(i["shift_types"][0]))
    i["contracts"].append({"id": "C"})
    i["skills"] = ["RN", "RN"]
    p = problems(i)
    assert {
        "instance.shift_types[1].id",
        "instance.contracts[1].id",
        "instance.skills[1]",
        "instance.coverage[1]",
        "instance.pins[1]",
    } <= set(p)


def test_a_shift_starts_at_a_clock_time_of_the_day_never_24_00():
    i = inst()
    i["shift_types"][0]["start"] = "24:00"
    p = problems(i)
    assert "00:00 to 23:59" in p["instance.shift_types[0].start"]
    i["shift_types"][0]["start"] = "23:59"
    assert opsplan.validate(req(i)) == []
