"""Staffing levels: one test per rule, the checker on bad plans, invalid input, conversion."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest

import opsplan
from opsplan import InvalidInput, SolveStatus
from opsplan.core.options import SolveOptions
from opsplan.core.registry import get
from opsplan.core.run import RunContext
from opsplan.staffing_levels import to_rostering_coverage
from opsplan.staffing_levels.schema import StaffingLevelsSolution


def day_demand(spec: dict[tuple[int, int], int], days: int = 1) -> list[int]:
    """Hourly slots; spec maps (first hour, end hour) -> people, on every day."""
    d = [0] * 24
    for (a, b), n in spec.items():
        for h in range(a, b):
            d[h] = n
    return d * days


def pat(pid: str, start: str, hours: int, days: list[int], cost: float, **kw: Any) -> dict:
    return {
        "id": pid,
        "start": start,
        "length_minutes": hours * 60,
        "days": days,
        "cost": cost,
        **kw,
    }


def req(inst: dict[str, Any], backend: str = "highs") -> dict[str, Any]:
    return {
        "model": "staffing_levels",
        "instance": {"slot_minutes": 60, "cyclic": False, **inst},
        "options": {"time_limit_s": 20, "backend": backend},
    }


def solved(inst: dict[str, Any], backend: str = "highs") -> opsplan.SolveResult:
    res = opsplan.solve(req(inst, backend))
    assert res.violations == [], res.violations
    StaffingLevelsSolution.model_validate(res.solution)  # every plan has its promised shape
    return res


def heads(res: opsplan.SolveResult) -> dict[str, int]:
    assert res.solution is not None
    return {h["pattern"]: h["count"] for h in res.solution["headcount"] if h["count"]}


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_rule_coverage_at_least_cost(backend):
    # 8-16 needs 2, 12-20 needs 3 more: early shift 8-16, late 12-20
    demand = day_demand({(8, 12): 2, (12, 16): 5, (16, 20): 3})
    inst = {
        "demand": demand,
        "patterns": [
            pat("early", "08:00", 8, [0], 100),
            pat("late", "12:00", 8, [0], 100),
            pat("long", "08:00", 12, [0], 180),
        ],
    }
    res = solved(inst, backend)
    assert res.status == SolveStatus.OPTIMAL
    # 2 early + 3 late = 500; or long covers 8-20: 2 long + 3 late would be 660; best is 500
    assert heads(res) == {"early": 2, "late": 3} and res.objective == pytest.approx(500)
    assert res.kpis["short_person_slots"] == 0


def test_rule_break_leaves_its_slot_uncovered():
    demand = day_demand({(8, 12): 1})
    brk = pat("b", "08:00", 4, [0], 10, break_offset_minutes=120, break_minutes=60)
    nob = pat("n", "08:00", 4, [0], 15)
    res = solved({"demand": demand, "patterns": [brk, nob]})
    assert heads(res) == {"n": 1}
    res = solved({"demand": demand, "patterns": [brk, pat("h", "10:00", 1, [0], 1)]})
    assert heads(res) == {"b": 1, "h": 1} and res.objective == pytest.approx(11)


def test_rule_under_coverage_penalty_prices_a_short_slot():
    demand = day_demand({(8, 16): 1})
    inst = {"demand": demand, "patterns": [pat("p", "08:00", 8, [0], 500)], "under_penalty": 50}
    res = solved(inst)  # 8 short slots x 50 = 400 < 500
    assert heads(res) == {} and res.objective == pytest.approx(400)
    inst["under_penalty"] = 70  # 560 > 500
    assert heads(solved(inst)) == {"p": 1}


def test_rule_weekly_tours_cover_only_their_days():
    demand = day_demand({(9, 17): 1}, days=3)
    tours = [
        pat("d01", "09:00", 8, [0, 1], 150),
        pat("d2", "09:00", 8, [2], 100),
        pat("d012", "09:00", 8, [0, 1, 2], 260),
    ]
    res = solved({"demand": demand, "patterns": tours})
    assert heads(res) == {"d01": 1, "d2": 1} and res.objective == pytest.approx(250)


def test_rule_part_time_share_limit():
    demand = day_demand({(8, 12): 2})
    pts = [pat("pt", "08:00", 4, [0], 40, part_time=True), pat("ft", "08:00", 8, [0], 100)]
    assert heads(solved({"demand": demand, "patterns": pts})) == {"pt": 2}
    res = solved({"demand": demand, "patterns": pts, "max_part_time_share": 0.5})
    assert heads(res) == {"pt": 1, "ft": 1} and res.kpis["part_time_share"] == 0.5


def test_rule_max_headcount():
    demand = day_demand({(8, 16): 3})
    ps = [pat("cheap", "08:00", 8, [0], 10, max_headcount=1), pat("dear", "08:00", 8, [0], 30)]
    assert heads(solved({"demand": demand, "patterns": ps})) == {"cheap": 1, "dear": 2}


def test_cyclic_week_wraps_a_night_shift_into_day_0():
    demand = day_demand({(0, 6): 1, (22, 24): 1})
    inst = {"demand": demand, "cyclic": True, "patterns": [pat("n", "22:00", 8, [0], 10)]}
    res = opsplan.solve({"model": "staffing_levels", "instance": {"slot_minutes": 60, **inst}})
    assert res.violations == [] and heads(res) == {"n": 1} and res.objective == pytest.approx(10)


def test_checker_rejects_bad_plans():
    spec = get("staffing_levels")
    inst = spec.instance_type.model_validate(
        {
            "slot_minutes": 60,
            "demand": day_demand({(8, 10): 1}),
            "max_part_time_share": 0.0,
            "patterns": [pat("p", "08:00", 2, [0], 5, part_time=True, max_headcount=1)],
        }
    )
    plan = spec.solve(spec.prepare(inst), SolveOptions(backend="highs"), RunContext()).solution
    assert isinstance(plan, StaffingLevelsSolution)
    good = plan.model_dump(mode="json")
    rep = spec.check(inst, good)
    assert rep.violations == [] and rep.objective == pytest.approx(2 * 1000)
    bad = deepcopy(good)
    bad["headcount"] = [
        {"pattern": "p", "count": 2, "part_time": True, "cost": 10.0},
        {"pattern": "zz", "count": 1, "part_time": False, "cost": 0.0},
    ]
    rep = spec.check(inst, bad)
    # 2 people over the cap of 1 and an unknown pattern; part-time over a share of 0; and the
    # plan's derived tables still show nobody at work
    assert {v.rule for v in rep.violations} == {"headcount", "part_time_share", "solution"}
    assert rep.objective == pytest.approx(10)


def wrong_table(plan: dict[str, Any], table: str, row: int, key: str, value: Any) -> list[str]:
    """The checker's findings on `plan` with one field of a derived table changed."""
    spec = get("staffing_levels")
    inst = spec.instance_type.model_validate(REQ_TWO_SHIFTS["instance"])
    bad = deepcopy(plan)
    if table == "cost":
        bad["cost"][key] = value
    else:
        bad[table][row][key] = value
    return [f"{v.rule}: {v.message}" for v in spec.check(inst, bad).violations]


