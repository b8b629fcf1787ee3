"""core.diagnose: the CP-SAT assumptions core and the MILP drop-one, on models small enough to
read, with the one fallback rule name `conflict`."""

from __future__ import annotations

import pulp
from ortools.sat.python import cp_model

from opsplan.core.diagnose import CONFLICT, Guards, conflicting_rules, drop_one
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext

OPTS = SolveOptions(time_limit_s=5, workers=1)


def cp_three_rules(relax: frozenset[str]) -> tuple[cp_model.CpModel, Guards]:
    """x >= 8 (early) and x <= 3 (late) conflict; x <= 9 (cap) does not take part."""
    m = cp_model.CpModel()
    x = m.new_int_var(0, 10, "x")
    guard = Guards(m, relax)
    m.add(x >= 8).only_enforce_if(guard("early", "x at least 8", job="A"))
    m.add(x <= 3).only_enforce_if(guard("late", "x at most 3", job="B"))
    m.add(x <= 9).only_enforce_if(guard("cap", "x at most 9"))
    m.minimize(x)
    return m, guard


def test_guards_give_a_literal_only_to_relaxed_rules():
    m = cp_model.CpModel()
    guard = Guards(m, frozenset({"early"}))
    assert guard("late", "x at most 3") == []
    lits = guard("early", "x at least 8", job="A")
    assert len(lits) == 1 and len(guard) == 1
    lit, finding = guard.items[0]
    assert lit is lits[0] and (finding.rule, finding.entities) == ("early", {"job": "A"})


def test_cpsat_core_names_the_conflicting_groups_after_a_conflict_head():
    m, guard = cp_three_rules(frozenset({"early", "late", "cap"}))
    found = conflicting_rules(m, guard, OPTS, RunContext())
    assert found[0].rule == CONFLICT
    assert sorted(f.rule for f in found[1:]) == ["early", "late"]
    assert {f.entities.get("job") for f in found[1:]} == {"A", "B"}


def test_cpsat_nothing_relaxed_and_cancelled_fall_back_to_conflict():
    m, guard = cp_three_rules(frozenset())
    found = conflicting_rules(m, guard, OPTS, RunContext(), nothing_relaxed="nothing to blame")
    assert [(f.rule, f.message) for f in found] == [(CONFLICT, "nothing to blame")]
    m, guard = cp_three_rules(frozenset({"early", "late"}))
    found = conflicting_rules(m, guard, OPTS, RunContext(should_stop=lambda: True))
    assert [f.rule for f in found] == [CONFLICT] and "could not be named" in found[0].message


def lp_without(rule: str, limits: dict[str, float]) -> pulp.LpProblem:
    """x >= 5 always, and x <= each limit but the one left out."""
    prob = pulp.LpProblem("t", pulp.LpMinimize)
    x = pulp.LpVariable("x", 0, 20)
    prob += x
    prob += x >= 5
    for name, limit in limits.items():
        if name != rule:
            prob += x <= limit
    return prob


def test_drop_one_names_the_rule_whose_removal_alone_gives_a_plan():
    seen: list[str] = []
    relaxable = {"cap": "the cap", "budget": "the budget"}

    def without(rule: str) -> pulp.LpProblem:
        seen.append(rule)
        return lp_without(rule, {"cap": 3, "space": 4, "budget": 9})

    # cap and space are both too tight: leaving out either one alone is not enough
    found = drop_one(relaxable, without, OPTS, RunContext())
    assert seen == ["cap", "budget"]
    assert [f.rule for f in found] == [CONFLICT]
    assert "the cap, the budget" in found[0].message

    found = drop_one(
        relaxable, lambda r: lp_without(r, {"cap": 3, "budget": 9}), OPTS, RunContext()
    )
    assert [(f.rule, f.message) for f in found] == [
        ("cap", "no plan meets every rule; without the cap there is one")
    ]


def test_drop_one_stops_at_the_cancel_flag_and_says_so():
    asked: list[str] = []
    found = drop_one(
        {"cap": "the cap"},
        lambda r: asked.append(r) or lp_without(r, {"cap": 3}),
        OPTS,
        RunContext(should_stop=lambda: True),
        hint="Allow shortages.",
    )
    assert asked == []
    assert [f.rule for f in found] == [CONFLICT]
    assert "time ran out" in found[0].message and found[0].message.endswith("Allow shortages.")
