"""One test per rule of models/rostering.md: feasible at the rule's boundary, infeasible or
penalised past it. Every roster is verified by the checker (solved() asserts no violations).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from opsplan import SolveStatus
from opsplan.core.registry import get
from opsplan.rostering import cpsat, diagnose

from .helpers import every_day, grid, inst, need, solved

D = {"id": "D", "start": "08:00", "length_minutes": 480}


def test_rule_unavailable_hard_keeps_the_day_off_and_soft_prices_it():
    i = inst(days=3, coverage=every_day(3, 1))
    i["employees"][0]["unavailable_days"] = [1]
    res = solved(i)
    assert grid(res)["E0"] == "D.D" and res.objective == 1000
    i["rules"] = {"unavailable": {"hard": False, "weight": 5}}
    res = solved(i)
    assert grid(res)["E0"] == "DDD" and res.objective == 5
    assert res.penalties["by_employee"]["E0"] == {"unavailable": 5}


def test_rule_forbidden_succession():
    shifts = [{"id": "N", "start": "22:00", "length_minutes": 480, "forbidden_next": ["D"]}, D]
    # D then N is allowed
    ok = solved(inst(days=2, shifts=shifts, coverage=[need(0, 1, "D"), need(1, 1, "N")]))
    assert grid(ok)["E0"] == "DN" and ok.objective == 0
    # N then D is not: one cover is left short
    i = inst(days=2, shifts=shifts, coverage=[need(0, 1, "N"), need(1, 1, "D")])
    assert solved(i).objective == 1000
    i["rules"] = {"forbidden_succession": {"hard": False, "weight": 7}}
    res = solved(i)
    assert grid(res)["E0"] == "ND" and res.objective == 7


def test_rule_min_rest_exactly_at_the_limit_is_allowed():
    shifts = [
        {"id": "L", "start": "16:00", "length_minutes": 480},  # ends at midnight
        D,  # 8 h after the end of L
        {"id": "E", "start": "06:00", "length_minutes": 480},  # 6 h after
    ]
    c = {"min_rest_minutes": 480}
    ok = solved(inst(days=2, shifts=shifts, contract=c, coverage=[need(0, 1, "L"), need(1, 1)]))
    assert grid(ok)["E0"] == "LD" and ok.objective == 0
    short = inst(days=2, shifts=shifts, contract=c, coverage=[need(0, 1, "L"), need(1, 1, "E")])
    assert solved(short).objective == 1000
    short["rules"] = {"min_rest": {"hard": False, "weight": 3}}
    assert solved(short).objective == 3


def test_rule_no_overlap_of_a_shift_past_midnight():
    shifts = [{"id": "N", "start": "20:00", "length_minutes": 720}, {**D, "start": "06:00"}]
    res = solved(inst(days=2, shifts=shifts, coverage=[need(0, 1, "N"), need(1, 1, "D")]))
    assert res.objective == 1000


def test_rule_max_shifts_per_type():
    res = solved(inst(days=5, contract={"max_shifts_per_type": {"D": 3}}, coverage=every_day(5, 1)))
    assert grid(res)["E0"].count("D") == 3 and res.objective == 2000


def test_rule_max_total_minutes_at_the_boundary():
    res = solved(inst(days=5, contract={"max_total_minutes": 1440}, coverage=every_day(5, 1)))
    assert grid(res)["E0"].count("D") == 3 and res.objective == 2000
    i = inst(days=5, contract={"max_total_minutes": 1440}, coverage=every_day(5, 1))
    i["rules"] = {"max_total_minutes": {"hard": False, "weight": 1}}
    res = solved(i)  # 2 x 480 extra minutes cost less than 2 x 1000
    assert grid(res)["E0"] == "DDDDD" and res.objective == 960


def test_rule_min_total_minutes():
    cov = every_day(7, 0, over_weight=1)  # every shift worked costs 1
    res = solved(inst(days=7, contract={"min_total_minutes": 960}, coverage=cov))
    assert grid(res)["E0"].count("D") == 2 and res.objective == 2


def test_rule_min_total_minutes_unreachable_is_infeasible_with_a_diagnosis():
    i = inst(days=3, contract={"min_total_minutes": 960})
    i["employees"][0]["unavailable_days"] = [0, 1]
    res = solved(i)
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "min_total_minutes"
    assert res.diagnosis[0].entities["employee"] == "E0"


def test_rule_max_week_minutes_per_calendar_week():
    res = solved(inst(days=14, contract={"max_week_minutes": 1440}, coverage=every_day(14, 1)))
    g = grid(res)["E0"]
    assert g[:7].count("D") == 3 and g[7:].count("D") == 3 and res.objective == 8000


def test_rule_min_week_minutes_only_in_whole_weeks():
    cov = every_day(14, 0, over_weight=1)
    res = solved(inst(days=14, contract={"min_week_minutes": 960}, coverage=cov))
    g = grid(res)["E0"]
    assert g[:7].count("D") == 2 and g[7:].count("D") == 2 and res.objective == 4
    # from a Wednesday, 7 days hold no whole Monday-Sunday week: nothing is forced
    i = inst(days=7, contract={"min_week_minutes": 960}, coverage=every_day(7, 0, over_weight=1))
    i["start_date"] = "2024-01-03"
    assert solved(i).objective == 0


def test_rule_max_consecutive_work_and_history_across_the_boundary():
    i = inst(days=7, contract={"max_consecutive_work": 3}, coverage=every_day(7, 1))
    res = solved(i)
    assert res.objective == 1000 and "DDDD" not in grid(res)["E0"]
    # two days worked before the horizon: the first run may only be one day long
    i["employees"][0]["history"] = {"consecutive_days_worked": 2}
    res = solved(i)
    assert res.objective == 2000 and not grid(res)["E0"].startswith("DD")


def test_rule_min_consecutive_work():
    cov = [need(d, 1 if d == 3 else 0, over_weight=1) for d in range(7)]
    res = solved(inst(days=7, contract={"min_consecutive_work": 3}, coverage=cov))
    assert res.objective == 2 and "DDD" in grid(res)["E0"]
    # a run touching day 0 with an unknown past is not judged short
    cov0 = [need(d, 1 if d == 0 else 0, over_weight=1) for d in range(7)]
    res = solved(inst(days=7, contract={"min_consecutive_work": 3}, coverage=cov0))
    assert res.objective == 0 and grid(res)["E0"] == "D......"
    # with history (two days off before), it is
    i = inst(days=7, contract={"min_consecutive_work": 3}, coverage=cov0)
    i["employees"][0]["history"] = {"consecutive_days_off": 2}
    res = solved(i)
    assert res.objective == 2 and grid(res)["E0"].startswith("DDD")


def test_rule_min_consecutive_off():
    cov = [need(d, 1) if d != 3 else need(3, 0, over_weight=5000) for d in range(7)]
    res = solved(inst(days=7, contract={"min_consecutive_off": 2}, coverage=cov))
    assert res.objective == 1000
    i = inst(days=7, contract={"min_consecutive_off": 2}, coverage=cov)
    i["rules"] = {"min_consecutive_off": {"hard": False, "weight": 10}}
    res = solved(i)
    assert grid(res)["E0"] == "DDD.DDD" and res.objective == 10


def test_rule_max_weekends():
    cov = [need(5, 1), need(12, 1)]  # the two Saturdays
    res = solved(inst(days=14, contract={"max_weekends": 1}, coverage=cov))
    assert res.objective == 1000
    res = solved(inst(days=14, contract={"max_weekends": 2}, coverage=cov))
    assert res.objective == 0


def test_rule_shift_on_request():
    i = inst(days=3)
    i["employees"][0]["shift_on_requests"] = [{"day": 1, "shift": "D", "weight": 5}]
    res = solved(i)
    assert grid(res)["E0"][1] == "D" and res.objective == 0
    i["employees"][0]["unavailable_days"] = [1]
    res = solved(i)
    assert res.objective == 5 and res.penalties["by_rule"] == {"shift_on_request": 5}


def test_rule_shift_off_request():
    i = inst(days=2, employees=2, coverage=[need(1, 1)])
    i["employees"][0]["shift_off_requests"] = [{"day": 1, "weight": 3}]
    res = solved(i)
    assert grid(res) == {"E0": "..", "E1": ".D"} and res.objective == 0
    i["employees"][1]["shift_off_requests"] = [{"day": 1, "shift": "D", "weight": 4}]
    res = solved(i)  # one request must give: the cheaper one
    assert grid(res)["E0"] == ".D" and res.objective == 3


def test_rule_coverage_min_soft_by_default_shows_the_shortfall():
    res = solved(inst(days=1, coverage=[need(0, 2)]))
    assert res.status == SolveStatus.OPTIMAL and res.objective == 1000
    assert res.solution["coverage"][0]["shortfall"] == 1
    assert res.kpis["coverage_shortfall"] == 1


def test_rule_coverage_min_hard_is_infeasible_with_a_diagnosis():
    i = inst(days=1, coverage=[need(0, 2)], rules={"coverage_min": {"hard": True, "weight": 1}})
    res = solved(i)
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].rule == "coverage_min" and "needs 2" in res.diagnosis[0].message


def test_rule_coverage_preferred():
    cov = [need(0, 1, preferred=2, preferred_weight=10)]
    assert solved(inst(days=1, coverage=cov)).objective == 10
    assert solved(inst(days=1, employees=2, coverage=cov)).objective == 0


def test_rule_coverage_excess():
    res = solved(
        inst(
            days=1,
            employees=2,
            contract={"min_total_minutes": 480},
            coverage=[need(0, 1, over_weight=4)],
        )
    )
    assert res.objective == 4 and res.solution["coverage"][0]["excess"] == 1


def test_rule_skills_count_only_the_skill_used():
    i = inst(days=1, employees=2, skills=["RN"], coverage=[need(0, 1, skill="RN")])
    i["employees"][1]["skills"] = ["RN"]
    res = solved(i)
    rows = res.solution["assignments"]
    assert res.objective == 0
    assert [(a["employee"], a["skill"]) for a in rows if a["skill"]] == [("E1", "RN")]
    i["employees"][1]["unavailable_days"] = [0]
    assert solved(i).objective == 1000  # E0 has no RN


def test_rule_pins_are_kept():
    i = inst(
        days=2,
        coverage=[need(0, 1)],
        pins=[
            {"employee": "E0", "day": 0, "shift": None},
            {"employee": "E0", "day": 1, "shift": "D"},
        ],
    )
    res = solved(i)
    assert grid(res)["E0"] == ".D" and res.objective == 1000


def test_rule_history_last_shift_blocks_a_forbidden_successor_on_day_0():
    shifts = [{"id": "N", "start": "22:00", "length_minutes": 480, "forbidden_next": ["D"]}, D]
    i = inst(days=1, shifts=shifts, coverage=[need(0, 1, "D")])
    i["employees"][0]["history"] = {"consecutive_days_worked": 1, "last_shift": "N"}
    assert solved(i).objective == 1000
    i["employees"][0]["history"] = {"consecutive_days_worked": 1, "last_shift": "D"}
    assert solved(i).objective == 0


def test_rule_history_rest_after_the_last_shift():
    i = inst(days=1, contract={"min_rest_minutes": 660}, coverage=[need(0, 1)])
    i["employees"][0]["history"] = {
        "consecutive_days_worked": 1,
        "last_shift_end": "2023-12-31T23:00:00",
    }
    assert solved(i).objective == 1000  # 9 h of rest before 08:00
    i["employees"][0]["history"]["last_shift_end"] = "2023-12-31T21:00:00"
    assert solved(i).objective == 0  # exactly 11 h


def test_rule_fairness_spreads_minutes_nights_and_weekends():
    cov = every_day(4, 1)
    res = solved(inst(days=4, employees=2, coverage=cov, fairness={"minutes": 1}))
    g = grid(res)
    assert g["E0"].count("D") == 2 and g["E1"].count("D") == 2 and res.objective == 0
    night = [{"id": "N", "start": "22:00", "length_minutes": 480, "night": True}]
    res = solved(
        inst(
            days=3,
            employees=2,
            shifts=night,
            coverage=every_day(3, 1, "N", over_weight=100),
            fairness={"nights": 5},
        )
    )
    assert res.objective == 5  # 2 against 1
    res = solved(
        inst(days=14, employees=2, coverage=[need(5, 1), need(12, 1)], fairness={"weekends": 3})
    )
    assert res.objective == 0
    assert [r["weekends"] for r in res.solution["employees"]] == [1, 1]


def test_conflicting_hard_rules_are_named_by_cp_sat():
    # five days must all be worked (2400 minutes) but never more than two in a row
    i = inst(days=5, contract={"min_total_minutes": 2400, "max_consecutive_work": 2})
    res = solved(i)
    assert res.status == SolveStatus.INFEASIBLE
    named = {f.rule for f in res.diagnosis}
    assert {"min_total_minutes", "max_consecutive_work"} <= named
    assert all(f.entities.get("employee") == "E0" for f in res.diagnosis[1:])


def test_diagnosis_names_days_of_unavailability_and_pins():
    i = inst(days=2, pins=[{"employee": "E0", "day": 1, "shift": "D"}])
    i["employees"][0]["unavailable_days"] = [1]
    res = solved(i)
    assert res.status == SolveStatus.INFEASIBLE
    assert res.diagnosis[0].entities["day"] == 1 and res.diagnosis[0].rule == "pins"


def test_a_pin_in_conflict_with_a_contract_rule_is_named_by_cp_sat():
    # pinned to work three days in a row, where at most two in a row are allowed
    pins = [{"employee": "E0", "day": d, "shift": "D"} for d in range(3)]
    res = solved(inst(days=3, contract={"max_consecutive_work": 2}, pins=pins))
    assert res.status == SolveStatus.INFEASIBLE
    named = {f.rule for f in res.diagnosis}
    assert {"pins", "max_consecutive_work"} <= named, res.diagnosis


def test_rule_names_agree_in_page_spec_formulation_checker_and_diagnosis():
    check = importlib.import_module("opsplan.rostering.check")  # the package exports check()

    page = (Path(__file__).parents[2] / "models" / "rostering.md").read_text(encoding="utf-8")
    section = page.split("## Rules", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. \*\*(\w+)\*\* \(`add_(\w+)`\)", section, flags=re.M)
    assert [a for a, b in items if a != b] == []
    names = tuple(a for a, _ in items)
    assert names == get("rostering").rules
    assert [r for r in names if not callable(getattr(cpsat.Formulation, f"add_{r}", None))] == []
    assert [r for r in names if not callable(getattr(check, f"check_{r}", None))] == []
    # every rule name the diagnosis writes is one of them
    source = Path(diagnose.__file__).read_text(encoding="utf-8")
    written = set(re.findall(r'rule="(\w+)"', source)) - {"conflict", "unknown"}
    assert written <= set(names)