REQ_TWO_SHIFTS = req(
    {
        "demand": day_demand({(8, 16): 2, (16, 20): 1}),
        "under_penalty": 100,
        "patterns": [pat("e", "08:00", 8, [0], 100), pat("l", "16:00", 4, [0], 500)],
    }
)


def test_checker_recomputes_every_derived_table():
    res = opsplan.solve(REQ_TWO_SHIFTS)
    assert res.status == SolveStatus.OPTIMAL and res.violations == []
    plan = res.solution
    assert plan is not None and heads(res) == {"e": 2}  # 16-20 short: 4 x 100 < 500
    assert StaffingLevelsSolution.model_validate(plan).cost.total == res.objective == 600
    assert wrong_table(plan, "slots", 9, "covered", 3) == [
        "solution: slot 9: the plan reports covered 3 but its headcounts give 2"
    ]
    assert wrong_table(plan, "slots", 17, "short", 0) == [
        "solution: slot 17: the plan reports short 0 but its headcounts give 1"
    ]
    assert wrong_table(plan, "slots", 3, "time", "04:00")[0].startswith("solution: slot 3:")
    assert wrong_table(plan, "headcount", 0, "cost", 100.0) == [
        "solution: pattern e: cost 100.0 but 2 people cost 200.0"
    ]
    assert wrong_table(plan, "headcount", 1, "part_time", True)[0].startswith("solution:")
    assert wrong_table(plan, "shifts", 0, "people", 3) == [
        "solution: shift day 0 08:00 (480 min): the plan reports 3 people, its headcounts "
        "put 2 there"
    ]
    assert wrong_table(plan, "cost", 0, "under_penalty", 0.0) == [
        "solution: cost under_penalty: the plan reports 0.0, its headcounts give 400.0"
    ]
    # a plan without its tables is not the plan it promises
    spec = get("staffing_levels")
    inst = spec.instance_type.model_validate(REQ_TWO_SHIFTS["instance"])
    rep = spec.check(inst, {"headcount": plan["headcount"]})
    assert [v.rule for v in rep.violations] == ["solution"] * 3


def test_the_typed_plan_is_what_the_pipeline_returns():
    res = solved({"demand": day_demand({(8, 12): 1}), "patterns": [pat("p", "08:00", 4, [0], 5)]})
    plan = StaffingLevelsSolution.model_validate(res.solution)
    assert plan.model_dump(mode="json") == res.solution
    assert [h.pattern for h in plan.headcount] == ["p"] and len(plan.slots) == 24
    assert [(s.day, s.start, s.people) for s in plan.shifts] == [(0, "08:00", 1)]


def test_invalid_input_names_every_problem():
    bad = {"slot_minutes": 7, "demand": [1, -1], "patterns": [pat("p", "08:00", 1, [0], 1)]}
    with pytest.raises(InvalidInput) as e:
        opsplan.solve({"model": "staffing_levels", "instance": bad})
    assert {p.where for p in e.value.problems} == {"instance.slot_minutes", "instance.demand[1]"}
    bad = {
        "slot_minutes": 60,
        "demand": [1] * 30,
        "patterns": [
            pat("p", "08:30", 2, [0, 5, 0], 1, break_minutes=180),
            pat("p", "08:00", 2, [0], 1, break_offset_minutes=90, break_minutes=60),
        ],
    }
    with pytest.raises(InvalidInput) as e:
        opsplan.solve({"model": "staffing_levels", "instance": bad})
    where = {p.where for p in e.value.problems}
    assert {
        "instance.demand",
        "instance.patterns[0].start",
        "instance.patterns[0].days[1]",
        "instance.patterns[0].days",
        "instance.patterns[0].break_minutes",
        "instance.patterns[1].id",
        "instance.patterns[1].break_offset_minutes",
    } <= where


def test_per_shift_result_becomes_rostering_coverage():
    demand = day_demand({(8, 16): 2, (16, 20): 1}, days=2)
    inst = {
        "demand": demand,
        "start_date": "2024-01-01",
        "patterns": [pat("e", "08:00", 8, [0, 1], 100), pat("l", "12:00", 8, [1], 60)],
    }
    res = solved(inst)
    cov = to_rostering_coverage(
        get("staffing_levels").instance_type.model_validate(
            {"slot_minutes": 60, "cyclic": False, **inst}
        ),
        res.solution,
    )
    ids = {s["id"]: s for s in cov["shift_types"]}
    rows = {(c["day"], c["shift"]): c["min"] for c in cov["coverage"]}
    assert rows == {(0, "0800-480"): 2, (1, "0800-480"): 2, (1, "1200-480"): 1}
    assert ids["1200-480"]["start"] == "12:00"
    # and the rows drop into a rostering instance as they are
    roster = {
        "start_date": cov["start_date"],
        "days": 2,
        "shift_types": cov["shift_types"],
        "contracts": [{"id": "C"}],
        "coverage": cov["coverage"],
        "employees": [{"id": f"N{i}", "contract": "C"} for i in range(3)],
    }
    r = opsplan.solve({"model": "rostering", "instance": roster, "options": {"time_limit_s": 10}})
    assert r.violations == [] and r.objective == 0


def test_schema_describes_every_field_of_the_instance_and_the_plan():
    for model in (get("staffing_levels").instance_type, StaffingLevelsSolution):
        doc = model.model_json_schema()
        for name, part in [(model.__name__, doc), *doc.get("$defs", {}).items()]:
            for field, prop in part.get("properties", {}).items():
                assert prop.get("description"), f"{name}.{field}"
